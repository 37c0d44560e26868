//go:build !race

package httpapi_test

// raceAllocs is zero without the race detector: pooled buffers are reused.
const raceAllocs = 0

// raceSlowdown is 1: without the race detector the bounds on time hold as
// they are written.
const raceSlowdown = 1
