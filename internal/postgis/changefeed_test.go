package postgis_test

import (
	"context"
	"testing"
)

func TestDB_ChangesSince(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	before, err := db.LatestChange(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if before == 0 {
		t.Fatal("the seeded database has no history; the import should have written it")
	}
	for _, sql := range []string{
		`UPDATE parking SET free = 7 WHERE id = 2`,
		`UPDATE posts SET hours = '07:00-21:00' WHERE id = 4`,
		`DELETE FROM parking WHERE id = 3`,
	} {
		if _, err := db.Pool().Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.ChangesSince(ctx, before, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d changes after %d, want 3: %+v", len(got), before, got)
	}
	want := []struct {
		layer string
		id    int64
		op    string
		free  int64 // -1: none
	}{{"parking", 2, "update", 7}, {"posts", 4, "update", -1}, {"parking", 3, "delete", -1}}
	for i, w := range want {
		c := got[i]
		if c.Seq <= before || (i > 0 && c.Seq <= got[i-1].Seq) {
			t.Errorf("change %d: seq %d, want increasing after %d", i, c.Seq, before)
		}
		if c.Layer != w.layer || c.ID != w.id || c.Op != w.op {
			t.Errorf("change %d: %s %d %s, want %s %d %s", i, c.Layer, c.ID, c.Op, w.layer, w.id, w.op)
		}
		switch {
		case w.free < 0 && (c.Free != nil || c.Capacity != nil):
			t.Errorf("change %d: free %v capacity %v, want none", i, c.Free, c.Capacity)
		case w.free >= 0 && (c.Free == nil || *c.Free != w.free || c.Capacity == nil || *c.Capacity != 50):
			t.Errorf("change %d: free %v capacity %v, want 7 of 50", i, c.Free, c.Capacity)
		}
		if c.BBox.IsZero() {
			t.Errorf("change %d has no bbox", i)
		}
	}
	if got[0].Version != 2 {
		t.Errorf("version %d, want 2", got[0].Version)
	}
	latest, err := db.LatestChange(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if latest != got[2].Seq {
		t.Errorf("latest %d, want %d", latest, got[2].Seq)
	}
	one, err := db.ChangesSince(ctx, got[0].Seq-1, 1)
	if err != nil || len(one) != 1 || one[0].Seq != got[0].Seq {
		t.Errorf("ChangesSince(seq-1, 1) = %+v, %v; want the change %d", one, err, got[0].Seq)
	}
	if _, err := db.ChangesSince(ctx, 0, 0); err == nil {
		t.Error("limit 0 accepted")
	}
}
