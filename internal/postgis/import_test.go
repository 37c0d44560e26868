package postgis_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"partymap/internal/geo"
)

// Export then import into an empty database yields the same features.
func TestDB_exportImportRoundTrip(t *testing.T) {
	src, _ := openTestDB(t)
	ctx := context.Background()
	files, err := src.ReadAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dst, _ := openTestDB(t)
	if _, err := dst.Pool().Exec(ctx, `TRUNCATE community, grids, compounds, buildings, organizations, posts, parking, streets, landmarks`); err != nil {
		t.Fatal(err)
	}
	if empty, _ := dst.IsEmpty(ctx); !empty {
		t.Fatal("the database is not empty after TRUNCATE")
	}
	counts, err := dst.Import(ctx, files, "test")
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, c := range counts {
		total += c.Inserted
		if c.Updated != 0 {
			t.Errorf("%s: %d updated in an empty database", c.Layer, c.Updated)
		}
	}
	again, err := dst.ReadAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	strip := func(lfs []postgisLayerFile) map[string][]geo.Feature { return byLayer(lfs) }
	if diff := cmp.Diff(strip(files), strip(again)); diff != "" {
		t.Errorf("round trip changed features (-before +after):\n%s", diff)
	}
	// Importing the same files again changes nothing.
	counts, err = dst.Import(ctx, again, "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range counts {
		if c.Inserted+c.Updated != 0 {
			t.Errorf("%s: re-import wrote %d rows, want 0", c.Layer, c.Inserted+c.Updated)
		}
	}
}

// A file with one broken feature writes nothing and names the feature.
func TestDB_importRejectsBadFeature(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	var before int64
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM history`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	good := `{"type":"Feature","id":901,"geometry":{"type":"Point","coordinates":[110.1,34.575]},"properties":{"name_zh":"新驿站","name_en":"New cabin","kind":"cabin","services":["water"],"hours":"08:00-20:00"}}`
	tests := []struct {
		name    string
		files   fstest.MapFS
		wantMsg string
	}{
		{"unknown kind", fstest.MapFS{"posts.geojson": {Data: []byte(`{"type":"FeatureCollection","features":[` + good + `,
			{"type":"Feature","id":902,"geometry":{"type":"Point","coordinates":[110.1,34.575]},"properties":{"name_zh":"x","name_en":"x","kind":"tower","services":[],"hours":"08:00-20:00"}}]}`)}},
			"posts.geojson: feature 1 (id 902)"},
		{"self-intersecting grid", fstest.MapFS{"grids.geojson": {Data: []byte(`{"type":"FeatureCollection","features":[
			{"type":"Feature","id":1,"geometry":{"type":"Polygon","coordinates":[[[110.09,34.57],[110.1,34.58],[110.1,34.57],[110.09,34.58],[110.09,34.57]]]},"properties":{"name_zh":"a","name_en":"a","code":"XY01","leader_zh":"a","leader_en":"a","leader_phone":"1","branch_zh":"a","branch_en":"a","color":0}}]}`)}},
			"grids.geojson: feature 0 (id 1): the geometry is invalid: Self-intersection"},
		{"unknown file", fstest.MapFS{"towers.geojson": {Data: []byte(`{"type":"FeatureCollection","features":[]}`)}}, "towers.geojson: no layer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, err := db.ReadDir(tt.files)
			if err == nil {
				_, err = db.Import(ctx, files, "test")
			}
			if err == nil || !strings.Contains(errorText(err), tt.wantMsg) {
				t.Fatalf("got %v, want an error containing %q", errorText(err), tt.wantMsg)
			}
			var after int64
			if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM history`).Scan(&after); err != nil {
				t.Fatal(err)
			}
			if after != before {
				t.Errorf("history grew from %d to %d: something was written", before, after)
			}
		})
	}
}

func errorText(err error) string {
	if err == nil {
		return "<nil>"
	}
	var sb strings.Builder
	sb.WriteString(err.Error())
	if ge, ok := err.(*geo.Error); ok {
		for _, v := range ge.Violations {
			sb.WriteString(" | " + v.MessageEn)
		}
	}
	return sb.String()
}
