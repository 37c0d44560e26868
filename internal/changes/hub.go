// Package changes fans committed map changes out to whoever needs them:
// the tile cache's invalidation, the feature cache and the event stream.
package changes

import (
	"sync"

	"partymap/internal/geo"
)

// Hub delivers every published change to every subscriber. A subscriber
// that falls behind by more than its buffer is dropped (its channel is
// closed) rather than slowing the others; it can resubscribe and catch up
// from the history.
type Hub struct {
	mu        sync.Mutex
	subs      map[*subscription]struct{}
	resets    []func()
	listeners []func(geo.Change)
}

type subscription struct {
	ch chan geo.Change
}

// NewHub returns an empty hub.
func NewHub() *Hub {
	return &Hub{subs: map[*subscription]struct{}{}}
}

// Subscribe returns a channel of changes and a function that ends the
// subscription. The channel is closed when the subscription ends or falls
// behind by more than buffer changes.
func (h *Hub) Subscribe(buffer int) (<-chan geo.Change, func()) {
	s := &subscription{ch: make(chan geo.Change, buffer)}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	return s.ch, func() { h.drop(s) }
}

func (h *Hub) drop(s *subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s]; ok {
		delete(h.subs, s)
		close(s.ch)
	}
}

// OnChange registers f to be called with every change, synchronously and
// before any subscriber hears of it, so that caches are already clean when
// a client told of a change asks again. f must be quick and must not block.
func (h *Hub) OnChange(f func(geo.Change)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.listeners = append(h.listeners, f)
}

// Publish calls the OnChange functions, then hands the change to every
// subscriber without blocking. A notice (a proposal's, a booking's)
// changes no map data: it goes to the subscribers only.
func (h *Hub) Publish(c geo.Change) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, f := range h.listeners {
		if !c.Notice() {
			f(c)
		}
	}
	for s := range h.subs {
		select {
		case s.ch <- c:
		default:
			delete(h.subs, s)
			close(s.ch)
		}
	}
}

// OnReset registers f to run when changes may have been missed (the
// listener lost its connection): caches must then drop everything.
func (h *Hub) OnReset(f func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.resets = append(h.resets, f)
}

// Reset runs every OnReset function.
func (h *Hub) Reset() {
	h.mu.Lock()
	fs := append([]func(){}, h.resets...)
	h.mu.Unlock()
	for _, f := range fs {
		f()
	}
}

// Subscribers returns how many subscriptions are open.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}
