package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/internal/testdb"
)

// trustedTestProxy trusts the peer of httptest.NewRequest (192.0.2.1) as a
// reverse proxy.
var trustedTestProxy = httpapi.Forwarding{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}}

// newServerWith is newServer with more of the server's configuration.
func newServerWith(t *testing.T, cfg httpapi.Config) http.Handler {
	t.Helper()
	db, _ := testdb.Open(t, harness)
	cfg.Catalogue, cfg.Store, cfg.Tiles = geo.NewCatalogue(), db, db
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	return mustNew(t, cfg).Handler()
}

// from sends a request from the peer address peer ("ip:port").
func (env *staffEnv) from(t *testing.T, peer, method, target, body string, headers ...string) response {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.RemoteAddr = peer
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	env.h.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// loginFrom posts a login from a peer address.
func (env *staffEnv) loginFrom(t *testing.T, peer, name, password string, headers ...string) response {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"name": name, "password": password})
	return env.from(t, peer, http.MethodPost, "/api/login", string(body), append([]string{"Content-Type", "application/json"}, headers...)...)
}

// M1: by default the client is the connection's peer. An attacker who
// forges X-Forwarded-For can neither lock out the address it names nor
// escape its own lock by naming a fresh one.
func TestForwarding_forgedXFFDoesNotMoveTheThrottle(t *testing.T) {
	env := newStaffEnv(t, httpapi.AuthConfig{Login: geo.LoginPolicy{MaxFailures: 5, MaxClientFailures: 10, Window: time.Minute, LockFor: time.Minute}})
	const attacker, victim = "198.51.100.66:40000", "203.0.113.7:50000"
	for i := range 10 {
		r := env.loginFrom(t, attacker, "nobody"+strconv.Itoa(i), "wrong password", "X-Forwarded-For", "203.0.113.7")
		if r.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: got %d %s, want 401", i+1, r.status, r.body)
		}
	}
	if r := env.loginFrom(t, victim, "alice", staffPassword); r.status != http.StatusOK {
		t.Errorf("the address the attacker named logs in: got %d %s, want 200 (its own address was never counted)", r.status, r.body)
	}
	r := env.loginFrom(t, attacker, "alice", staffPassword, "X-Forwarded-For", "192.0.2.99")
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Errorf("the attacker names a fresh address: got %d (Retry-After %q) %s, want 429: its own address is locked", r.status, r.header.Get("Retry-After"), r.body)
	}
}

// M1: behind a trusted proxy the client is the nearest address the proxy
// did not add itself; what the client wrote in front stays a claim.
func TestForwarding_clientBehindTrustedProxy(t *testing.T) {
	env := newStaffEnvWith(t, httpapi.Config{
		Forwarding: httpapi.Forwarding{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}},
		Auth:       httpapi.AuthConfig{Login: geo.LoginPolicy{MaxFailures: 100, MaxClientFailures: 3, Window: time.Minute, LockFor: time.Minute}},
	})
	const proxy = "10.1.2.3:8080"
	for i := range 3 {
		// The client forged a first entry; the proxy appended the real one.
		r := env.loginFrom(t, proxy, "x"+strconv.Itoa(i), "wrong password", "X-Forwarded-For", "203.0.113.7, 198.51.100.66")
		if r.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: got %d, want 401", i+1, r.status)
		}
	}
	if r := env.loginFrom(t, proxy, "alice", staffPassword, "X-Forwarded-For", "198.51.100.66"); r.status != http.StatusTooManyRequests {
		t.Errorf("the real client again: got %d, want 429", r.status)
	}
	if r := env.loginFrom(t, proxy, "alice", staffPassword, "X-Forwarded-For", "203.0.113.7"); r.status != http.StatusOK {
		t.Errorf("the address the client forged: got %d %s, want 200", r.status, r.body)
	}
	if r := env.loginFrom(t, proxy, "alice", staffPassword, "X-Real-IP", "198.51.100.66"); r.status != http.StatusTooManyRequests {
		t.Errorf("the real client by X-Real-IP: got %d, want 429", r.status)
	}
	// Not from the proxy: the header is a claim, the peer is the client.
	if r := env.loginFrom(t, "198.51.100.66:1", "alice", staffPassword, "X-Forwarded-For", "203.0.113.99"); r.status != http.StatusTooManyRequests {
		t.Errorf("the real client, directly, naming another address: got %d, want 429", r.status)
	}
}

