package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// mapserverCmd runs the mapserver command with args and the embedded
// database, and returns what it printed and its error.
func mapserverCmd(bin string, args ...string) (string, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "DATABASE_URL=")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// tableChecksums returns, for every table of the map's database (not
// PostGIS's own) and every sequence, its row count and a checksum of its
// rows in a stable order (or the sequence's last value): equal maps mean
// equal databases, every feature, version, history row, account and token.
func tableChecksums(t *testing.T, conn *pgx.Conn) map[string]string {
	t.Helper()
	ctx := context.Background()
	rows, err := conn.Query(ctx, `
		SELECT c.relname, c.relkind::text FROM pg_class c
		WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'S')
		  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	type rel struct{ name, kind string }
	var rels []rel
	for rows.Next() {
		var r rel
		if err := rows.Scan(&r.name, &r.kind); err != nil {
			t.Fatal(err)
		}
		rels = append(rels, r)
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	sums := map[string]string{}
	for _, r := range rels {
		id := pgx.Identifier{r.name}.Sanitize()
		var n int64
		var sum string
		q := `SELECT count(*), coalesce(md5(string_agg(t::text, E'\n' ORDER BY t::text)), '') FROM ` + id + ` t`
		if r.kind == "S" {
			q = `SELECT last_value, is_called::text FROM ` + id
		}
		if err := conn.QueryRow(ctx, q).Scan(&n, &sum); err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		sums[r.name] = fmt.Sprintf("%d %s", n, sum)
	}
	return sums
}

// assertSameTables fails for each table whose rows differ.
func assertSameTables(t *testing.T, want, got map[string]string) {
	t.Helper()
	names := map[string]bool{}
	for n := range want {
		names[n] = true
	}
	for n := range got {
		names[n] = true
	}
	var sorted []string
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, n := range sorted {
		if want[n] != got[n] {
			t.Errorf("table %s: before the backup %q, after the restore %q (rows, checksum)", n, want[n], got[n])
		}
	}
	for _, must := range []string{"grids", "history", "users", "api_tokens"} {
		if want[must] == "" {
			t.Errorf("no table %s compared; the comparison misses the map's tables", must)
		}
	}
}

// patchItem patches an item's properties with If-Match as the token's
// editor and returns the status and the new ETag.
func patchItem(t *testing.T, client *http.Client, base, token, layer string, id int64, props string) (int, string) {
	t.Helper()
	url := fmt.Sprintf("%s/collections/%s/items/%d", base, layer, id)
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	req, _ := http.NewRequest(http.MethodPatch, url, strings.NewReader(`{"properties":`+props+`}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/merge-patch+json")
	req.Header.Set("If-Match", resp.Header.Get("ETag"))
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Logf("PATCH %s: %d %s", url, resp.StatusCode, body)
	}
	return resp.StatusCode, resp.Header.Get("ETag")
}

