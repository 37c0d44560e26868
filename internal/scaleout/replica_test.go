package scaleout_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"partymap/internal/geo"
)

// Reads go to the replica once it is in rotation; staff reads go to the
// primary; /readyz shows both pools with the replica's lag.
func TestReplica_servesReads(t *testing.T) {
	s := newSetup(t)
	in := startInstance(t, s, s.replica)
	waitFor(t, 10*time.Second, "the replica in rotation", func() bool { return replicaState(in).InRotation })

	before := reads(t, in)
	if name := itemName(t, in.srv.URL, "posts", 2); name == "" {
		t.Fatal("post 2 has no name")
	}
	tile := tileOf(postPoint(t, s.primary, 2))
	if names := tileNames(t, in.srv.URL, tile, "posts"); len(names) == 0 {
		t.Fatalf("tile %s holds no post", tile)
	}
	call(t, http.MethodGet, in.srv.URL+"/api/search?q=%E9%A9%BF%E7%AB%99", "")
	after := reads(t, in)
	if got := after["replica1/replica"] - before["replica1/replica"]; got < 3 {
		t.Errorf("reads served by the replica: %v more, want the item, the tile and the search (counters %v)", got, after)
	}
	// A PATCH reads the item it merges into from the primary: what the
	// editor changes is the row as it is.
	token := adminToken(t, in)
	staffBefore := reads(t, in)["primary/consistent"]
	renamePost(t, in.srv.URL, token, 2, "主库读改名")
	if got := reads(t, in)["primary/consistent"] - staffBefore; got != 1 {
		t.Errorf("the PATCH read the primary %v times, want once", got)
	}

	ready := call(t, http.MethodGet, in.srv.URL+"/readyz", "")
	var doc struct {
		Status string          `json:"status"`
		Pools  []geo.PoolState `json:"pools"`
	}
	if err := json.Unmarshal(ready.body, &doc); err != nil || ready.status != http.StatusOK {
		t.Fatalf("/readyz: %d %s", ready.status, ready.body)
	}
	if len(doc.Pools) != 2 || doc.Pools[0].Name != "primary" || doc.Pools[1].Name != "replica1" || doc.Pools[1].State != "up" || !doc.Pools[1].InRotation {
		t.Errorf("/readyz pools: %+v, want the primary and replica1 up and in rotation", doc.Pools)
	}
	if strings.Contains(string(ready.body), "password") {
		t.Errorf("/readyz names a password: %s", ready.body)
	}
}

