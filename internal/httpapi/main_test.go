package httpapi_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/internal/pgtest"
	"partymap/internal/testdb"
)

var harness *pgtest.Harness

func TestMain(m *testing.M) {
	os.Exit(testdb.Main(m, &harness))
}

// newServer returns the real Echo router on a fresh copy of the seeded database.
func newServer(t *testing.T) http.Handler {
	t.Helper()
	db, _ := testdb.Open(t, harness)
	api := mustNew(t, httpapi.Config{
		Catalogue: geo.NewCatalogue(),
		Store:     db,
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	return api.Handler()
}

// mustNew returns the server of cfg, failing the test when New fails.
func mustNew(tb testing.TB, cfg httpapi.Config) *httpapi.Server {
	tb.Helper()
	s, err := httpapi.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// get sends a GET through the router with optional header pairs.
func get(t *testing.T, h http.Handler, target string, headers ...string) response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, r.body)
	}
	return m
}

// link returns the href of the first link with that relation (and type, when given).
func link(t *testing.T, doc map[string]any, rel, typ string) string {
	t.Helper()
	links, _ := doc["links"].([]any)
	for _, l := range links {
		m := l.(map[string]any)
		if m["rel"] == rel && (typ == "" || m["type"] == typ) {
			return m["href"].(string)
		}
	}
	return ""
}

func pathOf(href string) string {
	if i := strings.Index(href, "://"); i >= 0 {
		href = href[i+3:]
		if j := strings.Index(href, "/"); j >= 0 {
			return href[j:]
		}
	}
	return href
}
