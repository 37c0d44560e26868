package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildServer compiles mapserver once for the end-to-end tests.
func buildServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mapserver")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

type running struct {
	cmd  *exec.Cmd
	addr string
	// metrics is the address serving /metrics, apart from addr.
	metrics string
	log     *syncLog
	done    chan error
}

// syncLog is the server's output, written by a reader goroutine while the
// test reads it.
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) add(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.WriteString(line + "\n")
}

// String returns everything the server printed so far.
func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var (
	listening        = regexp.MustCompile(`msg=listening addr=(\S+)`)
	metricsListening = regexp.MustCompile(`msg="metrics listening" addr=(\S+)`)
)

// startServer runs mapserver with the embedded database in dataDir on port 0
// (and its metrics on another port 0) and waits until it says where it
// listens.
func startServer(t *testing.T, bin, dataDir string) *running {
	t.Helper()
	return startServerWith(t, bin, nil, "-data-dir", dataDir)
}

// startServerWith runs mapserver on port 0 (and its metrics on another) with
// more flags and environment (on top of an empty DATABASE_URL), and waits
// until it says where it listens.
func startServerWith(t *testing.T, bin string, env []string, args ...string) *running {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-addr", "127.0.0.1:0", "-metrics-addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(append(os.Environ(), "DATABASE_URL="), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &running{cmd: cmd, log: &syncLog{}, done: make(chan error, 1)}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			r.log.add(line)
			if m := metricsListening.FindStringSubmatch(line); m != nil {
				r.metrics = m[1]
			}
			if m := listening.FindStringSubmatch(line); m != nil {
				addrc <- m[1]
			}
		}
		r.done <- cmd.Wait()
	}()
	select {
	case r.addr = <-addrc:
	case <-time.After(90 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("the server did not start in 90 s:\n%s", r.log)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	})
	return r
}

// stop sends SIGTERM and waits for a clean exit.
func (r *running) stop(t *testing.T) {
	t.Helper()
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-r.done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, r.log)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("no exit 60 s after SIGTERM:\n%s", r.log)
	}
}

func getJSON(t *testing.T, url string) map[string]any {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return m
}

