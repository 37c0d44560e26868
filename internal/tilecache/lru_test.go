package tilecache_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/paulmach/orb/maptile"

	"partymap/internal/geo"
	"partymap/internal/tilecache"
)

// entrySize returns what one tile rendering raw costs in the byte bound.
func entrySize(t *testing.T, raw []byte) int64 {
	t.Helper()
	c := tilecache.New(1 << 30)
	if _, err := c.Get(context.Background(), xiyueTemple, renderBytes(raw, nil)); err != nil {
		t.Fatalf("Get: %v", err)
	}
	return c.Stats().Bytes
}

func TestCache_LRU(t *testing.T) {
	raw := bytes.Repeat([]byte("building "), 100)
	size := entrySize(t, raw)
	// Room for exactly eight tiles; each is then at most maxBytes/8.
	c := tilecache.New(8*size + size/2)
	ctx := context.Background()
	tile := func(i int) geo.TileID { return tileID(t, maptile.New(uint32(i), 0, 10)) }
	get := func(i int) {
		t.Helper()
		if _, err := c.Get(ctx, tile(i), renderBytes(raw, nil)); err != nil {
			t.Fatalf("Get tile %d: %v", i, err)
		}
	}

	for i := range 8 {
		get(i)
	}
	get(0) // a hit: tile 0 becomes the most recently used, tile 1 the least
	get(8) // evicts tile 1
	get(9) // evicts tile 2

	for i := range 10 {
		_, got := c.Peek(tile(i))
		want := i != 1 && i != 2
		if got != want {
			t.Errorf("tile %d cached = %v, want %v", i, got, want)
		}
	}
	st := c.Stats()
	if got, want := st.Evictions, uint64(2); got != want {
		t.Errorf("Evictions = %d, want %d", got, want)
	}
	if got, want := st.Entries, int64(8); got != want {
		t.Errorf("Entries = %d, want %d", got, want)
	}
	if got, want := st.Bytes, 8*size; got != want {
		t.Errorf("Bytes = %d, want %d", got, want)
	}
}

func TestCache_Oversize(t *testing.T) {
	raw := bytes.Repeat([]byte("compound "), 100)
	size := entrySize(t, raw)
	tests := []struct {
		name     string
		maxBytes int64
		wantKept bool
	}{
		{name: "exactly an eighth", maxBytes: 8 * size, wantKept: true},
		{name: "over an eighth", maxBytes: 8*size - 8, wantKept: false},
		{name: "no room at all", maxBytes: 0, wantKept: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tilecache.New(tt.maxBytes)
			e, err := c.Get(context.Background(), xiyueTemple, renderBytes(raw, nil))
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if !bytes.Equal(e.Raw, raw) {
				t.Errorf("served Raw = %d bytes, want the %d rendered bytes", len(e.Raw), len(raw))
			}
			if _, kept := c.Peek(xiyueTemple); kept != tt.wantKept {
				t.Errorf("kept = %v, want %v", kept, tt.wantKept)
			}
			if st := c.Stats(); st.Bytes > tt.maxBytes && st.Bytes != 0 {
				t.Errorf("Bytes = %d, want at most %d", st.Bytes, tt.maxBytes)
			}
		})
	}
}
