package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"partymap/internal/changes"
	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/internal/postgis"
	"partymap/internal/testdb"
)

// startOrdersServer serves the real router with live changes, staff
// accounts and residents' orders, and returns an administrator's token.
func startOrdersServer(t *testing.T) (*httptest.Server, *postgis.DB, string) {
	t.Helper()
	db, _ := testdb.Open(t, harness)
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := db.CreateUser(ctx, "desk", geo.Admin, geo.Scope{}, "a long enough password"); err != nil {
		t.Fatal(err)
	}
	tok, _, err := db.CreateToken(ctx, "desk", "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	hub := changes.NewHub()
	ready := make(chan struct{})
	done := make(chan struct{})
	go func() { db.Listen(ctx, hub, ready); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("the change listener did not start")
	}
	srv := startServerOn(t, db, func(c *httpapi.Config) {
		c.Changes, c.Accounts, c.Edits, c.Orders = hub, db, db, db
	}, nil)
	return srv, db, tok
}

// staffCall sends a staff request with the token; for an action on an
// order it first reads the order's ETag from the desk.
func staffCall(t *testing.T, srv *httptest.Server, token, method, path string, body any, ifMatch string) map[string]any {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, srv.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, out)
	}
	var m map[string]any
	_ = json.Unmarshal(out, &m)
	return m
}

// orderAction takes a staff action on the only order on the desk.
func orderAction(t *testing.T, srv *httptest.Server, token, action string, body any) {
	t.Helper()
	q := staffCall(t, srv, token, http.MethodGet, "/api/orders", nil, "")
	os := q["orders"].([]any)
	if len(os) != 1 {
		t.Fatalf("the desk has %d orders, want 1", len(os))
	}
	o := os[0].(map[string]any)
	staffCall(t, srv, token, http.MethodPost, fmt.Sprintf("/api/orders/%v/%s", o["id"], action), body, o["etag"].(string))
}

// A resident's phone reports a need at a compound and gets a tracking
// code; staff publish it, and the kiosk's map shows its pin within 2 s
// without a reload; the branch claims it, a member closes it with an
// answer, and the kiosk's echo wall shows the answer and lights it up;
// the resident confirms with the code. Screenshots of the phone's form,
// its receipt, the kiosk's map and the wall.
func TestOrders_wallReportPublishAnswer(t *testing.T) {
	srv, _, token := startOrdersServer(t)
	bctx := startBrowser(t)

	kioskMap := openPage(t, bctx, srv, "/kiosk", 1280, 800, false)
	kioskMap.waitReady()
	wall := openPage(t, bctx, srv, "/wall?kiosk=1", 1280, 900, false)
	wall.waitFor("the kiosk's wall", `document.documentElement.dataset.wallReady === 'true'`, 20*time.Second)
	if got := eval[string](wall, `document.documentElement.dataset.wallOpen + '/' + document.documentElement.dataset.wallEcho`); got != "0/0" {
		t.Fatalf("the wall starts with %s open/answered orders, want 0/0", got)
	}
	if !eval[bool](wall, `!document.getElementById('wall-qr').hidden && !!document.querySelector('#wall-qr-code svg')`) {
		t.Error("the kiosk's wall shows no QR code for the phone's form")
	}

	phone := openPage(t, bctx, srv, "/wall#report", 390, 844, true)
	phone.waitFor("the phone's wall", `document.documentElement.dataset.wallReady === 'true'`, 20*time.Second)
	phone.waitFor("the report form", `!document.getElementById('report').hidden`, 5*time.Second)
	const text = "华岳小区北门路灯不亮，晚上看不清路"
	eval[bool](phone, `(() => {
		document.querySelector('input[name=kind][value=need]').checked = true;
		document.getElementById('report-category').value = 'repair';
		document.getElementById('report-text').value = `+jsString(text)+`;
		document.getElementById('report-compound').value = '5';
		document.getElementById('report-phone').value = '139 0000 1234';
		return true;
	})()`)
	phone.screenshot("orders-phone-form.png")
	phone.clickSelector("#report-submit")
	phone.waitFor("the tracking code", `!!document.documentElement.dataset.reportCode`, 10*time.Second)
	code := eval[string](phone, `document.documentElement.dataset.reportCode`)
	if got := eval[string](phone, `document.getElementById('report-code').textContent`); got != code || len(code) != geo.TrackingCodeLength+1 {
		t.Errorf("the receipt shows %q, the code is %q", got, code)
	}
	phone.screenshot("orders-phone-receipt.png")

	// Unpublished, the wall and the map show nothing.
	time.Sleep(500 * time.Millisecond)
	if n := eval[float64](kioskMap, `window.partymap.map.queryRenderedFeatures({layers: ['orders-pin']}).length`); n != 0 {
		t.Fatalf("the kiosk's map shows %v orders before publication", n)
	}
	if got := eval[string](wall, `document.documentElement.dataset.wallOpen`); got != "0" {
		t.Fatalf("the wall shows %s open orders before publication", got)
	}

	orderAction(t, srv, token, "publish", nil)
	published := time.Now()
	kioskMap.waitFor("the pin on the kiosk's map", `window.partymap.map.queryRenderedFeatures({layers: ['orders-pin']}).length === 1`, 2*time.Second)
	t.Logf("the pin showed %v after the publication was answered", time.Since(published).Round(time.Millisecond))
	kioskMap.screenshot("orders-kiosk-map.png")
	wall.waitFor("the order on the problem wall", `document.documentElement.dataset.wallOpen === '1'`, 5*time.Second)
	if got := eval[string](wall, `document.querySelector('#wall-open .wall-text').textContent`); got != text {
		t.Errorf("the wall's card reads %q, want %q", got, text)
	}

	orderAction(t, srv, token, "claim", nil)
	m := staffCall(t, srv, token, http.MethodPost, "/api/members", map[string]any{"name": "王建国", "grid": "XY03", "public": true}, "")
	orderAction(t, srv, token, "assign", map[string]any{"member": m["id"]})
	const answer = "已更换北门路灯灯泡，恢复照明。"
	orderAction(t, srv, token, "close", map[string]any{"text": answer})
	wall.waitFor("the answer on the echo wall", `document.documentElement.dataset.wallEcho === '1' && document.querySelector('#wall-echo .wall-answer')?.textContent === `+jsString(answer), 5*time.Second)
	if by := eval[string](wall, `document.querySelector('#wall-echo .wall-by').textContent`); by != "第三网格党支部答复" {
		t.Errorf("the echo wall credits %q, want the branch of XY03", by)
	}
	wall.waitFor("the attract mode lighting up the answer", `!!document.querySelector('#wall-echo .wall-spotlight')`, 10*time.Second)
	wall.screenshot("orders-kiosk-wall.png")

	// The resident follows the code and confirms.
	phone2 := openPage(t, bctx, srv, "/wall#track="+code, 390, 844, true)
	phone2.waitFor("the tracked order", `!!document.querySelector('#track-result .track-order')`, 10*time.Second)
	phone2.screenshot("orders-phone-track.png")
	phone2.clickSelector("#track-result .wall-primary")
	phone2.waitFor("the confirmation", `document.querySelector('#track-result .wall-status-line')?.textContent.includes('群众已确认')`, 10*time.Second)

	for _, p := range []*page{kioskMap, wall, phone, phone2} {
		p.checkClean()
	}
}
