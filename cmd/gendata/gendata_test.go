package main

import (
	"regexp"
	"time"

	"bytes"
	"os"
	"partymap/internal/geo"
	"path/filepath"
	"slices"
	"testing"
)

func TestRun_Deterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b} {
		if err := run(dir, dataDay(t)); err != nil {
			t.Fatalf("run: %v", err)
		}
	}
	entries, err := os.ReadDir(a)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{"README.md"}
	for layer := range testFiles() {
		want = append(want, layer+".geojson")
	}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("run wrote %v, want %v", names, want)
	}
	for _, name := range names {
		x, _ := os.ReadFile(filepath.Join(a, name))
		y, _ := os.ReadFile(filepath.Join(b, name))
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs", name)
		}
	}
}

// dataDay is the day the programme of data/geojson starts, as its README
// says: gendata writes the same bytes for it again.
func dataDay(t *testing.T) time.Time {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`the programme starting on (\d{4}-\d{2}-\d{2})`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("%s/README.md does not say when the programme starts", dataDir)
	}
	d, err := time.ParseInLocation(time.DateOnly, string(m[1]), geo.ChinaStandardTime())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestRun_MatchesDataDir(t *testing.T) {
	// The tests above check data/geojson; this one makes sure it is what
	// the generator writes now. Regenerate with go run ./cmd/gendata.
	dir := t.TempDir()
	if err := run(dir, dataDay(t)); err != nil {
		t.Fatalf("run: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		fresh, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		written, err := os.ReadFile(filepath.Join(dataDir, e.Name()))
		if err != nil || !bytes.Equal(fresh, written) {
			t.Errorf("%s in %s is not what gendata writes now; run go run ./cmd/gendata", e.Name(), dataDir)
		}
	}
}
