package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// addToken makes an editor and an API token for it with the commands, on
// the data directory of a server that is not running.
func addToken(t *testing.T, bin, dataDir, user string) string {
	t.Helper()
	run := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "DATABASE_URL=")
		cmd.Stdin = strings.NewReader(stdin)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			t.Fatalf("mapserver %v: %v\n%s%s", args, err, out.String(), errOut.String())
		}
		return out.String()
	}
	run("a long enough password\n", "user", "add", "-data-dir", dataDir, "-log-level", "warn", "-password-stdin", user)
	token := strings.TrimSpace(run("", "token", "add", "-data-dir", dataDir, "-log-level", "warn", "-user", user, "crash test"))
	if !strings.HasPrefix(token, "pm_") {
		t.Fatalf("token add printed %q; want a token", token)
	}
	return token
}

// embeddedConn connects to the embedded PostgreSQL of a running server.
func embeddedConn(t *testing.T, dataDir string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, fmt.Sprintf("host=%s port=5432 user=postgres dbname=partymap sslmode=disable passfile=%s",
		filepath.Join(dataDir, "run"), filepath.Join(dataDir, "pgpass")))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// ack is a write the server acknowledged with 200 and the version it
// reported in the ETag.
type ack struct {
	layer   string
	id      int64
	version int64
}

var etagVersion = regexp.MustCompile(`^"([a-z]+)-(\d+)-v(\d+)"$`)

// writer keeps patching one item (free spaces of a car park, hours of a
// post) with If-Match, recording every acknowledged write, until the
// server stops answering.
func writer(client *http.Client, base, token, layer string, id int64, acks chan<- ack, unknown *atomic.Int64) {
	url := fmt.Sprintf("%s/collections/%s/items/%d", base, layer, id)
	etag := ""
	for n := 0; ; n++ {
		if etag == "" {
			resp, err := client.Get(url)
			if err != nil {
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			etag = resp.Header.Get("ETag")
		}
		patch := fmt.Sprintf(`{"properties":{"free":%d}}`, n%40)
		if layer == "posts" {
			patch = fmt.Sprintf(`{"properties":{"hours":"08:%02d-20:00"}}`, n%60)
		}
		req, _ := http.NewRequest(http.MethodPatch, url, strings.NewReader(patch))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/merge-patch+json")
		req.Header.Set("If-Match", etag)
		resp, err := client.Do(req)
		if err != nil {
			// Sent, but no answer: it may or may not have been committed.
			unknown.Add(1)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK:
			etag = resp.Header.Get("ETag")
			m := etagVersion.FindStringSubmatch(etag)
			if m == nil {
				return
			}
			v, _ := strconv.ParseInt(m[3], 10, 64)
			acks <- ack{layer: layer, id: id, version: v}
		case http.StatusPreconditionFailed:
			etag = ""
		default:
			return
		}
	}
}

// kill -9 of the server during a burst of writes: after a restart on the
// same data every acknowledged write is there, with its history row, and no
// write is there by half. Then SIGTERM while answers are being sent: they
// are sent in full, and the embedded PostgreSQL stops cleanly.
func TestMapserver_crashSafety(t *testing.T) {
	bin := buildServer(t)
	dataDir := filepath.Join(reachableDir(t), "var")
	token := addToken(t, bin, dataDir, "crasher")
	srv := startServer(t, bin, dataDir)
	base := "http://" + srv.addr
	counts := func(conn *pgx.Conn) map[string]int64 {
		t.Helper()
		out := map[string]int64{}
		for _, l := range []string{"grids", "compounds", "buildings", "organizations", "posts", "parking", "streets", "landmarks"} {
			var n int64
			if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM "+l).Scan(&n); err != nil {
				t.Fatal(err)
			}
			out[l] = n
		}
		return out
	}
	before := counts(embeddedConn(t, dataDir))
	var startSeq int64
	if err := embeddedConn(t, dataDir).QueryRow(context.Background(), `SELECT max(id) FROM history`).Scan(&startSeq); err != nil {
		t.Fatal(err)
	}

	// Eight writers, one item each, as fast as the server answers.
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	acks := make(chan ack, 100000)
	var unknown atomic.Int64
	var wg sync.WaitGroup
	items := []struct {
		layer string
		id    int64
	}{{"parking", 1}, {"parking", 2}, {"parking", 3}, {"posts", 1}, {"posts", 2}, {"posts", 3}, {"posts", 4}, {"posts", 5}}
	for _, it := range items {
		wg.Add(1)
		go func() { defer wg.Done(); writer(client, base, token, it.layer, it.id, acks, &unknown) }()
	}
	deadline := time.Now().Add(60 * time.Second)
	for len(acks) < 150 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-srv.done
	wg.Wait()
	close(acks)
	var acked []ack
	highest := map[string]int64{}
	for a := range acks {
		acked = append(acked, a)
		k := fmt.Sprintf("%s %d", a.layer, a.id)
		highest[k] = max(highest[k], a.version)
	}
	if len(acked) < 150 {
		t.Fatalf("only %d writes were acknowledged before the kill; the burst did not run:\n%s", len(acked), srv.log)
	}
	t.Logf("killed the server after %d acknowledged writes; %d writes were in flight", len(acked), unknown.Load())

	srv = startServer(t, bin, dataDir)
	conn := embeddedConn(t, dataDir)
	ctx := context.Background()
	if after := counts(conn); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("rows per layer: before %v, after %v", before, after)
	}
	for _, a := range acked {
		var n int64
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM history WHERE layer = $1 AND feature_id = $2 AND version = $3 AND reason = 'edit' AND who = 'crasher'`,
			a.layer, a.id, a.version).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("acknowledged write %s %d v%d has %d history rows, want 1", a.layer, a.id, a.version, n)
		}
	}
	for k, v := range highest {
		var layer string
		var id, got int64
		fmt.Sscan(k, &layer, &id)
		if err := conn.QueryRow(ctx, "SELECT version FROM "+layer+" WHERE id = $1", id).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got < v {
			t.Errorf("%s is at version %d; version %d was acknowledged", k, got, v)
		}
	}
	var edits int64
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM history WHERE id > $1 AND reason = 'edit'`, startSeq).Scan(&edits); err != nil {
		t.Fatal(err)
	}
	if edits < int64(len(acked)) || edits > int64(len(acked))+unknown.Load() {
		t.Errorf("%d edits in the history; want the %d acknowledged, plus at most the %d unanswered", edits, len(acked), unknown.Load())
	}
	// No half-written item: each row is exactly what its newest history row
	// says it became, and each item's versions run without a gap.
	for _, l := range []string{"parking", "posts"} {
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

	t.Run("SIGTERM lets answers being sent finish", func(t *testing.T) { checkGracefulStop(t, srv, dataDir) })
}

