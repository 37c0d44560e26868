package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"partymap/internal/changes"
	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/internal/testdb"
	"partymap/internal/tilecache"
)

// Hundreds of clients that vanish mid-request (tiles, large item pages, the
// event stream) leave nothing stuck: no pool connection stays taken, the
// goroutines return to their number, and the next request is answered.
func TestDisconnectStorm(t *testing.T) {
	db, _ := testdb.Open(t, harness)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hub := changes.NewHub()
	ready := make(chan struct{})
	go db.Listen(ctx, hub, ready)
	<-ready
	api := mustNew(t, httpapi.Config{
		Catalogue: geo.NewCatalogue(), Store: db, Changes: hub,
		Tiles: db, TileCache: tilecache.New(0),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	srv := httptest.NewServer(api.Handler())
	defer srv.Close()
	defer api.CloseStreams()

	home := maptile.At(orb.Point{110.0995, 34.5733}, 16)
	targets := []string{"/collections/buildings/items?limit=10000", "/collections/organizations/items?limit=10000&f=html", "/api/events", "/collections"}
	for dx := uint32(0); dx < 3; dx++ {
		for dy := uint32(0); dy < 3; dy++ {
			targets = append(targets, fmt.Sprintf("/tiles/16/%d/%d.mvt", home.X+dx-1, home.Y+dy-1))
		}
	}
	// Warm up once so that lazily started goroutines (pool, keep-alives)
	// are counted in the baseline.
	for _, u := range targets[:2] {
		resp, err := http.Get(srv.URL + u)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	srv.CloseClientConnections()
	time.Sleep(100 * time.Millisecond)
	baseline := runtime.NumGoroutine()

	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 400; i++ {
		u := targets[rng.IntN(len(targets))]
		after := time.Duration(rng.IntN(15000)) * time.Microsecond
		rawClose := i%3 == 0
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if rawClose {
				// Write the request and hang up without reading the answer.
				conn, err := net.Dial("tcp", srv.Listener.Addr().String())
				if err != nil {
					return
				}
				fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n", u)
				time.Sleep(after)
				conn.Close()
				return
			}
			reqCtx, stop := context.WithTimeout(context.Background(), after)
			defer stop()
			req, _ := http.NewRequestWithContext(reqCtx, http.MethodGet, srv.URL+u, nil)
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				io.CopyN(io.Discard, resp.Body, 100)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	http.DefaultClient.CloseIdleConnections()

	deadline := time.Now().Add(10 * time.Second)
	for {
		acquired := db.Pool().Stat().AcquiredConns()
		g := runtime.NumGoroutine()
		if acquired == 0 && g <= baseline+5 {
			break
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			t.Fatalf("after the storm: %d pool connections still taken, %d goroutines (baseline %d)\n%s", acquired, g, baseline, buf[:n])
		}
		time.Sleep(50 * time.Millisecond)
	}
	resp, err := http.Get(srv.URL + "/collections/grids/items?limit=100")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("a normal request after the storm: got %d", resp.StatusCode)
	}
}
