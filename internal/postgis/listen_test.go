package postgis_test

import (
	"context"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"partymap/internal/changes"
)

// A change made in plain SQL reaches a listener with the area it touched,
// old and new position together.
func TestDB_Listen(t *testing.T) {
	db, _ := openTestDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hub := changes.NewHub()
	ch, unsubscribe := hub.Subscribe(16)
	defer unsubscribe()
	ready := make(chan struct{})
	go db.Listen(ctx, hub, ready)
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("the listener did not start")
	}
	var x, y float64
	if err := db.Pool().QueryRow(ctx, `SELECT ST_X(geom), ST_Y(geom) FROM posts WHERE id = 2`).Scan(&x, &y); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool().Exec(ctx, `UPDATE posts SET geom = ST_SetSRID(ST_MakePoint($1, $2), 4326) WHERE id = 2`, x+0.001, y); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-ch:
		if c.Layer != "posts" || c.ID != 2 || c.Op != "update" || c.Version != 2 || c.Seq == 0 {
			t.Errorf("got %+v", c)
		}
		if !c.BBox.Contains(orb.Point{x, y}) || !c.BBox.Contains(orb.Point{x + 0.001, y}) {
			t.Errorf("bbox %v does not hold the old and new positions", c.BBox)
		}
	case <-time.After(time.Second):
		t.Fatal("no change announced within a second")
	}
}
