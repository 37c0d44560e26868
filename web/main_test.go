package web_test

import (
	"os"
	"testing"

	"partymap/internal/pgtest"
	"partymap/internal/testdb"
)

var (
	harness *pgtest.Harness
	// chromium is the one headless browser of this test binary, started by
	// the first test that needs it and stopped after the last.
	chromium sharedBrowser
)

func TestMain(m *testing.M) {
	code := testdb.Main(m, &harness)
	chromium.stop()
	os.Exit(code)
}
