package httpapi_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"partymap/internal/changes"
	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/internal/postgis"
	"partymap/internal/testdb"
)

// countingStore is the real store with its history reads counted: the
// event streams find the change feed on the store.
type countingStore struct {
	*postgis.DB
	since, latest atomic.Int64
}

func (s *countingStore) ChangesSince(ctx context.Context, after int64, limit int) ([]geo.ChangeRecord, error) {
	s.since.Add(1)
	return s.DB.ChangesSince(ctx, after, limit)
}

func (s *countingStore) LatestChange(ctx context.Context) (int64, error) {
	s.latest.Add(1)
	return s.DB.LatestChange(ctx)
}

func (s *countingStore) reads() int64 { return s.since.Load() + s.latest.Load() }

// streamServer is a real HTTP server streaming events from a counted store
// fed by the database's notifications.
type streamServer struct {
	url   string
	db    *postgis.DB
	store *countingStore
	hub   *changes.Hub
}

func startStreamServer(t *testing.T, configure func(*httpapi.Config)) streamServer {
	t.Helper()
	db, _ := testdb.Open(t, harness)
	store := &countingStore{DB: db}
	hub := changes.NewHub()
	cfg := httpapi.Config{Catalogue: geo.NewCatalogue(), Store: store, Changes: hub, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	configure(&cfg)
	api := mustNew(t, cfg)
	srv := httptest.NewServer(api.Handler())
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan struct{}), make(chan struct{})
	go func() { db.Listen(ctx, hub, ready); close(done) }()
	t.Cleanup(func() {
		api.CloseStreams()
		srv.Close()
		cancel()
		<-done
	})
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("the change listener did not start")
	}
	return streamServer{url: srv.URL, db: db, store: store, hub: hub}
}

// streamsClientEnv, when set to "URL N", makes TestEvents_10000Streams play
// the clients in a process of their own, so that the test's memory figures
// are the server's.
const streamsClientEnv = "PARTYMAP_TEST_STREAMS_CLIENT"

// clientAddr is the loopback address the i-th stream connects from: four
// streams per address, the most the server allows one address.
func clientAddr(i int) net.IP {
	a := i / 4
	return net.IPv4(127, 1, byte(a/250), byte(a%250+1))
}

// openRawStream connects from the address local and asks for /api/events;
// it returns the connection and its reader after the response head, and
// the status line.
func openRawStream(base string, local net.IP) (net.Conn, *bufio.Reader, string, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: local}, Timeout: 10 * time.Second}
	conn, err := d.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		return nil, nil, "", err
	}
	if _, err := io.WriteString(conn, "GET /api/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n"); err != nil {
		conn.Close()
		return nil, nil, "", err
	}
	r := bufio.NewReaderSize(conn, 1024)
	status, err := r.ReadString('\n')
	if err != nil {
		conn.Close()
		return nil, nil, "", err
	}
	return conn, r, strings.TrimSpace(status), nil
}

