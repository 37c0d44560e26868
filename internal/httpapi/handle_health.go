package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// handleHealth answers while the process is up.
func (s *Server) handleHealth(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// handleReady answers 200 when the database is reachable and its schema
// current and the viewer has every file it needs, else 503 with the reason.
func (s *Server) handleReady(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	err := s.store.Ping(ctx)
	s.observePing(err)
	if err != nil {
		return err
	}
	// Missing files do not come back by themselves: the binary has to be
	// rebuilt, so a load balancer should not send visitors here.
	if err := s.viewerReady(); err != nil {
		return err
	}
	if s.cfg.Backups == nil {
		return c.JSON(http.StatusOK, map[string]any{"status": "ready"})
	}
	return c.JSON(http.StatusOK, map[string]any{"status": "ready", "backup": s.cfg.Backups()})
}

// BackupStatus is what /readyz says of the daily backups (Config.Backups):
// when the last one completed and whether the last attempt failed; why it
// failed is in the log, not here. A failed backup leaves the server ready:
// it serves the map as before.
type BackupStatus struct {
	// LastSuccess is when the last backup completed; zero: never.
	LastSuccess time.Time `json:"last_success,omitzero"`
	// Failing is true when the last attempt failed.
	Failing bool `json:"failing"`
	// Next is when the next one runs.
	Next time.Time `json:"next,omitzero"`
}
