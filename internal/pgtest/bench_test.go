package pgtest_test

import "testing"

// BenchmarkHarness_NewDatabase measures cloning the template (here PostGIS
// and one table): the cost every database-backed test pays.
func BenchmarkHarness_NewDatabase(b *testing.B) {
	for b.Loop() {
		h.NewDatabase(b)
	}
}
