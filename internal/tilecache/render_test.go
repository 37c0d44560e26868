package tilecache_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"partymap/internal/geo"
	"partymap/internal/tilecache"
)

func TestCache_GetWaiterCancel(t *testing.T) {
	c := tilecache.New(1 << 20)
	started := make(chan struct{}, 1)
	release := make(chan struct{})
	render := blockingRender([]byte("tile"), started, release)

	// The first caller starts the render, then leaves; its render must go
	// on for the second caller, and its ctx must not reach the render.
	ctx1, cancel1 := context.WithCancel(context.Background())
	first := make(chan result, 1)
	go func() {
		e, err := c.Get(ctx1, xiyueTemple, render)
		first <- result{e, err}
	}()
	<-started
	second := make(chan result, 1)
	go func() {
		e, err := c.Get(context.Background(), xiyueTemple, render)
		second <- result{e, err}
	}()
	waitFor(t, "the second caller to join", func() bool { return c.Stats().Misses == 2 })

	cancel1()
	r := <-first
	if !errors.Is(r.err, context.Canceled) {
		t.Errorf("cancelled caller: err = %v, want %v", r.err, context.Canceled)
	}
	close(release)
	r = <-second
	if r.err != nil {
		t.Fatalf("second caller: err = %v, want nil", r.err)
	}
	if _, ok := c.Peek(xiyueTemple); !ok {
		t.Errorf("Peek after the render: found = false, want true")
	}
	if got, want := c.Stats().Renders, uint64(1); got != want {
		t.Errorf("renders = %d, want %d", got, want)
	}
}

func TestCache_GetRenderContext(t *testing.T) {
	type key struct{}
	c := tilecache.New(1<<20, tilecache.WithRenderTimeout(20*time.Millisecond))
	ctx := context.WithValue(context.Background(), key{}, "request value")
	value := make(chan any, 1)
	_, err := c.Get(ctx, xiyueTemple, func(ctx context.Context, _ geo.TileID) ([]byte, error) {
		value <- ctx.Value(key{})
		<-ctx.Done()
		return nil, ctx.Err()
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Get with a slow render: err = %v, want %v", err, context.DeadlineExceeded)
	}
	if got, want := <-value, any("request value"); got != want {
		t.Errorf("render ctx value = %v, want %v", got, want)
	}
}

func TestCache_GetRenderPanic(t *testing.T) {
	c := tilecache.New(1 << 20)
	_, err := c.Get(context.Background(), xiyueTemple, func(context.Context, geo.TileID) ([]byte, error) {
		panic("boom")
	})
	if err == nil {
		t.Fatalf("Get with a panicking render: err = nil, want an error")
	}
	if got, want := c.Stats().RenderErrors, uint64(1); got != want {
		t.Errorf("RenderErrors = %d, want %d", got, want)
	}
}

func TestCache_GetRenderIgnoresContext(t *testing.T) {
	c := tilecache.New(1<<20, tilecache.WithRenderTimeout(20*time.Millisecond))
	stuck := make(chan struct{})
	defer close(stuck)
	_, err := c.Get(context.Background(), xiyueTemple, func(context.Context, geo.TileID) ([]byte, error) {
		<-stuck
		return []byte("too late"), nil
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Get with a stuck render: err = %v, want %v", err, context.DeadlineExceeded)
	}
	// The stuck render must not hold the tile: the next Get renders anew.
	e, err := c.Get(context.Background(), xiyueTemple, renderBytes([]byte("fresh"), nil))
	if err != nil {
		t.Fatalf("Get after a stuck render: %v", err)
	}
	if got, want := rawOf(t, e), "fresh"; got != want {
		t.Errorf("Get after a stuck render = %q, want %q", got, want)
	}
}

func TestCache_GetCancelledBeforeMiss(t *testing.T) {
	c := tilecache.New(1 << 20)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var renders atomic.Int64
	_, err := c.Get(ctx, xiyueTemple, renderBytes([]byte("x"), &renders))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Get with a cancelled ctx: err = %v, want %v", err, context.Canceled)
	}
	if got := renders.Load(); got != 0 {
		t.Errorf("renders = %d, want 0", got)
	}
}
