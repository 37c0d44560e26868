package scaleout_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Three instances on one primary and its replica show the same map: an
// edit through A is in the tiles B and C answer within 100 ms (each
// invalidates its own cache on the database's notification, and reads
// from the replica only once it has replayed the edit).
func TestInstances_editThroughAVisibleOnBAndC(t *testing.T) {
	s := newSetup(t)
	a, b, c := startInstance(t, s, s.replica), startInstance(t, s, s.replica), startInstance(t, s, s.replica)
	for _, in := range []*instance{a, b, c} {
		waitFor(t, 10*time.Second, "the replica in rotation", func() bool { return replicaState(in).InRotation })
	}
	token := adminToken(t, a)
	tile := tileOf(postPoint(t, s.primary, 4))
	var worst time.Duration
	for round := range 5 {
		for _, in := range []*instance{b, c} {
			tileNames(t, in.srv.URL, tile, "posts") // cached before the edit
		}
		name := fmt.Sprintf("第%d次改名", round+1)
		renamePost(t, a.srv.URL, token, 4, name)
		answered := time.Now()
		for i, in := range []*instance{b, c} {
			waitFor(t, 2*time.Second, "the edit in another instance's tile", func() bool {
				return tileNames(t, in.srv.URL, tile, "posts")[4] == name
			})
			// Measured from the edit's answer, whichever instance is
			// looked at second.
			took := time.Since(answered)
			worst = max(worst, took)
			if took > 100*time.Millisecond {
				t.Errorf("round %d: instance %c showed the edit after %s, want within 100 ms", round+1, "BC"[i], took.Round(time.Millisecond))
			}
		}
	}
	replicaReads := reads(t, b)["replica1/replica"] + reads(t, c)["replica1/replica"]
	t.Logf("an edit through A reached B's and C's tiles within %s at worst (5 rounds); B and C read %v times from the replica", worst.Round(time.Millisecond), replicaReads)
	if replicaReads == 0 {
		t.Error("B and C never read from the replica: the test did not exercise it")
	}
}

// A browser session started on one instance works on another: sessions
// are in the database.
func TestInstances_sessionAcrossInstances(t *testing.T) {
	s := newSetup(t)
	a, b := startInstance(t, s, s.replica), startInstance(t, s, s.replica)
	adminToken(t, a) // makes root
	login := call(t, http.MethodPost, a.srv.URL+"/api/login", `{"name":"root","password":"a long enough password"}`, "Content-Type", "application/json")
	if login.status != http.StatusOK {
		t.Fatalf("login on A: %d %s", login.status, login.body)
	}
	cookie := strings.SplitN(login.header.Get("Set-Cookie"), ";", 2)[0]
	r := call(t, http.MethodGet, b.srv.URL+"/api/session", "", "Cookie", cookie)
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `"name":"root"`) {
		t.Errorf("the session of A on B: %d %s, want root's session", r.status, r.body)
	}
	logout := call(t, http.MethodPost, b.srv.URL+"/api/logout", "", "Cookie", cookie, "X-CSRF-Token", csrfOf(t, r.body), "Origin", b.srv.URL)
	if logout.status >= 300 {
		t.Fatalf("logout on B: %d %s", logout.status, logout.body)
	}
	if r := call(t, http.MethodGet, a.srv.URL+"/api/session", "", "Cookie", cookie); r.status != http.StatusUnauthorized {
		t.Errorf("the session after logging out on B, on A: %d, want 401", r.status)
	}
}

// csrfOf reads the CSRF token of a session answer.
func csrfOf(t *testing.T, body []byte) string {
	t.Helper()
	_, rest, ok := strings.Cut(string(body), `"csrf_token":"`)
	if !ok {
		t.Fatalf("no CSRF token in %s", body)
	}
	token, _, _ := strings.Cut(rest, `"`)
	return token
}

// An event stream that breaks off on one instance resumes on another with
// Last-Event-ID: the ids are the history's, the same everywhere.
func TestInstances_lastEventIDResumesElsewhere(t *testing.T) {
	s := newSetup(t)
	a, b := startInstance(t, s, s.replica), startInstance(t, s, s.replica)
	token := adminToken(t, a)

	ctx, cancel := context.WithCancel(context.Background())
	first := openEvents(t, ctx, a.srv.URL, "")
	first.next(t, "ready")
	renamePost(t, a.srv.URL, token, 5, "断线前")
	seen := first.next(t, "change")
	cancel() // the phone walks out of A's reach

	renamePost(t, a.srv.URL, token, 5, "断线时一")
	renamePost(t, a.srv.URL, token, 6, "断线时二")

	second := openEvents(t, context.Background(), b.srv.URL, seen.id)
	for _, want := range []string{`"id":5`, `"id":6`} {
		ev := second.next(t, "change")
		if !strings.Contains(ev.data, want) {
			t.Errorf("replayed on B: %s, want the change of post %s", ev.data, want)
		}
	}
	if ev := second.next(t, "ready"); ev.id == seen.id {
		t.Errorf("ready on B at %s, want past the replayed changes", ev.id)
	}
}

// event is one Server-Sent Event.
type event struct{ id, name, data string }

// eventStream reads one /api/events stream.
type eventStream struct{ events chan event }

// openEvents opens /api/events, resuming after lastID when it is set.
func openEvents(t *testing.T, ctx context.Context, base, lastID string) *eventStream {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("open the event stream: %v %v", err, res)
	}
	s := &eventStream{events: make(chan event, 64)}
	go func() {
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		var ev event
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.name != "" {
					s.events <- ev
				}
				ev = event{}
			case strings.HasPrefix(line, "id: "):
				ev.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.name = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.data = line[6:]
			}
		}
		close(s.events)
	}()
	return s
}

// next returns the next event of that name, skipping others.
func (s *eventStream) next(t *testing.T, name string) event {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				t.Fatalf("the stream ended before a %s event", name)
			}
			if ev.name == name {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s event within 5 s", name)
		}
	}
}
