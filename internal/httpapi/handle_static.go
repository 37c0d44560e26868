package httpapi

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"html"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"partymap/internal/geo"
)

// staticFiles serves the web viewer's files from memory: each file is read
// once, given an ETag from its content and, when it is text, a gzip copy
// made the first time a client accepts it.
type staticFiles struct {
	fsys  fs.FS
	mu    sync.Mutex
	files map[string]*staticFile
}

type staticFile struct {
	body  []byte
	etag  string
	ctype string
	once  sync.Once
	gzip  []byte // nil when the file does not shrink or is not text
}

func newStaticFiles(fsys fs.FS) *staticFiles {
	return &staticFiles{fsys: fsys, files: map[string]*staticFile{}}
}

// initViewer prepares the viewer: its files, its map style, and the list
// of what it lacks. A binary built without its browser libraries would
// otherwise serve an empty beige map with a 200 /readyz: it says so in the
// log at start, and /readyz answers 503 naming the files.
func (s *Server) initViewer(cfg Config) {
	s.static = newStaticFiles(cfg.Viewer)
	s.style = parseStyle(cfg.Style)
	if cfg.Viewer == nil {
		return
	}
	s.viewerMissing = missingViewerFiles(cfg.Viewer)
	if cfg.Style == nil {
		s.viewerMissing = append(s.viewerMissing, "style.json (the map style)")
	} else if s.style.err != nil {
		s.log.Error("the map style cannot be read; the map cannot draw", "err", s.style.err)
	}
	if len(s.viewerMissing) > 0 {
		s.log.Error("the viewer's files are missing; the map cannot draw until they are there",
			"missing", s.viewerMissing, "fix", viewerFix)
	}
}

// viewerFix says how to get the viewer's files back.
const viewerFix = "build the server from a full checkout of the repository (the browser libraries are committed under web/static/vendor), or run make web"

// pageAsset matches what a page loads from the viewer's files.
var pageAsset = regexp.MustCompile(`(?:href|src)="static/([^"?#]+)"`)

// missingViewerFiles lists the viewer's files that fsys lacks: the pages
// the server serves, every file they load, and the vendored libraries that
// vendor.txt names (the modules import those, so no page names them).
func missingViewerFiles(fsys fs.FS) []string {
	var missing []string
	need := func(name string) bool {
		if info, err := fs.Stat(fsys, name); err == nil && !info.IsDir() {
			return true
		}
		if !slices.Contains(missing, name) {
			missing = append(missing, name)
		}
		return false
	}
	for _, page := range []string{"index.html", "edit.html", "venues.html", "wall.html", "desk.html"} {
		if !need(page) {
			continue
		}
		body, _ := fs.ReadFile(fsys, page)
		for _, m := range pageAsset.FindAllSubmatch(body, -1) {
			need(string(m[1]))
		}
	}
	if need("vendor.txt") {
		list, _ := fs.ReadFile(fsys, "vendor.txt")
		sc := bufio.NewScanner(bytes.NewReader(list))
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) == 2 && !strings.HasPrefix(f[0], "#") {
				need(f[0])
			}
		}
	}
	return missing
}

// viewerReady fails when the viewer lacks files it needs.
func (s *Server) viewerReady() error {
	if len(s.viewerMissing) == 0 {
		return nil
	}
	return geo.Errorf(geo.EUNAVAILABLE, "The viewer's files are missing, so the map cannot draw: %s. To fix it, %s.",
		strings.Join(s.viewerMissing, ", "), viewerFix)
}

// file returns the file at name, reading it on first use.
func (sf *staticFiles) file(name string) (*staticFile, error) {
	if sf.fsys == nil || !fs.ValidPath(name) || name == "." {
		return nil, errNoViewerFile(name)
	}
	sf.mu.Lock()
	defer sf.mu.Unlock()
	if f, ok := sf.files[name]; ok {
		return f, nil
	}
	info, err := fs.Stat(sf.fsys, name)
	if err != nil || info.IsDir() {
		return nil, errNoViewerFile(name)
	}
	body, err := fs.ReadFile(sf.fsys, name)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	f := &staticFile{body: body, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, ctype: contentTypeOf(name)}
	sf.files[name] = f
	return f, nil
}

