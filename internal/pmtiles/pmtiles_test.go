package pmtiles

import (
	"testing"

	"github.com/paulmach/orb/maptile"
)

// The tile ids of the PMTiles v3 spec: each zoom after the ones before it,
// along the Hilbert curve.
func TestTileID(t *testing.T) {
	for _, tc := range []struct {
		z    maptile.Zoom
		x, y uint32
		want uint64
	}{
		{0, 0, 0, 0},
		{1, 0, 0, 1}, {1, 0, 1, 2}, {1, 1, 1, 3}, {1, 1, 0, 4},
		{2, 0, 0, 5}, {2, 3, 0, 20},
		{3, 0, 0, 21}, {3, 7, 0, 84},
		{20, 0, 0, 366503875925},
	} {
		if got := TileID(maptile.New(tc.x, tc.y, tc.z)); got != tc.want {
			t.Errorf("tile %d/%d/%d: id %d, want %d", tc.z, tc.x, tc.y, got, tc.want)
		}
	}
}
