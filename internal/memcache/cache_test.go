package memcache_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"partymap/internal/memcache"
)

// key is a test key in a group, like a feature answer of a layer.
type key struct {
	group string
	name  string
}

func newCache(maxBytes int64) *memcache.Cache[key, string, string] {
	return memcache.New(memcache.Config[key, string, string]{
		MaxBytes: maxBytes,
		Size:     func(_ key, v string) int64 { return int64(len(v)) },
		Group:    func(k key) string { return k.group },
	})
}

// value returns a load of v that counts its calls.
func value(v string, calls *atomic.Int64) memcache.LoadFunc[string] {
	return func(context.Context) (string, error) {
		if calls != nil {
			calls.Add(1)
		}
		return v, nil
	}
}

// blocked returns a load that says when it started and returns v once
// released.
func blocked(v string, started chan<- struct{}, release <-chan struct{}) memcache.LoadFunc[string] {
	return func(ctx context.Context) (string, error) {
		started <- struct{}{}
		select {
		case <-release:
			return v, nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
}

func get(t *testing.T, c *memcache.Cache[key, string, string], k key, load memcache.LoadFunc[string]) (string, bool) {
	t.Helper()
	v, hit, err := c.Get(context.Background(), k, load)
	if err != nil {
		t.Fatalf("Get(%v): %v", k, err)
	}
	return v, hit
}

func TestCache_GetHitAndMiss(t *testing.T) {
	c := newCache(1 << 10)
	var calls atomic.Int64
	k := key{"posts", "1"}
	if v, hit := get(t, c, k, value("post one", &calls)); v != "post one" || hit {
		t.Fatalf("first Get: got %q, hit %v; want the loaded value, a miss", v, hit)
	}
	if v, hit := get(t, c, k, value("other", &calls)); v != "post one" || !hit {
		t.Errorf("second Get: got %q, hit %v; want the kept value, a hit", v, hit)
	}
	if calls.Load() != 1 {
		t.Errorf("loads: got %d, want 1", calls.Load())
	}
	if v, ok := c.Lookup(k); v != "post one" || !ok {
		t.Errorf("Lookup: got %q, %v; want the kept value", v, ok)
	}
	if _, ok := c.Lookup(key{"posts", "2"}); ok {
		t.Error("Lookup found a key never loaded")
	}
	s := c.Stats()
	if s.Hits != 2 || s.Misses != 1 || s.Loads != 1 || s.Entries != 1 || s.Bytes != int64(len("post one")) || s.MaxBytes != 1<<10 {
		t.Errorf("stats: got %+v", s)
	}
}

func TestCache_GetSingleFlight(t *testing.T) {
	c := newCache(1 << 10)
	started, release := make(chan struct{}, 1), make(chan struct{})
	var calls atomic.Int64
	load := func(ctx context.Context) (string, error) {
		calls.Add(1)
		return blocked("shared", started, release)(ctx)
	}
	const callers = 20
	var wg sync.WaitGroup
	got := make([]string, callers)
	for i := range callers {
		wg.Go(func() {
			v, _, err := c.Get(context.Background(), key{"a", "x"}, load)
			if err != nil {
				t.Error(err)
			}
			got[i] = v
		})
	}
	<-started
	// Let every caller reach the flight before it ends.
	for c.Stats().Misses < callers {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if calls.Load() != 1 {
		t.Errorf("loads: got %d, want 1 shared by %d callers", calls.Load(), callers)
	}
	for i, v := range got {
		if v != "shared" {
			t.Errorf("caller %d got %q", i, v)
		}
	}
}

func TestCache_GetErrors(t *testing.T) {
	errDown := errors.New("database down")
	tests := []struct {
		name    string
		load    memcache.LoadFunc[string]
		wantErr string
	}{
		{"load error", func(context.Context) (string, error) { return "", errDown }, "database down"},
		{"panic", func(context.Context) (string, error) { panic("boom") }, "load panicked: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCache(1 << 10)
			k := key{"a", "x"}
			_, _, err := c.Get(context.Background(), k, tt.load)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want an error saying %q", err, tt.wantErr)
			}
			if _, ok := c.Peek(k); ok {
				t.Error("a failed load was kept")
			}
			if s := c.Stats(); s.LoadErrors != 1 || s.Entries != 0 {
				t.Errorf("stats: got %+v, want one load error and nothing kept", s)
			}
			if v, _ := get(t, c, k, value("later", nil)); v != "later" {
				t.Errorf("after the error: got %q, want a fresh load", v)
			}
		})
	}
}

// A load that ignores its context still frees its key at the timeout.
func TestCache_LoadTimeout(t *testing.T) {
	c := memcache.New(memcache.Config[key, string, string]{MaxBytes: 1 << 10, LoadTimeout: 50 * time.Millisecond})
	stuck := make(chan struct{})
	defer close(stuck)
	_, _, err := c.Get(context.Background(), key{"a", "x"}, func(context.Context) (string, error) {
		<-stuck
		return "too late", nil
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the load's deadline", err)
	}
	if v, _ := get(t, c, key{"a", "x"}, value("next", nil)); v != "next" {
		t.Errorf("got %q, want the next load's value", v)
	}
}

// A caller that leaves does not cancel the load for the others.
func TestCache_CallerLeaves(t *testing.T) {
	c := newCache(1 << 10)
	started, release := make(chan struct{}, 1), make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, _, err := c.Get(ctx, key{"a", "x"}, blocked("kept", started, release))
		done <- err
	}()
	<-started
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("the leaving caller got %v, want context.Canceled", err)
	}
	close(release)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if v, ok := c.Peek(key{"a", "x"}); ok {
			if v != "kept" {
				t.Fatalf("kept %q", v)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the load was not kept after its first caller left")
		}
		time.Sleep(time.Millisecond)
	}
	if _, _, err := c.Get(ctx, key{"b", "y"}, value("never", nil)); !errors.Is(err, context.Canceled) {
		t.Errorf("Get with an ended context: got %v, want context.Canceled without a load", err)
	}
}

