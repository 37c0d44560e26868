package postgis

// NearestSQLForTest is the candidate query of Nearest for a layer, for
// EXPLAIN in tests.
func (db *DB) NearestSQLForTest(layer string) string { return db.sql.layer(layer).nearest }

// LocateSQLForTest is Locate's grid, compound and branch queries.
func (db *DB) LocateSQLForTest() (grid, compound, branch string) {
	return db.sql.locate.grid, db.sql.locate.compound, db.sql.locate.branch
}
