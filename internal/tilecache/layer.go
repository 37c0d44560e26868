package tilecache

import (
	"context"
	"encoding/binary"

	"github.com/paulmach/orb/maptile"

	"partymap/internal/geo"
	"partymap/internal/memcache"
)

// One-layer tiles (OGC API – Tiles' tiles of one collection) are cut from
// the dataset tile, the one every map draws: a Mapbox Vector Tile is a
// sequence of layers, each one length-delimited field, so a layer's tile
// is that field's bytes as they are. They are kept in a cache of their
// own, bounded with the same bytes, and invalidated with the dataset
// tiles: by the same areas, at the same moments.

// layerKey names one layer of one tile.
type layerKey struct {
	t     geo.TileID
	layer string
}

// newLayerCache returns the cache of one-layer tiles.
func newLayerCache(maxBytes int64, s settings) *memcache.Cache[layerKey, maptile.Zoom, Entry] {
	return memcache.New(memcache.Config[layerKey, maptile.Zoom, Entry]{
		MaxBytes:    maxBytes,
		Size:        func(k layerKey, e Entry) int64 { return int64(len(e.Gzip)+len(e.Raw)+len(k.layer)) + entryOverhead },
		Group:       func(k layerKey) maptile.Zoom { return k.t.Z() },
		LoadTimeout: s.renderTimeout,
	})
}

// GetLayer returns the tile of one source layer of tile t: the layer's
// bytes of the dataset tile (from the cache, or rendered by render as Get
// does), compressed once and kept. A tile whose dataset tile lacks the
// layer is Empty.
func (c *Cache) GetLayer(ctx context.Context, t geo.TileID, layer string, render RenderFunc) (Entry, error) {
	k := layerKey{t: t, layer: layer}
	if e, ok := c.layers.Lookup(k); ok {
		return e, nil
	}
	e, _, err := c.layers.Get(ctx, k, func(ctx context.Context) (Entry, error) {
		full, err := c.Get(ctx, t, render)
		if err != nil {
			return Entry{}, err
		}
		return c.gz.newEntry(LayerBytes(full.Raw, layer), c.now())
	})
	return e, err
}

// PeekLayer returns a cached one-layer tile without rendering it.
func (c *Cache) PeekLayer(t geo.TileID, layer string) (Entry, bool) {
	return c.layers.Peek(layerKey{t: t, layer: layer})
}

// LayerBytes returns the bytes of the MVT tile raw that hold the layer
// named name (field 3 of the Tile message whose name, field 1, is name):
// a valid tile of that layer alone, shared with raw; nil when the tile
// has no such layer or is malformed.
func LayerBytes(raw []byte, name string) []byte {
	for i := 0; i < len(raw); {
		start := i
		key, n := binary.Uvarint(raw[i:])
		if n <= 0 {
			return nil
		}
		i += n
		body, next, ok := field(raw, i, key)
		if !ok {
			return nil
		}
		i = next
		if key == 3<<3|2 && layerName(body) == name {
			return raw[start:i]
		}
	}
	return nil
}

// field reads the value of a field with the given key at raw[i:]: the
// bytes of a length-delimited one; it returns where the next field starts.
func field(raw []byte, i int, key uint64) ([]byte, int, bool) {
	switch key & 7 {
	case 0:
		_, n := binary.Uvarint(raw[i:])
		return nil, i + n, n > 0
	case 1:
		return nil, i + 8, i+8 <= len(raw)
	case 5:
		return nil, i + 4, i+4 <= len(raw)
	case 2:
		l, n := binary.Uvarint(raw[i:])
		if n <= 0 || l > uint64(len(raw)-i-n) {
			return nil, 0, false
		}
		i += n
		return raw[i : i+int(l)], i + int(l), true
	}
	return nil, 0, false
}

// layerName returns the name (field 1) of a Layer message.
func layerName(msg []byte) string {
	for i := 0; i < len(msg); {
		key, n := binary.Uvarint(msg[i:])
		if n <= 0 {
			return ""
		}
		i += n
		body, next, ok := field(msg, i, key)
		if !ok {
			return ""
		}
		if key == 1<<3|2 {
			return string(body)
		}
		i = next
	}
	return ""
}
