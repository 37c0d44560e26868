package tilecache_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/paulmach/orb"

	"partymap/internal/tilecache"
)

// getAsync starts a Get of xiyueTemple and returns where its result comes.
func getAsync(c *tilecache.Cache, render tilecache.RenderFunc) <-chan result {
	ch := make(chan result, 1)
	go func() {
		e, err := c.Get(context.Background(), xiyueTemple, render)
		ch <- result{e, err}
	}()
	return ch
}

// rawOf returns the uncompressed bytes of e, failing the test on error.
func rawOf(t *testing.T, e tilecache.Entry) string {
	t.Helper()
	return string(e.Raw)
}

func TestCache_InvalidateDuringRender(t *testing.T) {
	temple := templePoint()
	touching := orb.Bound{Min: temple, Max: temple}
	elsewhere := orb.Bound{Min: orb.Point{-60, -30}, Max: orb.Point{-59, -29}}
	tests := []struct {
		name       string
		invalidate func(c *tilecache.Cache)
		// wantStored is whether the render that was in flight during the
		// invalidation is kept.
		wantStored bool
	}{
		{name: "an edit elsewhere", invalidate: func(c *tilecache.Cache) { c.Invalidate(elsewhere) }, wantStored: true},
		{name: "an edit touching the tile", invalidate: func(c *tilecache.Cache) { c.Invalidate(touching) }, wantStored: false},
		{name: "invalidate all", invalidate: func(c *tilecache.Cache) { c.InvalidateAll() }, wantStored: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tilecache.New(1 << 20)
			started := make(chan struct{}, 1)
			release := make(chan struct{})

			// The render reads the database before the edit commits...
			before := getAsync(c, blockingRender([]byte("before the edit"), started, release))
			<-started
			// ...the edit commits and its notification arrives...
			tt.invalidate(c)
			// ...and only then does the old render finish.
			close(release)
			r := <-before
			if r.err != nil {
				t.Fatalf("Get in flight: %v", r.err)
			}
			// The caller that asked before the edit may see the old tile.
			if got, want := rawOf(t, r.entry), "before the edit"; got != want {
				t.Errorf("Get in flight = %q, want %q", got, want)
			}

			e, stored := c.Peek(xiyueTemple)
			if stored != tt.wantStored {
				t.Fatalf("old render stored = %v, want %v", stored, tt.wantStored)
			}
			if stored {
				return
			}
			after, err := c.Get(context.Background(), xiyueTemple, renderBytes([]byte("after the edit"), nil))
			if err != nil {
				t.Fatalf("Get after the edit: %v", err)
			}
			if got, want := rawOf(t, after), "after the edit"; got != want {
				t.Errorf("Get after the edit = %q, want %q (Peek had %q)", got, want, e.ETag)
			}
		})
	}
}

func TestCache_InvalidateDuringRenderNewGet(t *testing.T) {
	// A Get that arrives after the invalidation must not join the render
	// that started before it, and the old render, finishing last, must not
	// overwrite the new tile.
	c := tilecache.New(1 << 20)
	started := make(chan struct{}, 1)
	release := make(chan struct{})
	before := getAsync(c, blockingRender([]byte("before the edit"), started, release))
	<-started

	c.Invalidate(xiyueTemple.Tile().Bound())
	after := <-getAsync(c, renderBytes([]byte("after the edit"), nil))
	if after.err != nil {
		t.Fatalf("Get after the edit: %v", after.err)
	}
	if got, want := rawOf(t, after.entry), "after the edit"; got != want {
		t.Errorf("Get after the edit = %q, want %q", got, want)
	}

	close(release)
	if r := <-before; r.err != nil {
		t.Fatalf("Get in flight: %v", r.err)
	}
	e, ok := c.Peek(xiyueTemple)
	if !ok {
		t.Fatalf("Peek: found = false, want the tile rendered after the edit")
	}
	if got, want := rawOf(t, e), "after the edit"; got != want {
		t.Errorf("cached tile = %q, want %q", got, want)
	}
	if got, want := c.Stats().Renders, uint64(2); got != want {
		t.Errorf("Renders = %d, want %d", got, want)
	}
	if !bytes.Equal(e.Gzip, after.entry.Gzip) {
		t.Errorf("cached bytes differ from those served after the edit")
	}
}
