package postgis_test

import (
	"context"
	"io/fs"
	"strings"
	"testing"

	"partymap/data"
	"partymap/internal/geo"
	"partymap/internal/testdb"
)

// BenchmarkDB_importSeed loads the built-in data into an emptied database
// through the one import (the editor, every rule, the history): what a
// server's first start pays.
//
//	go test ./internal/postgis -run '^$' -bench importSeed -benchtime 20x
func BenchmarkDB_importSeed(b *testing.B) {
	db, _ := testdb.Open(b, harness)
	ctx := context.Background()
	src, err := fs.Sub(data.GeoJSON, "geojson")
	if err != nil {
		b.Fatal(err)
	}
	files, err := db.ReadDir(src)
	if err != nil {
		b.Fatal(err)
	}
	// The venues' bookings refer to the layers' rows: a map emptied
	// has none.
	var tables []string
	for _, l := range geo.NewCatalogue().Layers() {
		tables = append(tables, l.Name)
	}
	for b.Loop() {
		b.StopTimer()
		if _, err := db.Pool().Exec(ctx, `TRUNCATE `+strings.Join(tables, ", ")+`, bookings`); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, _, err := db.Import(ctx, files, "", geo.EditOptions{Actor: geo.SystemUser("seed")}); err != nil {
			b.Fatal(errorText(err))
		}
	}
}