// L2: absolute URLs come from the request's Host unless a trusted proxy or
// the public URL says otherwise.
func TestForwarding_absoluteURLs(t *testing.T) {
	public, err := httpapi.ParsePublicURL("https://map.example.org/xiyue/")
	if err != nil {
		t.Fatal(err)
	}
	plain, trusted := newServerWith(t, httpapi.Config{}), newServerWith(t, httpapi.Config{Forwarding: trustedTestProxy})
	withPublic := newServerWith(t, httpapi.Config{Forwarding: httpapi.Forwarding{TrustedProxies: trustedTestProxy.TrustedProxies, PublicURL: public}})
	evil := []string{"X-Forwarded-Host", "evil.example", "X-Forwarded-Proto", "https", "X-Forwarded-Prefix", "/x", "Forwarded", "host=evil.example;proto=https"}
	proxy := []string{"X-Forwarded-Host", "map.example.org", "X-Forwarded-Proto", "https", "X-Forwarded-Prefix", "/xiyue"}
	tests := []struct {
		name    string
		h       http.Handler
		peer    string
		headers []string
		want    string // the base of the answer's URLs
	}{
		{"forged headers are ignored by default", plain, "198.51.100.66:1", evil, "http://example.com"},
		{"the same from a configured proxy's address but without trust", plain, "192.0.2.1:1", proxy, "http://example.com"},
		{"a trusted proxy is believed", trusted, "192.0.2.1:1", proxy, "https://map.example.org/xiyue"},
		{"an untrusted peer is not, though proxies are configured", trusted, "198.51.100.66:1", evil, "http://example.com"},
		{"the public URL wins over everything", withPublic, "192.0.2.1:1", evil, "https://map.example.org/xiyue"},
		{"the public URL without headers", withPublic, "198.51.100.66:1", nil, "https://map.example.org/xiyue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			send := func(target string) response {
				req := httptest.NewRequest(http.MethodGet, target, nil)
				req.RemoteAddr = tt.peer
				for i := 0; i+1 < len(tt.headers); i += 2 {
					req.Header.Set(tt.headers[i], tt.headers[i+1])
				}
				rec := httptest.NewRecorder()
				tt.h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					t.Fatalf("GET %s: %d %s", target, rec.Code, rec.Body)
				}
				return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
			}
			var tj struct {
				Tiles []string `json:"tiles"`
			}
			if err := json.Unmarshal(send("/tiles.json").body, &tj); err != nil {
				t.Fatal(err)
			}
			if want := tt.want + "/tiles/{z}/{x}/{y}.mvt"; len(tj.Tiles) != 1 || tj.Tiles[0] != want {
				t.Errorf("tiles.json: got %v, want [%s]", tj.Tiles, want)
			}
			items := send("/collections/grids/items")
			if self := link(t, items.json(t), "self", ""); !strings.HasPrefix(self, tt.want+"/collections/grids/items") {
				t.Errorf("self link %q, want it under %s", self, tt.want)
			}
			secure := strings.HasPrefix(tt.want, "https://")
			if got := items.header.Get("Strict-Transport-Security"); (got != "") != secure {
				t.Errorf("Strict-Transport-Security %q, want one only over HTTPS (%v)", got, secure)
			}
		})
	}
	for _, bad := range []string{"ftp://x", "https://a b", "https://map.example.org/?q=1", "https://u:p@map.example.org", "map.example.org"} {
		if _, err := httpapi.ParsePublicURL(bad); err == nil {
			t.Errorf("public URL %q accepted", bad)
		}
	}
	if _, err := httpapi.ParseTrustedProxies("10.0.0.0/8, 192.0.2.7 ,::1"); err != nil {
		t.Errorf("trusted proxies: %v", err)
	}
	if _, err := httpapi.ParseTrustedProxies("10.0.0.0/8,proxy.local"); err == nil || !strings.Contains(err.Error(), "proxy.local") {
		t.Errorf("a host name as a proxy: got %v, want an error naming it", err)
	}
}

