package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"partymap/internal/pglocal"
	"partymap/internal/pgtest"
)

// faultRequestTimeout is the server's -request-timeout in the fault tests,
// and faultSlack what an answer may take beyond it.
const (
	faultRequestTimeout = 8 * time.Second
	faultSlack          = 2 * time.Second
)

// outcome is one write attempted during a fault.
type outcome struct {
	id     int64
	marker string
	status int
	code   string
	took   time.Duration
}

// faultBench is a server that reaches its PostgreSQL through a fault proxy.
type faultBench struct {
	srv    *running
	base   string
	proxy  *pgtest.FaultProxy
	direct *pgx.Conn // superuser, around the proxy
	token  string
	client *http.Client
	// cached are public reads answered from memory, uncached counts the
	// pages asked for that were never asked before.
	cached   []string
	uncached int
}

// newFaultBench starts a durable cluster, a fault proxy in front of its
// socket, and mapserver with DATABASE_URL pointing at the proxy.
func newFaultBench(t *testing.T) *faultBench {
	t.Helper()
	bin := buildServer(t)
	root := reachableDir(t)
	ctx := context.Background()
	pgDir := filepath.Join(root, "pg")
	c, err := pglocal.Start(ctx, pglocal.Options{DataDir: pgDir, Durable: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop(context.Background()) })
	owner, err := c.OwnedDatabase(ctx, embeddedDatabase, embeddedOwner, "postgis", "pgrouting")
	if err != nil {
		t.Fatal(err)
	}
	run := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "DATABASE_URL="+owner)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("mapserver %v: %v", args, err)
		}
		return string(out)
	}
	run("", "migrate", "-log-level", "warn")
	run("a long enough password\n", "user", "add", "-log-level", "warn", "-password-stdin", "faulty")
	token := strings.TrimSpace(run("", "token", "add", "-log-level", "warn", "-user", "faulty", "fault test"))

	proxy := pgtest.NewFaultProxy(t, "unix", filepath.Join(pgDir, "run", ".s.PGSQL.5432"))
	url := fmt.Sprintf("host=127.0.0.1 port=%d user=%s dbname=%s sslmode=disable passfile=%s", proxy.Port(), embeddedOwner, embeddedDatabase, c.PassfilePath())
	srv := startServerWith(t, bin, []string{"DATABASE_URL=" + url}, "-request-timeout", faultRequestTimeout.String())
	t.Cleanup(func() {
		if srv.cmd.ProcessState == nil {
			proxy.Heal()
			srv.stop(t)
		}
	})
	direct, err := pgx.Connect(ctx, c.ConnString(embeddedDatabase))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { direct.Close(context.Background()) })
	b := &faultBench{srv: srv, base: "http://" + srv.addr, proxy: proxy, direct: direct, token: token,
		client: &http.Client{Timeout: faultRequestTimeout + 3*faultSlack}}
	// Not /collections: every change to any layer drops it (extents).
	b.cached = []string{"/collections/grids/items?limit=100", "/collections/buildings/items/5", "/tiles.json", b.quietTile(t)}
	return b
}

// quietTile returns a z16 tile with buildings that no edit of the tests
// (car parks 1–3) comes within 800 m of, so that it stays cached.
func (b *faultBench) quietTile(t *testing.T) string {
	t.Helper()
	rows, err := b.direct.Query(context.Background(), `
		SELECT ARRAY[ST_X(c), ST_Y(c)] FROM (SELECT ST_Centroid(geom) AS c FROM buildings ORDER BY id) b
		WHERE NOT EXISTS (SELECT 1 FROM parking p WHERE p.id <= 3 AND ST_DWithin(p.geom::geography, b.c::geography, 800))
		LIMIT 1`)
	if err != nil {
		t.Fatal(err)
	}
	pts, err := pgx.CollectRows(rows, pgx.RowTo[[2]float64])
	if err != nil || len(pts) == 0 {
		t.Fatalf("no building 800 m from the car parks: %v", err)
	}
	const z = 16
	n := math.Exp2(z)
	lon, lat := pts[0][0], pts[0][1]
	x := int((lon + 180) / 360 * n)
	rad := lat * math.Pi / 180
	y := int((1 - math.Log(math.Tan(rad)+1/math.Cos(rad))/math.Pi) / 2 * n)
	return fmt.Sprintf("/tiles/%d/%d/%d.mvt", z, x, y)
}

