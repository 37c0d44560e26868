package postgis_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb/geojson"

	"partymap/internal/geo"
	"partymap/internal/postgis"
)

// system is the actor of a command-line import.
func system() geo.EditOptions { return geo.EditOptions{Actor: geo.SystemUser("import:test")} }

// exportFS writes an export as the GeoJSON files a directory import reads.
func exportFS(t *testing.T, lfs []postgis.LayerFile) fstest.MapFS {
	t.Helper()
	out := fstest.MapFS{}
	for _, lf := range lfs {
		fc := geojson.NewFeatureCollection()
		for _, f := range lf.Features {
			fc.Append(geo.EncodeFeature(f))
		}
		b, err := json.Marshal(fc)
		if err != nil {
			t.Fatal(err)
		}
		out[lf.File] = &fstest.MapFile{Data: b}
	}
	return out
}

// Export then import into an empty database yields the same features, in
// one import through the editor; importing them again changes nothing.
func TestDB_exportImportRoundTrip(t *testing.T) {
	src, _ := openTestDB(t)
	ctx := context.Background()
	files, err := src.ReadAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dir := exportFS(t, files)
	dst, _ := openTestDB(t)
	// The venues' bookings and the orders' contacts, the party members and
	// their points refer to the layers' rows: a map emptied has none.
	var tables []string
	for _, l := range geo.NewCatalogue().Layers() {
		tables = append(tables, l.Name)
	}
	if _, err := dst.Pool().Exec(ctx, `TRUNCATE `+strings.Join(tables, ", ")+`, bookings, order_contacts, members, points`); err != nil {
		t.Fatal(err)
	}
	if empty, _ := dst.IsEmpty(ctx); !empty {
		t.Fatal("the database is not empty after TRUNCATE")
	}
	in, err := dst.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	plans, res, err := dst.Import(ctx, in, "", system())
	if err != nil {
		t.Fatalf("import: %v", errorText(err))
	}
	total := 0
	for _, p := range plans {
		total += p.Inserted
		if p.Updated != 0 {
			t.Errorf("%s: %d updated in an empty database", p.Layer, p.Updated)
		}
	}
	if total != len(res.Changes) {
		t.Errorf("%d inserted, %d changes", total, len(res.Changes))
	}
	again, err := dst.ReadAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(byLayer(files), byLayer(again)); diff != "" {
		t.Errorf("round trip changed features (-before +after):\n%s", diff)
	}
	history := count(t, dst, `SELECT count(*) FROM history`)
	in, err = dst.ReadDir(exportFS(t, again))
	if err != nil {
		t.Fatal(err)
	}
	plans, _, err = dst.Import(ctx, in, "", system())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range plans {
		if p.Inserted+p.Updated != 0 {
			t.Errorf("%s: re-import wrote %d rows, want 0", p.Layer, p.Inserted+p.Updated)
		}
	}
	if n := count(t, dst, `SELECT count(*) FROM history`); n != history {
		t.Errorf("re-import added %d history rows, want none", n-history)
	}
}

// A directory with one broken feature writes nothing and names the file
// and the feature.
func TestDB_importRejectsBadFeature(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	before := count(t, db, `SELECT count(*) FROM history`)
	good := `{"type":"Feature","id":901,"geometry":{"type":"Point","coordinates":[110.1,34.575]},"properties":{"name_zh":"新驿站","name_en":"New cabin","kind":"cabin","services":["water"],"hours":"08:00-20:00"}}`
	tests := []struct {
		name     string
		files    fstest.MapFS
		wantRule string
		wantMsg  string
	}{
		{"unknown kind", fstest.MapFS{"posts.geojson": {Data: []byte(`{"type":"FeatureCollection","features":[` + good + `,
			{"type":"Feature","id":902,"geometry":{"type":"Point","coordinates":[110.1,34.575]},"properties":{"name_zh":"x","name_en":"x","kind":"tower","services":[],"hours":"08:00-20:00"}}]}`)}},
			"bad_value", "posts.geojson: feature 2 (id 902): Property \"kind\" must be one of"},
		{"self-intersecting grid", fstest.MapFS{"grids.geojson": {Data: []byte(`{"type":"FeatureCollection","features":[
			{"type":"Feature","id":1,"geometry":{"type":"Polygon","coordinates":[[[110.09,34.57],[110.1,34.58],[110.1,34.57],[110.09,34.58],[110.09,34.57]]]},"properties":{"name_zh":"a","name_en":"a","code":"XY01","leader_zh":"a","leader_en":"a","leader_phone":"1","branch_zh":"a","branch_en":"a","color":0}}]}`)}},
			"invalid_geometry", "The shape of grid XY01 (a) is invalid: Self-intersection"},
		{"bad id", fstest.MapFS{"posts.geojson": {Data: []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","id":-3,"geometry":{"type":"Point","coordinates":[110.1,34.575]},"properties":{}}]}`)}},
			"bad_id", "posts.geojson: feature 1: the id must be a positive whole number"},
		{"unknown file", fstest.MapFS{"towers.geojson": {Data: []byte(`{"type":"FeatureCollection","features":[]}`)}}, "", "towers.geojson: no layer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, err := db.ReadDir(tt.files)
			if err == nil {
				_, _, err = db.Import(ctx, files, "", system())
			}
			if err == nil || !strings.Contains(errorText(err), tt.wantMsg) {
				t.Fatalf("got %v, want an error containing %q", errorText(err), tt.wantMsg)
			}
			if tt.wantRule != "" && !slices.Contains(rules(err), tt.wantRule) {
				t.Errorf("rules %v, want %s", rules(err), tt.wantRule)
			}
			if after := count(t, db, `SELECT count(*) FROM history`); after != before {
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
