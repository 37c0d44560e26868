// Package logbuf batches the lines a log writes from many goroutines into
// few writes, and never makes the goroutine that logs wait: a line costs a
// copy into memory, and a goroutine of its own writes the lines out, when
// enough have gathered or a short while has passed. When the output cannot
// keep up and the buffer is full, lines are dropped and counted rather than
// waited for. It is what the access log is written through: one line per
// request must not cost the request a write to the terminal or the disk.
package logbuf

import (
	"bytes"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of New.
const (
	// DefaultMaxBytes bounds the lines held before they are written.
	DefaultMaxBytes = 4 << 20
	// flushBytes is how much gathers before the writer is woken early.
	flushBytes = 64 << 10
	// flushEvery is the longest a line waits in memory.
	flushEvery = 100 * time.Millisecond
)

// Writer is an io.Writer for a log whose handler writes one whole line per
// Write call (as log/slog's handlers do). It is safe for concurrent use.
type Writer struct {
	out      io.Writer
	maxBytes int

	mu      sync.Mutex
	pending []byte
	spare   []byte
	closed  bool

	wake    chan struct{}
	stop    chan struct{}
	stopped chan struct{}
	dropped atomic.Uint64
}

// New returns a Writer to out that holds at most maxBytes of lines (zero or
// less: DefaultMaxBytes), and starts its goroutine; Close ends it.
func New(out io.Writer, maxBytes int) *Writer {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	w := &Writer{
		out: out, maxBytes: maxBytes,
		wake: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{}),
	}
	go w.run()
	return w
}

// Write keeps a copy of p to write out soon. It never waits for the output:
// when the lines held would pass the bound, p is dropped, counted in
// Dropped, and reported written, since the logger has nothing better to do
// with an error.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	if w.closed || len(w.pending)+len(p) > w.maxBytes {
		w.mu.Unlock()
		w.dropped.Add(1)
		return len(p), nil
	}
	w.pending = append(w.pending, p...)
	full := len(w.pending) >= flushBytes
	w.mu.Unlock()
	if full {
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
	return len(p), nil
}

// Dropped returns how many lines were lost: dropped because the output did
// not keep up, or in a write to the output that failed.
func (w *Writer) Dropped() uint64 { return w.dropped.Load() }

// Close writes out what is held and ends the goroutine. Lines written
// afterwards are dropped.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	w.mu.Unlock()
	close(w.stop)
	<-w.stopped
	return nil
}

// run writes out the lines held whenever enough have gathered or
// flushEvery has passed, until Close.
func (w *Writer) run() {
	defer close(w.stopped)
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	for {
		select {
		case <-w.wake:
		case <-t.C:
		case <-w.stop:
			w.flush()
			return
		}
		w.flush()
	}
}

// flush writes the lines held in one write, outside the lock: while it
// waits for the output, new lines gather in the other buffer.
func (w *Writer) flush() {
	w.mu.Lock()
	batch := w.pending
	w.pending, w.spare = w.spare[:0], nil
	w.mu.Unlock()
	if len(batch) > 0 {
		if _, err := w.out.Write(batch); err != nil {
			w.dropped.Add(uint64(bytes.Count(batch, []byte{'\n'})))
		}
	}
	w.mu.Lock()
	if w.spare == nil && cap(batch) <= 2*w.maxBytes {
		w.spare = batch[:0]
	}
	w.mu.Unlock()
}