// get fetches a path and returns the status, the problem code if any and
// how long it took.
func (b *faultBench) get(path string) (int, string, time.Duration) {
	began := time.Now()
	resp, err := b.client.Get(b.base + path)
	if err != nil {
		return 0, err.Error(), time.Since(began)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var p struct{ Code string }
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		_ = json.Unmarshal(body, &p)
	}
	return resp.StatusCode, p.Code, time.Since(began)
}

// write patches car park id's English fee to a marker unique to this
// attempt with If-Match etag, and records what happened; it returns the
// item's new ETag, the same one when the write was refused (the item did
// not change), or "" when it must be read again.
func (b *faultBench) write(id int64, etag, marker string) (outcome, string) {
	url := fmt.Sprintf("%s/collections/parking/items/%d", b.base, id)
	o := outcome{id: id, marker: marker}
	began := time.Now()
	req, _ := http.NewRequest(http.MethodPatch, url, strings.NewReader(`{"properties":{"fee_en":"`+marker+`"}}`))
	req.Header.Set("Authorization", "Bearer "+b.token)
	req.Header.Set("Content-Type", "application/merge-patch+json")
	req.Header.Set("If-Match", etag)
	resp, err := b.client.Do(req)
	o.took = time.Since(began)
	if err != nil {
		o.code = err.Error()
		return o, ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	o.status = resp.StatusCode
	if resp.StatusCode == http.StatusOK {
		return o, resp.Header.Get("ETag")
	}
	var p struct{ Code string }
	if err := json.Unmarshal(body, &p); err != nil || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		o.code = "not a problem: " + string(body)
		return o, ""
	}
	o.code = p.Code
	if o.code == "unavailable" || o.code == "disk_full" {
		return o, etag
	}
	return o, ""
}

// etag reads car park id's ETag, "" when it cannot be read.
func (b *faultBench) etag(id int64) string {
	resp, err := b.client.Get(fmt.Sprintf("%s/collections/parking/items/%d", b.base, id))
	if err != nil {
		return ""
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return ""
	}
	return resp.Header.Get("ETag")
}

// writers keeps three editors writing until stop is closed, and returns
// every attempt.
func (b *faultBench) writers(stop <-chan struct{}, name string) <-chan []outcome {
	res := make(chan []outcome, 1)
	go func() {
		var mu sync.Mutex
		var all []outcome
		var wg sync.WaitGroup
		for id := int64(1); id <= 3; id++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				etag := ""
				for n := 0; ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					if etag == "" {
						if etag = b.etag(id); etag == "" {
							time.Sleep(200 * time.Millisecond)
							continue
						}
					}
					var o outcome
					o, etag = b.write(id, etag, fmt.Sprintf("%s-%d-%d", name, id, n))
					mu.Lock()
					all = append(all, o)
					mu.Unlock()
					time.Sleep(50 * time.Millisecond)
				}
			}()
		}
		wg.Wait()
		res <- all
	}()
	return res
}

// counts are what a leak would raise.
type counts struct {
	goroutines, fds, pool, backends, links int
}