// gzipped returns the file compressed, or nil when that is not worth it.
func (f *staticFile) gzipped() []byte {
	f.once.Do(func() {
		if len(f.body) < 1024 || !compressible(f.ctype) {
			return
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if _, err := zw.Write(f.body); err != nil || zw.Close() != nil {
			return
		}
		if buf.Len() < len(f.body)*9/10 {
			f.gzip = buf.Bytes()
		}
	})
	return f.gzip
}

func errNoViewerFile(name string) error {
	return geo.Errorf(geo.ENOTFOUND, "The viewer has no file %q.", clipText(name))
}

// contentTypeOf names the media type by extension; module scripts must be
// served as JavaScript or browsers refuse them.
func contentTypeOf(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".json", ".map":
		return "application/json"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".md", ".txt", ".ts":
		return "text/plain; charset=utf-8"
	}
	return "application/octet-stream"
}

func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || ctype == "application/json" || ctype == "image/svg+xml"
}

// handleStatic serves the viewer's scripts, styles and vendored libraries.
// Vendored files may be cached for an hour; the viewer's own files are
// revalidated by ETag so that a new build shows at once.
func (s *Server) handleStatic(c echo.Context) error {
	name := c.Param("*")
	f, err := s.static.file(name)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("ETag", f.etag)
	h.Set("Vary", "Accept-Encoding")
	if strings.HasPrefix(name, "vendor/") {
		h.Set("Cache-Control", "public, max-age=3600")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if ifNoneMatch(c.Request().Header.Get("If-None-Match"), f.etag) {
		return c.NoContent(http.StatusNotModified)
	}
	body := f.body
	if strings.Contains(c.Request().Header.Get("Accept-Encoding"), "gzip") {
		if gz := f.gzipped(); gz != nil {
			h.Set("Content-Encoding", "gzip")
			body = gz
		}
	}
	return c.Blob(http.StatusOK, f.ctype, body)
}

// handleViewerPage serves the public map: /map for phones, /kiosk for the
// street kiosk (the same page in kiosk mode). Query parameters are not
// checked here: it is a page, and chat apps append their own to shared links.
func (s *Server) handleViewerPage(c echo.Context) error {
	f, err := s.static.file("index.html")
	if err != nil {
		return err
	}
	page := string(f.body)
	page = strings.Replace(page, `<base href="/">`, `<base href="`+html.EscapeString(pathPrefix(c.Request()))+`/">`, 1)
	if c.Path() == "/kiosk" {
		page = strings.Replace(page, `data-mode="phone"`, `data-mode="kiosk"`, 1)
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.HTMLBlob(http.StatusOK, []byte(page))
}

// pathPrefix is the path under which a proxy publishes the server, from
// X-Forwarded-Prefix as baseURL reads it; "" when served at the root.
func pathPrefix(r *http.Request) string {
	base := baseURL(r)
	if i := strings.Index(base, "://"); i >= 0 {
		if j := strings.Index(base[i+3:], "/"); j >= 0 {
			return base[i+3+j:]
		}
	}
	return ""
}

// servePage answers one of the viewer's pages with its base set to where
// the server is published.
func (s *Server) servePage(c echo.Context, name, cacheControl string) error {
	f, err := s.static.file(name)
	if err != nil {
		return err
	}
	page := strings.Replace(string(f.body), `<base href="/">`, `<base href="`+html.EscapeString(pathPrefix(c.Request()))+`/">`, 1)
	c.Response().Header().Set("Cache-Control", cacheControl)
	return c.HTMLBlob(http.StatusOK, []byte(page))
}
