// Package pmtiles writes the map's vector tiles into one PMTiles v3 archive
// (https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md): the
// offline bundle a kiosk without a server, QGIS or a USB stick reads. The
// tiles are the server's own (geo.TileStore), gzip-compressed, in Hilbert
// order (a clustered archive); the directories are gzip-compressed too.
package pmtiles

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"partymap/internal/geo"
)

// Options say which tiles to write.
type Options struct {
	MinZoom, MaxZoom int
	// Bounds limits the tiles to those that meet it (lon/lat).
	Bounds orb.Bound
	// Metadata is the archive's JSON metadata (name, vector_layers…).
	Metadata map[string]any
}

// Stats tells what was written.
type Stats struct {
	Tiles, Empty int
	Bytes        int64
}

// entry is one tile in a directory.
type entry struct {
	id             uint64
	offset, length uint64
	runLength      uint32
}

// headerLen is the fixed size of a v3 header; the root directory must end
// within rootLimit bytes of the archive's start.
const (
	headerLen = 127
	rootLimit = 16384
)

// Write renders every tile of the zooms and bounds from store and writes
// the archive to w. Empty tiles are left out, as PMTiles readers expect.
func Write(ctx context.Context, w io.Writer, store geo.TileStore, o Options) (Stats, error) {
	var st Stats
	if o.MinZoom < 0 || o.MaxZoom > geo.TileMaxZoom || o.MinZoom > o.MaxZoom {
		return st, fmt.Errorf("zooms %d–%d: the tiles are from 0 to %d, the first no later than the last", o.MinZoom, o.MaxZoom, geo.TileMaxZoom)
	}
	var tiles []maptile.Tile
	for z := o.MinZoom; z <= o.MaxZoom; z++ {
		zz := maptile.Zoom(z)
		lo := maptile.At(orb.Point{o.Bounds.Min[0], o.Bounds.Max[1]}, zz)
		hi := maptile.At(orb.Point{o.Bounds.Max[0], o.Bounds.Min[1]}, zz)
		for x := lo.X; x <= hi.X; x++ {
			for y := lo.Y; y <= hi.Y; y++ {
				tiles = append(tiles, maptile.New(x, y, zz))
			}
		}
	}
	sort.Slice(tiles, func(i, j int) bool { return TileID(tiles[i]) < TileID(tiles[j]) })
	var data bytes.Buffer
	var entries []entry
	for _, t := range tiles {
		id, err := geo.NewTileID(t)
		if err != nil {
			return st, err
		}
		mvt, err := store.Tile(ctx, id)
		if err != nil {
			return st, err
		}
		if len(mvt) == 0 {
			st.Empty++
			continue
		}
		gz, err := gzipBytes(mvt)
		if err != nil {
			return st, err
		}
		entries = append(entries, entry{id: TileID(t), offset: uint64(data.Len()), length: uint64(len(gz)), runLength: 1})
		data.Write(gz)
		st.Tiles++
	}
	meta, err := json.Marshal(o.Metadata)
	if err != nil {
		return st, err
	}
	if meta, err = gzipBytes(meta); err != nil {
		return st, err
	}
	root, leaves, err := directories(entries)
	if err != nil {
		return st, err
	}
	h := header{
		rootOffset: headerLen, rootLength: uint64(len(root)),
		entries: uint64(len(entries)), minZoom: uint8(o.MinZoom), maxZoom: uint8(o.MaxZoom), bounds: o.Bounds,
	}
	h.metaOffset = h.rootOffset + h.rootLength
	h.metaLength = uint64(len(meta))
	h.leafOffset = h.metaOffset + h.metaLength
	h.leafLength = uint64(len(leaves))
	h.dataOffset = h.leafOffset + h.leafLength
	h.dataLength = uint64(data.Len())
	for _, part := range [][]byte{h.bytes(), root, meta, leaves, data.Bytes()} {
		if _, err := w.Write(part); err != nil {
			return st, err
		}
	}
	st.Bytes = int64(h.dataOffset + h.dataLength)
	return st, nil
}

