package web_test

import (
	"strconv"
	"testing"
)

// The editor's rebase (web/static/js/edit/rebase.js) re-applies only the
// vertices I changed onto a colleague's newer ring, whatever vertex the
// server's ring starts at and whichever way it turns; where we both moved
// one vertex it asks, and each answer gives its ring.
func TestRebase(t *testing.T) {
	// base: a square; mine and theirs as the editor would hold them.
	const script = `(() => {
		const base = [[0, 0], [10, 0], [10, 10], [0, 10]];
		const out = {};
		// 1. They moved vertex 0, I moved vertex 2: both kept.
		let r = m.rebase(base, [[0, 0], [10, 0], [12, 12], [0, 10]], [0, 1, 2, 3], [[-1, -1], [10, 0], [10, 10], [0, 10]]);
		out.both = { conflicts: r.conflicts.length, ring: r.resolve().ring, kept: r.mineKept };
		// 2. We both moved vertex 1: a conflict, each answer its ring.
		r = m.rebase(base, [[0, 0], [11, 0], [10, 10], [0, 10]], [0, 1, 2, 3], [[0, 0], [10, -1], [10, 10], [0, 10]]);
		out.conflict = { ids: r.conflicts.map((c) => c.id), mine: r.resolve({ v1: 'mine' }).ring, theirs: r.resolve({ v1: 'theirs' }).ring };
		// 3. I added a vertex on the east edge; they added one on the west
		// edge and the server answered their ring reversed, starting at
		// vertex 2.
		const theirs3 = [[10, 10], [10, 0], [0, 0], [-2, 5], [0, 10]];
		r = m.rebase(base, [[0, 0], [10, 0], [12, 5], [10, 10], [0, 10]], [0, 1, -1, 2, 3], theirs3);
		const res3 = r.resolve();
		out.inserts = { conflicts: r.conflicts.length, ring: res3.ring, origin: res3.origin, base: r.base };
		// 4. They removed vertex 3, which I moved: a conflict with nothing of theirs.
		r = m.rebase(base, [[0, 0], [10, 0], [10, 10], [1, 11]], [0, 1, 2, 3], [[0, 0], [10, 0], [10, 10]]);
		out.deleted = { conflicts: r.conflicts.map((c) => [c.id, c.theirs]), mine: r.resolve({ v3: 'mine' }).ring, theirs: r.resolve({ v3: 'theirs' }).ring };
		// 5. Nothing in common: no rebase.
		out.none = m.rebase(base, base, [0, 1, 2, 3], [[50, 50], [60, 50], [60, 60]]) === null;
		// What they changed, for the banner.
		const ch = m.theirChanges(base, [[-1, -1], [10, 0], [10, 10], [0, 10], [0, 5]]);
		out.changes = [ch.moved.length, ch.added.length, ch.removed.length];
		return out;
	})()`
	var got struct {
		Both struct {
			Conflicts int
			Ring      [][2]float64
			Kept      int
		}
		Conflict struct {
			IDs    []string
			Mine   [][2]float64
			Theirs [][2]float64
		}
		Inserts struct {
			Conflicts int
			Ring      [][2]float64
			Origin    []int
			Base      [][2]float64
		}
		Deleted struct {
			Conflicts [][2]any
			Mine      [][2]float64
			Theirs    [][2]float64
		}
		None    bool
		Changes [3]int
	}
	importModule(t, "edit/rebase.js", script, &got)

	ring := func(r [][2]float64) string {
		out := ""
		for _, p := range r {
			out += " " + fmtPoint(p)
		}
		return out
	}
	if want := " -1,-1 10,0 12,12 0,10"; got.Both.Conflicts != 0 || ring(got.Both.Ring) != want || got.Both.Kept != 1 {
		t.Errorf("their move and mine: got %d conflicts, ring%s, kept %d; want none,%s, 1", got.Both.Conflicts, ring(got.Both.Ring), got.Both.Kept, want)
	}
	if len(got.Conflict.IDs) != 1 || got.Conflict.IDs[0] != "v1" || ring(got.Conflict.Mine) != " 0,0 11,0 10,10 0,10" || ring(got.Conflict.Theirs) != " 0,0 10,-1 10,10 0,10" {
		t.Errorf("both moved vertex 1: got %+v", got.Conflict)
	}
	// Their reversed ring is turned to the base's orientation, starting at
	// their first vertex: 0,10 -2,5 0,0 10,0 10,10 reversed is 10,10 … ;
	// my vertex follows 10,0 in either reading.
	if got.Inserts.Conflicts != 0 || len(got.Inserts.Ring) != 6 {
		t.Fatalf("both added vertices: got %+v", got.Inserts)
	}
	idx := map[string]int{}
	for i, p := range got.Inserts.Ring {
		idx[fmtPoint(p)] = i
	}
	n := len(got.Inserts.Ring)
	if (idx["12,5"]-idx["10,0"]+n)%n != 1 || (idx["10,10"]-idx["12,5"]+n)%n != 1 || (idx["-2,5"]-idx["0,10"]+n)%n != 1 || (idx["0,0"]-idx["-2,5"]+n)%n != 1 {
		t.Errorf("both added vertices: ring%s keeps neither insertion in its place", ring(got.Inserts.Ring))
	}
	for i, o := range got.Inserts.Origin {
		p := fmtPoint(got.Inserts.Ring[i])
		if (p == "12,5") != (o == -1) || (o >= 0 && fmtPoint(got.Inserts.Base[o]) != p) {
			t.Errorf("origin of %s: got %d, want -1 only for my new vertex and else its index in their ring", p, o)
		}
	}
	if len(got.Deleted.Conflicts) != 1 || got.Deleted.Conflicts[0][1] != nil || ring(got.Deleted.Mine) != " 0,0 10,0 10,10 1,11" || ring(got.Deleted.Theirs) != " 0,0 10,0 10,10" {
		t.Errorf("they removed the vertex I moved: got %+v", got.Deleted)
	}
	if !got.None {
		t.Error("a ring with nothing in common was rebased")
	}
	if got.Changes != [3]int{1, 1, 0} {
		t.Errorf("their changes (moved, added, removed): got %v, want [1 1 0]", got.Changes)
	}
}

func fmtPoint(p [2]float64) string {
	return strconv.FormatFloat(p[0], 'f', -1, 64) + "," + strconv.FormatFloat(p[1], 'f', -1, 64)
}
