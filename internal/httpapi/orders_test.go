package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"partymap/internal/geo"
	"partymap/internal/httpapi"
)

// A spot in grid XY07 of Xiyue.
var orderSpot = orb.Point{110.09574, 34.57191}

// ordersEnv is the full server with an editor of grid XY01 only.
type ordersEnv struct {
	*fullServer
	editor01 string // API token of an editor of XY01
}

func newOrdersEnv(t testing.TB, configure func(*httpapi.Config)) *ordersEnv {
	t.Helper()
	fs := newFullServerWith(t, configure)
	ctx := context.Background()
	if _, err := fs.db.CreateUser(ctx, "editor01", geo.Editor, geo.Scope{Grids: []string{"XY01"}}, fullPassword); err != nil {
		t.Fatal(err)
	}
	tok, _, err := fs.db.CreateToken(ctx, "editor01", "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	return &ordersEnv{fullServer: fs, editor01: tok}
}

// from sends a request as from a client address, headers in pairs.
func (env *ordersEnv) from(t *testing.T, addr, method, target string, body []byte, headers ...string) response {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(string(body)))
	req.RemoteAddr = addr + ":40000"
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	env.h.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// submit places an order as a resident and returns its id and code.
func (env *ordersEnv) submit(t *testing.T, phone string) (int64, string) {
	t.Helper()
	body := mustJSON(map[string]any{"kind": "need", "category": "repair", "text": "12号院北门路灯不亮", "point": []float64{orderSpot[0], orderSpot[1]}, "phone": phone})
	r := env.do(t, http.MethodPost, "/api/orders", body, "Content-Type", "application/json")
	if r.status != http.StatusCreated {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	var rec struct {
		ID    int64  `json:"id"`
		Code  string `json:"code"`
		Track string `json:"track"`
	}
	if err := json.Unmarshal(r.body, &rec); err != nil || rec.ID == 0 || rec.Code == "" || !strings.HasSuffix(rec.Track, "#track="+rec.Code) {
		t.Fatalf("receipt %s: %v", r.body, err)
	}
	return rec.ID, rec.Code
}

// act takes a staff action with the order's current ETag (read from the
// desk), failing unless it answers want.
func (env *ordersEnv) act(t *testing.T, token string, id int64, action string, body map[string]any, want int) response {
	t.Helper()
	r := env.do(t, http.MethodPost, fmt.Sprintf("/api/orders/%d/%s", id, action), mustJSON(body),
		"Content-Type", "application/json", "Authorization", "Bearer "+token, "If-Match", env.etag(t, id))
	if r.status != want {
		t.Fatalf("%s order %d: %d %s, want %d", action, id, r.status, r.body, want)
	}
	return r
}

// etag reads an order's ETag from the admin's desk.
func (env *ordersEnv) etag(t *testing.T, id int64) string {
	t.Helper()
	for _, o := range env.queue(t, env.admin, "") {
		if o.ID == id {
			return o.ETag
		}
	}
	t.Fatalf("order %d is not on the admin's desk", id)
	return ""
}

type deskOrder struct {
	ID         int64          `json:"id"`
	ETag       string         `json:"etag"`
	Phone      string         `json:"phone"`
	Overdue    bool           `json:"overdue"`
	Properties map[string]any `json:"properties"`
}

func (env *ordersEnv) queue(t *testing.T, token, query string) []deskOrder {
	t.Helper()
	r := env.do(t, http.MethodGet, "/api/orders"+query, nil, "Authorization", "Bearer "+token)
	if r.status != http.StatusOK {
		t.Fatalf("queue: %d %s", r.status, r.body)
	}
	var out struct {
		Orders []deskOrder `json:"orders"`
	}
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatal(err)
	}
	return out.Orders
}

// publicOrders lists the ids of the orders the public items show.
func (env *ordersEnv) publicOrders(t *testing.T) []int64 {
	t.Helper()
	r := env.do(t, http.MethodGet, "/collections/orders/items?limit=1000", nil)
	if r.status != http.StatusOK {
		t.Fatalf("public orders: %d %s", r.status, r.body)
	}
	var ids []int64
	for _, f := range r.json(t)["features"].([]any) {
		ids = append(ids, int64(f.(map[string]any)["id"].(float64)))
	}
	return ids
}

// The whole life through HTTP: anonymous submit → publish → claim →
// assign → done → confirm, with the refusals on the way: out of scope
// (403), no If-Match (428), a stale one (412), an illegal step (409).
func TestOrdersHTTP_life(t *testing.T) {
	env := newOrdersEnv(t, nil)
	id, code := env.submit(t, "13800001111")
	if ids := env.publicOrders(t); len(ids) != 0 {
		t.Fatalf("the public sees %v before publication", ids)
	}
	if r := env.do(t, http.MethodGet, fmt.Sprintf("/collections/orders/items/%d", id), nil); r.status != http.StatusNotFound {
		t.Errorf("the public reads the unpublished order: %d", r.status)
	}
	desk := env.queue(t, env.admin, "?status=submitted")
	if len(desk) != 1 || desk[0].Phone != "13800001111" || desk[0].Properties["grid_code"] != "XY07" {
		t.Fatalf("the desk: %+v", desk)
	}
	if got := env.queue(t, env.editor01, ""); len(got) != 0 {
		t.Errorf("the editor of XY01 sees %d orders of XY07", len(got))
	}
	// Out of scope, without If-Match, stale.
	env.act(t, env.editor01, id, "publish", nil, http.StatusForbidden)
	if r := env.do(t, http.MethodPost, fmt.Sprintf("/api/orders/%d/publish", id), nil, "Authorization", "Bearer "+env.admin); r.status != http.StatusPreconditionRequired {
		t.Errorf("publish without If-Match: %d %s", r.status, r.body)
	}
	stale := env.etag(t, id)
	env.act(t, env.editor, id, "publish", nil, http.StatusOK)
	r := env.do(t, http.MethodPost, fmt.Sprintf("/api/orders/%d/claim", id), nil, "Authorization", "Bearer "+env.admin, "If-Match", stale)
	if r.status != http.StatusPreconditionFailed || r.header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("claim at a stale version: %d %s", r.status, r.body)
	}
	if ids := env.publicOrders(t); len(ids) != 1 || ids[0] != id {
		t.Fatalf("the public sees %v after publication, want [%d]", ids, id)
	}
	if r := env.do(t, http.MethodGet, "/api/grids/open-orders", nil); !strings.Contains(string(r.body), `"code":"XY07","point"`) || !strings.Contains(string(r.body), `"open":1,`) {
		t.Errorf("open orders by grid after publication: %s", r.body)
	}
	// An illegal step: 409 naming the status.
	r = env.act(t, env.admin, id, "close", map[string]any{"text": "好了"}, http.StatusConflict)
	if !strings.Contains(string(r.body), "published") {
		t.Errorf("the 409 does not name the status: %s", r.body)
	}
	// Staff move it into compound 5 (grid XY03), and back by a point.
	r = env.act(t, env.editor, id, "move", map[string]any{"compound": 5}, http.StatusOK)
	if g := r.json(t)["properties"].(map[string]any)["grid_code"]; g != "XY03" {
		t.Errorf("moved into compound 5, the order lies in grid %v, want XY03", g)
	}
	env.act(t, env.editor, id, "move", map[string]any{"point": []float64{orderSpot[0], orderSpot[1]}}, http.StatusOK)
	env.act(t, env.editor, id, "move", map[string]any{"point": []float64{122.6, 30.2}}, http.StatusUnprocessableEntity)
	env.act(t, env.admin, id, "claim", nil, http.StatusOK)
	m := env.do(t, http.MethodPost, "/api/members", mustJSON(map[string]any{"name": "王建国", "grid": "XY07", "public": true}),
		"Content-Type", "application/json", "Authorization", "Bearer "+env.admin)
	if m.status != http.StatusCreated {
		t.Fatalf("add member: %d %s", m.status, m.body)
	}
	member := int64(m.json(t)["id"].(float64))
	env.act(t, env.admin, id, "assign", map[string]any{"member": member}, http.StatusOK)
	r = env.act(t, env.editor, id, "close", map[string]any{"text": "已更换灯泡，恢复照明。"}, http.StatusOK)
	if p := r.json(t)["properties"].(map[string]any); p["status"] != "done" || p["answer"] != "已更换灯泡，恢复照明。" || p["branch_zh"] != "第七网格党支部" {
		t.Errorf("closed: %v", p)
	}
	// The submitter confirms with the code; a wrong code is 404.
	if r := env.do(t, http.MethodPost, fmt.Sprintf("/api/orders/%d/confirm", id), mustJSON(map[string]any{"code": "ZZZZZ-ZZZZZ"}), "Content-Type", "application/json"); r.status != http.StatusNotFound {
		t.Errorf("confirm with a wrong code: %d %s", r.status, r.body)
	}
	lower := strings.ToLower(strings.ReplaceAll(code, "-", " "))
	if r := env.do(t, http.MethodPost, fmt.Sprintf("/api/orders/%d/confirm", id), mustJSON(map[string]any{"code": lower}), "Content-Type", "application/json"); r.status != http.StatusOK {
		t.Fatalf("confirm: %d %s", r.status, r.body)
	}
	tr := env.do(t, http.MethodGet, "/api/track?code="+code, nil)
	if tr.status != http.StatusOK || tr.json(t)["properties"].(map[string]any)["status"] != "confirmed" || strings.Contains(string(tr.body), "13800001111") {
		t.Errorf("track: %d %s", tr.status, tr.body)
	}
	board := env.do(t, http.MethodGet, "/api/leaderboard?community=XY", nil).json(t)
	first := board["branches"].([]any)[0].(map[string]any)
	if first["grid"] != "XY07" || first["points"] != float64(3) || first["members"].([]any)[0].(map[string]any)["name"] != "王建国" {
		t.Errorf("leaderboard: %v", first)
	}
	st := env.do(t, http.MethodGet, "/api/grids/XY07/stats", nil)
	if st.status != http.StatusOK || st.json(t)["done_30_days"] != float64(1) {
		t.Errorf("stats of XY07: %d %s", st.status, st.body)
	}
	if st := env.do(t, http.MethodGet, "/api/grids/QQ99/stats", nil); st.status != http.StatusNotFound {
		t.Errorf("stats of an unknown grid: %d", st.status)
	}
	var byGrid struct {
		Grids []struct {
			Code string `json:"code"`
			Open int64  `json:"open"`
		} `json:"grids"`
	}
	if err := json.Unmarshal(env.do(t, http.MethodGet, "/api/grids/open-orders?community=XY", nil).body, &byGrid); err != nil || len(byGrid.Grids) != 15 {
		t.Fatalf("open orders by grid: %v %+v", err, byGrid)
	}
	for _, g := range byGrid.Grids {
		if g.Open != 0 {
			t.Errorf("grid %s has %d open orders; its only order is confirmed", g.Code, g.Open)
		}
	}
	if c := env.do(t, http.MethodGet, "/api/communities/XY/stats", nil); c.status != http.StatusOK {
		t.Errorf("stats of the community: %d %s", c.status, c.body)
	}
	// The generic item writes refuse orders.
	if w := env.do(t, http.MethodPatch, fmt.Sprintf("/collections/orders/items/%d", id), mustJSON(map[string]any{"properties": map[string]any{"status": "published"}}),
		"Content-Type", "application/merge-patch+json", "Authorization", "Bearer "+env.admin, "If-Match", env.etag(t, id)); w.status != http.StatusMethodNotAllowed || !strings.Contains(string(w.body), "/api/orders/{id}/{action}") {
		t.Errorf("a PATCH of an order: %d %s", w.status, w.body)
	}
}