// assertWholeItems fails when an item is half-written: a row that differs
// from its newest history row, or versions of an item that skip.
func assertWholeItems(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	ctx := context.Background()
	for _, l := range []string{"parking", "posts", "grids"} {
		var bad int64
		err := conn.QueryRow(ctx, `SELECT count(*) FROM `+l+` t, LATERAL (SELECT version, new_props, new_geom FROM history h
			WHERE h.layer = '`+l+`' AND h.feature_id = t.id ORDER BY h.version DESC LIMIT 1) h
			WHERE h.version <> t.version OR h.new_props <> partymap_props(to_jsonb(t)) OR NOT ST_Equals(h.new_geom, t.geom)`).Scan(&bad)
		if err != nil {
			t.Fatal(err)
		}
		if bad != 0 {
			t.Errorf("%d %s rows differ from their newest history row", bad, l)
		}
	}
	var gaps int64
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM (SELECT version - lag(version) OVER (PARTITION BY layer, feature_id ORDER BY id) AS step FROM history) s
		WHERE step IS NOT NULL AND step <> 1`).Scan(&gaps); err != nil {
		t.Fatal(err)
	}
	if gaps != 0 {
		t.Errorf("%d history rows do not follow their item's previous version by one", gaps)
	}
}

// The restore drill: a map with edits, an account and a token is backed up
// while it serves (and while an editor keeps writing), its whole data
// directory destroyed, restored from the file and served again: every
// table (features, versions, history, accounts, tokens) is identical, the
// token still works; a restore over a map is refused unless -force.
func TestMapserver_restoreDrill(t *testing.T) {
	bin := buildServer(t)
	root := reachableDir(t)
	dataDir := filepath.Join(root, "var")
	token := addToken(t, bin, dataDir, "drill")
	srv := startServer(t, bin, dataDir)
	base := "http://" + srv.addr
	client := &http.Client{Timeout: 30 * time.Second}
	for i := range 12 {
		layer, props := "parking", fmt.Sprintf(`{"free":%d}`, i)
		if i%2 == 1 {
			layer, props = "posts", fmt.Sprintf(`{"hours":"07:%02d-21:00"}`, i)
		}
		if code, _ := patchItem(t, client, base, token, layer, int64(1+i%3), props); code != http.StatusOK {
			t.Fatalf("edit %d: %d", i, code)
		}
	}

	// A backup while an editor keeps writing: the writes go on, and the
	// backup is one consistent moment.
	during := filepath.Join(root, "during.dump")
	var writes atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			if code, _ := patchItem(t, client, base, token, "parking", 2, fmt.Sprintf(`{"free":%d}`, n%50)); code == http.StatusOK {
				writes.Add(1)
			}
		}
	}()
	time.Sleep(300 * time.Millisecond)
	before := writes.Load()
	if out, err := mapserverCmd(bin, "backup", "-o", during, "-data-dir", dataDir); err != nil {
		t.Fatalf("backup while serving: %v\n%s", err, out)
	}
	duringBackup := writes.Load() - before
	close(stop)
	wg.Wait()
	if duringBackup == 0 {
		t.Errorf("no write was acknowledged while the backup ran: a backup must not stop the editors")
	}

	conn := embeddedConn(t, dataDir)
	want := tableChecksums(t, conn)
	conn.Close(context.Background())
	resp, err := http.Get(base + "/collections/parking/items/2")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	wantETag := resp.Header.Get("ETag")
	file := filepath.Join(root, "drill.dump")
	out, err := mapserverCmd(bin, "backup", "-o", file, "-data-dir", dataDir)
	if err != nil || !strings.Contains(out, "backup written: "+file) {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup file: %v, mode %v; want 0600 (it holds password hashes)", err, fi.Mode().Perm())
	}
	srv.stop(t)

	// The disk dies.
	if err := os.RemoveAll(dataDir); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	if out, err := mapserverCmd(bin, "restore", "-data-dir", dataDir, file); err != nil {
		t.Fatalf("restore into an empty data directory: %v\n%s", err, out)
	}
	t.Logf("restore of %s into a new data directory took %v", file, time.Since(began).Round(time.Millisecond))
	srv = startServer(t, bin, dataDir)
	if strings.Contains(srv.log.String(), "seeded layer") {
		t.Error("the server loaded the built-in data into the restored database")
	}
	conn = embeddedConn(t, dataDir)
	assertSameTables(t, want, tableChecksums(t, conn))
	assertWholeItems(t, conn)
	conn.Close(context.Background())
	resp, err = http.Get("http://" + srv.addr + "/collections/parking/items/2")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("ETag"); got != wantETag {
		t.Errorf("car park 2 after the restore: ETag %s, want %s", got, wantETag)
	}
	if code, _ := patchItem(t, client, "http://"+srv.addr, token, "parking", 1, `{"free":7}`); code != http.StatusOK {
		t.Errorf("the restored token: edit answered %d, want 200", code)
	}
	srv.stop(t)

	out, err = mapserverCmd(bin, "restore", "-data-dir", dataDir, during)
	if err == nil || !strings.Contains(out, "already holds a map") || !strings.Contains(out, "-force") {
		t.Errorf("restore over a map: %v\n%s\nwant it refused, naming -force", err, out)
	}
	if out, err := mapserverCmd(bin, "restore", "-force", "-data-dir", dataDir, during); err != nil {
		t.Fatalf("restore -force: %v\n%s", err, out)
	}
	srv = startServer(t, bin, dataDir)
	conn = embeddedConn(t, dataDir)
	assertWholeItems(t, conn)
	var edits int64
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM history WHERE who = 'drill' AND reason = 'edit'`).Scan(&edits); err != nil {
		t.Fatal(err)
	}
	if edits < 12 {
		t.Errorf("the backup taken during writes holds %d edits, want at least the 12 made before it", edits)
	}
	srv.stop(t)
}

// freeSpaces reads the free spaces of car park id from the database of a
// server's data directory.
func freeSpaces(t *testing.T, dataDir string, id int64) int {
	t.Helper()
	conn := embeddedConn(t, dataDir)
	defer conn.Close(context.Background())
	var free int
	if err := conn.QueryRow(context.Background(), "SELECT free FROM parking WHERE id = $1", id).Scan(&free); err != nil {
		t.Fatal(err)
	}
	return free
}

