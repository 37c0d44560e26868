package httpapi

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"sync"
	"time"

	"partymap/internal/geo"
	"partymap/internal/memcache"
)

// readKey names a cached feature answer: the layer and item it shows (its
// group: what a change drops), and everything else that changes its
// bytes.
type readKey struct {
	group readGroup
	// acceptsHTML is whether the Accept header asked for HTML, which
	// decides the format when the address has no f parameter.
	acceptsHTML bool
	// url is the base URL clients reach the server by and the request URI.
	url string
}

// readGroup is what a cached answer shows: a layer ("" for the list of
// every layer) and an item (0 for pages and descriptions).
type readGroup struct {
	layer string
	id    int64
}

// cachedRead is one rendered answer as the cache keeps it: compressed once
// when that is worth it, each encoding with its own entity tag.
type cachedRead struct {
	contentType []string
	// html is whether the answer is a page, which carries the document
	// headers.
	html     bool
	identity encoded
	// gzip has no body when the answer is too small to gain from it.
	gzip encoded
	// crs is the Content-Crs header's value; nil for none.
	crs []string
	// stamp, when set, writes the answer with the time it is sent as its
	// timeStamp (stamp.go); identity and gzip then hold no body.
	stamp *stamped
}

// encoded is an answer in one content coding, with its header values.
type encoded struct {
	body         []byte
	etag, length []string
}

// Sizes of the read cache's entries.
const (
	// minGzipBytes is the smallest answer worth compressing: below it the
	// header costs what the coding saves.
	minGzipBytes = 512
	// readEntryOverhead estimates what one entry costs besides its bodies
	// and key: the cache's bookkeeping and the header values.
	readEntryOverhead = 320
)

// readCache keeps rendered OGC answers (collections, pages, items) in
// memory, bounded in bytes, least recently used out first, each rendered
// once however many ask at the same time. A change drops exactly the
// answers it can alter: the changed item, the pages and description of
// its layer, and the collections list. When the database is unreachable,
// what is cached keeps being served.
type readCache struct {
	mem *memcache.Cache[readKey, readGroup, *cachedRead]
	gz  sync.Pool // of *gzip.Writer
	// stamps writes the pages' times.
	stamps stampClock
}

// newReadCache returns a cache of maxBytes whose renders may take timeout.
func newReadCache(maxBytes int64, timeout time.Duration) *readCache {
	return &readCache{mem: memcache.New(memcache.Config[readKey, readGroup, *cachedRead]{
		MaxBytes: maxBytes,
		Size: func(k readKey, r *cachedRead) int64 {
			n := int64(len(k.url)+len(r.identity.body)+len(r.gzip.body)) + readEntryOverhead
			if r.stamp != nil {
				n += int64(len(r.stamp.body))
			}
			return n
		},
		Group:       func(k readKey) readGroup { return k.group },
		LoadTimeout: timeout,
	})}
}

// apply drops the answers a change can alter.
func (c *readCache) apply(ch geo.Change) {
	c.mem.InvalidateGroup(readGroup{}, nil)
	c.mem.InvalidateGroup(readGroup{layer: ch.Layer}, nil)
	if ch.ID != 0 {
		c.mem.InvalidateGroup(readGroup{layer: ch.Layer, id: ch.ID}, nil)
	}
}

// reset drops everything: changes may have been missed.
func (c *readCache) reset() { c.mem.Clear() }

// encode makes the cache entry of a rendered answer: the identity bytes
// with their tag (the item's version, or a hash of the bytes), and the
// gzip bytes, compressed once here, tagged apart (a strong tag names one
// representation).
func (c *readCache) encode(out rendered) *cachedRead {
	etag := out.etag
	if etag == "" {
		etag = contentETag(out.body)
	}
	r := &cachedRead{
		contentType: []string{out.contentType},
		html:        isHTML(out.contentType),
		identity:    encoded{body: out.body, etag: []string{etag}, length: []string{strconv.Itoa(len(out.body))}},
	}
	if out.crs != "" {
		r.crs = []string{"<" + out.crs + ">"}
	}
	if out.stampAt > 0 {
		// The time differs at each sending: the bytes are never the
		// same twice, so the tags are weak (the data is the same).
		r.stamp = c.newStamped(out.body, out.stampAt)
		r.identity = encoded{etag: []string{"W/" + etag}}
		r.gzip = encoded{etag: []string{"W/" + tagged(etag, "gzip")}, body: r.stamp.gzipPrefix}
		return r
	}
	if len(out.body) >= minGzipBytes {
		if gz := c.compress(out.body); len(gz) < len(out.body)*9/10 {
			r.gzip = encoded{body: gz, etag: []string{tagged(etag, "gzip")}, length: []string{strconv.Itoa(len(gz))}}
		}
	}
	return r
}

// compress returns b gzipped at the default level: an answer is
// compressed once and sent many times, so the smaller bytes are worth the
// time. It returns nil when compression fails.
func (c *readCache) compress(b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b)/4 + 64)
	zw, _ := c.gz.Get().(*gzip.Writer)
	if zw == nil {
		zw, _ = gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	} else {
		zw.Reset(&buf)
	}
	if _, err := zw.Write(b); err != nil {
		return nil
	}
	if err := zw.Close(); err != nil {
		return nil
	}
	c.gz.Put(zw)
	return bytes.Clone(buf.Bytes())
}

// contentETag is a strong entity tag of bytes: the first 128 bits of their
// SHA-256, the same on every server instance.
func contentETag(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// tagged returns a strong entity tag with a suffix naming a variant of its
// representation: "x-v3" becomes "x-v3-gzip".
func tagged(etag, variant string) string {
	return etag[:len(etag)-1] + "-" + variant + `"`
}