// The real mapserver starts its own PostgreSQL, loads the data, serves the
// grids, stops cleanly on SIGTERM and reuses its data on the next start.
func TestMapserver_endToEnd(t *testing.T) {
	bin := buildServer(t)
	dataDir := filepath.Join(reachableDir(t), "var")

	cold := time.Now()
	srv := startServer(t, bin, dataDir)
	coldTook := time.Since(cold)
	doc := getJSON(t, "http://"+srv.addr+"/collections/grids/items?limit=100")
	if n := len(doc["features"].([]any)); n != 15 {
		t.Errorf("got %d grids, want 15", n)
	}
	if ready := getJSON(t, "http://"+srv.addr+"/readyz"); ready["status"] != "ready" {
		t.Errorf("readyz: %v", ready)
	}
	// a plain go build carries the whole viewer: /readyz (above) checks
	// its files, and the browser libraries are served
	for _, path := range []string{"/static/vendor/maplibre-gl/maplibre-gl.mjs", "/static/vendor/maplibre-gl/maplibre-gl-worker.mjs", "/style.json", "/map"} {
		resp, err := http.Get("http://" + srv.addr + path)
		if err != nil {
			t.Errorf("GET %s: %v", path, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %s, want 200 from a plain go build", path, resp.Status)
		}
	}
	if ogr, err := exec.LookPath("ogrinfo"); err == nil {
		t.Run("GDAL OAPIF reads every layer", func(t *testing.T) {
			out, err := exec.Command(ogr, "-ro", "-al", "-so", "OAPIF:http://"+srv.addr).CombinedOutput()
			if err != nil {
				t.Fatalf("ogrinfo: %v\n%s", err, out)
			}
			for _, want := range []string{"Layer name: grids", "Feature Count: 15", "Layer name: organizations", "Layer name: buildings"} {
				if !strings.Contains(string(out), want) {
					t.Errorf("ogrinfo output lacks %q:\n%s", want, out)
				}
			}
		})
	} else {
		t.Error("ogrinfo (gdal-bin) is not installed; make test installs it")
	}
	t.Run("the server restarts its PostgreSQL when it dies", func(t *testing.T) {
		pidFile, err := os.ReadFile(filepath.Join(dataDir, "pgdata", "postmaster.pid"))
		if err != nil {
			t.Fatal(err)
		}
		var pid int
		if _, err := fmt.Sscan(string(pidFile), &pid); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		// Ready again means: a new postmaster runs and the server answers.
		deadline := time.Now().Add(30 * time.Second)
		for {
			newPID := 0
			if b, err := os.ReadFile(filepath.Join(dataDir, "pgdata", "postmaster.pid")); err == nil {
				fmt.Sscan(string(b), &newPID)
			}
			resp, err := http.Get("http://" + srv.addr + "/readyz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 && newPID != 0 && newPID != pid && strings.Contains(srv.log.String(), "embedded PostgreSQL restarted") {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("not ready 30 s after PostgreSQL was killed:\n%s", srv.log)
			}
			time.Sleep(100 * time.Millisecond)
		}
		doc := getJSON(t, "http://"+srv.addr+"/collections/grids/items?limit=100")
		if n := len(doc["features"].([]any)); n != 15 {
			t.Errorf("after the restart: got %d grids, want 15", n)
		}
	})
	srv.stop(t)
	if _, err := os.Stat(filepath.Join(dataDir, "pgdata", "postmaster.pid")); !os.IsNotExist(err) {
		t.Errorf("postmaster.pid is still there after shutdown: %v\n%s", err, srv.log)
	}

	warm := time.Now()
	srv = startServer(t, bin, dataDir)
	warmTook := time.Since(warm)
	if strings.Contains(srv.log.String(), "seeded layer") {
		t.Error("the second start loaded the data again")
	}
	doc = getJSON(t, "http://"+srv.addr+"/collections/grids/items?limit=100")
	if n := len(doc["features"].([]any)); n != 15 {
		t.Errorf("second start: got %d grids, want 15", n)
	}
	srv.stop(t)
	t.Logf("start-up to listening: cold %v, warm %v", coldTook.Round(time.Millisecond), warmTook.Round(time.Millisecond))

	t.Run("export, and an import with a broken feature writes nothing", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "export")
		if b, err := exec.Command(bin, "export", "-data-dir", dataDir, out).CombinedOutput(); err != nil {
			t.Fatalf("export: %v\n%s", err, b)
		}
		raw, err := os.ReadFile(filepath.Join(out, "grids.geojson"))
		if err != nil {
			t.Fatal(err)
		}
		broken := strings.Replace(string(raw), `"color":`, `"color":"red","x":`, 1)
		bad := filepath.Join(t.TempDir(), "bad")
		if err := os.MkdirAll(bad, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(bad, "grids.geojson"), []byte(broken), 0o644); err != nil {
			t.Fatal(err)
		}
		b, err := exec.Command(bin, "import", "-data-dir", dataDir, bad).CombinedOutput()
		if err == nil || !strings.Contains(string(b), "grids.geojson: feature 1 (id 1)") {
			t.Errorf("import of a broken file: got %v\n%s", err, b)
		}
		b, err = exec.Command(bin, "import", "-data-dir", dataDir, out).CombinedOutput()
		if err != nil || !regexp.MustCompile(`grids\s+0 inserted\s+0 updated\s+15 unchanged`).Match(b) {
			t.Errorf("re-import of the export: got %v\n%s", err, b)
		}
	})
}

func TestRun_help(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"migrate", "-h"}, {"import", "-h"}, {"export", "-h"}} {
		var out, errOut strings.Builder
		err := run(context.Background(), args, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), "help requested") {
			t.Errorf("%v: got %v, want help", args, err)
		}
		if !strings.Contains(errOut.String(), "-data-dir") {
			t.Errorf("%v: the help does not list -data-dir:\n%s", args, errOut.String())
		}
	}
	var out, errOut strings.Builder
	if err := run(context.Background(), []string{"frobnicate"}, &out, &errOut); err == nil || !strings.Contains(fmt.Sprint(err), "unknown command") {
		t.Errorf("unknown command: got %v", err)
	}
}