func (b *faultBench) counts(t *testing.T) counts {
	t.Helper()
	m := "http://" + b.srv.metrics
	var backends int
	if err := b.direct.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity WHERE usename = $1`, embeddedOwner).Scan(&backends); err != nil {
		t.Fatal(err)
	}
	return counts{
		goroutines: int(metricValue(t, m, "go_goroutines")),
		fds:        int(metricValue(t, m, "process_open_fds")),
		pool:       int(metricValue(t, m, "partymap_db_pool_connections")),
		backends:   backends,
		links:      b.proxy.Links(),
	}
}

// settled waits until nothing is left over from a fault: as many
// goroutines and descriptors as before (give or take the pool's
// connections, which may differ in number), every PostgreSQL session one of
// the server's (its pool's and its change listener's), every proxied link
// one of those sessions.
func (b *faultBench) settled(t *testing.T, before counts) counts {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c := b.counts(t)
		grown := max(0, c.pool-before.pool)
		ok := c.goroutines <= before.goroutines+3 &&
			c.fds <= before.fds+grown+2 &&
			c.backends <= c.pool+1 && c.links == c.backends
		if ok {
			return c
		}
		if time.Now().After(deadline) {
			t.Errorf("30 s after the link healed: %+v; before the fault %+v: goroutines, descriptors or connections were left behind", c, before)
			return c
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// check holds every write to its answer: acknowledged ones are in the
// history exactly once, refused ones not at all, and those whose outcome
// the server said it could not know are counted; each answered within
// the request timeout with a status a client can act on.
func (b *faultBench) check(t *testing.T, outcomes []outcome) {
	t.Helper()
	var acked, refused, unknown int
	for _, o := range outcomes {
		if o.took > faultRequestTimeout+faultSlack {
			t.Errorf("write %s took %v: more than the request timeout %v", o.marker, o.took.Round(time.Millisecond), faultRequestTimeout)
		}
		var n int
		if err := b.direct.QueryRow(context.Background(), `SELECT count(*) FROM history WHERE layer = 'parking' AND feature_id = $1 AND new_props->>'fee_en' = $2`, o.id, o.marker).Scan(&n); err != nil {
			t.Fatal(err)
		}
		switch {
		case o.status == http.StatusOK:
			acked++
			if n != 1 {
				t.Errorf("write %s was acknowledged, and has %d history rows, want 1", o.marker, n)
			}
		case o.status == http.StatusPreconditionFailed:
			if n != 0 {
				t.Errorf("write %s was refused as stale, and is in the history", o.marker)
			}
		case o.status == http.StatusServiceUnavailable && o.code == "outcome_unknown":
			unknown++
			if n > 1 {
				t.Errorf("write %s has %d history rows", o.marker, n)
			}
		case (o.status == http.StatusServiceUnavailable || o.status == http.StatusInsufficientStorage) && (o.code == "unavailable" || o.code == "disk_full"):
			refused++
			if n != 0 {
				t.Errorf("write %s was refused (%d %s), and is in the history: refused but committed", o.marker, o.status, o.code)
			}
		default:
			t.Errorf("write %s: answer %d %q, want 200, 412, or a 503 problem", o.marker, o.status, o.code)
		}
	}
	t.Logf("%d writes: %d acknowledged, %d refused, %d with an outcome the server could not know", len(outcomes), acked, refused, unknown)
	assertWholeItems(t, b.direct)
}

// duringFault checks, for d, that cached public reads answer 200 at once
// and other reads fail within the request timeout with a 503 problem (or
// answer 200, slowly, where the link is only slow).
func (b *faultBench) duringFault(t *testing.T, d time.Duration, slowOnly bool) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); {
		for _, path := range b.cached {
			status, code, took := b.get(path)
			if status != http.StatusOK && status != http.StatusNoContent {
				t.Errorf("cached read %s during the fault: %d %s, want it answered", path, status, code)
			}
			if took > time.Second {
				t.Errorf("cached read %s during the fault took %v", path, took.Round(time.Millisecond))
			}
		}
		b.uncached++
		path := fmt.Sprintf("/collections/buildings/items?limit=2&offset=%d", 1000+b.uncached)
		status, code, took := b.get(path)
		switch {
		case took > faultRequestTimeout+faultSlack:
			t.Errorf("uncached read %s took %v: more than the request timeout", path, took.Round(time.Millisecond))
		case status == http.StatusServiceUnavailable && code == "unavailable":
		case status == http.StatusOK && slowOnly:
		default:
			t.Errorf("uncached read %s during the fault: %d %q, want a 503 problem", path, status, code)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// recovers measures how long after the heal a write is acknowledged again.
func (b *faultBench) recovers(t *testing.T, name string) {
	t.Helper()
	healed := time.Now()
	for n := 0; ; n++ {
		o, _ := b.write(3, b.etag(3), fmt.Sprintf("%s-recover-%d", name, n))
		if o.status == http.StatusOK {
			t.Logf("a write was acknowledged %v after the link healed", time.Since(healed).Round(time.Millisecond))
			return
		}
		if time.Since(healed) > 15*time.Second {
			t.Fatalf("no write acknowledged 15 s after the link healed; last answer %d %s", o.status, o.code)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// warm reads every cached path once, so that the caches hold them.
func (b *faultBench) warm(t *testing.T) {
	t.Helper()
	for _, path := range b.cached {
		if status, code, _ := b.get(path); status != http.StatusOK && status != http.StatusNoContent {
			t.Fatalf("warming %s: %d %s", path, status, code)
		}
	}
}

// Faults between the server and PostgreSQL, through a proxy on the wire:
// added latency, a half-open link for 30 s, resets mid-query, a PostgreSQL
// that accepts connections and never answers. In each, cached public reads
// keep answering, everything else answers within the request timeout,
// every write is committed and acknowledged or not committed and refused,
// the pool recovers within seconds of the heal, and nothing leaks.
func TestMapserver_databaseFaults(t *testing.T) {
	b := newFaultBench(t)
	faults := []struct {
		name     string
		start    func()
		last     time.Duration
		slowOnly bool
	}{
		{"latency 200 ms", func() { b.proxy.SetLatency(200 * time.Millisecond) }, 8 * time.Second, true},
		{"resets mid-query", func() { b.proxy.ResetFor(3 * time.Second) }, 3 * time.Second, false},
		{"resets after COMMIT", func() { b.proxy.ResetCommits(3) }, 3 * time.Second, true},
		{"accepts but never answers", b.proxy.Blackhole, 12 * time.Second, false},
		{"half-open link for 30 s", b.proxy.Drop, 30 * time.Second, false},
	}
	const committed = "the answer to COMMIT was lost, and the transaction had committed"
	for i, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			tag := fmt.Sprintf("f%d", i)
			lost := strings.Count(b.srv.log.String(), committed)
			b.warm(t)
			time.Sleep(time.Second)
			before := b.counts(t)
			stop := make(chan struct{})
			done := b.writers(stop, tag)
			time.Sleep(500 * time.Millisecond)
			b.warm(t)
			f.start()
			if f.slowOnly {
				time.Sleep(f.last)
			} else {
				// The monitor notices an outage within its ping.
				time.Sleep(5 * time.Second)
				b.duringFault(t, f.last-5*time.Second, false)
			}
			b.proxy.Heal()
			close(stop)
			outcomes := <-done
			b.recovers(t, tag)
			b.check(t, outcomes)
			if os.Getenv("FAULT_LOG") != "" {
				t.Log(b.srv.log.String())
			}
			if f.name == "resets after COMMIT" {
				// The server's log comes through a pipe: its last lines may
				// reach the buffer a moment after the answers did.
				n := 0
				for end := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
					if n = strings.Count(b.srv.log.String(), committed) - lost; n >= 3 || time.Now().After(end) {
						break
					}
				}
				if n != 3 {
					t.Errorf("%d writes had their answer to COMMIT reset and were found committed, want 3", n)
				}
			}
			after := b.settled(t, before)
			t.Logf("before %+v, after %+v; so far the server found %d lost answers to COMMIT committed, and could not ask about %d", before, after,
				strings.Count(b.srv.log.String(), committed),
				strings.Count(b.srv.log.String(), "the database could not be asked what became of it"))
		})
	}
}