// M2: a guesser locks out only itself; the staff member logs in from where
// they logged in before, and is merely slowed down from a new place.
func TestLogin_knownAddressGetsThroughWhileTheNameIsGuessedAt(t *testing.T) {
	env := newStaffEnv(t, httpapi.AuthConfig{})
	const home, attacker, cafe = "203.0.113.7:50000", "198.51.100.66:40000", "192.0.2.200:1234"
	guess := func(name string) {
		t.Helper()
		for i := range 6 {
			r := env.loginFrom(t, attacker, name, "wrong password "+strconv.Itoa(i))
			if r.status != http.StatusUnauthorized && r.status != http.StatusTooManyRequests {
				t.Fatalf("guess %d at %s: got %d %s", i+1, name, r.status, r.body)
			}
		}
	}
	if r := env.loginFrom(t, home, "alice", staffPassword); r.status != http.StatusOK {
		t.Fatalf("first login from home: %d %s", r.status, r.body)
	}
	guess("alice")
	// A new address is slowed down, not locked out: seconds, not minutes.
	r := env.loginFrom(t, cafe, "alice", staffPassword)
	retry, _ := strconv.Atoi(r.header.Get("Retry-After"))
	if r.status != http.StatusTooManyRequests || retry < 1 || retry > 60 {
		t.Errorf("a new address right after the guesses: got %d, Retry-After %q; want 429 for seconds", r.status, r.header.Get("Retry-After"))
	}
	if r := env.loginFrom(t, home, "alice", staffPassword); r.status != http.StatusOK {
		t.Errorf("the right password from a known address while the name is guessed at: got %d %s, want 200", r.status, r.body)
	}
	r = env.loginFrom(t, attacker, "alice", staffPassword)
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Errorf("the attacker's address, even with the right password: got %d (Retry-After %q), want 429", r.status, r.header.Get("Retry-After"))
	}

	// Once the delay has passed a new address gets through; the guesser's
	// address stays locked for LockFor.
	guess("bob")
	if r := env.loginFrom(t, cafe, "bob", staffPassword); r.status != http.StatusTooManyRequests {
		t.Errorf("bob from a new address right after the guesses: got %d, want 429", r.status)
	}
	if _, err := env.db.Pool().Exec(context.Background(), `UPDATE login_attempts SET at = at - interval '1 minute'`); err != nil {
		t.Fatal(err)
	}
	if r := env.loginFrom(t, cafe, "bob", staffPassword); r.status != http.StatusOK {
		t.Errorf("bob from a new address once the delay passed: got %d %s, want 200", r.status, r.body)
	}
	if r := env.loginFrom(t, attacker, "bob", staffPassword); r.status != http.StatusTooManyRequests {
		t.Errorf("the attacker's address a minute later: got %d, want 429 (locked for 15 minutes)", r.status)
	}
}

