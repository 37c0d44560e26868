package changes

import (
	"testing"

	"partymap/internal/geo"
)

func TestHub_Publish(t *testing.T) {
	h := NewHub()
	var seen []int64
	h.OnChange(func(c geo.Change) { seen = append(seen, c.Seq) })
	a, stopA := h.Subscribe(2)
	b, stopB := h.Subscribe(1)
	defer stopA()
	h.Publish(geo.Change{Seq: 1})
	if got := (<-a).Seq; got != 1 {
		t.Errorf("a: got %d, want 1", got)
	}
	if got := (<-b).Seq; got != 1 {
		t.Errorf("b: got %d, want 1", got)
	}
	// b's buffer holds one: the second unread change drops b.
	h.Publish(geo.Change{Seq: 2})
	h.Publish(geo.Change{Seq: 3})
	if got := (<-b).Seq; got != 2 {
		t.Errorf("b: got %d, want 2", got)
	}
	if _, open := <-b; open {
		t.Error("b fell behind but its channel is still open")
	}
	if len(seen) != 3 {
		t.Errorf("OnChange saw %v, want 3 changes", seen)
	}
	stopB() // a second end is harmless
	if got := h.Subscribers(); got != 1 {
		t.Errorf("subscribers: got %d, want 1", got)
	}
	resets := 0
	h.OnReset(func() { resets++ })
	h.Reset()
	if resets != 1 {
		t.Errorf("resets: got %d, want 1", resets)
	}
}

// A proposal's notice changes no map data: the caches' OnChange functions
// do not hear it, the subscribers (the event streams) do.
func TestHub_PublishProposal(t *testing.T) {
	h := NewHub()
	heard := 0
	h.OnChange(func(geo.Change) { heard++ })
	sub, stop := h.Subscribe(1)
	defer stop()
	h.Publish(geo.Change{Proposal: &geo.ProposalNotice{ID: 3, State: geo.ProposalOpen, Grids: []string{"XY07", "XY08"}}})
	if got := <-sub; got.Proposal == nil || got.Proposal.ID != 3 {
		t.Errorf("subscriber: got %+v, want proposal 3", got)
	}
	if heard != 0 {
		t.Errorf("OnChange heard the proposal %d times, want 0", heard)
	}
}