func TestCache_LRUAndByteBound(t *testing.T) {
	c := newCache(30) // entries of up to 30/8 bytes are kept
	for _, name := range []string{"a", "b", "c"} {
		get(t, c, key{"g", name}, value("123", nil))
	}
	get(t, c, key{"g", "a"}, value("", nil)) // a is now the most recent
	for i := range 7 {
		get(t, c, key{"h", fmt.Sprint(i)}, value("123", nil))
	}
	// 10 entries of 3 bytes fit 30 exactly; one more evicts the oldest, b.
	get(t, c, key{"h", "last"}, value("123", nil))
	if _, ok := c.Peek(key{"g", "b"}); ok {
		t.Error("b, the least recently used, was not evicted")
	}
	if _, ok := c.Peek(key{"g", "a"}); !ok {
		t.Error("a, used recently, was evicted")
	}
	if s := c.Stats(); s.Bytes != 30 || s.Entries != 10 || s.Evictions != 1 {
		t.Errorf("stats: got %+v, want 30 bytes in 10 entries, 1 eviction", s)
	}
	get(t, c, key{"g", "big"}, value("12345", nil)) // more than 30/8
	if _, ok := c.Peek(key{"g", "big"}); ok {
		t.Error("an entry above the per-entry bound was kept")
	}
	none := newCache(0)
	get(t, none, key{"g", "a"}, value("x", nil))
	if none.Len() != 0 {
		t.Error("a cache of 0 bytes kept something")
	}
}

