package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"partymap/internal/changes"
	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/internal/testdb"
)

// The seed's programme (cmd/gendata) has the 华阴老腔 performance every
// evening at the cultural centre's cultural space, post 12. On the kiosk
// the What's on sheet lists it; tapping it flies to the venue and opens
// its card, with its week and a QR code; the activity carries the QR code
// of its calendar file.
func TestActivities_kioskWhatsOn(t *testing.T) {
	db, _ := testdb.Open(t, harness)
	srv := startServerOn(t, db, func(c *httpapi.Config) { c.Activities = db }, nil)
	bctx := startBrowser(t)
	p := openPage(t, bctx, srv, "/kiosk", 1600, 900, false)
	p.waitReady()
	p.waitFor("today's markers", `(() => { const s = partymap.map.getSource('activities-today'); return !!s && partymap.map.querySourceFeatures('activities-today').length > 0; })()`, 15*time.Second)
	p.clickSelector("#whatson")
	p.waitFor("the sheet's list", `document.querySelectorAll('#whatson-body .whatson-item').length > 0`, 10*time.Second)
	names := eval[[]string](p, `[...document.querySelectorAll('#whatson-body .whatson-name')].map((e) => e.textContent)`)
	found := false
	for _, n := range names {
		found = found || n == "华阴老腔演出"
	}
	if !found {
		t.Fatalf("today's list %v lacks the 华阴老腔 performance", names)
	}
	if n := eval[int](p, `document.querySelectorAll('#whatson-body .whatson-qr svg').length`); n == 0 {
		t.Errorf("the kiosk's activities carry no QR code")
	}
	p.screenshot("activities-kiosk-whatson.png")
	p.clickSelector(`#whatson-body .whatson-item[data-id="1"] .whatson-card`)
	p.waitFor("the venue's card", `(() => { const s = partymap.cardState(); return !!s && s.layer === 'posts' && s.id === 12; })()`, 10*time.Second)
	p.waitFor("the venue's week", `document.querySelector('#card .venue-week')?.dataset.state === 'loaded'`, 10*time.Second)
	p.waitFor("the card's QR", `!!document.querySelector('#card .card-qr svg')`, 5*time.Second)
	// the camera came to the venue
	p.waitFor("the flight", `(() => { const c = partymap.map.getCenter(); return Math.hypot(c.lng - 110.0970704, c.lat - 34.5731492) < 0.002 && partymap.map.getZoom() > 16; })()`, 10*time.Second)
	if busy := eval[string](p, `document.querySelector('#card .venue-week').dataset.busy`); busy == "0" {
		t.Errorf("the cultural space's week shows no busy block, though a performance is on every evening")
	}
	p.screenshot("activities-kiosk-venue.png")

	// A co-building unit's card lists what it shares (资源单).
	eval[any](p, `partymap.openCard('organizations', 70), null`)
	p.waitFor("the unit's resources", `document.querySelector('#card .org-resources')?.dataset.state === 'loaded'`, 10*time.Second)
	if names := eval[[]string](p, `[...document.querySelectorAll('#card .org-resource strong')].map((e) => e.textContent)`); len(names) != 1 || names[0] != "多功能会议室" {
		t.Errorf("the bureau's card lists the resources %v, want its 多功能会议室", names)
	}
	p.screenshot("activities-kiosk-resources.png")

	// An activity's own card (a deep link, a search hit): when, where, who,
	// and the QR code of its calendar file.
	eval[any](p, `partymap.openCard('activities', 1), null`)
	p.waitFor("the activity's card", `!!document.querySelector('#card .card-activities .card-calendar svg')`, 10*time.Second)
	if when := eval[string](p, `document.querySelector('#card .card-activities .fact dd').textContent`); !strings.Contains(when, "19:30–21:00") || !strings.Contains(when, "每天") {
		t.Errorf("the activity's card says when %q, want 19:30–21:00, daily", when)
	}
	if venue := eval[string](p, `document.querySelector('#card .card-activities .card-link')?.textContent ?? ''`); venue != "文化馆文化空间" {
		t.Errorf("the activity's card links the venue %q, want 文化馆文化空间", venue)
	}
	p.screenshot("activities-kiosk-activity-card.png")
	p.checkClean()
}

