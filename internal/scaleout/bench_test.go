package scaleout_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// Throughput behind nginx (docs/deploy/nginx.conf) with one and with two
// mapserver processes on one primary and its replica, on this machine:
//
//	go test ./internal/scaleout -run '^$' -bench Nginx -benchtime 1x
//
// Two workloads: /api/nearest, a database query each time (never cached),
// and item pages the instances answer from their read cache (nginx keeps
// only tiles). Each runs 64 clients for a few seconds and reports
// requests per second. The clients, nginx, the instances and PostgreSQL
// share the machine's cores.
func BenchmarkNginx_oneVsTwoInstances(b *testing.B) {
	s := newSetup(b)
	bin := filepath.Join(b.TempDir(), "mapserver")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/mapserver").CombinedOutput(); err != nil {
		b.Fatalf("build mapserver: %v\n%s", err, out)
	}
	servers := []string{startProcess(b, bin, s), startProcess(b, bin, s)}
	for _, n := range []int{1, 2} {
		base := startNginx(b, servers[:n]...)
		for _, w := range []struct {
			name string
			url  func(i int64) string
		}{
			{"nearest", func(i int64) string {
				return fmt.Sprintf("%s/api/nearest?lon=%.6f&lat=34.5747", base, 110.095+float64(i%100)*0.0001)
			}},
			{"cached items", func(i int64) string { return fmt.Sprintf("%s/collections/posts/items?limit=10&offset=%d", base, i%50) }},
		} {
			b.Run(fmt.Sprintf("%d instances/%s", n, w.name), func(b *testing.B) {
				rate := hammer(b, w.url, 64, 4*time.Second)
				b.ReportMetric(rate, "req/s")
			})
		}
	}
}

// hammer sends requests from clients goroutines for d and returns the
// rate of 200 answers; any other answer fails the benchmark.
func hammer(b *testing.B, url func(int64) string, clients int, d time.Duration) float64 {
	b.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	client := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	var n, failed atomic.Int64
	stop := time.Now().Add(d)
	done := make(chan struct{})
	for range clients {
		go func() {
			defer func() { done <- struct{}{} }()
			for time.Now().Before(stop) {
				res, err := client.Get(url(n.Load()))
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					failed.Add(1)
					continue
				}
				n.Add(1)
			}
		}()
	}
	for range clients {
		<-done
	}
	if f := failed.Load(); f > 0 {
		b.Errorf("%d requests failed", f)
	}
	return float64(n.Load()) / d.Seconds()
}

// startProcess runs a mapserver process on the setup's primary and replica
// and returns its base URL.
func startProcess(b *testing.B, bin string, s *setup) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "serve", "-addr", "127.0.0.1:"+strconv.Itoa(port), "-metrics-addr", "", "-log-level", "warn",
		"-database-url", s.primary, "-database-read-url", s.replica)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("mapserver at %s not ready: %v", url, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return url
}
