package postgis_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
)

var updateTiles = flag.Bool("update", false, "rewrite the golden tiles under testdata/tiles")

// goldenTile is a decoded tile in a stable form: layers in tile order,
// features by id, geometry in tile units.
type goldenTile struct {
	Layers []goldenLayer `json:"layers"`
}

// goldenLayer is one decoded layer.
type goldenLayer struct {
	Name     string             `json:"name"`
	Extent   uint32             `json:"extent"`
	Features []*geojson.Feature `json:"features"`
}

// decodeGolden puts decoded layers in their stable form.
func decodeGolden(layers mvt.Layers) goldenTile {
	g := goldenTile{Layers: []goldenLayer{}}
	for _, l := range layers {
		fs := append([]*geojson.Feature{}, l.Features...)
		sort.Slice(fs, func(i, j int) bool { return fs[i].ID.(float64) < fs[j].ID.(float64) })
		g.Layers = append(g.Layers, goldenLayer{Name: l.Name, Extent: l.Extent, Features: fs})
	}
	return g
}

func TestDB_Tile_golden(t *testing.T) {
	db, _ := openTestDB(t)
	tests := []struct {
		name string
		tile maptile.Tile
	}{
		{"z10 the whole community, simplified", maptile.At(homeCenter(), 10)},
		{"z13 compounds and grid organizations", maptile.At(homeCenter(), 13)},
		{"z15 buildings", maptile.At(homeCenter(), 15)},
		{"z16 full detail with building groups", maptile.At(homeCenter(), 16)},
		{"z18 by the kiosk", maptile.At(orb.Point{110.099817, 34.574658}, 18)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustJSON(t, decodeGolden(renderTile(t, db, tt.tile)))
			path := goldenPath(tt.tile)
			if *updateTiles {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read the golden tile (write it with go test -run Golden -update): %v", err)
			}
			// Compare decoded values, not bytes of JSON, so that a diff
			// names the feature and property that changed.
			var gotV, wantV any
			if err := json.Unmarshal(got, &gotV); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(want, &wantV); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantV, gotV); diff != "" {
				t.Errorf("tile %v differs from %s (-want +got):\n%s", tt.tile, path, diff)
			}
		})
	}
}

// mustJSON indents v as JSON.
func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// goldenPath names the golden file of a tile.
func goldenPath(tile maptile.Tile) string {
	return filepath.Join("testdata", "tiles", fmt.Sprintf("%d-%d-%d.json", tile.Z, tile.X, tile.Y))
}
