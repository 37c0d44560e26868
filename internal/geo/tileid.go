package geo

import (
	"strconv"

	"github.com/paulmach/orb/maptile"
)

// TileID is the address of one vector tile on the Web Mercator tile grid:
// a zoom from 0 to TileMaxZoom and a column and row inside that zoom. Its
// fields are hidden so that every TileID is valid: it is made by
// ParseTileID (from a request) or NewTileID (from a maptile.Tile), which
// check it once, and nothing downstream checks it again. The zero value is
// the one tile of zoom 0.
type TileID struct {
	x, y uint32
	z    maptile.Zoom
}

// NewTileID returns the TileID of t, or an EINVALID error when t lies off
// the tile grid or deeper than TileMaxZoom.
func NewTileID(t maptile.Tile) (TileID, error) {
	if t.Z > TileMaxZoom || !t.Valid() {
		return TileID{}, Errorf(EINVALID, "There is no tile %d/%d/%d: zoom runs from 0 to %d and x and y from 0 to 2^zoom − 1.", t.Z, t.X, t.Y, TileMaxZoom)
	}
	return TileID{x: t.X, y: t.Y, z: t.Z}, nil
}

// ParseTileID reads a tile address from its three decimal path segments,
// z, x and y (without a file extension): digits only, no sign and no
// leading zero, so that each tile has exactly one address. The errors are
// EINVALID and name the part that is wrong.
func ParseTileID(zs, xs, ys string) (TileID, error) {
	z, ok := tileNumber(zs, TileMaxZoom)
	if !ok {
		return TileID{}, Errorf(EINVALID, "The zoom must be a whole number from 0 to %d; got %q.", TileMaxZoom, clip(zs, 40))
	}
	last := uint64(1)<<z - 1
	x, ok := tileNumber(xs, last)
	if !ok {
		return TileID{}, Errorf(EINVALID, "At zoom %d the tile column x must be a whole number from 0 to %d; got %q.", z, last, clip(xs, 40))
	}
	y, ok := tileNumber(ys, last)
	if !ok {
		return TileID{}, Errorf(EINVALID, "At zoom %d the tile row y must be a whole number from 0 to %d; got %q.", z, last, clip(ys, 40))
	}
	return TileID{x: uint32(x), y: uint32(y), z: maptile.Zoom(z)}, nil
}

// tileNumber reads a plain decimal number from 0 to max: at most eight
// digits, which no uint64 overflows on.
func tileNumber(s string, max uint64) (uint64, bool) {
	if s == "" || len(s) > 8 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + uint64(s[i]-'0')
	}
	return n, n <= max
}

// Tile returns the tile as orb's maptile.Tile, for its bounds and for
// encoders.
func (t TileID) Tile() maptile.Tile { return maptile.Tile{X: t.x, Y: t.y, Z: t.z} }

// Z returns the zoom.
func (t TileID) Z() maptile.Zoom { return t.z }

// X returns the column, counted from the west.
func (t TileID) X() uint32 { return t.x }

// Y returns the row, counted from the north.
func (t TileID) Y() uint32 { return t.y }

// String returns "z/x/y".
func (t TileID) String() string {
	b := strconv.AppendUint(nil, uint64(t.z), 10)
	b = append(b, '/')
	b = strconv.AppendUint(b, uint64(t.x), 10)
	b = append(b, '/')
	b = strconv.AppendUint(b, uint64(t.y), 10)
	return string(b)
}
