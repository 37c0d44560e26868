package main

import (
	"bytes"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestRunReport(t *testing.T) {
	lines := []string{
		// Round 1: mapserver at 0.9 of the Go handler, round 2 at 0.8,
		// round 3 at 1.0 though everything was slower: the in-round
		// median is 0.9 whatever the medians of the rates.
		`{"target":"small tile","size":4525,"encoding":"gzip","server":"go","round":1,"requests":10000,"duration_us":1000000,"p50_us":800,"p99_us":3000,"cpu_ticks":15}`,
		`{"target":"small tile","size":4525,"encoding":"gzip","server":"mapserver","round":1,"requests":9000,"duration_us":1000000,"p50_us":900,"p99_us":3500,"cpu_ticks":15}`,
		`{"target":"small tile","size":4525,"encoding":"gzip","server":"nginx","round":1,"requests":12000,"duration_us":1000000,"p50_us":700,"p99_us":2000,"cpu_ticks":12}`,
		`{"target":"small tile","size":4525,"encoding":"gzip","server":"go","round":2,"requests":10000,"duration_us":1000000,"p50_us":800,"p99_us":3000,"cpu_ticks":15}`,
		`{"target":"small tile","size":4525,"encoding":"gzip","server":"mapserver","round":2,"requests":8000,"duration_us":1000000,"p50_us":1000,"p99_us":4000,"cpu_ticks":16}`,
		`{"target":"small tile","size":4525,"encoding":"gzip","server":"go","round":3,"requests":5000,"duration_us":1000000,"p50_us":1600,"p99_us":6000,"cpu_ticks":8}`,
		`{"target":"small tile","size":4525,"encoding":"gzip","server":"mapserver","round":3,"requests":5000,"duration_us":1000000,"errors":2,"p50_us":1600,"p99_us":6000,"cpu_ticks":9}`,
		``,
		`{"kind":"rss","target":"city data, warm caches","rss_kb":28672,"hwm_kb":30720}`,
	}
	file := filepath.Join(t.TempDir(), "results.jsonl")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := runReport([]string{file}, &out, &out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"| small tile | gzip | 4525 | nginx | 12000 | 0.70 | 2.00 | 10.0 | 1.20× | — | 0 |",
		"| small tile | gzip | 4525 | go | 10000 | 0.80 | 3.00 | 15.0 | — | 0.83× | 0 |",
		"| small tile | gzip | 4525 | mapserver | 8000 | 1.00 | 4.00 | 18.0 | 0.90× | 0.75× | 2 |",
		"small tile gzip 0.90× (CPU per request 0.89×)",
		"RSS 28.0 MB (peak 30.0 MB)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	if strings.Index(got, "| nginx |") > strings.Index(got, "| mapserver |") {
		t.Errorf("nginx is not listed first:\n%s", got)
	}
}

func TestRunReport_badLine(t *testing.T) {
	file := filepath.Join(t.TempDir(), "results.jsonl")
	if err := os.WriteFile(file, []byte("{\"target\":\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := runReport([]string{file}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("got %v, want an error naming line 1", err)
	}
}

func TestSplice(t *testing.T) {
	doc := []byte("# Benchmarks\n\nintro\n\n" + sectionBegin + "\nold\n" + sectionEnd + "\n\n## Later\n")
	got, err := splice(doc, []byte("new report\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := "# Benchmarks\n\nintro\n\n" + sectionBegin + "\nnew report\n" + sectionEnd + "\n\n## Later\n"
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	appended, err := splice([]byte("# Benchmarks\n"), []byte("r"))
	if err != nil || string(appended) != "# Benchmarks\n\n"+sectionBegin+"\nr\n"+sectionEnd+"\n" {
		t.Errorf("without marks: got %q, %v", appended, err)
	}
	if _, err := splice([]byte(sectionEnd+sectionBegin), []byte("r")); err == nil {
		t.Error("marks out of order: no error")
	}
}

func TestMemoryFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("tiles/14/1/2.mvt", "raw tile")
	write("tiles/14/1/2.mvt.gz", "gzip tile")
	write("collections/posts/items", "page")
	m, err := loadMemoryFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, encoding, wantBody, wantEncoding, wantType string
	}{
		{"/tiles/14/1/2.mvt", "gzip, br", "gzip tile", "gzip", "application/vnd.mapbox-vector-tile"},
		{"/tiles/14/1/2.mvt", "", "raw tile", "", "application/vnd.mapbox-vector-tile"},
		{"/collections/posts/items", "gzip", "page", "", "application/geo+json"},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", tt.path, nil)
		if tt.encoding != "" {
			req.Header.Set("Accept-Encoding", tt.encoding)
		}
		m.ServeHTTP(rec, req)
		h := rec.Header()
		if rec.Body.String() != tt.wantBody || h.Get("Content-Encoding") != tt.wantEncoding || h.Get("Content-Type") != tt.wantType ||
			h.Get("ETag") == "" || h.Get("Content-Length") != strconv.Itoa(len(tt.wantBody)) {
			t.Errorf("%s %q: got %q, headers %v", tt.path, tt.encoding, rec.Body.String(), h)
		}
	}
	rec := httptest.NewRecorder()
	m.ServeHTTP(rec, httptest.NewRequest("GET", "/nothing", nil))
	if rec.Code != 404 {
		t.Errorf("unknown path: got %d", rec.Code)
	}
}

func TestMiddleTiles(t *testing.T) {
	b := orb.Bound{Min: orb.Point{110.0285, 34.5207}, Max: orb.Point{110.1515, 34.6093}}
	tiles := middleTiles(b, 16, 10)
	if len(tiles) != 10 {
		t.Fatalf("got %d tiles, want 10", len(tiles))
	}
	centre := tiles[0]
	if !centre.Bound().Contains(b.Center()) {
		t.Errorf("first tile %v does not hold the centre %v", centre, b.Center())
	}
	if got := len(middleTiles(b, 4, 100)); got != 1 {
		t.Errorf("z4: got %d tiles, want 1", got)
	}
}

func TestParseZooms(t *testing.T) {
	if got, err := parseZooms("12, 14,16"); err != nil || len(got) != 3 || got[1] != 14 {
		t.Errorf("got %v, %v", got, err)
	}
	for _, bad := range []string{"", "a", "23", "-1", "12,,14"} {
		if _, err := parseZooms(bad); err == nil {
			t.Errorf("%q: got no error", bad)
		}
	}
}
