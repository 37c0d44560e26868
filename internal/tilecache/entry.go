package tilecache

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sync"
	"time"
)

// Entry is one rendered tile as the cache keeps it: compressed once, with the
// validators an HTTP response needs. Its byte slice is shared by every
// caller that receives the entry and must not be modified.
type Entry struct {
	// Gzip is the tile compressed with gzip, ready to send with
	// Content-Encoding: gzip. It is nil when Empty is true.
	Gzip []byte
	// RawSize is the length of the uncompressed MVT bytes.
	RawSize int
	// ETag is a strong entity tag derived from the uncompressed bytes only,
	// so every server instance gives the same tag for the same tile content.
	ETag string
	// Rendered is when the render function returned these bytes.
	Rendered time.Time
	// Empty reports a tile without features (the render returned zero
	// bytes); the HTTP layer answers it with 204 No Content.
	Empty bool
}

// Raw returns the uncompressed MVT bytes, for clients that do not accept
// gzip. It returns nil for an empty tile.
func (e Entry) Raw() ([]byte, error) {
	if e.Empty || len(e.Gzip) == 0 {
		return nil, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(e.Gzip))
	if err != nil {
		return nil, fmt.Errorf("tilecache: open gzip tile: %w", err)
	}
	raw := make([]byte, 0, e.RawSize)
	buf := bytes.NewBuffer(raw)
	if _, err := io.Copy(buf, zr); err != nil {
		return nil, fmt.Errorf("tilecache: gunzip tile: %w", err)
	}
	if err := zr.Close(); err != nil {
		return nil, fmt.Errorf("tilecache: gunzip tile: %w", err)
	}
	return buf.Bytes(), nil
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
	e := Entry{RawSize: len(raw), ETag: etagOf(raw), Rendered: rendered}
	if len(raw) == 0 {
		e.Empty = true
		return e, nil
	}
	gz, err := c.compress(raw)
	if err != nil {
		return Entry{}, err
	}
	e.Gzip = gz
	return e, nil
}