// A booking confirmed at the desk turns the venue's block busy on an open
// phone page within 2 s (the booking notice on /api/events).
func TestActivities_bookingShowsLive(t *testing.T) {
	db, _ := testdb.Open(t, harness)
	hub := changes.NewHub()
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan struct{}), make(chan struct{})
	go func() { db.Listen(ctx, hub, ready); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("the change listener did not start")
	}
	srv := startServerOn(t, db, func(c *httpapi.Config) { c.Changes = hub; c.Activities = db }, nil)
	bctx := startBrowser(t)
	p := openPage(t, bctx, srv, "/map/#posts/9", 412, 860, true)
	p.waitReady()
	p.waitFor("the room's week", `document.querySelector('#card .venue-week')?.dataset.state === 'loaded'`, 15*time.Second)
	p.waitFor("the live stream", `document.documentElement.dataset.live === 'connected'`, 10*time.Second)
	before := eval[string](p, `document.querySelector('#card .venue-week').dataset.busy`)

	cst := geo.ChinaStandardTime()
	now := time.Now().In(cst)
	tomorrow := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, cst)
	desk := geo.User{Name: "desk", Role: geo.Admin}
	b, err := db.RequestBooking(ctx, geo.BookingRequest{Venue: 9, Organization: 8, Start: tomorrow.Add(14 * time.Hour), End: tomorrow.Add(16 * time.Hour)}, desk)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.DecideBooking(ctx, b.ID, true, desk); err != nil {
		t.Fatal(err)
	}
	confirmed := time.Now()
	day := tomorrow.Format(time.DateOnly)
	p.waitFor("the busy block", fmt.Sprintf(`[...document.querySelectorAll('#card .venue-day[data-day="%s"] .venue-busy')].some((e) => e.textContent.includes('14:00–16:00'))`, day), 2*time.Second)
	t.Logf("busy on the phone %v after the confirmation (blocks before: %s)", time.Since(confirmed).Round(time.Millisecond), before)
	p.screenshot("activities-phone-venue-week.png")
	p.checkClean()
}