// L3: names and addresses are cut on a character boundary; one that cannot
// be a user is the ordinary 401, never a 500.
func TestLogin_longMultibyteInputIs401(t *testing.T) {
	env := newStaffEnvWith(t, httpapi.Config{Forwarding: trustedTestProxy})
	name := strings.Repeat("a", 63) + "中"
	if r := env.loginFrom(t, "198.51.100.1:1", name, "whatever-pass"); r.status != http.StatusUnauthorized {
		t.Errorf("63×a + 中: got %d %s, want 401", r.status, r.body)
	}
	if r := env.loginFrom(t, "198.51.100.1:1", "a\x00b", "whatever-pass"); r.status != http.StatusUnauthorized {
		t.Errorf("a name with NUL: got %d %s, want 401", r.status, r.body)
	}
	longXFF := strings.Repeat("a", 63) + "中"
	if r := env.loginFrom(t, "192.0.2.1:1", "alice", "wrong password", "X-Forwarded-For", longXFF); r.status != http.StatusUnauthorized {
		t.Errorf("a long multibyte X-Forwarded-For from a trusted proxy: got %d %s, want 401", r.status, r.body)
	}
	ua := strings.Repeat("u", 199) + "中\xff"
	if r := env.loginFrom(t, "192.0.2.1:1", "alice", staffPassword, "User-Agent", ua, "X-Real-IP", longXFF); r.status != http.StatusOK {
		t.Errorf("a User-Agent split at 200 bytes, with a broken byte: got %d %s, want 200", r.status, r.body)
	}
}

// L4: attempts older than the window are purged as logins are recorded.
func TestLogin_purgesOldAttempts(t *testing.T) {
	env := newStaffEnv(t, httpapi.AuthConfig{})
	ctx := context.Background()
	env.loginFrom(t, "198.51.100.1:1", "alice", "wrong password")
	if _, err := env.db.Pool().Exec(ctx, `UPDATE login_attempts SET at = at - interval '16 minutes'`); err != nil {
		t.Fatal(err)
	}
	env.loginFrom(t, "198.51.100.1:1", "bob", "wrong password")
	var n int
	if err := env.db.Pool().QueryRow(ctx, `SELECT count(*) FROM login_attempts`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d login attempts kept, want 1: the one older than the 15-minute window is purged", n)
	}
}

// L4: only a few passwords are hashed at once; beyond, after a bounded
// wait, a login is answered 503 with Retry-After rather than queued.
func TestLogin_hashingIsBounded(t *testing.T) {
	env := newStaffEnv(t, httpapi.AuthConfig{Hashing: 1, HashWait: time.Millisecond,
		Login: geo.LoginPolicy{MaxFailures: 100, MaxClientFailures: 100, Window: time.Minute, LockFor: time.Minute}})
	results := make(chan response, 8)
	for i := range 8 {
		go func() { results <- env.loginFrom(t, "198.51.100.1:1", "n"+strconv.Itoa(i), "wrong password") }()
	}
	counts := map[int]int{}
	var busy response
	for range 8 {
		r := <-results
		counts[r.status]++
		if r.status == http.StatusServiceUnavailable {
			busy = r
		}
	}
	t.Logf("8 logins at once with one hashing slot: %v", counts)
	if counts[http.StatusUnauthorized] < 1 || counts[http.StatusServiceUnavailable] < 1 || counts[http.StatusUnauthorized]+counts[http.StatusServiceUnavailable] != 8 {
		t.Fatalf("statuses %v; want some 401 (hashed) and some 503 (no slot)", counts)
	}
	if busy.header.Get("Retry-After") == "" || !strings.Contains(detail(t, busy), "Too many logins") {
		t.Errorf("503: Retry-After %q, detail %q", busy.header.Get("Retry-After"), detail(t, busy))
	}
}

