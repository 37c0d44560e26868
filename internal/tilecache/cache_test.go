package tilecache_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"partymap/internal/geo"
	"partymap/internal/tilecache"
)

// xiyueTemple is the tile of Xiyue Temple, Huayin, at zoom 16.
var xiyueTemple = tileIDAt(templePoint(), 16)

// tileIDAt returns the tile of zoom z holding p. maptile.At always gives a
// tile on the grid, so NewTileID has nothing to refuse below TileMaxZoom.
func tileIDAt(p orb.Point, z maptile.Zoom) geo.TileID {
	id, _ := geo.NewTileID(maptile.At(p, z))
	return id
}

// tileID returns the TileID of a tile, failing the test when it is off the
// grid.
func tileID(tb testing.TB, tile maptile.Tile) geo.TileID {
	tb.Helper()
	id, err := geo.NewTileID(tile)
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// templePoint returns the position of Xiyue Temple, Huayin.
func templePoint() orb.Point {
	return orb.Point{110.0866, 34.5628}
}

// renderBytes returns a render function that returns raw and counts its
// calls in n (when n is not nil).
func renderBytes(raw []byte, n *atomic.Int64) tilecache.RenderFunc {
	return func(context.Context, geo.TileID) ([]byte, error) {
		if n != nil {
			n.Add(1)
		}
		return raw, nil
	}
}

// blockingRender returns a render function that signals started, waits for
// release and then returns raw, or the error of its context.
func blockingRender(raw []byte, started chan<- struct{}, release <-chan struct{}) tilecache.RenderFunc {
	return func(ctx context.Context, _ geo.TileID) ([]byte, error) {
		started <- struct{}{}
		<-release
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return raw, nil
	}
}

// waitFor polls cond until it holds, failing the test after five seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// result is what one Get returned, sent over a channel.
type result struct {
	entry tilecache.Entry
	err   error
}

func TestCache_GetHitAndMiss(t *testing.T) {
	ctx := context.Background()
	c := tilecache.New(1 << 20)
	var renders atomic.Int64
	raw := []byte("a vector tile")

	first, err := c.Get(ctx, xiyueTemple, renderBytes(raw, &renders))
	if err != nil {
		t.Fatalf("first Get: %v", err)
	}
	second, err := c.Get(ctx, xiyueTemple, renderBytes([]byte("other"), &renders))
	if err != nil {
		t.Fatalf("second Get: %v", err)
	}
	if got, want := renders.Load(), int64(1); got != want {
		t.Errorf("renders = %d, want %d", got, want)
	}
	if got, want := second.ETag, first.ETag; got != want {
		t.Errorf("second ETag = %s, want the first %s", got, want)
	}
	if !bytes.Equal(second.Raw, raw) {
		t.Errorf("Raw = %q, want %q", second.Raw, raw)
	}
	if second.IdentityETag == second.ETag || second.IdentityETag != strings.TrimSuffix(second.ETag, `"`)+`-identity"` {
		t.Errorf("IdentityETag = %s, want the gzip ETag %s with -identity", second.IdentityETag, second.ETag)
	}
	st := c.Stats()
	if st.Hits != 1 || st.Misses != 1 || st.Renders != 1 || st.Entries != 1 {
		t.Errorf("Stats() = %+v, want 1 hit, 1 miss, 1 render, 1 entry", st)
	}
}

func TestCache_GetSingleFlight(t *testing.T) {
	const callers = 100
	c := tilecache.New(1 << 20)
	var renders atomic.Int64
	started := make(chan struct{}, callers)
	release := make(chan struct{})
	render := blockingRender([]byte("tile"), started, release)
	counted := func(ctx context.Context, _ geo.TileID) ([]byte, error) {
		renders.Add(1)
		return render(ctx, xiyueTemple)
	}

	results := make(chan result, callers)
	for range callers {
		go func() {
			e, err := c.Get(context.Background(), xiyueTemple, counted)
			results <- result{e, err}
		}()
	}
	waitFor(t, "every caller to miss", func() bool { return c.Stats().Misses == callers })
	close(release)

	var etag string
	for range callers {
		r := <-results
		if r.err != nil {
			t.Fatalf("Get: %v", r.err)
		}
		if etag == "" {
			etag = r.entry.ETag
		}
		if r.entry.ETag != etag {
			t.Errorf("ETag = %s, want %s for every caller", r.entry.ETag, etag)
		}
	}
	if got, want := renders.Load(), int64(1); got != want {
		t.Errorf("renders = %d, want %d", got, want)
	}
}

func TestCache_GetErrors(t *testing.T) {
	errDown := errors.New("database down")
	tests := []struct {
		name    string
		tile    geo.TileID
		render  tilecache.RenderFunc
		wantErr error
	}{
		{
			name:    "render error",
			tile:    xiyueTemple,
			render:  func(context.Context, geo.TileID) ([]byte, error) { return nil, errDown },
			wantErr: errDown,
		},
		{
			name:    "render panic",
			tile:    xiyueTemple,
			render:  func(context.Context, geo.TileID) ([]byte, error) { panic("render bug") },
			wantErr: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tilecache.New(1 << 20)
			_, err := c.Get(context.Background(), tt.tile, tt.render)
			if err == nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Get: err = %v, want %v", err, tt.wantErr)
			}
			if _, ok := c.Peek(tt.tile); ok {
				t.Errorf("Peek after a failed Get: found = true, want false")
			}
			if got := c.Stats().Entries; got != 0 {
				t.Errorf("Entries = %d, want 0", got)
			}
		})
	}
}

