package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// memoryFile is one answer held in memory, in both encodings.
type memoryFile struct {
	contentType  []string
	identity     []byte
	identityTag  []string
	identityLen  []string
	gzip         []byte
	gzipTag      []string
	gzipLen      []string
	cacheControl []string
}

// memoryFiles is the minimal Go handler the tile server is measured
// against: the same bytes, from a map in memory, with the headers the
// answer needs (type, encoding, length, ETag, Vary, Cache-Control), each
// built once. It is the most a Go net/http server can do on this machine.
type memoryFiles struct {
	files map[string]*memoryFile
	gz    []string
	vary  []string
}

// ServeHTTP answers one request from memory.
func (m *memoryFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := m.files[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	body, tag, length := f.identity, f.identityTag, f.identityLen
	if f.gzip != nil && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		body, tag, length = f.gzip, f.gzipTag, f.gzipLen
		h["Content-Encoding"] = m.gz
	}
	h["Content-Type"] = f.contentType
	h["Content-Length"] = length
	h["Etag"] = tag
	h["Vary"] = m.vary
	if f.cacheControl != nil {
		h["Cache-Control"] = f.cacheControl
	}
	_, _ = w.Write(body)
}

// loadMemoryFiles reads every file under dir: x is the identity bytes of
// /x, x.gz its gzip bytes.
func loadMemoryFiles(dir string) (*memoryFiles, error) {
	m := &memoryFiles{files: map[string]*memoryFile{}, gz: []string{"gzip"}, vary: []string{"Accept-Encoding"}}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		body, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		urlPath := "/" + filepath.ToSlash(rel)
		gz := strings.HasSuffix(urlPath, ".gz")
		urlPath = strings.TrimSuffix(urlPath, ".gz")
		f := m.files[urlPath]
		if f == nil {
			ct, cc := contentTypeOf(urlPath)
			f = &memoryFile{contentType: []string{ct}}
			if cc != "" {
				f.cacheControl = []string{cc}
			}
			m.files[urlPath] = f
		}
		sum := sha256.Sum256(body)
		tag := []string{`"` + hex.EncodeToString(sum[:16]) + `"`}
		length := []string{strconv.Itoa(len(body))}
		if gz {
			f.gzip, f.gzipTag, f.gzipLen = body, tag, length
		} else {
			f.identity, f.identityTag, f.identityLen = body, tag, length
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for p, f := range m.files {
		if f.identity == nil {
			return nil, fmt.Errorf("%s has gzip bytes but no identity bytes", p)
		}
	}
	if len(m.files) == 0 {
		return nil, fmt.Errorf("no files under %s", dir)
	}
	return m, nil
}

// contentTypeOf returns the media type and cache policy of an answer, as
// mapserver sends them.
func contentTypeOf(urlPath string) (contentType, cacheControl string) {
	if path.Ext(urlPath) == ".mvt" {
		return "application/vnd.mapbox-vector-tile", "public, max-age=5, stale-while-revalidate=60, stale-if-error=86400"
	}
	return "application/geo+json", ""
}

// runServe serves the fetched bytes from memory until ctx ends.
func runServe(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("benchtiles serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "directory of the answers (written by benchtiles fetch)")
	addr := fs.String("addr", "127.0.0.1:18082", "address to listen on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return fmt.Errorf("-dir is required")
	}
	m, err := loadMemoryFiles(*dir)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: m, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 120 * time.Second}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "serving %d answers from memory on http://%s\n", len(m.files), ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
