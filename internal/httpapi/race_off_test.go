//go:build !race

package httpapi_test

// raceAllocs is zero without the race detector: pooled buffers are reused.
const raceAllocs = 0
