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
