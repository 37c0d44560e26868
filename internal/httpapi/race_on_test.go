//go:build race

package httpapi_test

// raceAllocs is what the race detector adds to an answer's allocations:
// under it, sync.Pool drops a share of what is put back at random (to find
// races through pooled objects), so the pooled log and gzip buffers of a
// hot answer are sometimes allocated afresh.
const raceAllocs = 2
