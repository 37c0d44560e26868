// Package testdb gives tests a real PostGIS holding the Xiyue data: one
// embedded cluster per test binary (pgtest), a template database migrated
// and seeded once, and a fresh copy of it per test.
package testdb

import (
	"context"
	"io/fs"
	"testing"

	"partymap/data"
	"partymap/internal/geo"
	"partymap/internal/pgtest"
	"partymap/internal/postgis"
)

// Main runs a test binary's tests with the harness; call it from TestMain.
func Main(m *testing.M, h **pgtest.Harness) int {
	return pgtest.Main(m, h, Seed)
}

// Seed migrates the database at connString and loads the built-in data.
func Seed(ctx context.Context, connString string) error {
	db, err := postgis.Open(ctx, connString, geo.NewCatalogue(), postgis.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	src, err := fs.Sub(data.GeoJSON, "geojson")
	if err != nil {
		return err
	}
	files, err := db.ReadDir(src)
	if err != nil {
		return err
	}
	_, _, err = db.Import(ctx, files, "", geo.EditOptions{Actor: geo.SystemUser("seed")})
	return err
}

// Open returns a store on a fresh copy of the seeded template, closed when
// the test ends, and its connection string.
func Open(t testing.TB, h *pgtest.Harness) (*postgis.DB, string) {
	t.Helper()
	conn := h.NewDatabase(t)
	db, err := postgis.Open(context.Background(), conn, geo.NewCatalogue(), postgis.Options{})
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(db.Close)
	return db, conn
}
