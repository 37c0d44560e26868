//go:build race

package httpapi_test

// raceAllocs is what the race detector adds to an answer's allocations:
// under it, sync.Pool drops a share of what is put back at random (to find
// races through pooled objects), so the pooled log and gzip buffers of a
// hot answer are sometimes allocated afresh.
const raceAllocs = 2

// raceSlowdown is how much longer the race detector lets a bound on time
// be: it instruments every channel operation and memory access of the
// fan-out's goroutines (10,000 of them at festival scale), so a delivery
// the shipped build makes in 0.3 s takes 1–1.5 s under it on a loaded
// machine. The bounds are the shipped build's; -race runs check the same
// behaviour within this factor of them.
const raceSlowdown = 3