// checkGracefulStop sends SIGTERM while slow clients are still being sent
// large answers: each is sent in full, no new connection is taken, the
// server exits 0 and its PostgreSQL stops cleanly.
func checkGracefulStop(t *testing.T, srv *running, dataDir string) {
	// A small receive buffer keeps the server writing while the client
	// waits, so the answers are in flight when the signal comes.
	dialer := &net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		if err != nil {
			return err
		}
		return serr
	}}
	// Each slow client asks for MapLibre (1.1 MB) five times on one
	// connection without waiting (HTTP/1.1 pipelining): more than a
	// socket's send buffer takes (4 MiB), so the server is still writing
	// to each when the signal comes.
	const target = "/static/vendor/maplibre-gl/maplibre-gl.mjs"
	info, err := os.Stat(filepath.Join("..", "..", "web", filepath.FromSlash(target)))
	if err != nil {
		t.Fatal(err)
	}
	var readers []*bufio.Reader
	for range 4 {
		c, err := dialer.Dial("tcp", srv.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := io.WriteString(c, strings.Repeat("GET "+target+" HTTP/1.1\r\nHost: "+srv.addr+"\r\n\r\n", 5)); err != nil {
			t.Fatal(err)
		}
		readers = append(readers, bufio.NewReader(c))
	}
	time.Sleep(300 * time.Millisecond)
	inFlight := metricValue(t, "http://"+srv.metrics, "partymap_http_requests_in_flight")
	// The metrics have their own address: this request is not among them.
	if inFlight < float64(len(readers)) {
		t.Fatalf("%v requests in flight, want the %d slow ones: the test would prove nothing", inFlight, len(readers))
	}
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// The listener closes at once; the answers under way go on.
	refused := false
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", srv.addr, time.Second)
		if err != nil {
			refused = true
			break
		}
		c.Close()
	}
	if !refused {
		t.Error("the server still takes new connections 5 s after SIGTERM")
	}
	// Every answer the server began is sent in full; the connection then
	// closes between answers (the requests after it are not taken up).
	for i, r := range readers {
		answers := 0
		for {
			resp, err := http.ReadResponse(r, nil)
			if err != nil {
				break // closed between two answers
			}
			n, err := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || err != nil || n != info.Size() {
				t.Errorf("client %d, answer %d: got %d, %d of %d bytes after SIGTERM: %v", i, answers+1, resp.StatusCode, n, info.Size(), err)
				break
			}
			answers++
		}
		if answers == 0 {
			t.Errorf("client %d got no answer in full", i)
		}
	}
	select {
	case err := <-srv.done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, srv.log)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("no exit 60 s after SIGTERM:\n%s", srv.log)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "pgdata", "postmaster.pid")); !os.IsNotExist(err) {
		t.Errorf("postmaster.pid is still there after shutdown: %v", err)
	}
	for _, want := range []string{"shutting down", "embedded PostgreSQL stopped"} {
		if !strings.Contains(srv.log.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, srv.log)
		}
	}
	pgLog, _ := os.ReadFile(filepath.Join(dataDir, "log", "postgres.log"))
	if i := bytes.LastIndex(pgLog, []byte("received fast shutdown request")); i < 0 || !bytes.Contains(pgLog[i:], []byte("database system is shut down")) {
		t.Errorf("the PostgreSQL log does not end with a fast shutdown:\n%s", tail(pgLog, 2000))
	}
}

// metricValue reads one unlabelled sample from /metrics.
func metricValue(t *testing.T, base, name string) float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	t.Fatalf("/metrics has no %s", name)
	return 0
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
