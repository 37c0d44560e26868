package pgtest_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"partymap/internal/pgtest"
)

var h *pgtest.Harness

func TestMain(m *testing.M) {
	os.Exit(pgtest.Main(m, &h, setup))
}

// setup makes the template: PostGIS and one table with one row.
func setup(ctx context.Context, connString string) error {
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `
		CREATE EXTENSION postgis;
		CREATE TABLE posts (id int PRIMARY KEY, name text, geom geometry(Point, 4326));
		INSERT INTO posts VALUES (1, '西岳庙', ST_SetSRID(ST_MakePoint(110.0853, 34.5627), 4326));`)
	return err
}

// connect opens a connection to connString, closed when the test ends.
func connect(t *testing.T, connString string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), connString)
	if err != nil {
		t.Fatalf("connect to %s: %v", connString, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// names returns the names in table posts, in id order.
func names(t *testing.T, conn *pgx.Conn) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), "SELECT name FROM posts ORDER BY id")
	if err != nil {
		t.Fatalf("read posts: %v", err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("read posts: %v", err)
	}
	return got
}

func TestHarness_NewDatabase(t *testing.T) {
	ctx := context.Background()
	began := time.Now()
	a := h.NewDatabase(t)
	b := h.NewDatabase(t)
	t.Logf("two clones took %v", time.Since(began).Round(time.Millisecond))
	if a == b {
		t.Fatalf("NewDatabase twice gave the same database %s, want two", a)
	}
	connA, connB := connect(t, a), connect(t, b)
	if got, want := strings.Join(names(t, connA), ","), "西岳庙"; got != want {
		t.Errorf("posts in a fresh clone: got %q, want %q", got, want)
	}
	if _, err := connA.Exec(ctx, "INSERT INTO posts VALUES (2, '玉泉院', NULL)"); err != nil {
		t.Fatalf("insert into a: %v", err)
	}
	if got, want := strings.Join(names(t, connA), ","), "西岳庙,玉泉院"; got != want {
		t.Errorf("posts in a after insert: got %q, want %q", got, want)
	}
	if got, want := strings.Join(names(t, connB), ","), "西岳庙"; got != want {
		t.Errorf("posts in b after insert into a: got %q, want %q", got, want)
	}
	var d float64
	if err := connB.QueryRow(ctx, "SELECT ST_Distance(geom::geography, ST_MakePoint(110.0853, 34.5637)::geography) FROM posts WHERE id = 1").Scan(&d); err != nil {
		t.Fatalf("PostGIS in the clone: %v", err)
	}
	if d < 100 || d > 120 {
		t.Errorf("distance of 0.001° of latitude: got %.1f m, want about 111 m", d)
	}
}

// TestHarness_parallel checks that parallel tests get databases of their own.
func TestHarness_parallel(t *testing.T) {
	for _, name := range []string{"first", "second", "third"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			conn := connect(t, h.NewDatabase(t))
			if _, err := conn.Exec(context.Background(), "INSERT INTO posts VALUES (2, $1, NULL)", name); err != nil {
				t.Fatalf("insert: %v", err)
			}
			if got, want := strings.Join(names(t, conn), ","), "西岳庙,"+name; got != want {
				t.Errorf("posts: got %q, want %q", got, want)
			}
		})
	}
}

func TestHarness_dropsDatabase(t *testing.T) {
	var name string
	t.Run("user", func(t *testing.T) {
		conn := connect(t, h.NewDatabase(t))
		if err := conn.QueryRow(context.Background(), "SELECT current_database()").Scan(&name); err != nil {
			t.Fatal(err)
		}
		// The session is still open when the database is dropped.
	})
	conn := connect(t, h.ConnString("postgres"))
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("database %s still exists after its test ended, want it dropped", name)
	}
}

func TestHarness_templateIsClosed(t *testing.T) {
	_, err := pgx.Connect(context.Background(), h.ConnString(pgtest.TemplateName))
	if err == nil || !strings.Contains(err.Error(), "not currently accepting connections") {
		t.Errorf("connect to the template: got %v, want a refusal", err)
	}
}

func TestHarness_outage(t *testing.T) {
	ctx := context.Background()
	conn := connect(t, h.NewDatabase(t))
	c := h.Cluster()
	if err := c.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := conn.Ping(ctx); err == nil {
		t.Errorf("Ping during the outage: got nil, want an error")
	}
	if err := c.Restart(ctx); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	conn = connect(t, h.NewDatabase(t))
	if got, want := strings.Join(names(t, conn), ","), "西岳庙"; got != want {
		t.Errorf("posts after the outage: got %q, want %q", got, want)
	}
}
