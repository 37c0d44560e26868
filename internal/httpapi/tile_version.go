package httpapi

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"partymap/internal/geo"
)

// A map that hears of a change asks for its tiles again as
// /tiles/z/x/y.mvt?v=<the change's seq> (web/static/js/live.js): a new
// address, past every HTTP cache. Behind a load balancer that address may
// reach an instance that has not heard of the change yet (its notification
// is a few milliseconds away), and a shared cache (nginx, a CDN) would
// keep what it answers under that address for the tile's max-age. So an
// instance asked for a version newer than any change it knows of waits,
// a moment, to hear of it; should it still not, it answers what it has
// with Cache-Control: no-store, which no cache keeps.

// versionWait bounds how long a tile request waits to hear of the change
// its v names.
const versionWait = time.Second

// changeSeqs is the newest change seq an instance has heard of, and a way
// to wait for a newer one.
type changeSeqs struct {
	known atomic.Int64
	// started is set once known was read from the history.
	started atomic.Bool
	mu      sync.Mutex
	// next is closed, and replaced, whenever known grows.
	next chan struct{}
}

// heard records a change.
func (s *changeSeqs) heard(c geo.Change) {
	for {
		k := s.known.Load()
		if c.Seq <= k {
			return
		}
		if s.known.CompareAndSwap(k, c.Seq) {
			break
		}
	}
	s.mu.Lock()
	if s.next != nil {
		close(s.next)
		s.next = nil
	}
	s.mu.Unlock()
}

// changed returns a channel closed when a newer change is heard.
func (s *changeSeqs) changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.next == nil {
		s.next = make(chan struct{})
	}
	return s.next
}

// tileVersion reads the v parameter of a tile address (checkTileQuery
// allows only it); 0 when there is none.
func tileVersion(raw string) int64 {
	v, ok := strings.CutPrefix(raw, "v=")
	if !ok {
		return 0
	}
	n, _ := strconv.ParseInt(v, 10, 64)
	return n
}

// awaitVersion reports whether this instance knows of change seq v,
// waiting up to versionWait to hear of it. The first time, it reads the
// newest change from the history: an instance just started has heard of
// none.
func (s *Server) awaitVersion(ctx context.Context, v int64) bool {
	seqs := &s.seqs
	if v <= seqs.known.Load() {
		return true
	}
	if !seqs.started.Load() {
		if feed, ok := s.store.(geo.ChangeFeed); ok {
			qctx, cancel := context.WithTimeout(ctx, feedTimeout)
			latest, err := feed.LatestChange(qctx)
			cancel()
			if err == nil {
				seqs.started.Store(true)
				seqs.heard(geo.Change{Seq: latest})
			}
		}
	}
	timeout := time.NewTimer(versionWait)
	defer timeout.Stop()
	for v > seqs.known.Load() {
		select {
		case <-seqs.changed():
		case <-timeout.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
	return true
}
