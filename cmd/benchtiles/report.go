package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// result is one line of the results file: one wrk run, or the memory of
// a server.
type result struct {
	Dataset string `json:"dataset"`
	Mode    string `json:"mode"` // static, warm or cold; rss for memory
	Zoom    int    `json:"zoom"`
	Conns   int    `json:"conns"`
	Round   int    `json:"round"`
	Tiles   int    `json:"tiles"`
	// From wrk's done(): counts and microseconds.
	Requests   int64 `json:"requests"`
	DurationUS int64 `json:"duration_us"`
	Errors     int64 `json:"errors"`
	P50US      int64 `json:"p50_us"`
	P99US      int64 `json:"p99_us"`
	// From /proc/PID/status, for mode rss.
	RSSKB int64 `json:"rss_kb"`
	HWMKB int64 `json:"hwm_kb"`
}

// rate is the run's throughput in requests a second.
func (r result) rate() float64 {
	if r.DurationUS == 0 {
		return 0
	}
	return float64(r.Requests) / (float64(r.DurationUS) / 1e6)
}

// groupKey names the runs whose rounds are summarised together.
type groupKey struct {
	dataset, mode string
	zoom, conns   int
}

// summary is the medians over the rounds of one group.
type summary struct {
	rate, p50, p99 float64
	rounds, tiles  int
	errors         int64
}

// runReport prints the results as Markdown.
func runReport(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("benchtiles report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("want the results file")
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	groups := map[groupKey][]result{}
	var order []groupKey
	var memory []result
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var r result
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return fmt.Errorf("%s line %d: %w", fs.Arg(0), line, err)
		}
		if r.Mode == "rss" {
			memory = append(memory, r)
			continue
		}
		k := groupKey{r.Dataset, r.Mode, r.Zoom, r.Conns}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	sums := map[groupKey]summary{}
	for k, rs := range groups {
		sums[k] = summarise(rs)
	}
	writeTable(stdout, order, sums)
	for _, m := range memory {
		fmt.Fprintf(stdout, "\nmapserver memory, %s data, warm cache: RSS %.1f MB (peak %.1f MB)\n", m.Dataset, float64(m.RSSKB)/1024, float64(m.HWMKB)/1024)
	}
	return nil
}

// summarise takes the median of each figure over the rounds.
func summarise(rs []result) summary {
	median := func(f func(result) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		slices.Sort(v)
		if len(v)%2 == 1 {
			return v[len(v)/2]
		}
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	s := summary{
		rate:   median(result.rate),
		p50:    median(func(r result) float64 { return float64(r.P50US) / 1000 }),
		p99:    median(func(r result) float64 { return float64(r.P99US) / 1000 }),
		rounds: len(rs),
		tiles:  rs[0].Tiles,
	}
	for _, r := range rs {
		s.errors += r.Errors
	}
	return s
}

// writeTable prints one row per group, in the order first seen, sorted by
// dataset and zoom, with the throughput as a share of static's.
func writeTable(w io.Writer, order []groupKey, sums map[groupKey]summary) {
	modeRank := map[string]int{"static": 0, "warm": 1, "cold": 2}
	slices.SortStableFunc(order, func(a, b groupKey) int {
		switch {
		case a.dataset != b.dataset:
			return strings.Compare(a.dataset, b.dataset)
		case a.zoom != b.zoom:
			return a.zoom - b.zoom
		case a.mode != b.mode:
			return modeRank[a.mode] - modeRank[b.mode]
		}
		return b.conns - a.conns
	})
	fmt.Fprintln(w, "| data | zoom | tiles | server | connections | requests/s | p50 ms | p99 ms | vs static | errors |")
	fmt.Fprintln(w, "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|")
	for _, k := range order {
		s := sums[k]
		ratio := "—"
		if st, ok := sums[groupKey{k.dataset, "static", k.zoom, k.conns}]; ok && st.rate > 0 && k.mode != "static" {
			ratio = fmt.Sprintf("%.2f×", s.rate/st.rate)
		}
		fmt.Fprintf(w, "| %s | %d | %d | %s | %d | %.0f | %.2f | %.2f | %s | %d |\n",
			k.dataset, k.zoom, s.tiles, k.mode, k.conns, s.rate, s.p50, s.p99, ratio, s.errors)
	}
}
