package scaleout_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb/maptile"
)

// nginxConf is the deployment's nginx configuration, which the tests run
// with only its addresses, port and paths replaced.
const nginxConf = "../../docs/deploy/nginx.conf"

// startNginx runs docs/deploy/nginx.conf in front of the instances (their
// base URLs) and returns its base URL.
func startNginx(t testing.TB, instances ...string) string {
	t.Helper()
	if _, err := exec.LookPath("nginx"); err != nil {
		t.Fatal("nginx is not installed: apt-get install -y nginx (make deps-bench installs it)")
	}
	conf, err := os.ReadFile(nginxConf)
	if err != nil {
		t.Fatal(err)
	}
	// As root nginx's workers run as nobody: let them into the cache (a
	// test's own temporary directory lies in one only its user enters).
	dir, err := os.MkdirTemp("", "partymap-nginx-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	for _, d := range []string{dir, filepath.Join(dir, "cache"), filepath.Join(dir, "temp"), filepath.Join(dir, "logs")} {
		if err := os.MkdirAll(d, 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(d, 0o777); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var servers []string
	for _, in := range instances {
		servers = append(servers, fmt.Sprintf("        server %s max_fails=2 fail_timeout=5s;", strings.TrimPrefix(in, "http://")))
	}
	text := string(conf)
	for old, repl := range map[string]string{
		"        server 10.0.0.11:8080 max_fails=2 fail_timeout=5s;\n        server 10.0.0.12:8080 max_fails=2 fail_timeout=5s;": strings.Join(servers, "\n"),
		"listen 80;":                     "listen " + addr + ";",
		"/var/cache/nginx/partymap_temp": filepath.Join(dir, "temp"),
		"/var/cache/nginx/partymap ":     filepath.Join(dir, "cache") + " ",
	} {
		if !strings.Contains(text, old) {
			t.Fatalf("%s no longer holds %q: change this test with it", nginxConf, old)
		}
		text = strings.Replace(text, old, repl, 1)
	}
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("nginx", "-p", dir, "-c", path, "-g", fmt.Sprintf("daemon off; pid %s; error_log %s warn;", filepath.Join(dir, "nginx.pid"), filepath.Join(dir, "logs", "error.log")))
	out, err := os.Create(filepath.Join(dir, "logs", "stderr.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		out.Close()
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "logs", "error.log"))
			t.Logf("nginx's error log:\n%s", log)
		}
	})
	base := "http://" + addr
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := http.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return base
			}
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "logs", "error.log"))
			t.Fatalf("nginx did not answer within 10 s: %v\n%s", err, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Behind nginx as docs/DEPLOY.md runs it: requests spread over both
// instances; tiles are kept by nginx as long as their Cache-Control says,
// then revalidated with their ETag (304 from the instance); an edit shows
// at once under the map's ?v= address and, after max-age, under the plain
// one; an instance that stops answers no request with an error.
func TestNginx_inFrontOfTwoInstances(t *testing.T) {
	s := newSetup(t)
	a, b := startInstance(t, s, s.replica), startInstance(t, s, s.replica)
	base := startNginx(t, a.srv.URL, b.srv.URL)
	token := adminToken(t, a)

	before := [2]float64{readsOf(t, a), readsOf(t, b)}
	for range 20 {
		if r := call(t, http.MethodGet, base+"/api/nearest?lon=110.0998&lat=34.5747", ""); r.status != http.StatusOK {
			t.Fatalf("nearest through nginx: %d %s", r.status, r.body)
		}
	}
	if readsOf(t, a) == before[0] || readsOf(t, b) == before[1] {
		t.Errorf("20 requests through nginx: instance A read %v, B %v times, want both to take some", readsOf(t, a)-before[0], readsOf(t, b)-before[1])
	}

	tile := tileOf(postPoint(t, s.primary, 7))
	first := call(t, http.MethodGet, base+tile, "", "Accept-Encoding", "gzip")
	second := call(t, http.MethodGet, base+tile, "", "Accept-Encoding", "gzip")
	if first.status != http.StatusOK || second.header.Get("X-Cache-Status") != "HIT" || second.header.Get("ETag") != first.header.Get("ETag") {
		t.Errorf("a tile twice through nginx: %d %s then %s %s, want a cache hit with the same ETag",
			first.status, first.header.Get("X-Cache-Status"), second.header.Get("X-Cache-Status"), second.header.Get("ETag"))
	}
	identity := call(t, http.MethodGet, base+tile, "", "Accept-Encoding", "identity")
	if identity.header.Get("Content-Encoding") != "" || identity.header.Get("ETag") == first.header.Get("ETag") {
		t.Errorf("the identity tile through nginx: encoding %q, ETag %s; want its own representation", identity.header.Get("Content-Encoding"), identity.header.Get("ETag"))
	}
	if cond := call(t, http.MethodGet, base+tile, "", "Accept-Encoding", "gzip", "If-None-Match", first.header.Get("ETag")); cond.status != http.StatusNotModified {
		t.Errorf("If-None-Match through nginx: %d, want 304", cond.status)
	}

	renamePost(t, base, token, 7, "经代理改名")
	changed := time.Now()
	// The viewer hears the change's seq on its event stream and asks for
	// ?v=<seq>, whichever instance answers: at once the new tile, even
	// from an instance that has not heard of it yet (it waits to).
	v := fmt.Sprintf("?v=%d", latestSeq(t, s.primary))
	if got := tileNames(t, base, tile+v, "posts")[7]; got != "经代理改名" {
		t.Errorf("the tile under the viewer's %s right after the edit: post 7 is %q, want the new name", v, got)
	}
	for range 4 {
		if got := tileNames(t, base, tile+v, "posts")[7]; got != "经代理改名" {
			t.Errorf("the tile under %s again: post 7 is %q, want the new name", v, got)
		}
	}
	// The plain address: kept by nginx until max-age (5 s) runs out.
	plain := waitFor(t, 10*time.Second, "the edit under the plain address", func() bool { return tileNames(t, base, tile, "posts")[7] == "经代理改名" })
	if total := time.Since(changed); total > 7*time.Second {
		t.Errorf("the plain address showed the edit %s after it, want within max-age and a revalidation", total)
	}
	t.Logf("through nginx: the edit at once under ?v=, after %s under the plain address (max-age 5 s)", plain.Round(100*time.Millisecond))

	// Expired but unchanged: nginx serves its copy (stale-while-revalidate)
	// while it asks an instance with the ETag, which answers 304.
	pt := maptile.At(postPoint(t, s.primary, 9), 14) // a tile the edit above did not touch
	other := fmt.Sprintf("/tiles/%d/%d/%d.mvt", pt.Z, pt.X, pt.Y)
	call(t, http.MethodGet, base+other, "", "Accept-Encoding", "gzip")
	notModified := tile304s(t, a) + tile304s(t, b)
	var statuses []string
	waitFor(t, 10*time.Second, "nginx revalidating an expired tile", func() bool {
		statuses = append(statuses, call(t, http.MethodGet, base+other, "", "Accept-Encoding", "gzip").header.Get("X-Cache-Status"))
		time.Sleep(200 * time.Millisecond)
		return tile304s(t, a)+tile304s(t, b) > notModified
	})
	t.Logf("an expired tile through nginx: %s (a 304 from an instance refreshed it)", strings.Join(compact(statuses), ", "))

	// One instance goes away: nginx sends everything to the other.
	b.srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i := range 10 {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/search?q=%E9%A9%BF%E7%AB%99", nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("request %d with B gone: %v %v", i, err, res)
		}
		res.Body.Close()
	}
}

