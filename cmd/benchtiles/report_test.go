package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestRunReport(t *testing.T) {
	lines := []string{
		`{"dataset":"community","mode":"static","zoom":14,"conns":16,"round":1,"tiles":2,"requests":10000,"duration_us":1000000,"errors":0,"p50_us":800,"p99_us":3000}`,
		`{"dataset":"community","mode":"static","zoom":14,"conns":16,"round":2,"tiles":2,"requests":12000,"duration_us":1000000,"errors":0,"p50_us":700,"p99_us":2000}`,
		`{"dataset":"community","mode":"static","zoom":14,"conns":16,"round":3,"tiles":2,"requests":11000,"duration_us":1000000,"errors":0,"p50_us":750,"p99_us":9000}`,
		`{"dataset":"community","mode":"warm","zoom":14,"conns":16,"round":1,"tiles":2,"requests":5500,"duration_us":500000,"errors":1,"p50_us":600,"p99_us":1500}`,
		`{"dataset":"community","mode":"cold","zoom":14,"conns":1,"round":1,"tiles":2,"requests":300,"duration_us":1000000,"errors":0,"p50_us":3000,"p99_us":9000}`,
		``,
		`{"dataset":"community","mode":"rss","rss_kb":28672,"hwm_kb":30720}`,
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
		"| community | 14 | 2 | static | 16 | 11000 | 0.75 | 3.00 | — | 0 |",
		"| community | 14 | 2 | warm | 16 | 11000 | 0.60 | 1.50 | 1.00× | 1 |",
		"| community | 14 | 2 | cold | 1 | 300 | 3.00 | 9.00 | — | 0 |",
		"RSS 28.0 MB (peak 30.0 MB)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	if strings.Index(got, "| static |") > strings.Index(got, "| warm |") {
		t.Errorf("static is not listed first:\n%s", got)
	}
}

func TestRunReport_badLine(t *testing.T) {
	file := filepath.Join(t.TempDir(), "results.jsonl")
	if err := os.WriteFile(file, []byte("{\"dataset\":\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := runReport([]string{file}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("got %v, want an error naming line 1", err)
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
