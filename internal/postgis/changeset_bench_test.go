package postgis_test

import (
	"context"
	"testing"

	"partymap/internal/testdb"
)

// The editor checks every drag of a vertex with a dry run: what one costs,
// as an editor of every grid (a reshape) and as an editor of one grid (a
// proposal, which also works out what each grid gains and loses); and the
// revert of a reshape's change set, validated as one.
//
//	go test ./internal/postgis -run '^$' -bench 'reshapeDryRun|proposeDryRun|revertChangeSet' -benchtime 20x

func BenchmarkDB_reshapeDryRun(b *testing.B) {
	db, _ := testdb.Open(b, harness)
	ctx := context.Background()
	g7, err := db.FindFeature(ctx, "grids", 7)
	if err != nil {
		b.Fatal(err)
	}
	o := reshaper()
	o.DryRun = true
	for b.Loop() {
		if _, err := db.ReshapeGrid(ctx, 7, g7.Version, grid7EastEdgeAt(0.01), o); err != nil {
			b.Fatal(errorText(err))
		}
	}
}

func BenchmarkDB_proposeDryRun(b *testing.B) {
	db, _ := testdb.Open(b, harness)
	ctx := context.Background()
	g7, err := db.FindFeature(ctx, "grids", 7)
	if err != nil {
		b.Fatal(err)
	}
	o := reshaper()
	o.DryRun = true
	o.Actor.Grids = []string{"XY07"}
	for b.Loop() {
		p, err := db.Propose(ctx, 7, g7.Version, grid7EastEdgeAt(0.01), o)
		if err != nil || len(p.Needs) == 0 {
			b.Fatal(errorText(err), p.Needs)
		}
	}
}

func BenchmarkDB_revertChangeSet(b *testing.B) {
	db, _ := testdb.Open(b, harness)
	ctx := context.Background()
	g7, err := db.FindFeature(ctx, "grids", 7)
	if err != nil {
		b.Fatal(err)
	}
	res, err := db.ReshapeGrid(ctx, 7, g7.Version, grid7EastEdgeAt(0.01), reshaper())
	if err != nil {
		b.Fatal(errorText(err))
	}
	cs, err := db.ChangeSet(ctx, res.ChangeSet)
	if err != nil {
		b.Fatal(err)
	}
	o := reshaper()
	o.DryRun = true
	for b.Loop() {
		if _, err := db.RevertChangeSet(ctx, res.ChangeSet, cs.Mark, o); err != nil {
			b.Fatal(errorText(err))
		}
	}
}
