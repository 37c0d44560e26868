package httpapi

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/labstack/echo/v4"
)

// A JSON body is checked for UTF-8 however the reads split its characters.
func TestCheckedBody_utf8(t *testing.T) {
	long := strings.Repeat("西岳社区党建地图 ", 2000)
	tests := []struct {
		name   string
		body   string
		wantOK bool
		badAt  int64
	}{
		{"ASCII", `{"properties":{"free":3}}`, true, 0},
		{"Chinese across reads", `{"name_zh":"` + long + `"}`, true, 0},
		{"four-byte characters", `{"name_zh":"𠀋𡈽𡌛"}`, true, 0},
		{"invalid byte", "{\"a\":\"ok\xff\"}", false, 8},
		{"cut at the end", "{\"a\":\"\xe8\xa5", false, 6},
		{"overlong dot", "{\"a\":\"\xc0\xae\"}", false, 6},
		{"surrogate", "{\"a\":\"\xed\xa0\x80\"}", false, 6},
		{"invalid after Chinese", `{"name_zh":"` + long + "\xfe\"}", false, int64(len(`{"name_zh":"`) + len(long))},
	}
	for _, tt := range tests {
		for _, split := range []struct {
			name string
			wrap func(io.Reader) io.Reader
		}{{"one byte a read", iotest.OneByteReader}, {"half a buffer a read", iotest.HalfReader}, {"whole", func(r io.Reader) io.Reader { return r }}} {
			t.Run(tt.name+"/"+split.name, func(t *testing.T) {
				b := &checkedBody{r: split.wrap(strings.NewReader(tt.body)), closer: io.NopCloser(nil), utf8: true}
				got, err := io.ReadAll(b)
				if tt.wantOK {
					if err != nil || string(got) != tt.body {
						t.Errorf("got %d bytes, err %v; want the %d bytes", len(got), err, len(tt.body))
					}
					return
				}
				if !errors.Is(err, errInvalidUTF8) || !b.invalidUTF8 {
					t.Fatalf("got err %v; want it refused as invalid UTF-8", err)
				}
				if b.badAt != tt.badAt {
					t.Errorf("bad byte at %d, want %d", b.badAt, tt.badAt)
				}
			})
		}
	}
}

// Bodies beyond the configured limit are refused with 413: at once when
// their length is announced, when reading reaches the limit otherwise. Reads
// and bodies that are not JSON are not touched.
func TestLimitBodies(t *testing.T) {
	s := newInternal(t, Config{MaxBodyBytes: 100, MaxImportBytes: 1000, MaxLoginBytes: 50, Logger: slog.New(slog.DiscardHandler)})
	var read int
	echoed := func(c echo.Context) error {
		b, err := io.ReadAll(c.Request().Body)
		read = len(b)
		if err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	}
	const importPath, loginPath = "/test/import", "/test/login"
	s.register(route{http.MethodPatch, "/test/write", echoed, writeBody})
	s.register(route{http.MethodPost, importPath, echoed, importBody})
	s.register(route{http.MethodPost, loginPath, echoed, loginBody})
	tests := []struct {
		name      string
		path      string
		body      string
		ctype     string
		chunked   bool
		want      int
		wantRead  int
		wantInMsg string
	}{
		{"small JSON", "/test/write", `{"a":"西岳"}`, "application/merge-patch+json", false, 204, 14, ""},
		{"announced too large", "/test/write", strings.Repeat("x", 101), "application/json", false, 413, 0, "100 bytes"},
		{"streamed too large", "/test/write", strings.Repeat("x", 500), "application/json", true, 413, 100, "100 bytes"},
		{"import may be larger", importPath, strings.Repeat("x", 900), "application/geo+json", false, 204, 900, ""},
		{"import too large", importPath, strings.Repeat("x", 1001), "application/geo+json", false, 413, 0, "1000 bytes"},
		{"login", loginPath, `{"name":"a","password":"b"}`, "application/json", false, 204, 27, ""},
		{"login too large", loginPath, strings.Repeat("x", 51), "application/json", false, 413, 0, "50 bytes"},
		{"login streamed too large", loginPath, strings.Repeat("x", 500), "application/json", true, 413, 50, "50 bytes"},
		{"invalid UTF-8 JSON", "/test/write", "{\"a\":\"\xff\"}", "application/geo+json", false, 400, 0, "UTF-8 text (byte 6)"},
		{"binary that is not JSON", "/test/write", "\xff\xfe", "application/octet-stream", false, 204, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			read = -1
			var body io.Reader = strings.NewReader(tt.body)
			if tt.chunked {
				body = io.MultiReader(body) // hides the length
			}
			method := http.MethodPatch
			if tt.path != "/test/write" {
				method = http.MethodPost
			}
			req := httptest.NewRequest(method, tt.path, body)
			req.Header.Set("Content-Type", tt.ctype)
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Fatalf("got %d %s, want %d", rec.Code, rec.Body, tt.want)
			}
			if tt.wantRead != 0 && read != tt.wantRead {
				t.Errorf("the handler read %d bytes, want %d", read, tt.wantRead)
			}
			if tt.want == 413 && !tt.chunked && read != -1 {
				t.Errorf("the handler ran and read %d bytes of a body announced too large", read)
			}
			if !strings.Contains(rec.Body.String(), tt.wantInMsg) || (tt.want >= 400 && rec.Header().Get("Content-Type") != "application/problem+json") {
				t.Errorf("got %s %s, want a problem saying %q", rec.Header().Get("Content-Type"), rec.Body, tt.wantInMsg)
			}
		})
	}
}