// L9: over HTTPS the session cookie is __Host- prefixed and Secure, with
// HSTS; over plain HTTP it keeps the plain name (a browser refuses a
// __Host- cookie there); a second session cookie is refused, not ignored.
func TestSessionCookie(t *testing.T) {
	public, _ := httpapi.ParsePublicURL("https://map.example.org")
	tests := []struct {
		name     string
		cfg      httpapi.Config
		headers  []string
		wantName string
		secure   bool
	}{
		{"plain HTTP", httpapi.Config{}, nil, "partymap_session", false},
		{"forged X-Forwarded-Proto", httpapi.Config{}, []string{"X-Forwarded-Proto", "https"}, "partymap_session", false},
		{"trusted proxy says https", httpapi.Config{Forwarding: trustedTestProxy}, []string{"X-Forwarded-Proto", "https"}, "__Host-partymap_session", true},
		{"https public URL", httpapi.Config{Forwarding: httpapi.Forwarding{PublicURL: public}}, nil, "__Host-partymap_session", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newStaffEnvWith(t, tt.cfg)
			ck, csrf, r := env.login(t, "alice", staffPassword, tt.headers...)
			if ck == nil {
				t.Fatalf("login: %d %s", r.status, r.body)
			}
			if ck.Name != tt.wantName || ck.Secure != tt.secure || ck.Path != "/" || ck.Domain != "" || !ck.HttpOnly {
				t.Errorf("cookie %s Secure=%v Path=%q Domain=%q HttpOnly=%v; want %s Secure=%v Path=/ no Domain HttpOnly",
					ck.Name, ck.Secure, ck.Path, ck.Domain, ck.HttpOnly, tt.wantName, tt.secure)
			}
			if hsts := r.header.Get("Strict-Transport-Security"); (hsts != "") != tt.secure {
				t.Errorf("Strict-Transport-Security %q; want one exactly over HTTPS", hsts)
			}
			own := ck.Name + "=" + ck.Value
			if r := env.call(t, http.MethodGet, "/api/session", "", append([]string{"Cookie", own}, tt.headers...)...); r.status != http.StatusOK || !strings.Contains(string(r.body), csrf) {
				t.Errorf("session with the cookie: got %d %s", r.status, r.body)
			}
			// Someone else's session planted beside it (a sibling
			// subdomain's Domain cookie): neither is believed.
			_, _, other := env.login(t, "bob", staffPassword, tt.headers...)
			var planted string
			for _, c := range (&http.Response{Header: other.header}).Cookies() {
				planted = "partymap_session=" + c.Value
			}
			r = env.call(t, http.MethodGet, "/api/session", "", append([]string{"Cookie", planted + "; " + own}, tt.headers...)...)
			switch {
			case tt.secure && r.status != http.StatusOK:
				t.Errorf("over HTTPS a plain-named cookie beside the __Host- one: got %d %s, want 200 as alice (it is ignored)", r.status, r.body)
			case tt.secure && !strings.Contains(string(r.body), `"alice"`):
				t.Errorf("over HTTPS the session is %s, want alice's", r.body)
			case !tt.secure && r.status != http.StatusUnauthorized:
				t.Errorf("two session cookies over plain HTTP: got %d %s, want 401", r.status, r.body)
			}
		})
	}
}

// L5: /metrics is not on the public router; the metrics handler, which main
// serves on its own loopback address, has the counts.
func TestMetrics_notPublic(t *testing.T) {
	db, _ := testdb.Open(t, harness)
	api := mustNew(t, httpapi.Config{Catalogue: geo.NewCatalogue(), Store: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	h := api.Handler()
	get(t, h, "/collections/grids/items/1")
	get(t, h, "/collections/grids/items/2")
	get(t, h, "/no/such/path")
	if r := get(t, h, "/metrics"); r.status != http.StatusNotFound {
		t.Errorf("public /metrics: got %d, want 404", r.status)
	}
	r := get(t, api.MetricsHandler(), "/metrics")
	if r.status != http.StatusOK {
		t.Fatalf("metrics handler: got %d", r.status)
	}
	body := string(r.body)
	for _, want := range []string{
		`partymap_http_requests_total{method="GET",route="/collections/:layer/items/:id",status="200"} 2`,
		`partymap_http_request_duration_seconds_bucket{method="GET",route="/collections/:layer/items/:id"`,
		`route="unmatched",status="404"`,
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(body, "/no/such/path") {
		t.Error("an unmatched path became a label: unbounded series")
	}
}
