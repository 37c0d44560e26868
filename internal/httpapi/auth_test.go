package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"partymap/internal/geo"
	"partymap/internal/httpapi"
)

func TestAuth_anonymousWriteIs401(t *testing.T) {
	env := newStaffEnv(t, httpapi.AuthConfig{})
	etag := env.etagOf(t, "parking", 1)
	for _, tt := range []struct {
		name    string
		headers []string
	}{
		{"no credentials", nil},
		{"unknown token", bearer("pm_not-a-token")},
		{"basic auth", []string{"Authorization", "Basic YWRtaW46eA=="}},
		{"forged session cookie", []string{"Cookie", "partymap_session=forged"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := env.call(t, http.MethodPatch, "/collections/parking/items/1", `{"properties":{"free":1}}`,
				append(tt.headers, "Content-Type", "application/merge-patch+json", "If-Match", etag)...)
			if r.status != http.StatusUnauthorized || r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("got %d (WWW-Authenticate %q), want 401 with a challenge: %s", r.status, r.header.Get("WWW-Authenticate"), r.body)
			}
		})
	}
	if r := env.call(t, http.MethodGet, "/collections/parking/items/1", ""); r.status != http.StatusOK {
		t.Errorf("anonymous read: got %d, want 200", r.status)
	}
}

func TestAuth_editorOutsideItsGridsIs403(t *testing.T) {
	env := newStaffEnv(t, httpapi.AuthConfig{})
	r := env.patch(t, env.editor7, "grids", 8, env.etagOf(t, "grids", 8), `{"properties":{"households":10}}`)
	if r.status != http.StatusForbidden || !strings.Contains(string(r.body), "XY08") {
		t.Errorf("bob edits XY08: got %d %s, want 403 naming XY08", r.status, r.body)
	}
	r = env.patch(t, env.editor7, "grids", 7, env.etagOf(t, "grids", 7), `{"properties":{"households":10}}`)
	if r.status != http.StatusOK {
		t.Errorf("bob edits XY07: got %d %s, want 200", r.status, r.body)
	}
	// A post standing in grid 3 is out of bob's reach; the audit is for admins.
	r = env.patch(t, env.editor7, "posts", 2, env.etagOf(t, "posts", 2), `{"properties":{"hours":"09:00-17:00"}}`)
	if r.status != http.StatusForbidden {
		t.Errorf("bob edits a post in XY03: got %d %s, want 403", r.status, r.body)
	}
	if r := env.call(t, http.MethodGet, "/api/audit", "", bearer(env.editor)...); r.status != http.StatusForbidden {
		t.Errorf("editor reads the audit: got %d, want 403", r.status)
	}
	if r := env.call(t, http.MethodGet, "/api/audit", "", bearer(env.admin)...); r.status != http.StatusOK {
		t.Errorf("admin reads the audit: got %d %s, want 200", r.status, r.body)
	}
}

func TestAuth_sessionNeedsCSRFToken(t *testing.T) {
	env := newStaffEnvWith(t, httpapi.Config{Forwarding: trustedTestProxy})
	ck, csrf, r := env.login(t, "alice", staffPassword, "X-Forwarded-Proto", "https")
	if ck == nil {
		t.Fatalf("login: %d %s", r.status, r.body)
	}
	if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || !ck.Secure || ck.Path != "/" {
		t.Errorf("cookie: got HttpOnly=%v SameSite=%v Secure=%v Path=%q, want HttpOnly, Strict, Secure behind TLS, /", ck.HttpOnly, ck.SameSite, ck.Secure, ck.Path)
	}
	if strings.Contains(string(r.body), staffPassword) {
		t.Error("the login answer repeats the password")
	}
	cookie := ck.Name + "=" + ck.Value
	etag := env.etagOf(t, "parking", 2)
	send := func(headers ...string) response {
		return env.call(t, http.MethodPatch, "/collections/parking/items/2", `{"properties":{"free":1}}`,
			append([]string{"Cookie", cookie, "Content-Type", "application/merge-patch+json", "If-Match", etag, "X-Forwarded-Proto", "https"}, headers...)...)
	}
	if r := send(); r.status != http.StatusForbidden || !strings.Contains(string(r.body), "CSRF") {
		t.Errorf("without the CSRF token: got %d %s, want 403", r.status, r.body)
	}
	if r := send("X-CSRF-Token", "wrong"); r.status != http.StatusForbidden {
		t.Errorf("with a wrong CSRF token: got %d, want 403", r.status)
	}
	if r := send("X-CSRF-Token", csrf, "Origin", "https://evil.example"); r.status != http.StatusForbidden {
		t.Errorf("from another site: got %d, want 403", r.status)
	}
	if r := send("X-CSRF-Token", csrf); r.status != http.StatusOK {
		t.Errorf("with the CSRF token: got %d %s, want 200", r.status, r.body)
	}
	if r := env.call(t, http.MethodGet, "/api/session", "", "Cookie", cookie); r.status != http.StatusOK || !strings.Contains(string(r.body), csrf) {
		t.Errorf("session: got %d %s", r.status, r.body)
	}
	if r := env.call(t, http.MethodPost, "/api/logout", "", "Cookie", cookie, "X-CSRF-Token", csrf); r.status != http.StatusNoContent {
		t.Errorf("logout: got %d %s", r.status, r.body)
	}
	if r := env.call(t, http.MethodGet, "/api/session", "", "Cookie", cookie); r.status != http.StatusUnauthorized {
		t.Errorf("session after logout: got %d, want 401", r.status)
	}
	// A login must be JSON: a cross-site form cannot post it.
	if r := env.call(t, http.MethodPost, "/api/login", "name=alice&password=x", "Content-Type", "application/x-www-form-urlencoded"); r.status != http.StatusUnsupportedMediaType {
		t.Errorf("form login: got %d, want 415", r.status)
	}
}