// playStreamClients opens n streams to base, says "open n" when every one
// has had its ready event, then "parking n took" when every one has had the
// parking event of car park 2 with 7 free, and waits for stdin to close.
func playStreamClients(base string, n int) error {
	var opened, parked atomic.Int64
	var start atomic.Int64
	errs := make(chan error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for i := range n {
		wg.Add(1)
		go func() {
			sem <- struct{}{}
			conn, r, status, err := openRawStream(base, clientAddr(i))
			if err == nil && !strings.Contains(status, " 200 ") {
				err = fmt.Errorf("stream %d: %s", i, status)
			}
			if err != nil {
				<-sem
				wg.Done()
				errs <- err
				return
			}
			defer conn.Close()
			ready := false
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					if !ready {
						<-sem
						wg.Done()
						errs <- fmt.Errorf("stream %d ended before ready: %v", i, err)
					}
					return
				}
				switch {
				case !ready && strings.HasPrefix(line, "event: ready"):
					ready = true
					opened.Add(1)
					<-sem
					wg.Done()
				case strings.Contains(line, `data: {"id":2,"free":7,"capacity":50}`):
					if parked.Add(1) == int64(n) {
						fmt.Printf("parking %d %d\n", n, time.Now().UnixNano()-start.Load())
					}
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	start.Store(time.Now().UnixNano())
	fmt.Printf("open %d\n", opened.Load())
	_, _ = io.Copy(io.Discard, os.Stdin)
	return nil
}

// Festival scale (issue 13; M3 asked for 2,000): 10,000 streams are held
// by one instance on this machine, the 10,001st is refused with 503, and
// one parking change reaches every stream within a second, without a
// single history query: the notification carries the spaces, and the one
// fan-out reads the newest seq once when the first stream opens. The
// server's memory per stream is in the log (docs/BENCHMARKS.md).
func TestEvents_10000Streams(t *testing.T) {
	if v := os.Getenv(streamsClientEnv); v != "" {
		base, count, _ := strings.Cut(v, " ")
		n, _ := strconv.Atoi(count)
		if err := playStreamClients(base, n); err != nil {
			fmt.Println("error", err)
		}
		return
	}
	const n = 10000
	s := startStreamServer(t, func(c *httpapi.Config) {
		c.MaxStreams, c.MaxStreamsPerClient = n, 4
		c.EventsHeartbeat = time.Hour // no heartbeat read falls inside the count
	})
	heap0, rss0 := memory()

	client := exec.Command(os.Args[0], "-test.run=^TestEvents_10000Streams$")
	client.Env = append(os.Environ(), streamsClientEnv+"="+s.url+" "+strconv.Itoa(n))
	stdin, err := client.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := client.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	if err := client.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); _ = client.Wait() })
	lines := make(chan string, 4)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	expect := func(prefix string, within time.Duration) string {
		t.Helper()
		select {
		case line, ok := <-lines:
			if !ok || !strings.HasPrefix(line, prefix) {
				t.Fatalf("the client process said %q, want %q…", line, prefix)
			}
			return line
		case <-time.After(within):
			t.Fatalf("the client process said nothing within %s, want %q…", within, prefix)
		}
		return ""
	}
	if line := expect("open ", 2*time.Minute); line != fmt.Sprintf("open %d", n) {
		t.Fatalf("client: %q, want open %d", line, n)
	}
	opened := time.Since(began)
	heap1, rss1 := memory()
	t.Logf("%d streams open in %s from %d client addresses; server side: Go heap in use +%.1f MiB (%.1f KiB per stream), process RSS +%.1f MiB (%.1f KiB per stream), %d goroutines",
		n, opened.Round(time.Millisecond), n/4, mib(heap1-heap0), kib(heap1-heap0)/n, mib(rss1-rss0), kib(rss1-rss0)/n, runtime.NumGoroutine())
	if got := s.hub.Subscribers(); got != 1 {
		t.Errorf("%d subscriptions to the hub for %d streams, want 1: one fan-out", got, n)
	}
	if got := s.store.reads(); got != 1 {
		t.Errorf("%d history reads to open %d streams, want 1 (the fan-out's newest seq)", got, n)
	}

	// One more, from a fresh address: refused, and told when to come back.
	conn, r, status, err := openRawStream(s.url, net.IPv4(127, 2, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	head := readHead(r)
	conn.Close()
	if !strings.Contains(status, " 503 ") || !strings.Contains(head, "Retry-After: 30") || !strings.Contains(head, "as many as it can") {
		t.Errorf("stream %d: %s\n%s\nwant 503 with Retry-After and a sentence", n+1, status, head)
	}

	before := s.store.reads()
	changed := time.Now()
	if _, err := s.db.Pool().Exec(context.Background(), `UPDATE parking SET free = 7 WHERE id = 2`); err != nil {
		t.Fatal(err)
	}
	line := expect(fmt.Sprintf("parking %d ", n), time.Minute)
	took := time.Since(changed)
	if took > time.Second*raceSlowdown {
		t.Errorf("the parking change reached all %d streams after %s, want within %d s", n, took.Round(time.Millisecond), raceSlowdown)
	}
	if got := s.store.reads() - before; got != 0 {
		t.Errorf("the parking change cost %d history reads for %d streams, want none (the notification carries the spaces)", got, n)
	}
	t.Logf("one parking change reached all %d streams in %s (%s); history reads in the whole test: %d", n, took.Round(time.Millisecond), line, s.store.reads())
}

// M3: at each heartbeat the history is read once for every stream, not once
// per stream.
func TestEvents_heartbeatReadsTheHistoryOnce(t *testing.T) {
	const heartbeat, streams = 200 * time.Millisecond, 40
	s := startStreamServer(t, func(c *httpapi.Config) {
		c.EventsHeartbeat = heartbeat
		c.MaxStreamsPerClient = streams
	})
	var clients []*sseClient
	for range streams {
		c := openStream(t, s.url, "")
		c.next(t, "ready", 5*time.Second)
		clients = append(clients, c)
	}
	start, before := time.Now(), s.store.since.Load()
	for _, c := range clients {
		if ev := c.next(t, "comment", 2*time.Second); ev.comment != "heartbeat" {
			t.Fatalf("comment %q, want heartbeat", ev.comment)
		}
	}
	time.Sleep(3 * heartbeat)
	ticks := int64(time.Since(start)/heartbeat) + 1
	if got := s.store.since.Load() - before; got > ticks || got < 1 {
		t.Errorf("%d history reads over %d heartbeats of %d streams, want one per heartbeat", got, ticks, streams)
	}
}

// M3: one address holds at most MaxStreamsPerClient streams; the next is
// 503 with Retry-After and a sentence saying what to do.
func TestEvents_capPerClient(t *testing.T) {
	s := startStreamServer(t, func(c *httpapi.Config) {})
	for range 4 {
		openStream(t, s.url, "").next(t, "ready", 5*time.Second)
	}
	resp, err := http.Get(s.url + "/api/events")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
		!strings.Contains(string(body), "close one of them") || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("5th stream from one address: %d Retry-After %q %s, want 503 with Retry-After and a sentence", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	// Another address is not affected.
	conn, _, status, err := openRawStream(s.url, net.IPv4(127, 3, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if !strings.Contains(status, " 200 ") {
		t.Errorf("another address: %s, want 200", status)
	}
}

// readHead reads the rest of a response head and some of its body.
func readHead(r *bufio.Reader) string {
	var b strings.Builder
	for range 40 {
		line, err := r.ReadString('\n')
		b.WriteString(line)
		if err != nil || strings.Contains(line, "detail") {
			break
		}
	}
	return b.String()
}

// memory returns the Go heap in use and the process's resident set, in
// bytes, after a collection.
func memory() (heap, rss int64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			rss = kb << 10
		}
	}
	return int64(ms.HeapInuse), rss
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
func kib(b int64) float64 { return float64(b) / (1 << 10) }
