package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"partymap/internal/geo"
)

// sessionJSON is what the page learns about its login.
type sessionJSON struct {
	User      geo.User   `json:"user"`
	Via       string     `json:"via"` // "session" or "token"
	CSRFToken string     `json:"csrf_token,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	// IdleTimeout is how many seconds of inactivity end the session.
	IdleTimeout int `json:"idle_timeout_s,omitempty"`
}

// handleLogin checks a name and password and starts a browser session. A
// wrong name and a wrong password get the same answer after the same work;
// repeated failures lock the name (and the client) for a while: 429.
func (s *Server) handleLogin(c echo.Context) error {
	if err := checkParams(c); err != nil {
		return err
	}
	if err := requireJSON(c); err != nil {
		return err
	}
	if err := checkOrigin(c); err != nil {
		return err
	}
	body, err := readBody(c, 4<<10)
	if err != nil {
		return err
	}
	var in struct {
		Name     string `json:"name"`
		Password string `json:"password"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return geo.Errorf(geo.EINVALID, "The body must be JSON like {\"name\": \"…\", \"password\": \"…\"}.")
	}
	if in.Name == "" || in.Password == "" {
		return geo.Errorf(geo.EINVALID, "Give both a name and a password.")
	}
	ctx := c.Request().Context()
	u, err := s.cfg.Accounts.Login(ctx, in.Name, in.Password, c.RealIP(), s.cfg.Auth.Login)
	var locked *geo.LoginLocked
	if errors.As(err, &locked) {
		c.Response().Header().Set("Retry-After", fmt.Sprint(int(locked.RetryAfter.Seconds())+1))
		return echo.NewHTTPError(http.StatusTooManyRequests, geo.ErrorMessage(err))
	}
	if err != nil {
		return err
	}
	token, sess, err := s.cfg.Accounts.CreateSession(ctx, u.ID, c.RealIP(), c.Request().UserAgent(), s.cfg.Auth.SessionMaxAge)
	if err != nil {
		return err
	}
	setSessionCookie(c, token, s.cfg.Auth.SessionMaxAge)
	c.Response().Header().Set("Cache-Control", "no-store")
	s.log.Info("login", "user", u.Name, "ip", c.RealIP())
	return writeJSON(c, http.StatusOK, mediaJSON, sessionJSON{User: u, Via: "session", CSRFToken: sess.CSRFToken,
		ExpiresAt: &sess.ExpiresAt, IdleTimeout: int(s.cfg.Auth.SessionIdle.Seconds())})
}

// handleLogout ends the browser session.
func (s *Server) handleLogout(c echo.Context) error {
	if err := checkParams(c); err != nil {
		return err
	}
	a := authOf(c)
	if a.session != nil {
		if err := s.cfg.Accounts.DeleteSession(c.Request().Context(), a.token); err != nil {
			return err
		}
		clearSessionCookie(c)
	}
	return c.NoContent(http.StatusNoContent)
}

// handleSession tells the page who is logged in and its CSRF token.
func (s *Server) handleSession(c echo.Context) error {
	if err := checkParams(c); err != nil {
		return err
	}
	a := authOf(c)
	out := sessionJSON{User: a.user, Via: "token"}
	if a.session != nil {
		out.Via, out.CSRFToken, out.ExpiresAt = "session", a.session.CSRFToken, &a.session.ExpiresAt
		out.IdleTimeout = int(s.cfg.Auth.SessionIdle.Seconds())
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return writeJSON(c, http.StatusOK, mediaJSON, out)
}

// requireJSON refuses a body that is not JSON (415). A cross-site form
// cannot send JSON without the browser asking first, so this also keeps
// other sites from logging a browser in.
func requireJSON(c echo.Context, extra ...string) error {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil {
		for _, want := range append([]string{mediaJSON}, extra...) {
			if mt == want {
				return nil
			}
		}
	}
	want := append([]string{mediaJSON}, extra...)
	return echo.NewHTTPError(http.StatusUnsupportedMediaType, fmt.Sprintf("The body must be sent as %v; got Content-Type %q.", want, clipText(ct)))
}

// readBody reads the request body, refusing more than limit bytes (413).
func readBody(c echo.Context, limit int64) ([]byte, error) {
	r := http.MaxBytesReader(c.Response(), c.Request().Body, limit)
	defer r.Close()
	b, err := io.ReadAll(r)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, geo.Errorf(geo.ETOOLARGE, "The body is larger than the %s this address accepts.", byteSize(limit))
	}
	if err != nil {
		return nil, geo.WrapError(geo.EINVALID, err, "The body could not be read.")
	}
	return b, nil
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
