package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
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
	body, err := readBody(c)
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
