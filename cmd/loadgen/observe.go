package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// historyCheck compares the acknowledged edits with the history the
// database kept.
type historyCheck struct {
	// Rows is the number of history rows with reason 'edit' written by
	// the editor since the run began.
	Rows int64
	// Missing are acknowledged edits with no history row of their version.
	Missing []acked
}

// startSeq returns the newest history row id before the run, and the
// versions of PostgreSQL and PostGIS.
func startSeq(ctx context.Context, dbURL string) (int64, string, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return 0, "", err
	}
	defer conn.Close(ctx)
	var seq int64
	var pg, postgis string
	err = conn.QueryRow(ctx, `SELECT coalesce(max(id), 0), current_setting('server_version'), postgis_lib_version() FROM history`).Scan(&seq, &pg, &postgis)
	return seq, fmt.Sprintf("PostgreSQL %s, PostGIS %s", pg, postgis), err
}

// checkHistory reads the history rows the run's edits wrote.
func checkHistory(ctx context.Context, dbURL string, since int64, who string, acks []acked) (historyCheck, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return historyCheck{}, err
	}
	defer conn.Close(ctx)
	var hc historyCheck
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM history WHERE id > $1 AND reason = 'edit' AND who = $2`, since, who).Scan(&hc.Rows); err != nil {
		return hc, err
	}
	rows, err := conn.Query(ctx, `SELECT layer, feature_id, version FROM history WHERE id > $1 AND reason = 'edit' AND who = $2`, since, who)
	if err != nil {
		return hc, err
	}
	seen := map[acked]bool{}
	for rows.Next() {
		var a acked
		if err := rows.Scan(&a.layer, &a.id, &a.version); err != nil {
			return hc, err
		}
		seen[a] = true
	}
	if err := rows.Err(); err != nil {
		return hc, err
	}
	for _, a := range acks {
		if !seen[a] {
			hc.Missing = append(hc.Missing, a)
		}
	}
	return hc, nil
}

// memory is what the server and its database hold, and the server's own
// counters at the end of the run.
type memory struct {
	RSS, PeakRSS    int64 // the server process, bytes
	HeapInUse, Heap int64 // Go heap in use and allocated, bytes (from /metrics)
	Goroutines      int64
	PostgresProcs   int
	PostgresPSS     int64 // proportional set size of the embedded PostgreSQL, bytes
	// Metrics are the unlabelled samples of /metrics.
	Metrics map[string]float64
}

// procStatus reads a "Name:   123 kB" line of /proc/<pid>/status in bytes.
func procStatus(pid int, name string) (int64, error) {
	return kBLine(filepath.Join("/proc", strconv.Itoa(pid), "status"), name+":")
}

func kBLine(path, prefix string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), prefix); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n * 1024, err
		}
	}
	return 0, fmt.Errorf("%s has no %s line", path, prefix)
}

// descendants lists the processes under pid (children, their children …).
func descendants(pid int) []int {
	parent := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(fields) > 1 {
			pp, _ := strconv.Atoi(fields[1])
			parent[pp] = append(parent[pp], p)
		}
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range parent[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// measureMemory reads the server's memory from /proc and its /metrics.
func measureMemory(c *http.Client, base string, pid int) (memory, error) {
	var m memory
	var err error
	if pid > 0 {
		if m.RSS, err = procStatus(pid, "VmRSS"); err != nil {
			return m, err
		}
		if m.PeakRSS, err = procStatus(pid, "VmHWM"); err != nil {
			return m, err
		}
		for _, p := range descendants(pid) {
			if pss, err := kBLine(filepath.Join("/proc", strconv.Itoa(p), "smaps_rollup"), "Pss:"); err == nil {
				m.PostgresProcs++
				m.PostgresPSS += pss
			}
		}
	}
	resp, err := c.Get(base + "/metrics")
	if err != nil {
		return m, err
	}
	defer resp.Body.Close()
	metrics, err := readMetrics(resp.Body)
	if err != nil {
		return m, err
	}
	m.Metrics = metrics
	m.HeapInUse = int64(metrics["go_memstats_heap_inuse_bytes"])
	m.Heap = int64(metrics["go_memstats_heap_alloc_bytes"])
	m.Goroutines = int64(metrics["go_goroutines"])
	return m, nil
}

// readMetrics reads the unlabelled samples of a Prometheus text page.
func readMetrics(r io.Reader) (map[string]float64, error) {
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' || strings.Contains(line, "{") {
			continue
		}
		name, value, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		if v, err := strconv.ParseFloat(strings.TrimSpace(value), 64); err == nil {
			out[name] = v
		}
	}
	return out, sc.Err()
}

// machine describes where the run happened.
func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	return fmt.Sprintf("nproc %d, %s, %s %s/%s", runtime.NumCPU(), model, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// loadAverage returns the 1, 5 and 15 minute load averages, or "".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
