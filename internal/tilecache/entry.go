package tilecache

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// Entry is one rendered tile as the cache keeps it: compressed once, the
// raw bytes kept beside for clients that do not accept gzip, each with the
// strong entity tag of its representation. Its byte slices are shared by
// every caller that receives the entry and must not be modified.
type Entry struct {
	// Gzip is the tile compressed with gzip, ready to send with
	// Content-Encoding: gzip. It is nil when Empty is true.
	Gzip []byte
	// Raw is the uncompressed MVT bytes, for clients that do not accept
	// gzip. It is nil when Empty is true.
	Raw []byte
	// ETag is the strong entity tag of the gzip representation, derived
	// from the raw bytes only, so every server instance gives the same tag
	// for the same tile content.
	ETag string
	// IdentityETag is the strong entity tag of the raw representation: a
	// strong tag names one representation, so it differs from ETag.
	IdentityETag string
	// ETagHeader, IdentityETagHeader, GzipLength and RawLength are the
	// tags and the lengths of Gzip and Raw as header values, made once with
	// the entry, so that answering a warm tile allocates nothing for them.
	ETagHeader, IdentityETagHeader []string
	GzipLength, RawLength          []string
	// Rendered is when the render function returned these bytes.
	Rendered time.Time
	// Empty reports a tile without features (the render returned zero
	// bytes); the HTTP layer answers it with 204 No Content.
	Empty bool
}

// etagOf returns a strong ETag for raw tile bytes: the first 128 bits of
// their SHA-256, quoted. A keyed or per-process hash would differ between
// instances behind one load balancer, so the hash is a fixed one.
func etagOf(raw []byte) string {
	sum := sha256.Sum256(raw)
	var b [2 + 2*16]byte
	b[0] = '"'
	hex.Encode(b[1:33], sum[:16])
	b[33] = '"'
	return string(b[:])
}

// compressor gzips tiles at a fast level, reusing writers between calls.
type compressor struct {
	pool sync.Pool
}

// compress returns raw gzipped into a new slice of exactly the right size.
func (c *compressor) compress(raw []byte) ([]byte, error) {
	var buf bytes.Buffer
	// Vector tiles compress to roughly a third; start there to avoid most
	// regrowth.
	buf.Grow(len(raw)/3 + 64)
	zw, _ := c.pool.Get().(*gzip.Writer)
	if zw == nil {
		var err error
		if zw, err = gzip.NewWriterLevel(&buf, gzip.BestSpeed); err != nil {
			return nil, fmt.Errorf("tilecache: gzip writer: %w", err)
		}
	} else {
		zw.Reset(&buf)
	}
	if _, err := zw.Write(raw); err != nil {
		return nil, fmt.Errorf("tilecache: gzip tile: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("tilecache: gzip tile: %w", err)
	}
	c.pool.Put(zw)
	// Trim the spare capacity: the slice lives in the cache, and the byte
	// bound counts its length.
	return bytes.Clone(buf.Bytes()), nil
}

// newEntry builds the entry for freshly rendered raw bytes.
func (c *compressor) newEntry(raw []byte, rendered time.Time) (Entry, error) {
	tag := etagOf(raw)
	e := Entry{ETag: tag, IdentityETag: tag[:len(tag)-1] + `-identity"`, Rendered: rendered}
	e.ETagHeader, e.IdentityETagHeader = []string{e.ETag}, []string{e.IdentityETag}
	if len(raw) == 0 {
		e.Empty = true
		return e, nil
	}
	gz, err := c.compress(raw)
	if err != nil {
		return Entry{}, err
	}
	e.Gzip, e.Raw = gz, raw
	e.GzipLength, e.RawLength = []string{strconv.Itoa(len(gz))}, []string{strconv.Itoa(len(raw))}
	return e, nil
}
