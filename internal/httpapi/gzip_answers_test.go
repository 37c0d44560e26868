package httpapi_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"partymap/internal/httpapi"
)

// Feature answers go out gzip-compressed to clients that accept it, from
// bytes compressed once and kept beside the identity ones: each encoding
// (and HTML apart from JSON) has its own strong ETag, and the answers vary
// by Accept and Accept-Encoding. A browser that read an item compressed
// can write it back with the tag it got.
func TestFeatureAnswers_gzip(t *testing.T) {
	env := newStaffEnv(t, httpapi.AuthConfig{})
	srv := httptest.NewServer(env.h)
	defer srv.Close()
	for _, target := range []string{"/collections/buildings/items?limit=100", "/collections/parking/items/1", "/collections", "/collections/posts"} {
		t.Run(target, func(t *testing.T) {
			gz := env.call(t, http.MethodGet, target, "", "Accept-Encoding", "gzip, deflate, br")
			plain := env.call(t, http.MethodGet, target, "")
			if gz.status != 200 || plain.status != 200 {
				t.Fatalf("got %d and %d", gz.status, plain.status)
			}
			if gz.header.Get("Content-Encoding") != "gzip" || plain.header.Get("Content-Encoding") != "" {
				t.Fatalf("Content-Encoding: %q with gzip accepted, %q without", gz.header.Get("Content-Encoding"), plain.header.Get("Content-Encoding"))
			}
			if gz.header.Get("X-Cache") != "MISS" || plain.header.Get("X-Cache") != "HIT" {
				t.Errorf("X-Cache %s then %s: both encodings should come from one rendering", gz.header.Get("X-Cache"), plain.header.Get("X-Cache"))
			}
			if got := gunzip(t, gz.body); !bytes.Equal(got, plain.body) {
				t.Errorf("the gzip answer unzips to %d bytes unlike the %d identity bytes", len(got), len(plain.body))
			}
			if len(gz.body) >= len(plain.body) {
				t.Errorf("gzip %d bytes, identity %d", len(gz.body), len(plain.body))
			}
			for _, r := range []response{gz, plain} {
				if v := r.header.Get("Vary"); v != "Accept, Accept-Encoding" {
					t.Errorf("Vary %q", v)
				}
			}
			// Over the network every answer has its length, whether the
			// server wrote it or left it to net/http (small bodies).
			for _, enc := range []string{"gzip", ""} {
				req, _ := http.NewRequest(http.MethodGet, srv.URL+target, nil)
				req.Header.Set("Accept-Encoding", enc)
				resp, err := srv.Client().Transport.RoundTrip(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.ContentLength != int64(len(body)) || len(resp.TransferEncoding) != 0 {
					t.Errorf("Accept-Encoding %q: Content-Length %d, Transfer-Encoding %v, %d bytes", enc, resp.ContentLength, resp.TransferEncoding, len(body))
				}
			}
			gzTag, plainTag := gz.header.Get("ETag"), plain.header.Get("ETag")
			if gzTag != strings.TrimSuffix(plainTag, `"`)+`-gzip"` {
				t.Errorf("ETags: gzip %s, identity %s; want the identity one with -gzip", gzTag, plainTag)
			}
			if r := env.call(t, http.MethodGet, target, "", "Accept-Encoding", "gzip", "If-None-Match", gzTag); r.status != http.StatusNotModified || r.header.Get("Content-Encoding") != "" || len(r.body) != 0 {
				t.Errorf("If-None-Match of the gzip tag: got %d, Content-Encoding %q, %d bytes; want a bare 304", r.status, r.header.Get("Content-Encoding"), len(r.body))
			}
			if r := env.call(t, http.MethodGet, target, "", "Accept-Encoding", "gzip", "If-None-Match", plainTag); r.status != http.StatusOK {
				t.Errorf("If-None-Match of the identity tag on a gzip request: got %d, want 200 (another representation)", r.status)
			}
			html := env.call(t, http.MethodGet, target, "", "Accept", "text/html")
			if !strings.HasPrefix(html.header.Get("Content-Type"), "text/html") || html.header.Get("ETag") == plainTag {
				t.Errorf("HTML: %s with ETag %s, the JSON's is %s", html.header.Get("Content-Type"), html.header.Get("ETag"), plainTag)
			}
		})
	}

	t.Run("write with the gzip tag", func(t *testing.T) {
		gz := env.call(t, http.MethodGet, "/collections/parking/items/2", "", "Accept-Encoding", "gzip")
		tag := gz.header.Get("ETag")
		if !strings.HasSuffix(tag, `-gzip"`) {
			t.Fatalf("ETag %s is not of a gzip answer", tag)
		}
		r := env.patch(t, env.editor, "parking", 2, tag, `{"properties":{"free":3}}`)
		if r.status != http.StatusOK || r.header.Get("ETag") != `"parking-2-v2"` {
			t.Errorf("PATCH with If-Match %s: got %d ETag %s %s, want 200 \"parking-2-v2\"", tag, r.status, r.header.Get("ETag"), clipBody(r.body))
		}
		if r := env.patch(t, env.editor, "parking", 2, tag, `{"properties":{"free":4}}`); r.status != http.StatusPreconditionFailed {
			t.Errorf("the same gzip tag again: got %d, want 412", r.status)
		}
	})
}
