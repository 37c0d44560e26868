package httpapi

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"partymap/internal/geo"
)

// AuthConfig tunes staff logins and browser sessions.
type AuthConfig struct {
	// SessionIdle ends a session unused for this long; zero means 2 hours.
	SessionIdle time.Duration
	// SessionMaxAge ends every session this long after login; zero means
	// 12 hours.
	SessionMaxAge time.Duration
	// Login bounds password guessing; zero means geo.DefaultLoginPolicy.
	Login geo.LoginPolicy
}

func (a AuthConfig) withDefaults() AuthConfig {
	if a.SessionIdle == 0 {
		a.SessionIdle = 2 * time.Hour
	}
	if a.SessionMaxAge == 0 {
		a.SessionMaxAge = 12 * time.Hour
	}
	if a.Login == (geo.LoginPolicy{}) {
		a.Login = geo.DefaultLoginPolicy()
	}
	return a
}

// Names of the session cookie and the CSRF header.
const (
	sessionCookie = "partymap_session"
	csrfHeader    = "X-CSRF-Token"
	authKey       = "partymap.auth"
)

// auth is who sent a request, and how.
type auth struct {
	user    geo.User
	session *geo.Session // nil for an API token
	token   string       // the session or API token
}

// identify reads the caller from a Bearer token or the session cookie. No
// credentials, or credentials that do not (or no longer) work, are
// EUNAUTHORIZED.
func (s *Server) identify(c echo.Context) (auth, error) {
	ctx := c.Request().Context()
	if h := c.Request().Header.Get(echo.HeaderAuthorization); h != "" {
		scheme, token, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			return auth{}, geo.Errorf(geo.EUNAUTHORIZED, "Send a personal API token as \"Authorization: Bearer pm_…\" (make one with `mapserver token add`).")
		}
		token = strings.TrimSpace(token)
		u, err := s.cfg.Accounts.FindTokenUser(ctx, token)
		if err != nil {
			return auth{}, err
		}
		return auth{user: u, token: token}, nil
	}
	ck, err := c.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return auth{}, geo.Errorf(geo.EUNAUTHORIZED, "Log in to do this: staff log in at /edit, scripts send a personal API token as \"Authorization: Bearer pm_…\".")
	}
	sess, u, err := s.cfg.Accounts.FindSession(ctx, ck.Value, s.cfg.Auth.SessionIdle)
	if err != nil {
		if geo.ErrorCode(err) == geo.EUNAUTHORIZED {
			clearSessionCookie(c)
		}
		return auth{}, err
	}
	return auth{user: u, session: &sess, token: ck.Value}, nil
}

// requireStaff lets only logged-in staff through: 401 without (working)
// credentials; 403 when a browser's state-changing request lacks the
// session's CSRF token or comes from another site. API tokens need no CSRF
// token: a browser never sends them by itself.
func (s *Server) requireStaff(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		a, err := s.identify(c)
		if err != nil {
			if geo.ErrorCode(err) == geo.EUNAUTHORIZED {
				c.Response().Header().Set("WWW-Authenticate", `Bearer realm="partymap"`)
			}
			return err
		}
		if a.session != nil && !safeMethod(c.Request().Method) {
			if err := checkOrigin(c); err != nil {
				return err
			}
			got := c.Request().Header.Get(csrfHeader)
			if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(a.session.CSRFToken)) != 1 {
				return geo.Errorf(geo.EFORBIDDEN, "The request lacks this session's CSRF token (header %s); reload the page and try again.", csrfHeader)
			}
		}
		c.Set(authKey, a)
		return next(c)
	}
}

// requireAdmin lets only administrators through.
func (s *Server) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return s.requireStaff(func(c echo.Context) error {
		if err := authOf(c).user.RequireAdmin(); err != nil {
			return err
		}
		return next(c)
	})
}

// authOf returns the caller that requireStaff let through.
func authOf(c echo.Context) auth {
	a, _ := c.Get(authKey).(auth)
	return a
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// checkOrigin refuses a browser request whose Origin (or, without one,
// Referer) is another site than this server as the client reaches it.
func checkOrigin(c echo.Context) error {
	r := c.Request()
	src := r.Header.Get("Origin")
	if src == "" {
		src = r.Header.Get("Referer")
	}
	if src == "" {
		return nil
	}
	u, err := url.Parse(src)
	if err != nil {
		return geo.Errorf(geo.EFORBIDDEN, "The request's Origin header is malformed.")
	}
	base, _ := url.Parse(baseURL(r))
	if !strings.EqualFold(u.Host, base.Host) || (u.Scheme != base.Scheme && !(u.Scheme == "https" && base.Scheme == "http")) {
		return geo.Errorf(geo.EFORBIDDEN, "Requests from another site (%s) may not change the map.", clipText(u.Scheme+"://"+u.Host))
	}
	return nil
}

// secureRequest reports whether the client reached the server by HTTPS,
// directly or through a proxy that says so (Forwarded, X-Forwarded-Proto).
func secureRequest(r *http.Request) bool {
	return strings.HasPrefix(baseURL(r), "https://")
}

// setSessionCookie hands the browser its session: HttpOnly so scripts cannot
// read it, SameSite=Strict so other sites cannot send it, Secure behind TLS.
func setSessionCookie(c echo.Context, token string, maxAge time.Duration) {
	c.SetCookie(&http.Cookie{
		Name: sessionCookie, Value: token, Path: "/",
		MaxAge: int(maxAge.Seconds()), HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: secureRequest(c.Request()),
	})
}

func clearSessionCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{
		Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: secureRequest(c.Request()),
	})
}
