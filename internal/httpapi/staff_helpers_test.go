package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/internal/postgis"
	"partymap/internal/testdb"
)

// staffEnv is the real router with editing on a fresh copy of the seeded
// database, an admin, an editor of every grid, an editor of XY07 only and
// an API token for each.
type staffEnv struct {
	h                      http.Handler
	db                     *postgis.DB
	admin, editor, editor7 string // their API tokens
}

const staffPassword = "correct horse battery"

func newStaffEnv(t *testing.T, auth httpapi.AuthConfig) *staffEnv {
	t.Helper()
	return newStaffEnvWith(t, httpapi.Config{Auth: auth})
}

// newStaffEnvWith is newStaffEnv with more of the server's configuration;
// the catalogue, stores and logger are filled in.
func newStaffEnvWith(t *testing.T, cfg httpapi.Config) *staffEnv {
	t.Helper()
	db, _ := testdb.Open(t, harness)
	ctx := context.Background()
	env := &staffEnv{db: db}
	for _, u := range []struct {
		name  string
		role  geo.Role
		grids []string
		token *string
	}{
		{"admin", geo.Admin, nil, &env.admin},
		{"alice", geo.Editor, nil, &env.editor},
		{"bob", geo.Editor, []string{"XY07"}, &env.editor7},
	} {
		if _, err := db.CreateUser(ctx, u.name, u.role, geo.Scope{Grids: u.grids}, staffPassword); err != nil {
			t.Fatal(err)
		}
		tok, _, err := db.CreateToken(ctx, u.name, "test", nil)
		if err != nil {
			t.Fatal(err)
		}
		*u.token = tok
	}
	cfg.Catalogue, cfg.Store, cfg.Accounts, cfg.Edits, cfg.Activities = geo.NewCatalogue(), db, db, db, db
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	env.h = mustNew(t, cfg).Handler()
	return env
}

// call sends a request through the router; headers come in pairs.
func (env *staffEnv) call(t *testing.T, method, target, body string, headers ...string) response {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	env.h.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

func bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

// etagOf returns the item's current ETag, read through the API.
func (env *staffEnv) etagOf(t *testing.T, layer string, id int64) string {
	t.Helper()
	r := env.call(t, http.MethodGet, "/collections/"+layer+"/items/"+strconv.FormatInt(id, 10), "")
	if r.status != http.StatusOK {
		t.Fatalf("GET %s %d: %d %s", layer, id, r.status, r.body)
	}
	return r.header.Get("ETag")
}

// patch sends a merge patch with a token and an If-Match.
func (env *staffEnv) patch(t *testing.T, token, layer string, id int64, etag, patch string) response {
	t.Helper()
	return env.call(t, http.MethodPatch, "/collections/"+layer+"/items/"+strconv.FormatInt(id, 10), patch,
		append(bearer(token), "Content-Type", "application/merge-patch+json", "If-Match", etag)...)
}

// login logs in through the API and returns the session cookie and the
// CSRF token.
func (env *staffEnv) login(t *testing.T, name, password string, headers ...string) (*http.Cookie, string, response) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"name": name, "password": password})
	r := env.call(t, http.MethodPost, "/api/login", string(body), append([]string{"Content-Type", "application/json"}, headers...)...)
	if r.status != http.StatusOK {
		return nil, "", r
	}
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	_ = json.Unmarshal(r.body, &out)
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == "partymap_session" || c.Name == "__Host-partymap_session" {
			return c, out.CSRF, r
		}
	}
	t.Fatalf("login answered no session cookie: %v", r.header)
	return nil, "", r
}

func (env *staffEnv) historyCount(t *testing.T, layer string, id int64) int64 {
	t.Helper()
	var n int64
	if err := env.db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM history WHERE layer = $1 AND feature_id = $2`, layer, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func problemRules(t *testing.T, r response) []string {
	t.Helper()
	var p struct {
		Violations []geo.Violation `json:"violations"`
	}
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("problem is not JSON: %s", r.body)
	}
	var out []string
	for _, v := range p.Violations {
		out = append(out, v.Rule)
	}
	return out
}
