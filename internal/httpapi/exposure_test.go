package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/maptile/tilecover"

	"partymap/internal/geo"
)

// streamText reads an event stream's raw text in the background until
// stop is called.
type streamText struct {
	mu     sync.Mutex
	b      strings.Builder
	cancel context.CancelFunc
	done   chan struct{}
}

func readStream(t *testing.T, url string) *streamText {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	s := &streamText{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			s.mu.Lock()
			s.b.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
		}
	}()
	t.Cleanup(s.stop)
	return s
}

// String returns what the stream sent so far.
func (s *streamText) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *streamText) stop() { s.cancel(); <-s.done }

// Public outputs (items of every layer as GeoJSON and HTML, tiles, the
// finder, the event stream, the service's own documents) carry the map's
// public data only: never who edited (staff names), password hashes,
// tokens or sessions. Grid leaders' names and phones are public by design.
// The server's log, kept at debug level through logins, token writes and
// session writes, holds no password, token or session either.
func TestExposure_publicOutputsAndLogs(t *testing.T) {
	fs := newFullServer(t)
	srv := httptest.NewServer(fs.h)
	t.Cleanup(srv.Close) // after the stream's cleanup: Close waits for it
	stream := readStream(t, srv.URL+"/api/events")

	// A staff session, and an edit of every editable layer: half through
	// the session, half with the API token, so that every such row names
	// its editor in updated_by.
	body := mustJSON(map[string]string{"name": fullEditor, "password": fullPassword})
	login := fs.do(t, http.MethodPost, "/api/login", body, "Content-Type", "application/json")
	if login.status != 200 {
		t.Fatalf("login: %d %s", login.status, login.body)
	}
	var sess struct {
		CSRF string `json:"csrf_token"`
	}
	_ = json.Unmarshal(login.body, &sess)
	var cookie string
	for _, c := range (&http.Response{Header: login.header}).Cookies() {
		if c.Name == "partymap_session" {
			cookie = c.Value
		}
	}
	if cookie == "" || sess.CSRF == "" {
		t.Fatalf("login gave no session (cookie %q, CSRF %q)", cookie, sess.CSRF)
	}
	// A failed login with the password typed into the name field, as
	// people do.
	fs.do(t, http.MethodPost, "/api/login", mustJSON(map[string]string{"name": fullPassword, "password": fullPassword}), "Content-Type", "application/json")

	edited := map[string]int64{}
	for i, l := range geo.NewCatalogue().Layers() {
		if !l.Editable {
			continue
		}
		r := fs.do(t, http.MethodGet, "/collections/"+l.Name+"/items/1", nil)
		if r.status != 200 {
			t.Fatalf("%s 1: %d", l.Name, r.status)
		}
		name := r.json(t)["properties"].(map[string]any)["name_en"].(string)
		auth := []string{"Authorization", "Bearer " + fs.editor}
		if i%2 == 0 {
			auth = []string{"Cookie", "partymap_session=" + cookie, "X-CSRF-Token", sess.CSRF}
		}
		w := fs.do(t, http.MethodPatch, "/collections/"+l.Name+"/items/1", mustJSON(map[string]any{"properties": map[string]any{"name_en": name + " (checked)"}}),
			append([]string{"Content-Type", "application/merge-patch+json", "If-Match", r.header.Get("ETag")}, auth...)...)
		if w.status != 200 {
			t.Fatalf("PATCH %s 1: %d %s", l.Name, w.status, w.body)
		}
		edited[l.Name] = 1
	}
	var who string
	if err := fs.db.Pool().QueryRow(context.Background(), `SELECT updated_by FROM parking WHERE id = 1`).Scan(&who); err != nil || who != fullEditor {
		t.Fatalf("parking 1 was updated by %q (%v); want %q: the check below would prove nothing", who, err, fullEditor)
	}

	secrets := map[string]string{
		"the editor's name": fullEditor, "the admin's name": fullAdmin, "the password": fullPassword,
		"the editor's token": fs.editor, "the admin's token": fs.admin, "the session": cookie, "the CSRF token": sess.CSRF,
		"a password hash": "$argon2", "the updated_by column": "updated_by", "a token hash": "token_hash",
	}
	check := func(what string, body []byte) {
		t.Helper()
		for name, s := range secrets {
			if strings.Contains(string(body), s) {
				t.Errorf("%s shows %s (%q)", what, name, s)
			}
		}
	}

	// Every public document, every layer in full, each edited item.
	targets := []string{"/", "/api", "/conformance", "/collections", "/style.json", "/tiles.json", "/viewer-config.json",
		"/api/search?q=checked", "/api/search?q=XY03", "/api/nearest?lon=110.0998&lat=34.5746&limit=50",
		"/api/nearest?lon=110.0998&lat=34.5746&layer=parking", "/api/locate?lon=110.0998&lat=34.5746",
		"/api/open-now?layer=posts&id=1,2,3", "/api/open-now?layer=parking&id=1"}
	for _, l := range geo.NewCatalogue().Layers() {
		targets = append(targets, "/collections/"+l.Name, "/collections/"+l.Name+"/items?limit=10000", "/collections/"+l.Name+"/items?limit=10000&f=html")
		if id, ok := edited[l.Name]; ok {
			targets = append(targets, fmt.Sprintf("/collections/%s/items/%d", l.Name, id), fmt.Sprintf("/collections/%s/items/%d?f=html", l.Name, id))
		}
	}
	for _, target := range targets {
		r := fs.do(t, http.MethodGet, target, nil)
		if r.status != 200 {
			t.Errorf("%s: got %d", target, r.status)
			continue
		}
		check(target, r.body)
	}
	var leaders int
	for _, f := range fs.do(t, http.MethodGet, "/collections/grids/items?limit=100", nil).json(t)["features"].([]any) {
		p := f.(map[string]any)["properties"].(map[string]any)
		if p["leader_zh"] != "" && strings.HasPrefix(fmt.Sprint(p["leader_phone"]), "138") {
			leaders++
		}
	}
	if leaders != 15 {
		t.Errorf("%d grids show their leader and phone; want all 15 (public by design)", leaders)
	}

	// Every tile over the community at the zooms the viewer uses; their
	// properties may hold no bookkeeping of who edited.
	community := orb.Bound{Min: orb.Point{110.09095, 34.56676}, Max: orb.Point{110.10758, 34.57737}}
	tiles, features := 0, 0
	for z := maptile.Zoom(12); z <= 16; z++ {
		cover, err := tilecover.Geometry(community.ToPolygon(), z)
		if err != nil {
			t.Fatal(err)
		}
		for tile := range cover {
			target := fmt.Sprintf("/tiles/%d/%d/%d.mvt", tile.Z, tile.X, tile.Y)
			r := fs.do(t, http.MethodGet, target, nil, "Accept-Encoding", "gzip")
			if r.status == http.StatusNoContent {
				continue
			}
			if r.status != 200 {
				t.Fatalf("%s: %d", target, r.status)
			}
			layers, err := mvt.UnmarshalGzipped(r.body)
			if err != nil {
				t.Fatalf("%s: %v", target, err)
			}
			tiles++
			for _, l := range layers {
				for _, f := range l.Features {
					features++
					props, _ := json.Marshal(f.Properties)
					check(target+" layer "+l.Name, props)
				}
			}
		}
	}
	if tiles == 0 || features == 0 {
		t.Fatalf("decoded %d tiles with %d features: nothing was checked", tiles, features)
	}

	// The event stream announced every edit, and no more than the map shows.
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(stream.String(), "event: change") < len(edited) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := strings.Count(stream.String(), "event: change"); n < len(edited) {
		t.Errorf("the stream sent %d change events, want %d:\n%s", n, len(edited), stream.String())
	}
	check("the event stream", []byte(stream.String()))

	// The log: logins, session and token writes, at debug level.
	log := fs.log.String()
	if !strings.Contains(log, `"method":"PATCH"`) || !strings.Contains(log, "/api/login") {
		t.Fatalf("the log does not show the requests; it cannot be checked:\n%s", log)
	}
	for name, s := range map[string]string{"the password": fullPassword, "the editor's token": fs.editor, "the admin's token": fs.admin,
		"the session": cookie, "the CSRF token": sess.CSRF, "a password hash": "$argon2"} {
		if strings.Contains(log, s) {
			t.Errorf("the log shows %s", name)
		}
	}
	t.Logf("checked %d documents, %d tiles with %d features, %d bytes of events, %d bytes of log", len(targets), tiles, features, len(stream.String()), len(log))
}