// With the replica's replay paused, an edit is still in the very next
// item and tile read, through the server that made it (its own write) and
// through another that only heard the notification; nothing stale is ever
// cached. Once replay resumes, the replica serves again.
func TestReplica_pausedReplayNeverShowsStale(t *testing.T) {
	s := newSetup(t)
	a := startInstance(t, s, s.replica)
	b := startInstance(t, s, s.replica)
	for _, in := range []*instance{a, b} {
		waitFor(t, 10*time.Second, "the replica in rotation", func() bool { return replicaState(in).InRotation })
	}
	token := adminToken(t, a)
	tile := tileOf(postPoint(t, s.primary, 1))
	// Warm both servers' caches with what is there now.
	for _, in := range []*instance{a, b} {
		itemName(t, in.srv.URL, "posts", 1)
		tileNames(t, in.srv.URL, tile, "posts")
	}

	execSQL(t, s.replica, `SELECT pg_wal_replay_pause()`)
	renamePost(t, a.srv.URL, token, 1, "暂停回放时改名")
	// A: the very next reads.
	if got := itemName(t, a.srv.URL, "posts", 1); got != "暂停回放时改名" {
		t.Errorf("A's next item read: %q, want the new name", got)
	}
	if got := tileNames(t, a.srv.URL, tile, "posts")[1]; got != "暂停回放时改名" {
		t.Errorf("A's next tile read: post 1 is %q, want the new name", got)
	}
	if got := reads(t, a)["primary/stale"]; got < 2 {
		t.Errorf("reads the paused replica could not serve: %v, want them from the primary", got)
	}
	// B heard it from the database: once it has, its reads show it, and
	// keep showing it (nothing stale was cached meanwhile).
	took := waitFor(t, 2*time.Second, "B showing the new name", func() bool {
		return itemName(t, b.srv.URL, "posts", 1) == "暂停回放时改名" && tileNames(t, b.srv.URL, tile, "posts")[1] == "暂停回放时改名"
	})
	t.Logf("B showed the edit %s after it was answered, with the replica's replay paused", took.Round(time.Millisecond))
	for range 5 {
		if got := tileNames(t, b.srv.URL, tile, "posts")[1]; got != "暂停回放时改名" {
			t.Fatalf("B's tile went back to %q", got)
		}
	}
	// A change made in plain SQL on the primary, heard by both.
	execSQL(t, s.primary, `UPDATE posts SET name_zh = '直接改名' WHERE id = 1`)
	for _, in := range []*instance{a, b} {
		waitFor(t, 2*time.Second, "a SQL change shown", func() bool { return tileNames(t, in.srv.URL, tile, "posts")[1] == "直接改名" })
	}

	execSQL(t, s.replica, `SELECT pg_wal_replay_resume()`)
	before := reads(t, b)["replica1/replica"]
	waitFor(t, 5*time.Second, "the replica serving B again", func() bool {
		itemName(t, b.srv.URL, "posts", 3)
		return reads(t, b)["replica1/replica"] > before
	})
}

// A replica stopped under load: reads move to the primary and not one
// request fails; restarted, it comes back into rotation by itself.
func TestReplica_stoppedAndRestarted(t *testing.T) {
	s := newSetup(t)
	in := startInstance(t, s, s.replica)
	waitFor(t, 10*time.Second, "the replica in rotation", func() bool { return replicaState(in).InRotation })

	var failed, done atomic.Int64
	var firstFailure atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	targets := []string{"/collections/posts/items?limit=5", "/api/nearest?lon=110.0998&lat=34.5747", "/api/search?q=%E5%81%9C%E8%BD%A6"}
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				// Item pages are cached: a new offset each time reaches
				// the database.
				target := targets[i%len(targets)]
				if i%len(targets) == 0 {
					target += "&offset=" + string(rune('0'+i%10))
				}
				res, err := http.Get(in.srv.URL + target)
				if err == nil {
					res.Body.Close()
				}
				if err != nil || res.StatusCode != http.StatusOK {
					if failed.Add(1) == 1 {
						firstFailure.Store(target)
					}
				}
				done.Add(1)
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	if err := s.replicaCluster.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the replica out of rotation", func() bool { return !replicaState(in).InRotation })
	stoppedAt := reads(t, in)
	time.Sleep(300 * time.Millisecond)
	if st := replicaState(in); st.State != "down" {
		t.Errorf("the stopped replica: %+v, want down", st)
	}
	if got := reads(t, in)["primary/no_replica"] - stoppedAt["primary/no_replica"]; got == 0 {
		t.Errorf("no read went to the primary while the replica was down")
	}
	if err := s.replicaCluster.Restart(t.Context()); err != nil {
		t.Fatal(err)
	}
	back := waitFor(t, 10*time.Second, "the replica back in rotation", func() bool { return replicaState(in).InRotation })
	before := reads(t, in)["replica1/replica"]
	waitFor(t, 5*time.Second, "reads on the replica again", func() bool { return reads(t, in)["replica1/replica"] > before })
	close(stop)
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Errorf("%d of %d requests failed while the replica went away and came back (first: %v)", n, done.Load(), firstFailure.Load())
	}
	t.Logf("%d requests, none failed; the replica was back in rotation %s after its restart", done.Load(), back.Round(time.Millisecond))
}
