package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// result is one line of the results file: one wrk run, or the memory of
// a server (kind "rss").
type result struct {
	Kind     string `json:"kind"` // "" for a run
	Target   string `json:"target"`
	Path     string `json:"path"`
	Size     int    `json:"size"` // bytes of the answer in this encoding
	Encoding string `json:"encoding"`
	Server   string `json:"server"`
	Round    int    `json:"round"`
	// From wrk's done(): counts and microseconds.
	Requests   int64 `json:"requests"`
	DurationUS int64 `json:"duration_us"`
	Errors     int64 `json:"errors"`
	P50US      int64 `json:"p50_us"`
	P99US      int64 `json:"p99_us"`
	// CPUTicks is the CPU time the server's processes used during the
	// run, in clock ticks (1/100 s) from /proc.
	CPUTicks int64 `json:"cpu_ticks"`
	// From /proc/PID/status, for kind rss.
	RSSKB int64 `json:"rss_kb"`
	HWMKB int64 `json:"hwm_kb"`
}

// cpuPerRequest is the server's CPU time per request in microseconds, or
// 0 when it was not measured.
func (r result) cpuPerRequest() float64 {
	if r.Requests == 0 {
		return 0
	}
	return float64(r.CPUTicks) * 1e4 / float64(r.Requests)
}

// rate is the run's throughput in requests a second.
func (r result) rate() float64 {
	if r.DurationUS == 0 {
		return 0
	}
	return float64(r.Requests) / (float64(r.DurationUS) / 1e6)
}

// The servers of a run, in the order of the table; ratios are to the first
// two.
const (
	serverGo    = "go"
	serverNginx = "nginx"
	serverMap   = "mapserver"
)

// caseKey is one answer in one encoding: the servers are compared on it.
type caseKey struct{ target, encoding string }

// runReport prints the results as Markdown: per answer and encoding, each
// server's medians over the rounds, and its throughput as a share of the
// Go handler's and nginx's in the same round (the median of those
// in-round ratios: on a shared machine the load moves between rounds,
// much less within one).
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
	runs := map[caseKey]map[string][]result{} // case → server → rounds
	var order []caseKey
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
		if r.Kind == "rss" {
			memory = append(memory, r)
			continue
		}
		k := caseKey{r.Target, r.Encoding}
		if runs[k] == nil {
			runs[k] = map[string][]result{}
			order = append(order, k)
		}
		runs[k][r.Server] = append(runs[k][r.Server], r)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "| answer | encoding | bytes | server | requests/s | p50 ms | p99 ms | CPU µs/request | ÷ Go handler | ÷ nginx | errors |")
	fmt.Fprintln(stdout, "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
	var summary []string
	for _, k := range order {
		byServer := runs[k]
		for _, server := range []string{serverNginx, serverGo, serverMap} {
			rs := byServer[server]
			if len(rs) == 0 {
				continue
			}
			vsGo, vsNginx := "—", "—"
			if server != serverGo {
				if r, ok := inRoundRatio(rs, byServer[serverGo]); ok {
					vsGo = fmt.Sprintf("%.2f×", r)
					if server == serverMap {
						line := fmt.Sprintf("%s %s %.2f×", k.target, k.encoding, r)
						if c, ok := inRoundCPURatio(byServer[serverGo], rs); ok {
							line += fmt.Sprintf(" (CPU per request %.2f×)", c)
						}
						summary = append(summary, line)
					}
				}
			}
			if server != serverNginx {
				if r, ok := inRoundRatio(rs, byServer[serverNginx]); ok {
					vsNginx = fmt.Sprintf("%.2f×", r)
				}
			}
			var errs int64
			for _, r := range rs {
				errs += r.Errors
			}
			fmt.Fprintf(stdout, "| %s | %s | %d | %s | %.0f | %.2f | %.2f | %.1f | %s | %s | %d |\n",
				k.target, k.encoding, rs[0].Size, server,
				median(rs, result.rate),
				median(rs, func(r result) float64 { return float64(r.P50US) / 1000 }),
				median(rs, func(r result) float64 { return float64(r.P99US) / 1000 }),
				median(rs, result.cpuPerRequest),
				vsGo, vsNginx, errs)
		}
	}
	if len(summary) > 0 {
		fmt.Fprintf(stdout, "\nmapserver's throughput ÷ the Go handler's, median of the in-round ratios (in brackets the Go handler's CPU time per request ÷ mapserver's): %s.\n", strings.Join(summary, "; "))
	}
	for _, m := range memory {
		fmt.Fprintf(stdout, "\nmapserver memory, %s: RSS %.1f MB (peak %.1f MB)\n", m.Target, float64(m.RSSKB)/1024, float64(m.HWMKB)/1024)
	}
	return nil
}

// inRoundRatio is the median over the rounds both ran of a's throughput
// divided by b's in the same round.
func inRoundRatio(a, b []result) (float64, bool) {
	byRound := map[int]float64{}
	for _, r := range b {
		byRound[r.Round] = r.rate()
	}
	var ratios []float64
	for _, r := range a {
		if base := byRound[r.Round]; base > 0 {
			ratios = append(ratios, r.rate()/base)
		}
	}
	if len(ratios) == 0 {
		return 0, false
	}
	return medianOf(ratios), true
}

// inRoundCPURatio is the median over the rounds both ran of a's CPU time
// per request divided by b's in the same round.
func inRoundCPURatio(a, b []result) (float64, bool) {
	byRound := map[int]float64{}
	for _, r := range b {
		byRound[r.Round] = r.cpuPerRequest()
	}
	var ratios []float64
	for _, r := range a {
		if base := byRound[r.Round]; base > 0 && r.cpuPerRequest() > 0 {
			ratios = append(ratios, r.cpuPerRequest()/base)
		}
	}
	if len(ratios) == 0 {
		return 0, false
	}
	return medianOf(ratios), true
}

// median takes the median of one figure over the rounds.
func median(rs []result, f func(result) float64) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	return medianOf(v)
}

func medianOf(v []float64) float64 {
	v = slices.Clone(v)
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// The marks around the section of docs/BENCHMARKS.md that make bench
// writes.
const (
	sectionBegin = "<!-- make bench: begin -->"
	sectionEnd   = "<!-- make bench: end -->"
)

// runSplice puts a report into a document between the bench marks,
// replacing what was there (or appending the section with its marks).
func runSplice(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("benchtiles splice", flag.ContinueOnError)
	fs.SetOutput(stderr)
	doc := fs.String("doc", "docs/BENCHMARKS.md", "the document")
	in := fs.String("in", "", "the report to put in it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	report, err := os.ReadFile(*in)
	if err != nil {
		return err
	}
	old, err := os.ReadFile(*doc)
	if err != nil {
		return err
	}
	out, err := splice(old, report)
	if err != nil {
		return fmt.Errorf("%s: %w", *doc, err)
	}
	return os.WriteFile(*doc, out, 0o644)
}

// splice returns doc with the text between the bench marks replaced by
// report.
func splice(doc, report []byte) ([]byte, error) {
	section := []byte(sectionBegin + "\n" + strings.TrimSpace(string(report)) + "\n" + sectionEnd)
	i := bytes.Index(doc, []byte(sectionBegin))
	j := bytes.Index(doc, []byte(sectionEnd))
	switch {
	case i < 0 && j < 0:
		return append(append(bytes.TrimRight(doc, "\n"), "\n\n"...), append(section, '\n')...), nil
	case i < 0 || j < i:
		return nil, fmt.Errorf("the bench marks are out of order")
	}
	return append(append(slices.Clone(doc[:i]), section...), doc[j+len(sectionEnd):]...), nil
}