func TestAuth_sessionExpiresWhenIdle(t *testing.T) {
	env := newStaffEnv(t, httpapi.AuthConfig{SessionIdle: time.Second})
	ck, _, _ := env.login(t, "alice", staffPassword)
	if _, err := env.db.Pool().Exec(context.Background(), `UPDATE sessions SET last_seen_at = now() - interval '1 minute'`); err != nil {
		t.Fatal(err)
	}
	if r := env.call(t, http.MethodGet, "/api/session", "", "Cookie", "partymap_session="+ck.Value); r.status != http.StatusUnauthorized {
		t.Errorf("idle session: got %d, want 401", r.status)
	}
}

// Wrong passwords lock the name from that address; an unknown name is answered exactly like a
// known one, after as much work.
func TestAuth_lockoutWithoutEnumeration(t *testing.T) {
	policy := geo.LoginPolicy{MaxFailures: 3, MaxClientFailures: 100, Window: time.Minute, LockFor: time.Minute}
	env := newStaffEnv(t, httpapi.AuthConfig{Login: policy})
	attempt := func(name, pw string) (response, time.Duration) {
		start := time.Now()
		_, _, r := env.login(t, name, pw)
		return r, time.Since(start)
	}
	var known, unknown []time.Duration
	for i := 0; i < 3; i++ {
		rk, dk := attempt("alice", "wrong password")
		ru, du := attempt("nobody", "wrong password")
		known, unknown = append(known, dk), append(unknown, du)
		if rk.status != http.StatusUnauthorized || ru.status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: got %d and %d, want 401 for both", i+1, rk.status, ru.status)
		}
		if detail(t, rk) != detail(t, ru) {
			t.Errorf("wrong password and unknown user differ: %q vs %q", detail(t, rk), detail(t, ru))
		}
	}
	if mk, mu := median(known), median(unknown); mu < mk/3 || mu > mk*3 {
		t.Errorf("timing: unknown user %v, wrong password %v; want them alike", mu, mk)
	}
	rk, _ := attempt("alice", staffPassword)
	ru, _ := attempt("nobody", staffPassword)
	if rk.status != http.StatusTooManyRequests || rk.header.Get("Retry-After") == "" {
		t.Errorf("locked, right password: got %d (Retry-After %q), want 429", rk.status, rk.header.Get("Retry-After"))
	}
	if ru.status != rk.status || detail(t, ru) != detail(t, rk) {
		t.Errorf("locked answers differ: %d %q vs %d %q", rk.status, detail(t, rk), ru.status, detail(t, ru))
	}
	if r, _ := attempt("admin", staffPassword); r.status != http.StatusOK {
		t.Errorf("another user: got %d, want 200 (the lock is per name)", r.status)
	}
	// When the lock has passed, the right password works again.
	if _, err := env.db.Pool().Exec(context.Background(), `UPDATE login_attempts SET at = at - interval '2 minutes'`); err != nil {
		t.Fatal(err)
	}
	if r, _ := attempt("alice", staffPassword); r.status != http.StatusOK {
		t.Errorf("after the lock: got %d %s, want 200", r.status, r.body)
	}
}

func TestAuth_tokenWorksUntilRevoked(t *testing.T) {
	env := newStaffEnv(t, httpapi.AuthConfig{})
	ctx := context.Background()
	tok, info, err := env.db.CreateToken(ctx, "alice", "parking-sensor", nil)
	if err != nil {
		t.Fatal(err)
	}
	var stored []byte
	if err := env.db.Pool().QueryRow(ctx, `SELECT token_hash FROM api_tokens WHERE id = $1`, info.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(stored), tok[3:]) || len(stored) != 32 {
		t.Errorf("the token is stored as %d bytes; want its 32-byte SHA-256", len(stored))
	}
	r := env.patch(t, tok, "parking", 3, env.etagOf(t, "parking", 3), `{"properties":{"free":4}}`)
	if r.status != http.StatusOK {
		t.Fatalf("with the token: got %d %s", r.status, r.body)
	}
	if err := env.db.RevokeToken(ctx, info.ID); err != nil {
		t.Fatal(err)
	}
	r = env.patch(t, tok, "parking", 3, env.etagOf(t, "parking", 3), `{"properties":{"free":5}}`)
	if r.status != http.StatusUnauthorized {
		t.Errorf("revoked token: got %d, want 401", r.status)
	}
	if err := env.db.SetDisabled(ctx, "alice", true); err != nil {
		t.Fatal(err)
	}
	if r := env.patch(t, env.editor, "parking", 3, env.etagOf(t, "parking", 3), `{"properties":{"free":5}}`); r.status != http.StatusUnauthorized {
		t.Errorf("token of a disabled user: got %d, want 401", r.status)
	}
}

func detail(t *testing.T, r response) string {
	t.Helper()
	var p struct {
		Detail string `json:"detail"`
	}
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("not a problem: %s", r.body)
	}
	return p.Detail
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