// Twenty staff claim the same order at once: exactly one wins.
func TestOrdersHTTP_concurrentClaims(t *testing.T) {
	env := newOrdersEnv(t, nil)
	id, _ := env.submit(t, "")
	env.act(t, env.admin, id, "publish", nil, http.StatusOK)
	etag := env.etag(t, id)
	const n = 20
	var wg sync.WaitGroup
	codes := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = env.do(t, http.MethodPost, fmt.Sprintf("/api/orders/%d/claim", id), nil, "Authorization", "Bearer "+env.admin, "If-Match", etag).status
		}()
	}
	wg.Wait()
	won := 0
	for _, c := range codes {
		switch c {
		case http.StatusOK:
			won++
		case http.StatusConflict, http.StatusPreconditionFailed:
		default:
			t.Errorf("a claim answered %d", c)
		}
	}
	if won != 1 {
		t.Errorf("%d of %d claims won: %v", won, n, codes)
	}
}

// Abuse: the limits hold per address and per device; bad input is a 4xx
// problem, and nothing is stored.
func TestOrdersHTTP_abuse(t *testing.T) {
	env := newOrdersEnv(t, func(cfg *httpapi.Config) {
		cfg.OrderLimits = httpapi.OrderLimits{PerAddress: 3, PerDevice: 2, Lookups: 4}
	})
	good := mustJSON(map[string]any{"kind": "problem", "text": "垃圾桶满了", "point": []float64{orderSpot[0], orderSpot[1]}})
	ct := []string{"Content-Type", "application/json"}
	// Per address: three, then 429 with Retry-After, whatever the device.
	for i := range 4 {
		r := env.from(t, "10.1.0.1", http.MethodPost, "/api/orders", good, ct...)
		want := http.StatusCreated
		if i == 3 {
			want = http.StatusTooManyRequests
		}
		if r.status != want {
			t.Fatalf("submission %d from one address: %d %s, want %d", i+1, r.status, r.body, want)
		}
		if i == 3 && (r.header.Get("Retry-After") == "" || r.header.Get("Content-Type") != "application/problem+json") {
			t.Errorf("429 without Retry-After or problem: %v", r.header)
		}
	}
	// Per device: the same cookie from other addresses.
	first := env.from(t, "10.2.0.1", http.MethodPost, "/api/orders", good, ct...)
	var device string
	for _, c := range (&http.Response{Header: first.header}).Cookies() {
		if c.Name == "partymap_device" {
			device = c.Value
		}
	}
	if first.status != http.StatusCreated || device == "" {
		t.Fatalf("first from a new device: %d, cookie %q", first.status, device)
	}
	if r := env.from(t, "10.2.0.2", http.MethodPost, "/api/orders", good, append(ct, "Cookie", "partymap_device="+device)...); r.status != http.StatusCreated {
		t.Fatalf("second from the device: %d", r.status)
	}
	if r := env.from(t, "10.2.0.3", http.MethodPost, "/api/orders", good, append(ct, "Cookie", "partymap_device="+device)...); r.status != http.StatusTooManyRequests {
		t.Errorf("third from the device: %d, want 429", r.status)
	}
	// Tracking look-ups are limited too.
	for i := range 5 {
		r := env.from(t, "10.3.0.1", http.MethodGet, "/api/track?code=AAAAA-AAAAA", nil)
		want := http.StatusNotFound
		if i == 4 {
			want = http.StatusTooManyRequests
		}
		if r.status != want {
			t.Errorf("look-up %d: %d, want %d", i+1, r.status, want)
		}
	}

	before := snapshot(t, env.db)
	var contacts int
	_ = env.db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM order_contacts`).Scan(&contacts)
	bad := []struct {
		name string
		body []byte
		want int
	}{
		{"10,000 characters", mustJSON(map[string]any{"kind": "problem", "text": strings.Repeat("灯", 10000), "point": []float64{orderSpot[0], orderSpot[1]}}), http.StatusBadRequest},
		{"a script", mustJSON(map[string]any{"kind": "problem", "text": "<script>alert(1)</script>", "point": []float64{orderSpot[0], orderSpot[1]}}), http.StatusBadRequest},
		{"an image tag", mustJSON(map[string]any{"kind": "problem", "text": "看 <img src=x onerror=alert(1)>", "point": []float64{orderSpot[0], orderSpot[1]}}), http.StatusBadRequest},
		{"a point in the sea", mustJSON(map[string]any{"kind": "problem", "text": "海边", "point": []float64{122.6, 30.2}}), http.StatusUnprocessableEntity},
		{"an unknown category", mustJSON(map[string]any{"kind": "need", "category": "fireworks", "text": "放烟花", "point": []float64{orderSpot[0], orderSpot[1]}}), http.StatusBadRequest},
		{"an unknown kind", mustJSON(map[string]any{"kind": "praise", "text": "好", "point": []float64{orderSpot[0], orderSpot[1]}}), http.StatusBadRequest},
		{"no place", mustJSON(map[string]any{"kind": "problem", "text": "好"}), http.StatusBadRequest},
		{"a phone of letters", mustJSON(map[string]any{"kind": "problem", "text": "好", "point": []float64{orderSpot[0], orderSpot[1]}, "phone": "call me"}), http.StatusBadRequest},
		{"an unknown member", mustJSON(map[string]any{"kind": "problem", "text": "好", "point": []float64{orderSpot[0], orderSpot[1]}, "status": "published"}), http.StatusBadRequest},
		{"a point of three numbers", mustJSON(map[string]any{"kind": "problem", "text": "好", "point": []float64{1, 2, 3}}), http.StatusBadRequest},
		{"not JSON", []byte("kind=problem"), http.StatusBadRequest},
		{"a body over 64 KiB", mustJSON(map[string]any{"kind": "problem", "text": strings.Repeat("\u0001", 20000)}), http.StatusRequestEntityTooLarge},
	}
	for i, b := range bad {
		r := env.from(t, fmt.Sprintf("10.4.0.%d", i+1), http.MethodPost, "/api/orders", b.body, ct...)
		if r.status != b.want || r.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s, want %d problem+json", b.name, r.status, r.body, b.want)
		}
		var p struct {
			Detail string `json:"detail"`
		}
		if json.Unmarshal(r.body, &p) != nil || len(p.Detail) < 15 {
			t.Errorf("%s: no sentence to act on: %s", b.name, r.body)
		}
	}
	if d := before.diff(snapshot(t, env.db)); d != "" {
		t.Errorf("refused submissions changed the database: %s", d)
	}
	var after int
	_ = env.db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM order_contacts`).Scan(&after)
	if after != contacts {
		t.Errorf("contacts %d → %d", contacts, after)
	}
	// From another site: refused.
	if r := env.from(t, "10.5.0.1", http.MethodPost, "/api/orders", good, append(ct, "Origin", "https://evil.example")...); r.status != http.StatusForbidden {
		t.Errorf("a submission from another site: %d", r.status)
	}
}

