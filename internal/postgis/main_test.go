package postgis_test

import (
	"os"
	"testing"

	"partymap/internal/pgtest"
	"partymap/internal/postgis"
	"partymap/internal/testdb"
)

var harness *pgtest.Harness

func TestMain(m *testing.M) {
	os.Exit(testdb.Main(m, &harness))
}

// openTestDB returns a store on a fresh copy of the seeded template.
func openTestDB(t *testing.T) (*postgis.DB, string) {
	t.Helper()
	return testdb.Open(t, harness)
}
