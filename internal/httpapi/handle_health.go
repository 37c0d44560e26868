package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"partymap/internal/geo"
)

// handleHealth answers while the process is up.
func (s *Server) handleHealth(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// handleReady answers 200 when the database is reachable and its schema
// current and the viewer has every file it needs, else 503 with the reason.
// Its answer lists the store's pools (the primary and each read replica
// with its state and lag): a replica out of rotation leaves the server
// ready, since the primary serves its reads.
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
	ready := readyJSON{Status: "ready"}
	if p, ok := s.store.(geo.PoolReporter); ok {
		ready.Pools = p.Pools()
	}
	if s.cfg.Backups != nil {
		b := s.cfg.Backups()
		ready.Backup = &b
	}
	return c.JSON(http.StatusOK, ready)
}

// readyJSON is the answer of /readyz.
type readyJSON struct {
	Status string          `json:"status"`
	Pools  []geo.PoolState `json:"pools,omitempty"`
	Backup *BackupStatus   `json:"backup,omitempty"`
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
