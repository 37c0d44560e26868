package httpapi

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
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
	// Hashing bounds how many passwords are checked at once (each argon2id
	// check takes a core for 30–50 ms and 19 MiB); zero means half the
	// cores, at least one. HashRate bounds how many are checked per
	// second, all slots together (zero: 5): at full speed a flood of
	// logins would take a core and, by the memory it churns, keep the
	// garbage collector busy, slowing every other answer. A login that
	// finds no free slot within HashWait (zero: 2 seconds) is answered
	// 503 with Retry-After.
	Hashing  int
	HashRate float64
	HashWait time.Duration

	// hashes holds a token per password check under way.
	hashes chan struct{}
}

func (a AuthConfig) withDefaults() AuthConfig {
	if a.Hashing <= 0 {
		a.Hashing = max(1, runtime.GOMAXPROCS(0)/2)
	}
	if a.HashRate <= 0 {
		a.HashRate = 5
	}
	if a.HashWait <= 0 {
		a.HashWait = 2 * time.Second
	}
	a.hashes = make(chan struct{}, a.Hashing)
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

// Names of the session cookie and the CSRF header. Over HTTPS the cookie
// is __Host- prefixed: the browser then keeps it only if it is Secure, has
// Path=/ and no Domain, so a sibling subdomain cannot plant one of its own
// (RFC 6265bis). Over plain HTTP, where a browser refuses such a cookie,
// it has the plain name; the server reads that one only from plain HTTP
// requests.
const (
	sessionCookie      = "__Host-partymap_session"
	plainSessionCookie = "partymap_session"
	csrfHeader         = "X-CSRF-Token"
	authKey            = "partymap.auth"
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
	token, err := sessionToken(c.Request())
	if err != nil {
		return auth{}, err
	}
	sess, u, err := s.cfg.Accounts.FindSession(ctx, token, s.cfg.Auth.SessionIdle)
	if err != nil {
		if geo.ErrorCode(err) == geo.EUNAUTHORIZED {
			clearSessionCookie(c)
		}
		return auth{}, err
	}
	return auth{user: u, session: &sess, token: token}, nil
}

// sessionToken reads the session cookie: the __Host- one, or over plain
// HTTP the plain one. Two cookies of that name (one planted by a sibling
// site beside the real one) are refused, not the first taken.
func sessionToken(r *http.Request) (string, error) {
	names := []string{sessionCookie}
	if !secureRequest(r) {
		names = append(names, plainSessionCookie)
	}
	var tokens []string
	for _, ck := range r.Cookies() {
		if ck.Value != "" && (ck.Name == names[0] || len(names) > 1 && ck.Name == names[1]) {
			tokens = append(tokens, ck.Value)
		}
	}
	switch len(tokens) {
	case 0:
		return "", geo.Say(geo.EUNAUTHORIZED, geo.Label{Zh: "请先登录。",
			En: "Log in to do this: staff log in at /edit, scripts send a personal API token as \"Authorization: Bearer pm_…\"."})
	case 1:
		return tokens[0], nil
	}
	return "", geo.Errorf(geo.EUNAUTHORIZED, "The request carries more than one session cookie, so none is believed: clear this site's cookies and log in again.")
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
				return geo.Say(geo.EFORBIDDEN, geo.Label{Zh: "页面已过期：请刷新页面后再试。",
					En: fmt.Sprintf("The request lacks this session's CSRF token (header %s); reload the page and try again.", csrfHeader)})
			}
		}
		c.Set(authKey, a)
		// Staff write what they read: their reads come from the primary,
		// never from a replica a moment behind (geo.ConsistentReads).
		c.SetRequest(c.Request().WithContext(geo.WithConsistentReads(c.Request().Context())))
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

// secureRequest reports whether the client reached the server by HTTPS:
// directly, through a trusted proxy that says so (Forwarded,
// X-Forwarded-Proto) or at an https public URL.
func secureRequest(r *http.Request) bool {
	return strings.HasPrefix(baseURL(r), "https://")
}

// setSessionCookie hands the browser its session: HttpOnly so scripts cannot
// read it, SameSite=Strict so other sites cannot send it; over HTTPS (TLS,
// a trusted proxy that says so, or an https public URL) Secure and
// __Host- prefixed. A Path=/ cookie, never with a Domain.
func setSessionCookie(c echo.Context, token string, maxAge time.Duration) {
	secure := secureRequest(c.Request())
	c.SetCookie(&http.Cookie{
		Name: cookieName(secure), Value: token, Path: "/",
		MaxAge: int(maxAge.Seconds()), HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: secure,
	})
}

func clearSessionCookie(c echo.Context) {
	secure := secureRequest(c.Request())
	c.SetCookie(&http.Cookie{
		Name: cookieName(secure), Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: secure,
	})
}

func cookieName(secure bool) string {
	if secure {
		return sessionCookie
	}
	return plainSessionCookie
}
