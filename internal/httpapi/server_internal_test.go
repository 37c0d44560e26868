package httpapi

import "testing"

// newInternal returns the server of cfg, failing the test when New fails.
func newInternal(tb testing.TB, cfg Config) *Server {
	tb.Helper()
	s, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}