func TestCache_Invalidate(t *testing.T) {
	fill := func() *memcache.Cache[key, string, string] {
		c := newCache(1 << 10)
		for _, k := range []key{{"posts", "1"}, {"posts", "2"}, {"posts", "page"}, {"grids", "1"}, {"", "collections"}} {
			get(t, c, k, value(k.group+k.name, nil))
		}
		return c
	}
	tests := []struct {
		name  string
		apply func(c *memcache.Cache[key, string, string]) int
		gone  []key
	}{
		{"predicate", func(c *memcache.Cache[key, string, string]) int {
			return c.Invalidate(func(k key) bool { return k.name == "1" })
		}, []key{{"posts", "1"}, {"grids", "1"}}},
		{"whole group", func(c *memcache.Cache[key, string, string]) int {
			return c.InvalidateGroup("posts", nil)
		}, []key{{"posts", "1"}, {"posts", "2"}, {"posts", "page"}}},
		{"group and predicate", func(c *memcache.Cache[key, string, string]) int {
			return c.InvalidateGroup("posts", func(k key) bool { return k.name != "2" })
		}, []key{{"posts", "1"}, {"posts", "page"}}},
		{"keys", func(c *memcache.Cache[key, string, string]) int {
			return c.InvalidateKeys(slices.Values([]key{{"grids", "1"}, {"grids", "9"}}))
		}, []key{{"grids", "1"}}},
		{"clear", func(c *memcache.Cache[key, string, string]) int { return c.Clear() },
			[]key{{"posts", "1"}, {"posts", "2"}, {"posts", "page"}, {"grids", "1"}, {"", "collections"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := fill()
			if n := tt.apply(c); n != len(tt.gone) {
				t.Errorf("removed %d, want %d", n, len(tt.gone))
			}
			for _, k := range []key{{"posts", "1"}, {"posts", "2"}, {"posts", "page"}, {"grids", "1"}, {"", "collections"}} {
				_, ok := c.Peek(k)
				if want := !slices.Contains(tt.gone, k); ok != want {
					t.Errorf("%v kept: %v, want %v", k, ok, want)
				}
			}
			s := c.Stats()
			if s.Entries != int64(5-len(tt.gone)) || s.Invalidations != uint64(len(tt.gone)) {
				t.Errorf("stats: got %+v", s)
			}
			if c.GroupLen("posts")+c.GroupLen("grids")+c.GroupLen("") != 5-len(tt.gone) {
				t.Errorf("group lengths do not add up to %d", 5-len(tt.gone))
			}
		})
	}
}

// An invalidation during a load lets the load answer its callers but keeps
// it out of the cache; an unrelated one does not.
func TestCache_InvalidateDuringLoad(t *testing.T) {
	k := key{"posts", "1"}
	tests := []struct {
		name       string
		invalidate func(c *memcache.Cache[key, string, string])
		wantKept   bool
	}{
		{"another group", func(c *memcache.Cache[key, string, string]) { c.InvalidateGroup("grids", nil) }, true},
		{"predicate missing the key", func(c *memcache.Cache[key, string, string]) { c.Invalidate(func(k key) bool { return k.name == "2" }) }, true},
		{"the group", func(c *memcache.Cache[key, string, string]) { c.InvalidateGroup("posts", nil) }, false},
		{"the key", func(c *memcache.Cache[key, string, string]) { c.InvalidateKeys(slices.Values([]key{k})) }, false},
		{"predicate", func(c *memcache.Cache[key, string, string]) { c.Invalidate(func(key) bool { return true }) }, false},
		{"clear", func(c *memcache.Cache[key, string, string]) { c.Clear() }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCache(1 << 10)
			started, release := make(chan struct{}, 1), make(chan struct{})
			done := make(chan string, 1)
			go func() {
				v, _, err := c.Get(context.Background(), k, blocked("before the change", started, release))
				if err != nil {
					t.Error(err)
				}
				done <- v
			}()
			<-started
			tt.invalidate(c)
			close(release)
			if v := <-done; v != "before the change" {
				t.Errorf("the waiting caller got %q", v)
			}
			if _, kept := c.Peek(k); kept != tt.wantKept {
				t.Errorf("kept: %v, want %v", kept, tt.wantKept)
			}
			if !tt.wantKept {
				if v, hit := get(t, c, k, value("after the change", nil)); v != "after the change" || hit {
					t.Errorf("next Get: got %q (hit %v), want a fresh load", v, hit)
				}
			}
		})
	}
}

func TestCache_ConcurrentUse(t *testing.T) {
	c := newCache(200)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 500 {
				k := key{fmt.Sprint(i % 3), fmt.Sprint(i % 37)}
				if _, _, err := c.Get(context.Background(), k, value(strings.Repeat("x", i%20), nil)); err != nil {
					t.Error(err)
				}
				switch (i + g) % 50 {
				case 0:
					c.InvalidateGroup(k.group, nil)
				case 1:
					c.Invalidate(func(k key) bool { return k.name == "3" })
				case 2:
					c.Peek(k)
				}
			}
		})
	}
	wg.Wait()
	s := c.Stats()
	if s.Bytes > 200 || s.Bytes < 0 || int(s.Entries) != c.Len() {
		t.Errorf("stats after concurrent use: %+v, Len %d", s, c.Len())
	}
}