// Point in time: edits at t1, t2 and t3; the map brought back to a moment
// between t2 and t3, into a new data directory while the server keeps
// running, holds t1 and t2 and not t3. The server's own map is untouched.
func TestMapserver_restoreToTime(t *testing.T) {
	bin := buildServer(t)
	root := reachableDir(t)
	dataDir := filepath.Join(root, "var")
	token := addToken(t, bin, dataDir, "pitr")
	srv := startServer(t, bin, dataDir)
	base := "http://" + srv.addr
	client := &http.Client{Timeout: 30 * time.Second}
	// The server takes its first base backup when it starts.
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(srv.log.String(), "base backup written") {
		if time.Now().After(deadline) {
			t.Fatalf("no base backup 60 s after the start:\n%s", srv.log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))

	edit := func(id int64, free int) {
		t.Helper()
		if code, _ := patchItem(t, client, base, token, "parking", id, fmt.Sprintf(`{"free":%d}`, free)); code != http.StatusOK {
			t.Fatalf("edit of car park %d: %d", id, code)
		}
	}
	was3 := freeSpaces(t, dataDir, 3)
	t3Free := (was3 + 1) % 5
	edit(1, 11) // t1
	edit(2, 22) // t2
	cut := time.Now().Truncate(time.Second).Add(time.Second)
	time.Sleep(time.Until(cut.Add(500 * time.Millisecond)))
	edit(3, t3Free) // t3, after the moment restored to

	beijing := time.FixedZone("CST", 8*3600)
	at := cut.In(beijing).Format("2006-01-02 15:04:05-07")
	restored := filepath.Join(root, "var-restored")
	began := time.Now()
	out, err := mapserverCmd(bin, "restore", "-to-time", at, "-from", dataDir, "-data-dir", restored)
	if err != nil {
		t.Fatalf("restore -to-time %q: %v\n%s", at, err, out)
	}
	t.Logf("restore -to-time %s took %v: %s", at, time.Since(began).Round(time.Millisecond), strings.TrimSpace(out))

	again, err := mapserverCmd(bin, "restore", "-to-time", at, "-from", dataDir, "-data-dir", restored)
	if err == nil || !strings.Contains(again, "not empty") {
		t.Errorf("a second restore into the same directory: %v\n%s\nwant it refused", err, again)
	}

	for _, tt := range []struct{ at, want string }{
		{time.Now().Add(-time.Hour).In(beijing).Format("2006-01-02 15:04:05-07"), "oldest base backup"},
		{time.Now().Add(time.Hour).In(beijing).Format("2006-01-02 15:04:05-07"), "in the future"},
		{"yesterday at noon", "2026-12-01 15:04:05+08"},
	} {
		dir := filepath.Join(root, "var-refused")
		out, err := mapserverCmd(bin, "restore", "-to-time", tt.at, "-from", dataDir, "-data-dir", dir)
		if err == nil || !strings.Contains(out, tt.want) {
			t.Errorf("restore -to-time %q: %v\n%s\nwant it refused, saying %q", tt.at, err, out, tt.want)
		}
		if entries, _ := os.ReadDir(dir); len(entries) > 0 {
			t.Errorf("a refused restore left %d files in %s", len(entries), dir)
		}
	}

	old := startServer(t, bin, restored)
	if strings.Contains(old.log.String(), "seeded layer") {
		t.Error("the server loaded the built-in data into the restored database")
	}
	if got := []int{freeSpaces(t, restored, 1), freeSpaces(t, restored, 2), freeSpaces(t, restored, 3)}; got[0] != 11 || got[1] != 22 || got[2] != was3 {
		t.Errorf("restored to %s: free spaces of car parks 1-3 are %v, want [11 22 %d] (t1 and t2 in, t3 out)", at, got, was3)
	}
	conn := embeddedConn(t, restored)
	assertWholeItems(t, conn)
	var t3 int64
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM history WHERE who = 'pitr' AND layer = 'parking' AND feature_id = 3`).Scan(&t3); err != nil {
		t.Fatal(err)
	}
	if t3 != 0 {
		t.Errorf("the restored history has %d rows of the edit made after %s, want none", t3, at)
	}
	conn.Close(context.Background())
	// The restored map serves and takes edits of its own.
	if code, _ := patchItem(t, client, "http://"+old.addr, token, "parking", 2, `{"free":5}`); code != http.StatusOK {
		t.Errorf("an edit of the restored map answered %d, want 200", code)
	}
	old.stop(t)

	if got := freeSpaces(t, dataDir, 3); got != t3Free {
		t.Errorf("the running map's car park 3 has %d free spaces, want %d: the restore must not touch it", got, t3Free)
	}
	srv.stop(t)
}