// tile304s counts the 304 answers an instance gave to tile requests.
func tile304s(t *testing.T, in *instance) float64 {
	t.Helper()
	mfs, err := in.registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "partymap_http_requests_total" {
			continue
		}
		var n float64
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["route"] == "/tiles/:z/:x/:y" && labels["status"] == "304" {
				n += m.GetCounter().GetValue()
			}
		}
		return n
	}
	return 0
}

// compact shows runs of the same status once with a count.
func compact(ss []string) []string {
	var out []string
	for i := 0; i < len(ss); {
		j := i
		for j < len(ss) && ss[j] == ss[i] {
			j++
		}
		out = append(out, fmt.Sprintf("%s×%d", ss[i], j-i))
		i = j
	}
	return out
}

// latestSeq is the newest change's seq, what an event stream calls it.
func latestSeq(t *testing.T, connString string) int64 {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), connString)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var seq int64
	if err := conn.QueryRow(context.Background(), `SELECT max(id) FROM history`).Scan(&seq); err != nil {
		t.Fatal(err)
	}
	return seq
}

// readsOf counts every read an instance made, wherever it went.
func readsOf(t *testing.T, in *instance) float64 {
	t.Helper()
	var n float64
	for _, v := range reads(t, in) {
		n += v
	}
	return n
}