// Privacy: a submitted phone never appears in any public answer, tile
// (decoded), event, export, log line or metric: scanned in all of them,
// while the order goes from submitted to confirmed.
func TestOrdersHTTP_phoneNeverPublic(t *testing.T) {
	env := newOrdersEnv(t, nil)
	srv := httptest.NewServer(env.h)
	t.Cleanup(srv.Close)
	stream := readStream(t, srv.URL+"/api/events")
	const phone = "13912345678"
	forms := []string{phone, "139 1234 5678", "139-1234-5678", "12345678"}
	var mark int64
	if err := env.db.Pool().QueryRow(context.Background(), `SELECT max(id) FROM history`).Scan(&mark); err != nil {
		t.Fatal(err)
	}
	id, code := env.submit(t, "139 1234 5678")
	unpublished, _ := env.submit(t, phone)
	env.act(t, env.admin, id, "publish", nil, http.StatusOK)
	env.act(t, env.admin, id, "claim", nil, http.StatusOK)
	m := env.do(t, http.MethodPost, "/api/members", mustJSON(map[string]any{"name": "刘", "grid": "XY07"}), "Content-Type", "application/json", "Authorization", "Bearer "+env.admin)
	env.act(t, env.admin, id, "assign", map[string]any{"member": m.json(t)["id"]}, http.StatusOK)
	env.act(t, env.admin, id, "close", map[string]any{"text": "修好了"}, http.StatusOK)
	if r := env.do(t, http.MethodPost, fmt.Sprintf("/api/orders/%d/confirm", id), mustJSON(map[string]any{"code": code}), "Content-Type", "application/json"); r.status != http.StatusOK {
		t.Fatalf("confirm: %d %s", r.status, r.body)
	}
	// The desk shows the phone (staff call the resident back): the check
	// below would prove nothing if the phone were not stored.
	if desk := env.queue(t, env.admin, ""); len(desk) != 2 || desk[0].Phone == "" || desk[1].Phone == "" {
		t.Fatalf("the desk does not show the phones: %+v", desk)
	}
	check := func(what string, body []byte) {
		t.Helper()
		for _, f := range forms {
			if strings.Contains(string(body), f) {
				t.Errorf("%s shows the phone (%q)", what, f)
			}
		}
	}
	targets := []string{"/collections/orders", "/collections/orders/items?limit=1000", "/collections/orders/items?limit=1000&f=html",
		fmt.Sprintf("/collections/orders/items/%d", id), fmt.Sprintf("/collections/orders/items/%d?f=html", id),
		"/api/track?code=" + code, "/api/grids/XY07/stats", "/api/communities/XY/stats", "/api/leaderboard", "/api/communities",
		"/viewer-config.json", "/tiles.json", "/api", "/collections/orders/queryables", "/collections/orders/schema"}
	for _, target := range targets {
		r := env.do(t, http.MethodGet, target, nil)
		if r.status != http.StatusOK {
			t.Errorf("%s: %d %s", target, r.status, r.body)
			continue
		}
		check(target, r.body)
	}
	// The unpublished order is not public either.
	if r := env.do(t, http.MethodGet, fmt.Sprintf("/collections/orders/items/%d", unpublished), nil); r.status != http.StatusNotFound {
		t.Errorf("the unpublished order: %d", r.status)
	}
	// The staff's export leaves phones out.
	exp := env.do(t, http.MethodGet, "/api/orders/export?from=2000-01-01&to=2100-01-01", nil, "Authorization", "Bearer "+env.admin)
	if exp.status != http.StatusOK || !strings.Contains(string(exp.body), "修好了") {
		t.Fatalf("export: %d %s", exp.status, exp.body)
	}
	check("the CSV export", exp.body)
	if r := env.do(t, http.MethodGet, "/api/export", nil, "Authorization", "Bearer "+env.admin); r.status == http.StatusOK {
		check("the map's export", r.body)
	}
	// Every tile around the order, decoded.
	features := 0
	for z := maptile.Zoom(13); z <= 16; z++ {
		tile := maptile.At(orderSpot, z)
		r := env.do(t, http.MethodGet, fmt.Sprintf("/tiles/%d/%d/%d.mvt", tile.Z, tile.X, tile.Y), nil, "Accept-Encoding", "gzip")
		if r.status != http.StatusOK {
			t.Fatalf("tile %v: %d", tile, r.status)
		}
		layers, err := mvt.UnmarshalGzipped(r.body)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range layers {
			for _, f := range l.Features {
				if l.Name == "orders" {
					features++
					if fid, _ := f.Properties["id"].(float64); int64(fid) == unpublished {
						t.Errorf("tile %v carries the unpublished order", tile)
					}
				}
				props, _ := json.Marshal(f.Properties)
				check(fmt.Sprintf("tile %v layer %s", tile, l.Name), props)
			}
		}
	}
	if features == 0 {
		t.Fatal("no tile carries the order: the tiles were not checked")
	}
	// The live stream and a replay of the whole history.
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(stream.String(), `"layer":"orders"`) < 5 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := strings.Count(stream.String(), `"layer":"orders"`); n != 5 {
		t.Errorf("the stream announced %d changes of orders, want 5 (published, claimed, assigned, done, confirmed; never the submissions):\n%s", n, stream.String())
	}
	check("the event stream", []byte(stream.String()))
	replay := readStream(t, srv.URL+"/api/events?last_event_id="+strconv.FormatInt(mark, 10))
	deadline = time.Now().Add(10 * time.Second)
	for !strings.Contains(replay.String(), "event: ready") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(replay.String(), `"layer":"orders","id":`+strconv.FormatInt(id, 10)) {
		t.Errorf("the replay lacks the published order")
	}
	if strings.Contains(replay.String(), `"layer":"orders","id":`+strconv.FormatInt(unpublished, 10)) {
		t.Errorf("the replay announces the unpublished order")
	}
	check("the replayed events", []byte(replay.String()))
	// Metrics and the whole log.
	check("the metrics", []byte(get(t, env.api.MetricsHandler(), "/metrics").body))
	log := env.log.String()
	if !strings.Contains(log, "/api/orders") {
		t.Fatalf("the log does not show the orders' requests:\n%s", log)
	}
	check("the log", []byte(log))
	if strings.Contains(log, code) {
		t.Errorf("the log shows the tracking code")
	}
}
