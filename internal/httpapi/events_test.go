package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"partymap/internal/httpapi"
)

// sseEvent is one event (or comment) read from a stream.
type sseEvent struct {
	id, event, data string
	comment         string
}

// sseClient reads a real server's event stream in the background.
type sseClient struct {
	resp   *http.Response
	events chan sseEvent
	cancel context.CancelFunc
}

// openStream connects to /api/events on a running server.
func openStream(t *testing.T, base string, query string, headers ...string) *sseClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/events"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" || resp.Header.Get("X-Accel-Buffering") != "no" {
		cancel()
		t.Fatalf("status %d, type %q, X-Accel-Buffering %q; want 200 text/event-stream, no", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("X-Accel-Buffering"))
	}
	c := &sseClient{resp: resp, events: make(chan sseEvent, 4096), cancel: cancel}
	go c.read()
	t.Cleanup(c.close)
	return c
}

func (c *sseClient) read() {
	defer close(c.events)
	sc := bufio.NewScanner(c.resp.Body)
	var ev sseEvent
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev != (sseEvent{}) {
				c.events <- ev
			}
			ev = sseEvent{}
		case strings.HasPrefix(line, ":"):
			ev.comment = strings.TrimSpace(line[1:])
		case strings.HasPrefix(line, "id: "):
			ev.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			ev.event = line[7:]
		case strings.HasPrefix(line, "data: "):
			ev.data = line[6:]
		}
	}
}

func (c *sseClient) close() {
	c.cancel()
	c.resp.Body.Close()
}

// next returns the next event named name (skipping others), failing the
// test after within.
func (c *sseClient) next(t *testing.T, name string, within time.Duration) sseEvent {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case ev, ok := <-c.events:
			if !ok {
				t.Fatalf("stream ended while waiting for a %q event", name)
			}
			if ev.event == name || (name == "comment" && ev.comment != "") {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %q event within %s", name, within)
		}
	}
}

// liveServer runs the finder server on a real HTTP server, with the
// database's change notifications feeding its hub.
func liveServer(t *testing.T, configure func(*httpapi.Config), listen bool) (finderServer, *httptest.Server) {
	t.Helper()
	s := newFinderServer(t, configure)
	if listen {
		ctx, cancel := context.WithCancel(context.Background())
		ready := make(chan struct{})
		done := make(chan struct{})
		go func() { s.db.Listen(ctx, s.hub, ready); close(done) }()
		t.Cleanup(func() { cancel(); <-done })
		select {
		case <-ready:
		case <-time.After(10 * time.Second):
			t.Fatal("the change listener did not start")
		}
	}
	srv := httptest.NewServer(s.handler)
	t.Cleanup(srv.Close)
	return s, srv
}

func runSQL(t *testing.T, s finderServer, sql string) {
	t.Helper()
	if _, err := s.db.Pool().Exec(context.Background(), sql); err != nil {
		t.Fatal(err)
	}
}

// TestEvents_ParkingReachesClient: free spaces changed in plain SQL reach a
// connected viewer within a second.
func TestEvents_ParkingReachesClient(t *testing.T) {
	s, srv := liveServer(t, nil, true)
	c := openStream(t, srv.URL, "")
	ready := c.next(t, "ready", 5*time.Second)
	start := time.Now()
	runSQL(t, s, `UPDATE parking SET free = 5 WHERE id = 2`)
	change := c.next(t, "change", time.Second)
	parking := c.next(t, "parking", time.Second)
	took := time.Since(start)
	if took > time.Second {
		t.Errorf("the change took %s to arrive, want under a second", took)
	}
	var ch struct {
		Seq     int64     `json:"seq"`
		Layer   string    `json:"layer"`
		ID      int64     `json:"id"`
		Version int64     `json:"version"`
		Op      string    `json:"op"`
		BBox    []float64 `json:"bbox"`
	}
	if err := json.Unmarshal([]byte(change.data), &ch); err != nil {
		t.Fatal(err)
	}
	if ch.Layer != "parking" || ch.ID != 2 || ch.Op != "update" || ch.Version != 2 || len(ch.BBox) != 4 || seq(t, change.id) != ch.Seq || ch.Seq <= seq(t, ready.id) {
		t.Errorf("change event id %s %s, want parking 2 update version 2 with a bbox, after ready %s", change.id, change.data, ready.id)
	}
	if parking.data != `{"id":2,"free":5,"capacity":50}` || parking.id != change.id {
		t.Errorf("parking event id %s %s, want id %s {\"id\":2,\"free\":5,\"capacity\":50}", parking.id, parking.data, change.id)
	}
	// Other layers' changes come as change events alone.
	runSQL(t, s, `UPDATE posts SET phone = '0913-0000999' WHERE id = 4`)
	if ev := c.next(t, "change", time.Second); !strings.Contains(ev.data, `"layer":"posts","id":4`) {
		t.Errorf("change %s, want posts 4", ev.data)
	}
	t.Logf("parking change reached the client in %s", took)
}

