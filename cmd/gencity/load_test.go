package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"partymap/internal/pgtest"
)

var harness *pgtest.Harness

func TestMain(m *testing.M) {
	// The template holds the schema only; each test loads its own city.
	os.Exit(pgtest.Main(m, &harness, func(ctx context.Context, connString string) error {
		db, err := migrate(ctx, connString)
		if err == nil {
			db.Close()
		}
		return err
	}))
}

// connect opens a connection to a fresh migrated database.
func connect(t *testing.T) (*pgx.Conn, string) {
	t.Helper()
	connString := harness.NewDatabase(t)
	conn, err := pgx.Connect(context.Background(), connString)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn, connString
}

// scalar runs a query that returns one number.
func scalar(t *testing.T, conn *pgx.Conn, sql string) int64 {
	t.Helper()
	var n int64
	if err := conn.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func TestRun_writesAValidCity(t *testing.T) {
	conn, connString := connect(t)
	var log bytes.Buffer
	if err := run(context.Background(), []string{"-database-url", connString, "-cols", "2", "-rows", "3", "-seed", "7"}, &log); err != nil {
		t.Fatalf("run: %v\n%s", err, log.String())
	}
	c, err := build(size{2, 3}, 7)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range layerTables() {
		if got, want := scalar(t, conn, "SELECT count(*) FROM "+name), int64(c.count(name)); got != want {
			t.Errorf("%s: got %d rows, want %d", name, got, want)
		}
	}
	checks := []struct {
		name, sql string
	}{
		{"invalid geometries", `SELECT (SELECT count(*) FROM grids WHERE NOT ST_IsValid(geom)) + (SELECT count(*) FROM compounds WHERE NOT ST_IsValid(geom))
			+ (SELECT count(*) FROM buildings WHERE NOT ST_IsValid(geom)) + (SELECT count(*) FROM parking WHERE NOT ST_IsValid(geom))
			+ (SELECT count(*) FROM landmarks WHERE NOT ST_IsValid(geom))`},
		{"overlapping grids", `SELECT count(*) FROM grids a JOIN grids b ON a.id < b.id AND ST_Overlaps(a.geom, b.geom)`},
		{"communities that are not the union of their grids", `SELECT count(*) FROM communities c
			WHERE NOT ST_Equals(c.geom, (SELECT ST_Union(g.geom) FROM grids g WHERE g.community = c.code))`},
		{"subdistricts that are not the union of their communities", `SELECT count(*) FROM subdistricts s
			WHERE NOT ST_Equals(s.geom, (SELECT ST_Union(c.geom) FROM communities c WHERE c.subdistrict = s.code))`},
		{"grids outside their community", `SELECT count(*) FROM grids g LEFT JOIN communities c ON c.code = g.community WHERE c.id IS NULL OR NOT ST_Covers(c.geom, g.geom)`},
		{"grid codes not starting with their community's", `SELECT count(*) FROM grids WHERE left(code, length(community)) <> community`},
		{"features without a community", `SELECT (SELECT count(*) FROM posts WHERE community IS NULL) + (SELECT count(*) FROM buildings WHERE community IS NULL)
			+ (SELECT count(*) FROM streets WHERE community IS NULL) + (SELECT count(*) FROM organizations WHERE community IS NULL)`},
		{"compounds outside their grid", `SELECT count(*) FROM compounds c LEFT JOIN grids g ON g.code = c.grid_code WHERE g.id IS NULL OR NOT ST_Covers(g.geom, c.geom)`},
		{"buildings outside their compound", `SELECT count(*) FROM buildings b LEFT JOIN compounds c ON c.id = b.compound_id WHERE c.id IS NULL OR NOT ST_Covers(c.geom, b.geom)`},
		{"overlapping buildings", `SELECT count(*) FROM buildings a JOIN buildings b ON a.id < b.id AND a.geom && b.geom AND ST_Intersects(a.geom, b.geom)`},
		{"organizations without their parent", `SELECT count(*) FROM organizations o WHERE o.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM organizations p WHERE p.id = o.parent_id)`},
		{"history rows written", `SELECT count(*) FROM history`},
		{"tile geometry missing", `SELECT count(*) FROM buildings WHERE geom_3857 IS NULL`},
	}
	for _, tt := range checks {
		if n := scalar(t, conn, tt.sql); n != 0 {
			t.Errorf("%s: got %d, want 0", tt.name, n)
		}
	}
	levels := scalar(t, conn, `SELECT count(DISTINCT level) FROM organizations`)
	if levels != 5 {
		t.Errorf("organization levels: got %d, want 5: city, subdistrict, community, grid, building", levels)
	}
	// Every derived field is what the store itself would derive from the
	// positions: nothing left for it to change.
	db, err := migrate(context.Background(), connString)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := conn.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	for _, name := range layerTables() {
		if n, err := db.DeriveFields(context.Background(), tx, name); err != nil || n != 0 {
			t.Errorf("%s: the store would change %d derived values (%v), want none", name, n, err)
		}
	}
	// The id sequences were moved past the written rows.
	next := scalar(t, conn, `INSERT INTO streets (name_zh, name_en, kind, geom) VALUES ('测试路', 'Test Road', 'minor', ST_GeomFromText('LINESTRING(110 34.5, 110.001 34.5)', 4326)) RETURNING id`)
	if want := int64(c.count("streets") + 1); next != want {
		t.Errorf("next street id: got %d, want %d", next, want)
	}
}

func TestRun_refusesAFullDatabaseUnlessReplacing(t *testing.T) {
	conn, connString := connect(t)
	args := []string{"-database-url", connString, "-cols", "1", "-rows", "1"}
	if err := run(context.Background(), args, io.Discard); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), args, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "-replace") {
		t.Fatalf("second load: got %v, want a refusal naming -replace", err)
	}
	if err := run(context.Background(), append(args, "-replace", "-cols", "2"), io.Discard); err != nil {
		t.Fatalf("replace: %v", err)
	}
	if got := scalar(t, conn, "SELECT count(*) FROM grids"); got != 30 {
		t.Errorf("grids after replacing with a city of 2 × 1 communities: got %d, want 30", got)
	}
}

func TestLoad_keepTriggersWritesHistory(t *testing.T) {
	conn, connString := connect(t)
	c, err := build(size{1, 1}, 1)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, err := migrate(context.Background(), connString)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := load(context.Background(), conn, db, c, loadOptions{KeepTriggers: true}, log); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, tb := range c.tables {
		total += tb.rows
	}
	if got := scalar(t, conn, "SELECT count(*) FROM history WHERE operation = 'insert'"); got != int64(total) {
		t.Errorf("history rows of inserts: got %d, want one per feature, %d", got, total)
	}
	// Then the store derived each street's community: one update each.
	if got, want := scalar(t, conn, "SELECT count(*) FROM history WHERE operation = 'update' AND layer = 'streets'"), int64(c.count("streets")); got != want {
		t.Errorf("history rows of streets given their community: got %d, want %d", got, want)
	}
}

func TestRun_badFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"extra argument", []string{"now"}, "unexpected argument"},
		{"no communities", []string{"-cols", "0", "-database-url", "postgres://unused"}, "1 to 40"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), tt.args, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error saying %q", err, tt.want)
			}
		})
	}
}
