package httpapi

import (
	"fmt"
	"testing"
	"time"
)

// The sliding limit allows n events of a key in any window, says how long
// until the next is allowed, forgets old events, and keeps keys apart.
func TestSlidingLimit(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	l := newSlidingLimit(3, time.Minute, func() time.Time { return now })
	for i := range 3 {
		if ok, _ := l.allow("a"); !ok {
			t.Fatalf("event %d refused", i+1)
		}
		now = now.Add(10 * time.Second)
	}
	ok, wait := l.allow("a")
	if ok || wait != 30*time.Second {
		t.Fatalf("the fourth within the minute: %v, wait %v; want refused, 30s", ok, wait)
	}
	if ok, _ := l.allow("b"); !ok {
		t.Error("another key was refused")
	}
	now = now.Add(31 * time.Second) // the first event is a minute old
	if ok, _ := l.allow("a"); !ok {
		t.Error("an event after the window refused")
	}
	if ok, _ := l.allow("a"); ok {
		t.Error("a fourth event within the window allowed")
	}
}

// Past maxLimitKeys keys, the forgotten are dropped first; a new key is
// refused only when every remembered one is still within its window.
func TestSlidingLimit_boundedKeys(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	l := newSlidingLimit(1, time.Minute, func() time.Time { return now })
	for i := range maxLimitKeys {
		l.allow(fmt.Sprint(i))
	}
	if ok, _ := l.allow("one more"); ok {
		t.Error("a new key allowed beyond the bound while every key is recent")
	}
	now = now.Add(time.Minute)
	if ok, _ := l.allow("one more"); !ok {
		t.Error("a new key refused after the others were forgotten")
	}
	if len(l.hits) != 1 {
		t.Errorf("%d keys remembered, want 1", len(l.hits))
	}
}