// directories serializes the entries as the root directory, or, when that
// would not fit in the archive's first 16 KiB, as leaf directories of
// growing size that the root points to.
func directories(entries []entry) (root, leaves []byte, err error) {
	root, err = directory(entries)
	if err != nil || headerLen+len(root) <= rootLimit {
		return root, nil, err
	}
	for size := 4096; ; size *= 2 {
		var rootEntries []entry
		var buf bytes.Buffer
		for i := 0; i < len(entries); i += size {
			part := entries[i:min(i+size, len(entries))]
			d, err := directory(part)
			if err != nil {
				return nil, nil, err
			}
			// a run length of 0 points to a leaf directory
			rootEntries = append(rootEntries, entry{id: part[0].id, offset: uint64(buf.Len()), length: uint64(len(d))})
			buf.Write(d)
		}
		if root, err = directory(rootEntries); err != nil {
			return nil, nil, err
		}
		if headerLen+len(root) <= rootLimit {
			return root, buf.Bytes(), nil
		}
	}
}

// directory serializes entries (sorted by tile id) as the spec says:
// their count, then column by column the id deltas, run lengths, lengths
// and offsets (0 for "right after the previous one", else offset+1), as
// varints, gzip-compressed.
func directory(es []entry) ([]byte, error) {
	var b []byte
	b = binary.AppendUvarint(b, uint64(len(es)))
	var last uint64
	for _, e := range es {
		b = binary.AppendUvarint(b, e.id-last)
		last = e.id
	}
	for _, e := range es {
		b = binary.AppendUvarint(b, uint64(e.runLength))
	}
	for _, e := range es {
		b = binary.AppendUvarint(b, e.length)
	}
	for i, e := range es {
		if i > 0 && e.offset == es[i-1].offset+es[i-1].length {
			b = binary.AppendUvarint(b, 0)
		} else {
			b = binary.AppendUvarint(b, e.offset+1)
		}
	}
	return gzipBytes(b)
}

type header struct {
	rootOffset, rootLength, metaOffset, metaLength uint64
	leafOffset, leafLength, dataOffset, dataLength uint64
	entries                                        uint64
	minZoom, maxZoom                               uint8
	bounds                                         orb.Bound
}

// Compression and tile type codes of the header.
const (
	compressionGzip = 2
	tileTypeMVT     = 1
)

func (h header) bytes() []byte {
	b := make([]byte, headerLen)
	copy(b, "PMTiles")
	b[7] = 3
	le := binary.LittleEndian
	for i, v := range []uint64{h.rootOffset, h.rootLength, h.metaOffset, h.metaLength, h.leafOffset, h.leafLength,
		h.dataOffset, h.dataLength, h.entries, h.entries, h.entries} {
		le.PutUint64(b[8+8*i:], v)
	}
	b[96] = 1 // clustered: the tiles' data in tile id order
	b[97] = compressionGzip
	b[98] = compressionGzip
	b[99] = tileTypeMVT
	b[100], b[101] = h.minZoom, h.maxZoom
	e7 := func(v float64) uint32 { return uint32(int32(math.Round(v * 1e7))) }
	le.PutUint32(b[102:], e7(h.bounds.Min[0]))
	le.PutUint32(b[106:], e7(h.bounds.Min[1]))
	le.PutUint32(b[110:], e7(h.bounds.Max[0]))
	le.PutUint32(b[114:], e7(h.bounds.Max[1]))
	c := h.bounds.Center()
	b[118] = uint8((int(h.minZoom) + int(h.maxZoom)) / 2)
	le.PutUint32(b[119:], e7(c[0]))
	le.PutUint32(b[123:], e7(c[1]))
	return b
}

// TileID is a tile's PMTiles id: the tiles of every lower zoom, then its
// place along the zoom's Hilbert curve.
func TileID(t maptile.Tile) uint64 {
	var base uint64
	for z := uint64(0); z < uint64(t.Z); z++ {
		base += 1 << (2 * z)
	}
	n := uint64(1) << t.Z
	x, y := uint64(t.X), uint64(t.Y)
	var d uint64
	for s := n / 2; s > 0; s /= 2 {
		var rx, ry uint64
		if x&s > 0 {
			rx = 1
		}
		if y&s > 0 {
			ry = 1
		}
		d += s * s * ((3 * rx) ^ ry)
		// rotate the quadrant
		if ry == 0 {
			if rx == 1 {
				x = n - 1 - x
				y = n - 1 - y
			}
			x, y = y, x
		}
	}
	return base + d
}

func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