func TestCache_GetEmptyTile(t *testing.T) {
	c := tilecache.New(1 << 20)
	var renders atomic.Int64
	for i := range 2 {
		e, err := c.Get(context.Background(), xiyueTemple, renderBytes(nil, &renders))
		if err != nil {
			t.Fatalf("Get %d: %v", i, err)
		}
		if !e.Empty || e.Gzip != nil || e.Raw != nil {
			t.Errorf("Get %d = {Empty: %v, Gzip: %d bytes, Raw: %d bytes}, want an empty entry",
				i, e.Empty, len(e.Gzip), len(e.Raw))
		}
	}
	if got, want := renders.Load(), int64(1); got != want {
		t.Errorf("renders = %d, want %d: the empty tile should be cached", got, want)
	}
}

func TestCache_GetRenderedTime(t *testing.T) {
	at := time.Date(2025, 7, 1, 8, 0, 0, 0, time.UTC)
	c := tilecache.New(1<<20, tilecache.WithClock(func() time.Time { return at }))
	e, err := c.Get(context.Background(), xiyueTemple, renderBytes([]byte("x"), nil))
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if !e.Rendered.Equal(at) {
		t.Errorf("Rendered = %v, want %v", e.Rendered, at)
	}
}

func TestCache_Peek(t *testing.T) {
	c := tilecache.New(1 << 20)
	if _, ok := c.Peek(xiyueTemple); ok {
		t.Errorf("Peek on an empty cache: found = true, want false")
	}
	want, err := c.Get(context.Background(), xiyueTemple, renderBytes([]byte("x"), nil))
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	got, ok := c.Peek(xiyueTemple)
	if !ok || got.ETag != want.ETag {
		t.Errorf("Peek = %s, %v, want %s, true", got.ETag, ok, want.ETag)
	}
	if st := c.Stats(); st.Hits != 0 {
		t.Errorf("Hits after Peek = %d, want 0", st.Hits)
	}
}

func TestCache_ConcurrentUse(t *testing.T) {
	// Exercises every operation at once under the race detector.
	c := tilecache.New(64 << 10)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				tile := tileID(t, maptile.New(uint32(i%37), uint32(g), 8))
				if _, err := c.Get(context.Background(), tile, renderBytes([]byte{byte(i), byte(g)}, nil)); err != nil {
					t.Errorf("Get: %v", err)
					return
				}
				if i%50 == 0 {
					c.Invalidate(tile.Tile().Bound())
				}
				c.Peek(tile)
				c.Stats()
			}
		})
	}
	wg.Wait()
	if st := c.Stats(); st.Bytes > st.MaxBytes {
		t.Errorf("Bytes = %d, want at most %d", st.Bytes, st.MaxBytes)
	}
}
