package postgis

import "partymap/internal/geo"

// NearestSQLForTest is the candidate query of Nearest for a layer, for
// EXPLAIN in tests.
func NearestSQLForTest(l geo.Layer) string { return nearestSQL(l) }

// LocateSQLForTest is Locate's grid, compound and branch queries.
func LocateSQLForTest(cat *geo.Catalogue) (grid, compound, branch string) {
	return locateSQL(cat)
}
