package postgis_test

import (
	"context"
	"strings"
	"testing"
)

// A change made in plain SQL bumps the version, stamps who and when, and is
// written to the history with both geometries.
func TestHistory_plainSQLChange(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	p := db.Pool()
	var before int64
	if err := p.QueryRow(ctx, `SELECT version FROM posts WHERE id = 1`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Exec(ctx, `UPDATE posts SET geom = ST_Translate(geom, 0.0001, 0), phone = '13800000000' WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	var after int64
	var by string
	if err := p.QueryRow(ctx, `SELECT version, updated_by FROM posts WHERE id = 1`).Scan(&after, &by); err != nil {
		t.Fatal(err)
	}
	if after != before+1 {
		t.Errorf("version: got %d, want %d", after, before+1)
	}
	if !strings.HasPrefix(by, "sql:") {
		t.Errorf("updated_by: got %q, want sql:<user>", by)
	}
	var op, reason, phone string
	var moved bool
	err := p.QueryRow(ctx, `SELECT operation, reason, new_props->>'phone', NOT ST_Equals(old_geom, new_geom)
		FROM history WHERE layer = 'posts' AND feature_id = 1 AND version = $1`, after).Scan(&op, &reason, &phone, &moved)
	if err != nil {
		t.Fatal(err)
	}
	if op != "update" || reason != "sql" || phone != "13800000000" || !moved {
		t.Errorf("history: got %s %s %s moved=%v", op, reason, phone, moved)
	}
}

func TestHistory_appendOnly(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	for _, sql := range []string{`UPDATE history SET who = 'x'`, `DELETE FROM history`, `TRUNCATE history`} {
		if _, err := db.Pool().Exec(ctx, sql); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: got %v, want append-only error", sql, err)
		}
	}
}

// Deleting a row keeps it in the history.
func TestHistory_delete(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	if _, err := db.Pool().Exec(ctx, `DELETE FROM streets WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	var name string
	if err := db.Pool().QueryRow(ctx, `SELECT old_props->>'name_zh' FROM history WHERE layer = 'streets' AND feature_id = 1 AND operation = 'delete'`).Scan(&name); err != nil {
		t.Fatal(err)
	}
	if name == "" {
		t.Error("the deleted street's name is not in the history")
	}
}
