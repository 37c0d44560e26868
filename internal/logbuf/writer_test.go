package logbuf_test

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"partymap/internal/logbuf"
)

// syncBuffer is an output that records what was written to it.
type syncBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Every line written from many goroutines comes out whole, in far fewer
// writes than lines, and Close writes out what is left.
func TestWriter_batchesWholeLines(t *testing.T) {
	out := &syncBuffer{}
	w := logbuf.New(out, 0)
	const writers, lines = 8, 2000
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range lines {
				fmt.Fprintf(w, "writer=%d line=%d %s\n", g, i, strings.Repeat("x", i%50))
			}
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(got) != writers*lines {
		t.Fatalf("got %d lines, want %d", len(got), writers*lines)
	}
	seen := map[string]bool{}
	for _, l := range got {
		var g, i int
		if _, err := fmt.Sscanf(l, "writer=%d line=%d", &g, &i); err != nil || !strings.HasSuffix(l, " "+strings.Repeat("x", i%50)) {
			t.Fatalf("a broken line: %q", l)
		}
		seen[l] = true
	}
	if len(seen) != writers*lines {
		t.Errorf("got %d distinct lines, want %d", len(seen), writers*lines)
	}
	if out.writes >= writers*lines/10 {
		t.Errorf("%d writes for %d lines: not batched", out.writes, writers*lines)
	}
	if w.Dropped() != 0 {
		t.Errorf("dropped %d lines with room to spare", w.Dropped())
	}
}

// blockedOutput is an output that does not return until released, like a
// terminal nobody reads.
type blockedOutput struct {
	release chan struct{}
	syncBuffer
}

func (b *blockedOutput) Write(p []byte) (int, error) {
	<-b.release
	return b.syncBuffer.Write(p)
}

// An output that does not keep up never blocks the writer: lines past the
// bound are dropped and counted.
func TestWriter_neverWaits(t *testing.T) {
	out := &blockedOutput{release: make(chan struct{})}
	w := logbuf.New(out, 1000)
	line := []byte(strings.Repeat("y", 99) + "\n")
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 1000 {
			if n, err := w.Write(line); n != len(line) || err != nil {
				t.Errorf("Write: %d, %v", n, err)
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Write waited for a blocked output")
	}
	// The goroutine may hold one batch; at most ten lines fit the bound.
	if d := w.Dropped(); d < 1000-20 {
		t.Errorf("dropped %d of 1000 lines into a blocked output with room for 10", d)
	}
	close(out.release)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	kept := strings.Count(out.String(), "\n")
	if uint64(kept)+w.Dropped() != 1000 {
		t.Errorf("%d lines written and %d dropped, want 1000 in all", kept, w.Dropped())
	}
	if n, _ := w.Write(line); n != len(line) || w.Dropped() != uint64(1000-kept+1) {
		t.Errorf("a write after Close was not dropped")
	}
}

// A line waits at most a moment before it is written.
func TestWriter_flushesSoon(t *testing.T) {
	out := &syncBuffer{}
	w := logbuf.New(out, 0)
	defer w.Close()
	fmt.Fprintln(w, "one line")
	deadline := time.Now().Add(5 * time.Second)
	for out.String() != "one line\n" {
		if time.Now().After(deadline) {
			t.Fatalf("the line was not written within 5 s: %q", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