// The venue desk: grid 7's staff drag out Friday afternoon in the
// community's room (post 10, grid XY14) for their branch; its keeper, grid
// 14's staff, confirms it in the desk, and the room's week on an open
// phone page turns busy within 2 s. A second request for the same hours is
// refused, naming the slot.
func TestActivities_venueDesk(t *testing.T) {
	ss := startStaffServer(t, account{"xy07", geo.Editor, []string{"XY07"}}, account{"xy14", geo.Editor, []string{"XY14"}})
	bctx := startBrowser(t)
	desk := openPageWith(t, bctx, ss.Server, "/desk/venues?venue=10", 1400, 1000, false, chromedp.WithNewBrowserContext())
	desk.waitFor("the login form", `!document.getElementById('login').hidden`, 20*time.Second)
	desk.login("xy07", staffPassword)
	desk.waitFor("the week", `document.querySelectorAll('#week .slot').length === 210`, 15*time.Second)
	// the first day after tomorrow that is not the first Monday's party day
	cst := geo.ChinaStandardTime()
	now := time.Now().In(cst)
	day := 2
	if d := time.Date(now.Year(), now.Month(), now.Day()+day, 0, 0, 0, 0, cst); d.Weekday() == time.Monday && d.Day() <= 7 {
		day = 3
	}
	desk.waitFor("room 10's week", fmt.Sprintf(`document.querySelector('#venues button.on')?.dataset.venue === '10' && !!document.querySelector('#week .slot[data-day="%d"][data-slot="14"].free')`, day), 10*time.Second)
	box := func(slot int) [2]float64 {
		return eval[[2]float64](desk, fmt.Sprintf(`(() => { const r = document.querySelector('#week .slot[data-day="%d"][data-slot="%d"]').getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()`, day, slot))
	}
	// 14:00 (slot 14) to 16:00 (slot 17 ends at 16:00)
	from, to := box(14), box(17)
	desk.drag(from[0], from[1], to[0], to[1])
	desk.waitFor("the request form", `!document.getElementById('request').hidden`, 5*time.Second)
	wantWhen := time.Date(now.Year(), now.Month(), now.Day()+day, 14, 0, 0, 0, cst).Format("2006-01-02 15:04") + "–16:00"
	if got := desk.text("#request-when"); got != wantWhen {
		t.Fatalf("the request form says %q, want %q", got, wantWhen)
	}
	eval[bool](desk, `(document.getElementById('request-org').value = '9', true)`) // Grid 7 Party Branch
	desk.typeInto("#request-purpose", "主题党日")
	desk.clickSelector(`#request button[type=submit]`)
	desk.waitFor("the waiting request", `document.querySelectorAll('#pending li[data-booking]').length === 1 && document.querySelectorAll('#week .slot.requested').length === 4`, 10*time.Second)
	desk.screenshot("activities-desk-requested.png")
	// Grid 7's staff are not the room's keepers.
	desk.clickSelector(`#pending li[data-booking] button.confirm`)
	desk.waitFor("the refusal", `document.getElementById('message').classList.contains('error')`, 5*time.Second)
	desk.expectFailed(`/api/bookings/\d+/confirm`)

	phone := openPage(t, bctx, ss.Server, "/map/#posts/10", 412, 860, true)
	phone.waitReady()
	phone.waitFor("the room's week", `document.querySelector('#card .venue-week')?.dataset.state === 'loaded'`, 15*time.Second)
	phone.waitFor("the live stream", `document.documentElement.dataset.live === 'connected'`, 10*time.Second)

	keeper := openPageWith(t, bctx, ss.Server, "/desk/venues", 1400, 1000, false, chromedp.WithNewBrowserContext())
	keeper.waitFor("the login form", `!document.getElementById('login').hidden`, 20*time.Second)
	keeper.login("xy14", staffPassword)
	keeper.waitFor("the week", `document.querySelectorAll('#week .slot').length === 210`, 15*time.Second)
	keeper.clickSelector(`#venues button[data-venue="10"]`)
	keeper.waitFor("the waiting request", `document.querySelectorAll('#pending li[data-booking]').length === 1`, 10*time.Second)
	keeper.clickSelector(`#pending li[data-booking] button.confirm`)
	confirmed := time.Now()
	dayText := time.Date(now.Year(), now.Month(), now.Day()+day, 0, 0, 0, 0, cst).Format(time.DateOnly)
	phone.waitFor("the busy block on the phone", fmt.Sprintf(`[...document.querySelectorAll('#card .venue-day[data-day="%s"] .venue-busy')].some((e) => e.textContent.includes('14:00–16:00'))`, dayText), 2*time.Second)
	t.Logf("the phone showed the booking %v after the keeper's click", time.Since(confirmed).Round(time.Millisecond))
	keeper.waitFor("the confirmed block", `document.querySelectorAll('#week .slot.confirmed').length >= 4 && document.querySelectorAll('#pending li[data-booking]').length === 0`, 5*time.Second)
	keeper.screenshot("activities-desk-confirmed.png")

	// The requester asks again for an overlapping hour: 409, naming it.
	status, _, body := ss.call(t, "xy07", "POST", "/api/bookings",
		fmt.Sprintf(`{"venue_id":10,"organization_id":9,"start":"%sT15:00","end":"%sT17:00"}`, dayText, dayText), "Content-Type", "application/json")
	if status != 409 || !strings.Contains(string(body), dayText+"T14:00") {
		t.Errorf("an overlapping request: %d %s, want 409 naming %sT14:00", status, body, dayText)
	}
	desk.checkClean()
	keeper.checkClean()
	phone.checkClean()
}

// The idle kiosk in attract mode shows today's activities while the map
// turns.
func TestActivities_kioskAttract(t *testing.T) {
	srv := startServer(t)
	p := openPage(t, startBrowser(t), srv, "/kiosk?idle=1&attract=1", 1280, 800, false)
	// not waitReady: the idle kiosk turns, and its map is never idle
	p.waitFor("the page", `document.body.classList.contains('ready')`, 30*time.Second)
	p.waitFor("today's list on the idle kiosk", `!document.getElementById('whatson-sheet').hidden && document.querySelectorAll('#whatson-body .whatson-item').length > 0`, 10*time.Second)
	p.checkClean()
}
