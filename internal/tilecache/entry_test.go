package tilecache_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"math/rand/v2"
	"regexp"
	"testing"

	"partymap/internal/geo"
	"partymap/internal/tilecache"
)

// entryFor renders raw through a fresh cache and returns its entry.
func entryFor(t *testing.T, raw []byte) tilecache.Entry {
	t.Helper()
	c := tilecache.New(1 << 30)
	e, err := c.Get(context.Background(), geo.TileID{}, renderBytes(raw, nil))
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	return e
}

// randomBytes returns n bytes that do not compress, the same for a seed.
func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestEntry_ETag(t *testing.T) {
	tests := []struct {
		name     string
		a, b     []byte
		wantSame bool
	}{
		{name: "same bytes", a: []byte("grid 1"), b: []byte("grid 1"), wantSame: true},
		{name: "one byte differs", a: []byte("grid 1"), b: []byte("grid 2"), wantSame: false},
		{name: "prefix", a: []byte("grid"), b: []byte("grid 1"), wantSame: false},
		{name: "empty and one byte", a: nil, b: []byte{0}, wantSame: false},
		{name: "large same", a: randomBytes(1<<16, 1), b: randomBytes(1<<16, 1), wantSame: true},
	}
	strong := regexp.MustCompile(`^"[0-9a-f]{32}"$`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := entryFor(t, tt.a).ETag, entryFor(t, tt.b).ETag
			if got := a == b; got != tt.wantSame {
				t.Errorf("ETags %s and %s equal = %v, want %v", a, b, got, tt.wantSame)
			}
			for _, tag := range []string{a, b} {
				if !strong.MatchString(tag) {
					t.Errorf("ETag = %s, want a quoted strong tag of 32 hex digits", tag)
				}
			}
		})
	}
}

func TestEntry_Raw(t *testing.T) {
	tests := []struct {
		name string
		raw  []byte
	}{
		{name: "one byte", raw: []byte{0x1a}},
		{name: "repetitive", raw: bytes.Repeat([]byte("岳庙步行街 "), 5000)},
		{name: "incompressible", raw: randomBytes(200_000, 7)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := entryFor(t, tt.raw)
			if !bytes.Equal(e.Raw, tt.raw) {
				t.Errorf("Raw = %d bytes, want the %d rendered bytes", len(e.Raw), len(tt.raw))
			}
			// What a browser does with Content-Encoding: gzip.
			zr, err := gzip.NewReader(bytes.NewReader(e.Gzip))
			if err != nil {
				t.Fatalf("gzip.NewReader: %v", err)
			}
			plain, err := io.ReadAll(zr)
			if err != nil || !bytes.Equal(plain, tt.raw) {
				t.Errorf("gunzip = %d bytes, %v, want the %d rendered bytes", len(plain), err, len(tt.raw))
			}
		})
	}
}

func TestEntry_GzipDeterministic(t *testing.T) {
	// Instances behind one load balancer must send identical bodies for one
	// ETag.
	raw := bytes.Repeat([]byte("parking "), 1000)
	a, b := entryFor(t, raw), entryFor(t, raw)
	if !bytes.Equal(a.Gzip, b.Gzip) {
		t.Errorf("two compressions of the same bytes differ: %d and %d bytes", len(a.Gzip), len(b.Gzip))
	}
	if len(a.Gzip) >= len(raw) {
		t.Errorf("gzip size = %d, want less than the raw %d", len(a.Gzip), len(raw))
	}
}
