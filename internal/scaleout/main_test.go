package scaleout_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
	"github.com/prometheus/client_golang/prometheus"

	"partymap/internal/changes"
	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/internal/pglocal"
	"partymap/internal/pgtest"
	"partymap/internal/postgis"
	"partymap/internal/testdb"
)

var harness *pgtest.Harness

func TestMain(m *testing.M) {
	// The cluster runs as a primary that streaming replicas can follow.
	os.Exit(pgtest.MainWith(m, &harness, testdb.Seed, pgtest.Options{Replication: true}))
}

// setup is a fresh copy of the seeded database on the primary and a
// streaming replica of it.
type setup struct {
	primary, replica string // connection strings of the map's database
	replicaCluster   *pglocal.Cluster
	dbname           string
}

// newSetup makes the database and starts its replica.
func newSetup(t testing.TB) *setup {
	t.Helper()
	primary := harness.NewDatabase(t)
	cfg, err := pgx.ParseConfig(primary)
	if err != nil {
		t.Fatal(err)
	}
	r := harness.StartReplica(t)
	return &setup{primary: primary, replica: r.ConnString(cfg.Database), replicaCluster: r, dbname: cfg.Database}
}

// execSQL runs SQL on a database, as the superuser.
func execSQL(t *testing.T, connString, sql string, args ...any) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), connString)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// instance is one server: its own store on the primary (and the replica),
// its own change listener, hub, caches and HTTP listener.
type instance struct {
	db       *postgis.DB
	srv      *httptest.Server
	api      *httpapi.Server
	registry *prometheus.Registry
	token    string // an administrator's API token
}

// startInstance starts a server on the setup; readURLs are its replicas.
func startInstance(t *testing.T, s *setup, readURLs ...string) *instance {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, err := postgis.Open(ctx, s.primary, geo.NewCatalogue(), postgis.Options{
		Logger: log, ReadURLs: readURLs, ReplicaCheck: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	hub := changes.NewHub()
	registry := prometheus.NewRegistry()
	registry.MustRegister(db.PoolCollector())
	api, err := httpapi.New(httpapi.Config{
		Catalogue: geo.NewCatalogue(), Store: db, Tiles: db, Accounts: db, Edits: db, Changes: hub, Logger: log,
		Registry: registry, MaxStreamsPerClient: 100,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.Handler())
	ready, done := make(chan struct{}), make(chan struct{})
	go func() { db.Listen(ctx, hub, ready); close(done) }()
	t.Cleanup(func() {
		api.CloseStreams()
		srv.Close()
		cancel()
		<-done
		db.Close()
	})
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("the change listener did not start")
	}
	return &instance{db: db, srv: srv, api: api, registry: registry}
}

// adminToken makes an administrator (once per database) and returns an
// API token of it.
func adminToken(t *testing.T, in *instance) string {
	t.Helper()
	ctx := context.Background()
	if _, err := in.db.FindUser(ctx, "root"); err != nil {
		if _, err := in.db.CreateUser(ctx, "root", geo.Admin, geo.Scope{}, "a long enough password"); err != nil {
			t.Fatal(err)
		}
	}
	tok, _, err := in.db.CreateToken(ctx, "root", "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// response is an answer read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

// call sends a request to a server; headers come in pairs.
func call(t *testing.T, method, url, body string, headers ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// renamePost changes a post's name_zh through a server's API, as an
// administrator.
func renamePost(t *testing.T, base, token string, id int64, name string) {
	t.Helper()
	item := call(t, http.MethodGet, fmt.Sprintf("%s/collections/posts/items/%d", base, id), "", "Authorization", "Bearer "+token, "Accept-Encoding", "identity")
	if item.status != http.StatusOK {
		t.Fatalf("read post %d: %d %s", id, item.status, item.body)
	}
	r := call(t, http.MethodPatch, fmt.Sprintf("%s/collections/posts/items/%d", base, id), fmt.Sprintf(`{"properties":{"name_zh":%q}}`, name),
		"Authorization", "Bearer "+token, "If-Match", item.header.Get("ETag"), "Content-Type", "application/merge-patch+json")
	if r.status != http.StatusOK {
		t.Fatalf("rename post %d: %d %s", id, r.status, r.body)
	}
}

// itemName is a public item's name_zh as a server answers it now.
func itemName(t *testing.T, base string, layer string, id int64) string {
	t.Helper()
	r := call(t, http.MethodGet, fmt.Sprintf("%s/collections/%s/items/%d", base, layer, id), "")
	if r.status != http.StatusOK {
		t.Fatalf("item %s %d: %d %s", layer, id, r.status, r.body)
	}
	var f struct {
		Properties map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(r.body, &f); err != nil {
		t.Fatal(err)
	}
	name, _ := f.Properties["name_zh"].(string)
	return name
}

// tileOf returns the address of the z16 tile holding a point.
func tileOf(p orb.Point) string {
	tl := maptile.At(p, 16)
	return fmt.Sprintf("/tiles/%d/%d/%d.mvt", tl.Z, tl.X, tl.Y)
}

// tileNames returns the name_zh of every feature of a tile layer, by id, as
// a server answers the tile now (extra query, such as ?v=3, appended).
func tileNames(t *testing.T, base, tile, layer string) map[int64]string {
	t.Helper()
	r := call(t, http.MethodGet, base+tile, "")
	if r.status != http.StatusOK {
		t.Fatalf("tile %s: %d %s", tile, r.status, r.body)
	}
	layers, err := mvt.Unmarshal(r.body)
	if err != nil {
		t.Fatalf("tile %s: %v", tile, err)
	}
	out := map[int64]string{}
	for _, l := range layers {
		if l.Name != layer {
			continue
		}
		for _, f := range l.Features {
			id, _ := f.Properties["id"].(float64)
			name, _ := f.Properties["name_zh"].(string)
			out[int64(id)] = name
		}
	}
	return out
}

// postPoint reads where a post stands.
func postPoint(t *testing.T, connString string, id int64) orb.Point {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), connString)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var p orb.Point
	if err := conn.QueryRow(context.Background(), `SELECT ST_X(geom), ST_Y(geom) FROM posts WHERE id = $1`, id).Scan(&p[0], &p[1]); err != nil {
		t.Fatal(err)
	}
	return p
}

// waitFor polls cond every few milliseconds until it holds or the time is
// up, and reports how long it took.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(2 * time.Millisecond)
	}
	return time.Since(start)
}

// replicaState returns the state of the instance's first replica.
func replicaState(in *instance) geo.PoolState {
	pools := in.db.Pools()
	if len(pools) < 2 {
		return geo.PoolState{}
	}
	return pools[1]
}

// reads returns the instance's read counters, by pool and why.
func reads(t *testing.T, in *instance) map[string]float64 {
	t.Helper()
	mfs, err := in.registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "partymap_db_reads_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			var pool, why string
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "pool":
					pool = l.GetValue()
				case "why":
					why = l.GetValue()
				}
			}
			out[pool+"/"+why] = m.GetCounter().GetValue()
		}
	}
	return out
}