// TestEvents_Replay: a client that reconnects with the last id it saw gets
// the changes it missed, in order, then carries on live.
func TestEvents_Replay(t *testing.T) {
	s, srv := liveServer(t, nil, true)
	first := openStream(t, srv.URL, "")
	last := first.next(t, "ready", 5*time.Second).id
	first.close()

	runSQL(t, s, `UPDATE parking SET free = 1 WHERE id = 1`)
	runSQL(t, s, `UPDATE parking SET free = 2 WHERE id = 1`)
	runSQL(t, s, `UPDATE posts SET hours = '07:00-21:00' WHERE id = 2`)

	for _, via := range []struct {
		name, query string
		headers     []string
	}{
		{name: "header", headers: []string{"Last-Event-ID", last}},
		{name: "parameter", query: "?last_event_id=" + last},
	} {
		t.Run(via.name, func(t *testing.T) {
			c := openStream(t, srv.URL, via.query, via.headers...)
			var got []string
			for range 3 {
				ev := c.next(t, "change", 2*time.Second)
				got = append(got, ev.data[strings.Index(ev.data, `"layer"`):strings.Index(ev.data, `,"version"`)])
			}
			want := []string{`"layer":"parking","id":1`, `"layer":"parking","id":1`, `"layer":"posts","id":2`}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("replayed %v, want %v", got, want)
			}
			ready := c.next(t, "ready", time.Second)
			runSQL(t, s, `UPDATE parking SET free = 9 WHERE id = 3`)
			if ev := c.next(t, "parking", time.Second); ev.data != `{"id":3,"free":9,"capacity":30}` || seq(t, ev.id) <= seq(t, ready.id) {
				t.Errorf("live after replay: %s %s, want car park 3 with 9 free after %s", ev.id, ev.data, ready.id)
			}
		})
	}
}

// TestEvents_ReplayIsBounded: more than 1000 missed changes are not
// replayed; the client is told to reload.
func TestEvents_ReplayIsBounded(t *testing.T) {
	s, srv := liveServer(t, nil, false)
	first := openStream(t, srv.URL, "")
	last := first.next(t, "ready", 5*time.Second).id
	first.close()
	for range 6 { // 6 × 184 buildings
		runSQL(t, s, `UPDATE buildings SET floors = floors`)
	}
	c := openStream(t, srv.URL, "", "Last-Event-ID", last)
	ev := <-c.events
	for ev.event == "" {
		ev = <-c.events
	}
	if ev.event != "reset" || !strings.Contains(ev.data, "More than 1000 changes were missed") {
		t.Fatalf("first event %+v, want a reset", ev)
	}
	if ready := c.next(t, "ready", time.Second); ready.id != ev.id {
		t.Errorf("ready id %s, want the reset's %s", ready.id, ev.id)
	}
}

// TestEvents_HeartbeatAndCatchUp: a quiet stream sends comments; a change
// the hub never announced (a listener that lost its connection) still
// arrives, read from the history at a heartbeat.
func TestEvents_HeartbeatAndCatchUp(t *testing.T) {
	s, srv := liveServer(t, func(c *httpapi.Config) { c.EventsHeartbeat = 100 * time.Millisecond }, false)
	c := openStream(t, srv.URL, "")
	c.next(t, "ready", 5*time.Second)
	if ev := c.next(t, "comment", time.Second); ev.comment != "heartbeat" {
		t.Errorf("comment %q, want heartbeat", ev.comment)
	}
	runSQL(t, s, `UPDATE parking SET free = 4 WHERE id = 2`)
	if ev := c.next(t, "parking", time.Second); ev.data != `{"id":2,"free":4,"capacity":50}` {
		t.Errorf("parking %s, want car park 2 with 4 free", ev.data)
	}
}

// TestEvents_ClientGoesAway: the subscription ends with the client.
func TestEvents_ClientGoesAway(t *testing.T) {
	s, srv := liveServer(t, nil, false)
	c := openStream(t, srv.URL, "")
	c.next(t, "ready", 5*time.Second)
	if n := s.hub.Subscribers(); n != 1 {
		t.Fatalf("%d subscribers, want 1", n)
	}
	c.close()
	deadline := time.Now().Add(2 * time.Second)
	for s.hub.Subscribers() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := s.hub.Subscribers(); n != 0 {
		t.Errorf("%d subscribers after the client left, want 0", n)
	}
}

// TestEvents_OutlivesServerTimeouts: a stream lasts past the request
// deadline and the HTTP server's read and write timeouts, and ends when the
// server closes its streams for shutdown.
func TestEvents_OutlivesServerTimeouts(t *testing.T) {
	s := newFinderServer(t, func(c *httpapi.Config) { c.RequestTimeout = 200 * time.Millisecond })
	srv := httptest.NewUnstartedServer(s.handler)
	srv.Config.ReadTimeout = 200 * time.Millisecond
	srv.Config.WriteTimeout = 200 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.db.Listen(ctx, s.hub, nil); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	c := openStream(t, srv.URL, "")
	c.next(t, "ready", 5*time.Second)
	time.Sleep(700 * time.Millisecond)
	runSQL(t, s, `UPDATE parking SET free = 6 WHERE id = 2`)
	if ev := c.next(t, "parking", 2*time.Second); ev.data != `{"id":2,"free":6,"capacity":50}` {
		t.Errorf("parking %s after the timeouts, want car park 2 with 6 free", ev.data)
	}
	s.api.CloseStreams()
	select {
	case _, ok := <-c.events:
		for ok {
			_, ok = <-c.events
		}
	case <-time.After(2 * time.Second):
		t.Error("the stream did not end when the server closed its streams")
	}
}

// seq reads an event id.
func seq(t *testing.T, id string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		t.Fatalf("event id %q is not a number", id)
	}
	return n
}
