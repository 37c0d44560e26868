package httpapi_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"partymap/internal/changes"
	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/internal/postgis"
	"partymap/internal/testdb"
	"partymap/internal/tilecache"
	"partymap/web"
)

// fullServer is the real router with every part a deployment wires in
// cmd/mapserver: tiles and their cache, the change hub fed by the
// database's notifications, editing (accounts, writes, history), the
// viewer's files, a metrics registry and the access log. Its log is kept,
// at debug level and with the access log, for tests that look for secrets
// in it.
type fullServer struct {
	api    *httpapi.Server
	h      http.Handler
	db     *postgis.DB
	log    *lockedBuffer
	admin  string // API token of an administrator
	editor string // API token of an editor of every grid
}

// Names and password of the full server's staff.
const (
	fullAdmin    = "ops-admin"
	fullEditor   = "ops-editor"
	fullPassword = "staircase lantern ferry"
)

// lockedBuffer is a log sink safe for the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything logged so far.
func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newFullServer(t *testing.T) *fullServer {
	t.Helper()
	return newFullServerWith(t, nil)
}

// newFullServerWith is newFullServer with more of the server's
// configuration, set by configure on what the full server has.
func newFullServerWith(t testing.TB, configure func(*httpapi.Config)) *fullServer {
	t.Helper()
	db, _ := testdb.Open(t, harness)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	fs := &fullServer{db: db, log: &lockedBuffer{}}
	for _, u := range []struct {
		name  string
		role  geo.Role
		token *string
	}{{fullAdmin, geo.Admin, &fs.admin}, {fullEditor, geo.Editor, &fs.editor}} {
		if _, err := db.CreateUser(ctx, u.name, u.role, geo.Scope{}, fullPassword); err != nil {
			t.Fatal(err)
		}
		tok, _, err := db.CreateToken(ctx, u.name, "ops test", nil)
		if err != nil {
			t.Fatal(err)
		}
		*u.token = tok
	}
	hub := changes.NewHub()
	ready := make(chan struct{})
	listening := make(chan struct{})
	go func() { db.Listen(ctx, hub, ready); close(listening) }()
	t.Cleanup(func() { cancel(); <-listening })
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("the change listener did not start in 10 s")
	}
	registry := prometheus.NewRegistry()
	registry.MustRegister(db.PoolCollector())
	cfg := httpapi.Config{
		Catalogue: geo.NewCatalogue(),
		Store:     db,
		Logger:    slog.New(slog.NewJSONHandler(fs.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		AccessLog: fs.log, AccessLogFormat: "json",
		Registry:  registry,
		Changes:   hub,
		Tiles:     db,
		TileCache: tilecache.New(8 << 20),
		Viewer:    web.Files(),
		Style:     web.Style(),
		Accounts:  db,
		Edits:     db,
		Orders:    db,

		Activities: db,
	}
	if configure != nil {
		configure(&cfg)
	}
	fs.api = mustNew(t, cfg)
	t.Cleanup(fs.api.CloseStreams)
	fs.h = fs.api.Handler()
	return fs
}

// do sends a request through the router; headers come in pairs. Every
// request carries a deadline, so that a stream cannot hold a test.
func (fs *fullServer) do(t *testing.T, method, target string, body []byte, headers ...string) response {
	t.Helper()
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	ctx, cancel := context.WithTimeout(req.Context(), 10*time.Second)
	defer cancel()
	req = req.WithContext(ctx)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	fs.h.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// leaks lists the internal details a body must never show a client: driver
// and database error text, panics and stack traces, source file paths.
var leaks = []string{"SQLSTATE", "pgx", "pgconn", "panic", "runtime error", "goroutine ", ".go:", "/usr/", "/root/", "/work/", "/home/", "internal/", "syntax error at or near", "ERROR:"}

// leakIn returns the first internal detail the body shows, or "".
func leakIn(body []byte) string {
	for _, l := range leaks {
		if bytes.Contains(body, []byte(l)) {
			return l
		}
	}
	return ""
}

// dbState is what must not change under hostile requests: the rows of every
// layer (count and the sum of their versions), the accounts, and the newest
// history row.
type dbState map[string]int64

func snapshot(t *testing.T, db *postgis.DB) dbState {
	t.Helper()
	ctx := context.Background()
	s := dbState{}
	var queries []string
	for _, l := range geo.NewCatalogue().Layers() {
		queries = append(queries, "SELECT '"+l.Name+" rows', count(*) FROM "+l.Name,
			"SELECT '"+l.Name+" versions', coalesce(sum(version), 0) FROM "+l.Name)
	}
	queries = append(queries,
		"SELECT 'history max id', coalesce(max(id), 0) FROM history",
		"SELECT 'history rows', count(*) FROM history",
		"SELECT 'users', count(*) FROM users",
		"SELECT 'users changed', coalesce(sum(extract(epoch FROM updated_at))::bigint, 0) FROM users",
		"SELECT 'api tokens', count(*) FROM api_tokens",
		"SELECT 'sessions', count(*) FROM sessions")
	for _, q := range queries {
		var name string
		var n int64
		if err := db.Pool().QueryRow(ctx, q).Scan(&name, &n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		s[name] = n
	}
	return s
}

// diff lists what differs between two snapshots.
func (s dbState) diff(after dbState) string {
	var out []string
	for k, v := range s {
		if after[k] != v {
			out = append(out, k+": "+strconv.FormatInt(v, 10)+" → "+strconv.FormatInt(after[k], 10))
		}
	}
	return strings.Join(out, "; ")
}
