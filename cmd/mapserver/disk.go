package main

import (
	"context"
	"log/slog"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Disk space of the embedded database: a warning before it runs out, and
// what a write that fails for want of it is told.
const (
	// diskLowFraction is the free share under which the log warns.
	diskLowFraction = 0.10
	// diskFullBytes is the free space under which the disk counts as full:
	// PostgreSQL cannot start a new 16 MiB WAL segment, and stops.
	diskFullBytes = 16 << 20
	// diskEvery is how often the free space is measured.
	diskEvery = 5 * time.Second
)

// diskWatch measures the free space of the data directory's file system.
type diskWatch struct {
	dir  string
	log  *slog.Logger
	free atomic.Uint64
	// low and full are the states last logged.
	low, full atomic.Bool

	freeBytes, sizeBytes, lowGauge prometheus.Gauge
}

// newDiskWatch returns a watch of dir's file system, measured once.
func newDiskWatch(dir string, log *slog.Logger) *diskWatch {
	w := &diskWatch{dir: dir, log: log,
		freeBytes: prometheus.NewGauge(prometheus.GaugeOpts{Name: "partymap_data_disk_free_bytes",
			Help: "Free space on the disk of the embedded database's data directory (for an unprivileged user)."}),
		sizeBytes: prometheus.NewGauge(prometheus.GaugeOpts{Name: "partymap_data_disk_size_bytes",
			Help: "Size of the disk of the embedded database's data directory."}),
		lowGauge: prometheus.NewGauge(prometheus.GaugeOpts{Name: "partymap_data_disk_low",
			Help: "1 while less than 10% of the data directory's disk is free (a warning is logged), else 0."}),
	}
	w.measure()
	return w
}

// collectors returns the watch's metrics.
func (w *diskWatch) collectors() []prometheus.Collector {
	return []prometheus.Collector{w.freeBytes, w.sizeBytes, w.lowGauge}
}

// run measures every diskEvery until ctx ends.
func (w *diskWatch) run(ctx context.Context) {
	t := time.NewTicker(diskEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			w.measure()
		}
	}
}

// measure reads the free space and logs a change between plenty, low and
// full.
func (w *diskWatch) measure() {
	var st syscall.Statfs_t
	if err := syscall.Statfs(w.dir, &st); err != nil {
		w.log.Warn("cannot measure the free space of the data directory", "dir", w.dir, "err", err)
		return
	}
	free, size := st.Bavail*uint64(st.Bsize), st.Blocks*uint64(st.Bsize)
	w.free.Store(free)
	w.freeBytes.Set(float64(free))
	w.sizeBytes.Set(float64(size))
	low := size > 0 && float64(free) < diskLowFraction*float64(size)
	full := free < diskFullBytes
	if low {
		w.lowGauge.Set(1)
	} else {
		w.lowGauge.Set(0)
	}
	switch {
	case full && !w.full.Swap(true):
		w.log.Error("the data directory's disk is full: edits are refused until space is freed", "dir", w.dir, "free_bytes", free, "size_bytes", size)
	case !full && w.full.Swap(false):
		w.log.Info("the data directory's disk has space again", "dir", w.dir, "free_bytes", free)
	}
	switch {
	case low && !w.low.Swap(true):
		w.log.Warn("the data directory's disk is almost full: free space now, before edits are refused", "dir", w.dir, "free_bytes", free, "size_bytes", size, "free_percent", 100*float64(free)/float64(size))
	case !low && w.low.Swap(false):
		w.log.Info("the data directory's disk is no longer almost full", "dir", w.dir, "free_bytes", free)
	}
}

// isFull measures now and reports whether the disk is full: called on a
// failed request only, so the measure costs nothing on the hot path.
func (w *diskWatch) isFull() bool {
	w.measure()
	return w.free.Load() < diskFullBytes
}
