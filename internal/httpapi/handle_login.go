package httpapi

import (
	"context"
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
// repeated failures lock the name and client address, or the address, for a
// while, and slow the name down elsewhere: 429 (geo.LoginPolicy).
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
		return geo.Say(geo.EINVALID, geo.Label{Zh: "请输入用户名和密码。", En: "Give both a name and a password."})
	}
	ctx := c.Request().Context()
	u, err := s.login(ctx, in.Name, in.Password, c.RealIP())
	var locked *geo.LoginLocked
	if errors.As(err, &locked) {
		c.Response().Header().Set("Retry-After", fmt.Sprint(int(locked.RetryAfter.Seconds())+1))
		return echo.NewHTTPError(http.StatusTooManyRequests, geo.ErrorMessage(err)).SetInternal(loginWords(err))
	}
	if err != nil {
		return loginWords(err)
	}
	token, sess, err := s.cfg.Accounts.CreateSession(ctx, u.ID, c.RealIP(), c.Request().UserAgent(), s.cfg.Auth.SessionMaxAge)
	if err != nil {
		return err
	}
	setSessionCookie(c, token, s.cfg.Auth.SessionMaxAge)
	c.Response().Header().Set("Cache-Control", privateNoStore)
	s.log.Info("login", "user", u.Name, "ip", c.RealIP())
	return writeJSON(c, http.StatusOK, mediaJSON, sessionJSON{User: u, Via: "session", CSRFToken: sess.CSRFToken,
		ExpiresAt: &sess.ExpiresAt, IdleTimeout: int(s.cfg.Auth.SessionIdle.Seconds())})
}

// loginWords gives a refused login its sentence in Chinese too: the
// editor shows the one of its language.
func loginWords(err error) error {
	var ge *geo.Error
	if !errors.As(err, &ge) || ge.MessageZh != "" {
		return err
	}
	out := *ge
	var locked *geo.LoginLocked
	switch {
	case errors.As(err, &locked):
		wait := fmt.Sprintf("%d 秒", int(locked.RetryAfter.Seconds())+1)
		if locked.RetryAfter >= time.Minute {
			wait = fmt.Sprintf("%d 分钟", int(locked.RetryAfter.Minutes())+1)
		}
		out.MessageZh = fmt.Sprintf("这个用户名或这台电脑登录失败的次数太多：请等 %s后再试。", wait)
	case ge.Code == geo.EUNAUTHORIZED:
		out.MessageZh = "用户名或密码不对。"
	case ge.Code == geo.EFORBIDDEN:
		out.MessageZh = "这个账号已停用，请联系管理员。"
	case ge.Code == geo.EUNAVAILABLE:
		out.MessageZh = "现在登录的人太多，请过几秒再试。"
	}
	return &out
}

// login checks a password under the policy. The store is read and written
// in short statements; the password is hashed between them, holding no
// connection, transaction or lock, and only a few at a time (AuthConfig.
// Hashing), so that a flood of logins can neither empty the pool nor take
// every core from the map's readers. The state is read twice: cheaply
// before waiting for a hashing slot, so that a locked client is refused at
// once, and again holding the slot until the attempt is recorded, so that
// parallel guesses cannot all slip past the limit.
func (s *Server) login(ctx context.Context, name, password, client string) (geo.User, error) {
	p := s.cfg.Auth.Login
	st, err := s.cfg.Accounts.LoginState(ctx, name, client, p.Window)
	if err != nil {
		return geo.User{}, err
	}
	if wait := p.Wait(st); wait > 0 {
		return geo.User{}, geo.LoginRefused(wait)
	}
	release, err := s.hashingSlot(ctx)
	if err != nil {
		return geo.User{}, err
	}
	defer release()
	if st, err = s.cfg.Accounts.LoginState(ctx, name, client, p.Window); err != nil {
		return geo.User{}, err
	}
	if wait := p.Wait(st); wait > 0 {
		return geo.User{}, geo.LoginRefused(wait)
	}
	ok := geo.VerifyPassword(st.Hash, password)
	attempt := geo.LoginAttempt{Name: name, Client: client, OK: ok}
	if ok && !st.User.Disabled {
		attempt.UserID = st.User.ID
	}
	if err := s.cfg.Accounts.RecordLogin(ctx, attempt, p.Window); err != nil {
		return geo.User{}, err
	}
	switch {
	case !ok:
		return geo.User{}, geo.ErrBadLogin()
	case st.User.Disabled:
		return geo.User{}, geo.Errorf(geo.EFORBIDDEN, "This account is disabled; ask an administrator.")
	}
	return st.User, nil
}

// hashingSlot waits, at most AuthConfig.HashWait, for one of the few
// password checks allowed at once; beyond that the login is answered 503
// (with Retry-After) rather than queued without end. A slot is given back
// no sooner than Hashing/HashRate after it was taken (without making the
// login wait for that), which bounds the checks per second.
func (s *Server) hashingSlot(ctx context.Context) (release func(), err error) {
	slots := s.cfg.Auth.hashes
	hold := time.Duration(float64(cap(slots)) / s.cfg.Auth.HashRate * float64(time.Second))
	taken := func() func() {
		start := time.Now()
		return func() {
			if rest := hold - time.Since(start); rest > 0 {
				time.AfterFunc(rest, func() { <-slots })
				return
			}
			<-slots
		}
	}
	select {
	case slots <- struct{}{}:
		return taken(), nil
	default:
	}
	wait := time.NewTimer(s.cfg.Auth.HashWait)
	defer wait.Stop()
	select {
	case slots <- struct{}{}:
		return taken(), nil
	case <-wait.C:
		return nil, geo.Errorf(geo.EUNAVAILABLE, "Too many logins are being checked at once; try again in a few seconds.")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
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
	c.Response().Header().Set("Cache-Control", privateNoStore)
	return writeJSON(c, http.StatusOK, mediaJSON, out)
}
