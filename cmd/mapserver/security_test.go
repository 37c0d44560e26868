package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"partymap/internal/pglocal"
	"partymap/internal/pgtest"
)

// reachableDir returns a fresh directory, removed when the test ends, that
// the account PostgreSQL runs as when the test runs as root can reach:
// t.TempDir's are 0700, and mapserver refuses them rather than loosen them.
func reachableDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "mapserver-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// L8: the log names the database by host, port, database and user; no
// password, however the connection string hides it.
func TestDescribeDatabase(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"embedded", "", "(embedded)"},
		{"URL with user:password", "postgres://map:SECRET1@db.example:5433/partymap", "host=db.example port=5433 database=partymap user=map"},
		{"password parameter", "postgres://u:p@127.0.0.1:1/db?password=SECRET2&sslmode=disable", "host=127.0.0.1 port=1 database=db user=u"},
		{"key=value with a quoted password", "host=db.example user=map dbname=partymap password='SECRET3 with spaces'", "host=db.example port=5432 database=partymap user=map"},
		{"not a connection string", "postgres://u:SECRET4@[::1", "(not a PostgreSQL URL or key=value string)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := describeDatabase(tt.in)
			if got != tt.want || strings.Contains(got, "SECRET") {
				t.Errorf("describeDatabase(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// L8, end to end: a ?password= in DATABASE_URL never reaches the output.
func TestMapserver_databasePasswordNotPrinted(t *testing.T) {
	bin := buildServer(t)
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-metrics-addr", "", "-database-url", "postgres://u:p@127.0.0.1:1/db?password=SECRET2&connect_timeout=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("mapserver with an unreachable database exited cleanly:\n%s", out)
	}
	if bytes.Contains(out, []byte("SECRET2")) || !bytes.Contains(out, []byte("database=\"host=127.0.0.1 port=1 database=db user=u\"")) {
		t.Errorf("output, want the database described without the password:\n%s", out)
	}
}

// L7: as root, the default data directory moves where PostgreSQL's user
// can reach it when it cannot reach ./var, and the log says where; a data
// directory given explicitly is refused with what to do. The operator's
// directories keep their modes.
func TestEmbeddedDataDir(t *testing.T) {
	base := reachableDir(t)
	private := filepath.Join(base, "home")
	if err := os.Mkdir(private, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Chdir(private)
	fallback := filepath.Join(base, "srv", "partymap")
	var log bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&log, nil))

	got, err := embeddedDataDir(defaultDataDir, fallback, logger)
	explicit, errExplicit := embeddedDataDir("mine", fallback, logger)
	if os.Geteuid() != 0 {
		// PostgreSQL runs as the current user, who reaches its own
		// directories: nothing moves.
		if err != nil || got != filepath.Join(private, "var") || errExplicit != nil || explicit != filepath.Join(private, "mine") {
			t.Errorf("as user %d: got %q %v and %q %v, want the directories as given", os.Geteuid(), got, err, explicit, errExplicit)
		}
		return
	}
	if err != nil || got != fallback {
		t.Errorf("default data directory under a 0700 directory: got %q %v, want %s", got, err, fallback)
	}
	if !strings.Contains(log.String(), "data_dir="+fallback) || !strings.Contains(log.String(), "blocked_by="+private) {
		t.Errorf("the log does not say where the database went and why:\n%s", log.String())
	}
	var unreachable *pglocal.UnreachableError
	if !errors.As(errExplicit, &unreachable) || !strings.Contains(errExplicit.Error(), "-data-dir mine") || !strings.Contains(errExplicit.Error(), "choose a data directory") {
		t.Errorf("explicit data directory under a 0700 directory: got %q %v, want a refusal naming -data-dir and what to do", explicit, errExplicit)
	}
	if fi, _ := os.Stat(private); fi.Mode().Perm() != 0o700 {
		t.Errorf("%s is now %04o, want it left 0700", private, fi.Mode().Perm())
	}
}

// L5, L6: the real server serves /metrics only on its metrics address; it
// connects to its embedded PostgreSQL as the owner of its tables, not as a
// superuser; and the cluster refuses a login without the password kept
// 0600 in the data directory.
func TestMapserver_privileges(t *testing.T) {
	bin := buildServer(t)
	dataDir := filepath.Join(reachableDir(t), "var")
	srv := startServer(t, bin, dataDir)
	defer srv.stop(t)

	resp, err := http.Get("http://" + srv.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the public address: %d, want 404", resp.StatusCode)
	}
	if srv.metrics == "" || !strings.HasPrefix(srv.metrics, "127.0.0.1:") {
		t.Fatalf("metrics address %q, want one on loopback:\n%s", srv.metrics, srv.log)
	}
	resp, err = http.Get("http://" + srv.metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("partymap_http_requests_total")) {
		t.Errorf("/metrics on the metrics address: %d, want 200 with the request counts", resp.StatusCode)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	super := embeddedConn(t, dataDir)
	rows, err := super.Query(ctx, `SELECT a.usename, r.rolsuper FROM pg_stat_activity a JOIN pg_roles r ON r.rolname = a.usename
		WHERE a.application_name = 'partymap' AND a.datname = 'partymap'`)
	if err != nil {
		t.Fatal(err)
	}
	type session struct {
		User  string
		Super bool
	}
	sessions, err := pgx.CollectRows(rows, pgx.RowToStructByPos[session])
	if err != nil {
		t.Fatal(err)
	}
	if len(sessions) == 0 {
		t.Fatal("the server has no connection to its database")
	}
	for _, s := range sessions {
		if s.User != embeddedOwner || s.Super {
			t.Errorf("the server connects as %s (superuser %v), want %s, not a superuser", s.User, s.Super, embeddedOwner)
		}
	}
	var tables, owned int
	if err := super.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE tableowner = $1) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'spatial_ref_sys'`, embeddedOwner).Scan(&tables, &owned); err != nil {
		t.Fatal(err)
	}
	if tables == 0 || owned != tables {
		t.Errorf("%s owns %d of the map's %d tables, want all", embeddedOwner, owned, tables)
	}
	fi, err := os.Stat(filepath.Join(dataDir, "pgpass"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the password file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	for _, user := range []string{"postgres", embeddedOwner} {
		_, err := pgx.Connect(ctx, "host="+filepath.Join(dataDir, "run")+" user="+user+" dbname=partymap sslmode=disable passfile=/dev/null")
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "28P01" {
			t.Errorf("%s without the password: %v, want refused (28P01)", user, err)
		}
	}
}

// A machine without PostGIS is told the package to install, embedded or
// not, instead of `extension "postgis" is not available`.
func TestMapserver_withoutPostGIS(t *testing.T) {
	bin := buildServer(t)
	noPostGIS := pgtest.WithoutPostGIS(t)
	major := filepath.Base(filepath.Dir(noPostGIS))
	pkg := "apt-get install postgresql-" + major + "-postgis-3"

	t.Run("embedded", func(t *testing.T) {
		cmd := exec.Command(bin, "migrate", "-data-dir", filepath.Join(reachableDir(t), "var"))
		// The postgres on PATH comes first.
		cmd.Env = append(os.Environ(), "DATABASE_URL=", "PATH="+noPostGIS+":"+os.Getenv("PATH"))
		out, err := cmd.CombinedOutput()
		t.Logf("%s", lastLine(out))
		if err == nil || !strings.Contains(lastLine(out), pkg) || strings.Contains(string(out), "is not available") {
			t.Errorf("got %v, last line %q; want an error naming %s", err, lastLine(out), pkg)
		}
	})
	t.Run("DATABASE_URL", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cluster, err := pglocal.Start(ctx, pglocal.Options{DataDir: reachableDir(t), BinDir: noPostGIS})
		if err != nil {
			t.Fatal(err)
		}
		defer cluster.Stop(context.Background())
		cmd := exec.Command(bin, "migrate", "-database-url", cluster.ConnString("postgres"))
		out, err := cmd.CombinedOutput()
		t.Logf("%s", lastLine(out))
		if err == nil || !strings.Contains(lastLine(out), "PostGIS is not installed on the database server (PostgreSQL "+major+")") || !strings.Contains(lastLine(out), pkg) {
			t.Errorf("got %v, last line %q; want an error naming %s", err, lastLine(out), pkg)
		}
	})
}

// lastLine is the last non-empty line of out: where mapserver's error is.
func lastLine(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}
