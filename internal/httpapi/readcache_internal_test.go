package httpapi

import (
	"bytes"
	"compress/gzip"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// An answer is compressed once, when it is worth it: not below
// minGzipBytes, not when gzip saves too little; its tags name each
// representation.
func TestReadCache_encode(t *testing.T) {
	c := newReadCache(1<<20, time.Second)
	random := make([]byte, 4000)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	tests := []struct {
		name     string
		out      rendered
		wantGzip bool
		wantTag  string
	}{
		{"small", rendered{contentType: mediaGeoJSON, etag: `"posts-1-v2"`, body: []byte(`{"type":"Feature","id":1}`)}, false, `"posts-1-v2"`},
		{"just below the threshold", rendered{contentType: mediaJSON, body: []byte(strings.Repeat("a", minGzipBytes-1))}, false, ""},
		{"large", rendered{contentType: mediaGeoJSON, etag: `"grids-7-v3"`, body: []byte(strings.Repeat(`{"name_zh":"西岳社区"},`, 100))}, true, `"grids-7-v3"`},
		{"incompressible", rendered{contentType: mediaJSON, body: random}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := c.encode(tt.out)
			if !bytes.Equal(e.identity.body, tt.out.body) || e.contentType[0] != tt.out.contentType {
				t.Errorf("identity: got %d bytes of %s", len(e.identity.body), e.contentType)
			}
			tag := e.identity.etag[0]
			if tt.wantTag != "" && tag != tt.wantTag {
				t.Errorf("identity tag %s, want %s", tag, tt.wantTag)
			}
			if tt.wantTag == "" && (tag != contentETag(tt.out.body) || len(tag) != 34) {
				t.Errorf("identity tag %s, want the hash of the bytes", tag)
			}
			if got := e.gzip.body != nil; got != tt.wantGzip {
				t.Fatalf("compressed: %v, want %v", got, tt.wantGzip)
			}
			if !tt.wantGzip {
				return
			}
			if e.gzip.etag[0] != strings.TrimSuffix(tag, `"`)+`-gzip"` {
				t.Errorf("gzip tag %s for identity tag %s", e.gzip.etag[0], tag)
			}
			zr, err := gzip.NewReader(bytes.NewReader(e.gzip.body))
			if err != nil {
				t.Fatal(err)
			}
			plain, err := io.ReadAll(zr)
			if err != nil || !bytes.Equal(plain, tt.out.body) {
				t.Errorf("the gzip bytes unzip to %d bytes, %v", len(plain), err)
			}
		})
	}
}
