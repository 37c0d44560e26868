// Command loadgen drives a running mapserver with mixed public reads and a
// few concurrent editors for a bounded time, then checks and reports: no
// 5xx, no lost edit (every acknowledged PATCH has its history row), the
// latency of each kind of request, the throughput and the server's memory.
// scripts/load.sh (make load) starts a server and runs it.
//
// Usage:
//
//	LOADGEN_TOKEN=pm_… loadgen -url http://127.0.0.1:8080 -database-url 'host=… dbname=partymap' -pid 1234
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// options are the run's settings.
type options struct {
	base        string
	metrics     string
	dbURL       string
	pid         int
	duration    time.Duration
	readers     int
	editors     int
	pause       time.Duration
	out         string
	command     string
	token       string
	description string
	// streams is the number of event-stream clients and sampleEvery the
	// interval of a soak's samples (0: none).
	streams     int
	sampleEvery time.Duration
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.base, "url", "", "the server's base URL, e.g. http://127.0.0.1:8080 (required)")
	fs.StringVar(&o.metrics, "metrics-url", "http://127.0.0.1:9464", "where the server serves /metrics (its -metrics-addr), for its Go heap")
	fs.StringVar(&o.dbURL, "database-url", os.Getenv("LOADGEN_DATABASE_URL"), "the server's database, to count the history rows of the edits (env LOADGEN_DATABASE_URL; required)")
	fs.IntVar(&o.pid, "pid", 0, "the server's process id, for its memory (0: not measured)")
	fs.DurationVar(&o.duration, "duration", 60*time.Second, "how long to drive the load")
	fs.IntVar(&o.readers, "readers", 16, "concurrent readers (tiles, item pages, items, finder)")
	fs.IntVar(&o.editors, "editors", 4, "concurrent editors PATCHing car parks' free spaces and posts' hours")
	fs.DurationVar(&o.pause, "edit-pause", 100*time.Millisecond, "each editor's pause between two edits")
	fs.StringVar(&o.out, "out", "", "also write the report (Markdown) to this file")
	fs.StringVar(&o.command, "command", "", "the command that started the run, for the report")
	fs.StringVar(&o.description, "server", "", "how the server was started, for the report")
	fs.IntVar(&o.streams, "streams", 0, "clients holding the event stream /api/events open")
	fs.DurationVar(&o.sampleEvery, "sample-every", 0, "soak: measure the server (heap, goroutines, open files, pool, p99) at this interval and require a plateau; 0: no samples")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.token = os.Getenv("LOADGEN_TOKEN")
	switch {
	case o.base == "":
		return o, errors.New("give the server's address with -url")
	case o.dbURL == "":
		return o, errors.New("give the server's database with -database-url (or LOADGEN_DATABASE_URL): the edits are checked against its history")
	case o.token == "":
		return o, errNoToken
	case o.duration <= 0 || o.duration > time.Hour:
		return o, fmt.Errorf("-duration must be above 0 and at most 1h; got %v", o.duration)
	case o.readers < 1 || o.readers > 1000 || o.editors < 0 || o.editors > 50:
		return o, fmt.Errorf("-readers must be 1 to 1000 and -editors 0 to 50; got %d and %d", o.readers, o.editors)
	}
	return o, nil
}

// run drives the load and reports; it fails on any 5xx, lost edit or
// request that got no answer.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args, stderr)
	if err != nil {
		return err
	}
	client := &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns: o.readers + o.editors + 8, MaxIdleConnsPerHost: o.readers + o.editors + 8,
			DisableCompression: true,
		},
	}
	setup, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	p, err := discover(setup, client, o.base)
	if err != nil {
		return fmt.Errorf("learn what the server serves: %w", err)
	}
	var who struct {
		User struct {
			Name string `json:"name"`
		} `json:"user"`
	}
	req, _ := http.NewRequestWithContext(setup, http.MethodGet, o.base+"/api/session", nil)
	req.Header.Set("Authorization", "Bearer "+o.token)
	if err := doJSON(client, req, &who); err != nil {
		return fmt.Errorf("the editors' token does not work: %w", err)
	}
	since, versions, err := startSeq(setup, o.dbURL)
	if err != nil {
		return fmt.Errorf("read the history: %w", err)
	}
	for _, n := range p.notes {
		fmt.Fprintln(stderr, "loadgen:", n)
	}
	fmt.Fprintf(stderr, "loadgen: %d readers and %d editors (as %s) for %v against %s; %d tiles at z%d–z%d\n",
		o.readers, o.editors, who.User.Name, o.duration, o.base, len(p.tiles), minTileZoom, maxTileZoom)

	loadBefore := loadAverage()
	rec, ed := newRecorder(), &edits{}
	load, stopLoad := context.WithTimeout(ctx, o.duration)
	defer stopLoad()
	began := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < o.readers; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); reader(load, client, p, rec, uint64(i)+1) }()
	}
	for i := 0; i < o.editors; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); editor(load, client, p, o.token, o.pause, rec, ed, uint64(i)+101) }()
	}
	var events, reconnects atomic.Int64
	for range o.streams {
		wg.Add(1)
		go func() { defer wg.Done(); streamClient(load, o.base, &events, &reconnects) }()
	}
	var samples []soakSample
	if o.sampleEvery > 0 {
		wg.Add(1)
		go func() { defer wg.Done(); sampler(load, client, o, rec, &events, began, &samples) }()
	}
	wg.Wait()
	elapsed := time.Since(began)
	if ctx.Err() != nil {
		return ctx.Err()
	}

	final, cancel2 := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel2()
	hc, err := checkHistory(final, o.dbURL, since, who.User.Name, ed.acked)
	if err != nil {
		return fmt.Errorf("read the history: %w", err)
	}
	mem, err := measureMemory(client, o.metrics, o.pid)
	if err != nil {
		return fmt.Errorf("measure memory: %w", err)
	}
	r := report{opts: o, plan: p, rec: rec, edits: ed, history: hc, mem: mem, elapsed: elapsed, user: who.User.Name, database: versions, loadBefore: loadBefore, loadAfter: loadAverage()}
	text := r.markdown()
	var soakFaults []string
	if o.sampleEvery > 0 || o.streams > 0 {
		if o.sampleEvery > 0 {
			text = strings.Replace(text, "## Load with edits", "## Soak", 1)
		}
		text += soakMarkdown(o, samples, events.Load(), reconnects.Load())
		if o.sampleEvery > 0 {
			soakFaults = plateau(samples)
		}
		if o.streams > 0 && o.editors > 0 && events.Load() == 0 {
			soakFaults = append(soakFaults, "the event-stream clients received no event")
		}
	}
	fmt.Fprint(stdout, text)
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(text), 0o644); err != nil {
			return err
		}
	}
	if err := r.verdict(); err != nil {
		return err
	}
	if len(soakFaults) > 0 {
		return fmt.Errorf("the soak failed: %s", strings.Join(soakFaults, "; "))
	}
	return nil
}

func doJSON(c *http.Client, req *http.Request, v any) error {
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, clip(body))
	}
	return json.Unmarshal(body, v)
}
