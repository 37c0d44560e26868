package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// A tile asked for as ?v=<seq> of a change this instance has not heard of
// yet waits to hear of it, then answers as usual; should it never, the
// answer is for that client only (no-store), so that no shared cache keeps
// a tile older than the version its address names.
func TestTiles_versionAheadOfTheInstance(t *testing.T) {
	in := newTileInstance(t)
	tile := tileURL(maptile.At(orb.Point{110.0995, 34.5733}, 15))
	var latest int64
	if err := in.db.Pool().QueryRow(context.Background(), `SELECT coalesce(max(id), 0) FROM history`).Scan(&latest); err != nil {
		t.Fatal(err)
	}
	if r := get(t, in.h, fmt.Sprintf("%s?v=%d", tile, latest)); r.status != http.StatusOK || r.header.Get("Cache-Control") == "no-store" {
		t.Errorf("a known version: %d Cache-Control %q, want the tile as usual", r.status, r.header.Get("Cache-Control"))
	}

	// The change of the next seq comes a moment after the tile is asked for.
	go func() {
		time.Sleep(200 * time.Millisecond)
		_, _ = in.db.Pool().Exec(context.Background(), `UPDATE posts SET name_zh = '稍后' WHERE id = 1`)
	}()
	start := time.Now()
	r := get(t, in.h, fmt.Sprintf("%s?v=%d", tile, latest+1))
	waited := time.Since(start)
	if r.status != http.StatusOK || r.header.Get("Cache-Control") == "no-store" || waited < 150*time.Millisecond {
		t.Errorf("the next version: %d Cache-Control %q after %s, want the tile once the change was heard", r.status, r.header.Get("Cache-Control"), waited)
	}

	start = time.Now()
	r = get(t, in.h, fmt.Sprintf("%s?v=%d", tile, latest+1000))
	if r.status != http.StatusOK || r.header.Get("Cache-Control") != "no-store" || time.Since(start) < 900*time.Millisecond {
		t.Errorf("a version never heard of: %d Cache-Control %q after %s, want the tile with no-store after waiting a second",
			r.status, r.header.Get("Cache-Control"), time.Since(start))
	}
}
