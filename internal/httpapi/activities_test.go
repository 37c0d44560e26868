package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the parser's zones, whatever the machine has

	"github.com/emersion/go-ical"

	"partymap/internal/httpapi"
)

// The seed's venues and organizations these tests use.
const (
	laoqiangSpace = 11 // Laoqiang Cultural Space, grid XY03
	roomXY06      = 9  // Dongguan Compound Shared Activity Room, grid XY06
	branchXY07    = 9  // Grid 7 Party Branch: bob (XY07) books for it
	branchXY03    = 5
)

var cst = time.FixedZone("CST", 8*3600)

// midnight is 00:00 China Standard Time, n days from today.
func midnight(n int) time.Time {
	now := time.Now().In(cst)
	return time.Date(now.Year(), now.Month(), now.Day()+n, 0, 0, 0, 0, cst)
}

func rruleDay(d time.Time) string {
	return [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}[d.Weekday()]
}

// postActivity writes an activity through the API as the admin and returns
// its id.
func postActivity(t *testing.T, env *staffEnv, props map[string]any, lon, lat float64) int64 {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"type": "Feature", "geometry": map[string]any{"type": "Point", "coordinates": []float64{lon, lat}}, "properties": props})
	r := env.call(t, http.MethodPost, "/collections/activities/items", string(body), append(bearer(env.admin), "Content-Type", "application/geo+json")...)
	if r.status != http.StatusCreated {
		t.Fatalf("create activity: %d %s", r.status, r.body)
	}
	var f struct {
		ID int64 `json:"id"`
	}
	_ = json.Unmarshal(r.body, &f)
	return f.ID
}

// The feed of a venue, read by an independent parser (emersion/go-ical,
// its rules expanded by teambition/rrule-go): a weekly 老腔 performance
// comes out on the expected days at 19:30 China Standard Time, 11:30 UTC,
// the same instants whatever zone the reader lives in.
func TestActivities_icalFeedParsedIndependently(t *testing.T) {
	env := newStaffEnv(t, httpapi.AuthConfig{})
	d := midnight(1)
	second := d.AddDate(0, 0, 3)
	until := d.AddDate(0, 0, 16)
	id := postActivity(t, env, map[string]any{
		"name_zh": "华阴老腔演出", "name_en": "Huayin Laoqiang performance", "description_zh": "老腔，皮影，秦腔；欢迎", "organizer_id": branchXY03,
		"venue_id": laoqiangSpace, "starts_at": d.Add(19*time.Hour + 30*time.Minute).Format("2006-01-02T15:04"),
		"ends_at": d.Add(21 * time.Hour).Format("2006-01-02T15:04"), "audience": "public", "status": "planned",
		"repeat": fmt.Sprintf("FREQ=WEEKLY;BYDAY=%s,%s;UNTIL=%s", rruleDay(d), rruleDay(second), until.Format("20060102")),
	}, 110.0997438, 34.574518)
	members := postActivity(t, env, map[string]any{
		"name_zh": "党员大会", "name_en": "Party members' meeting", "organizer_id": branchXY03, "venue_id": laoqiangSpace,
		"starts_at": d.Add(9 * time.Hour).Format("2006-01-02T15:04"), "ends_at": d.Add(10 * time.Hour).Format("2006-01-02T15:04"),
		"audience": "party_members", "status": "planned",
	}, 110.0997438, 34.574518)

	r := env.call(t, http.MethodGet, fmt.Sprintf("/api/activities.ics?place=%d", laoqiangSpace), "")
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("feed: %d %s %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	for _, l := range strings.Split(strings.TrimSuffix(string(r.body), "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("a line of %d octets, more than RFC 5545's 75: %q", len(l), l)
		}
	}
	cal, err := ical.NewDecoder(bytes.NewReader(r.body)).Decode()
	if err != nil {
		t.Fatalf("the feed does not parse: %v\n%s", err, r.body)
	}
	var want []time.Time
	for day := d; !day.After(until); day = day.AddDate(0, 0, 1) {
		if day.Weekday() == d.Weekday() || day.Weekday() == second.Weekday() {
			want = append(want, day.Add(19*time.Hour+30*time.Minute))
		}
	}
	found := false
	for _, ev := range cal.Events() {
		uid, _ := ev.Props.Text(ical.PropUID)
		if strings.HasPrefix(uid, fmt.Sprintf("activity-%d@", members)) {
			t.Errorf("the public feed lists the party members' meeting %s", uid)
		}
		if !strings.HasPrefix(uid, fmt.Sprintf("activity-%d@", id)) {
			continue
		}
		found = true
		if s, _ := ev.Props.Text(ical.PropSummary); s != "华阴老腔演出" {
			t.Errorf("summary %q", s)
		}
		if s, _ := ev.Props.Text(ical.PropDescription); s != "老腔，皮影，秦腔；欢迎" {
			t.Errorf("description %q, want it unescaped as written", s)
		}
		for _, zone := range []string{"Asia/Shanghai", "America/Los_Angeles", "Pacific/Auckland"} {
			loc, err := time.LoadLocation(zone)
			if err != nil {
				t.Fatal(err)
			}
			set, err := ev.RecurrenceSet(loc)
			if err != nil || set == nil {
				t.Fatalf("recurrence in %s: %v", zone, err)
			}
			got := set.Between(d, until.AddDate(0, 0, 7), true)
			if len(got) != len(want) {
				t.Fatalf("read in %s: %d occurrences %v, want %d %v", zone, len(got), got, len(want), want)
			}
			for i := range got {
				if !got[i].Equal(want[i]) || got[i].UTC().Hour() != 11 || got[i].UTC().Minute() != 30 {
					t.Errorf("read in %s: occurrence %d at %v, want %v (11:30 UTC)", zone, i, got[i].UTC(), want[i].UTC())
				}
			}
		}
		end, err := ev.DateTimeEnd(time.UTC)
		if err != nil || !end.Equal(d.Add(21*time.Hour)) {
			t.Errorf("end %v (%v), want %v", end, err, d.Add(21*time.Hour))
		}
	}
	if !found {
		t.Fatalf("the feed has no event of activity %d:\n%s", id, r.body)
	}
	// One activity's own file: what its QR code holds.
	one := env.call(t, http.MethodGet, fmt.Sprintf("/api/activities.ics?id=%d&lang=en", id), "")
	if one.status != http.StatusOK || !strings.Contains(string(one.body), "SUMMARY:Huayin Laoqiang performance") || strings.Count(string(one.body), "BEGIN:VEVENT") != 1 {
		t.Errorf("one activity's calendar: %d %s", one.status, one.body)
	}
	if r := env.call(t, http.MethodGet, fmt.Sprintf("/api/activities.ics?id=%d", members), ""); r.status != http.StatusNotFound {
		t.Errorf("the calendar of a members-only activity: %d, want 404", r.status)
	}
}

// The list answers today and this week by default, in the language asked
// for; a venue's availability has busy and free blocks and nothing of who
// booked.
func TestActivities_listAndAvailability(t *testing.T) {
	env := newStaffEnv(t, httpapi.AuthConfig{})
	d := midnight(0)
	id := postActivity(t, env, map[string]any{
		"name_zh": "志愿服务日", "name_en": "Volunteer day", "organizer_id": branchXY03, "venue_id": roomXY06,
		"starts_at": d.Add(22*time.Hour + 30*time.Minute).Format("2006-01-02T15:04"), "ends_at": d.Add(23*time.Hour + 30*time.Minute).Format("2006-01-02T15:04"),
		"audience": "public", "status": "planned", "capacity": 30,
	}, 110.0935575, 34.5708323)
	var list struct {
		Activities []struct {
			ID       int64     `json:"id"`
			Title    string    `json:"title"`
			Place    string    `json:"place"`
			Start    time.Time `json:"start"`
			Calendar string    `json:"calendar"`
			Position []float64 `json:"position"`
		} `json:"activities"`
	}
	r := env.call(t, http.MethodGet, "/api/activities?lang=en", "")
	if r.status != http.StatusOK {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	_ = json.Unmarshal(r.body, &list)
	var seen bool
	for _, a := range list.Activities {
		if a.ID == id {
			seen = true
			if a.Title != "Volunteer day" || a.Place != "Dongguan Compound Shared Activity Room" || !a.Start.Equal(d.Add(22*time.Hour+30*time.Minute)) ||
				a.Calendar != fmt.Sprintf("/api/activities.ics?id=%d", id) || len(a.Position) != 2 {
				t.Errorf("the activity reads %+v", a)
			}
		}
	}
	if !seen {
		t.Errorf("today's activity %d is not in the default list: %s", id, r.body)
	}

	r = env.call(t, http.MethodGet, fmt.Sprintf("/api/venues/%d/availability?from=%s", roomXY06, d.Format("2006-01-02")), "")
	if r.status != http.StatusOK {
		t.Fatalf("availability: %d %s", r.status, r.body)
	}
	var av struct {
		From time.Time                        `json:"from"`
		To   time.Time                        `json:"to"`
		Busy []struct{ Start, End time.Time } `json:"busy"`
		Free []struct{ Start, End time.Time } `json:"free"`
	}
	_ = json.Unmarshal(r.body, &av)
	// The seed's volunteer day holds the room too: the busy blocks hold
	// the new one, and busy and free together tile the week.
	held := false
	var total time.Duration
	blocks := append(append([]struct{ Start, End time.Time }{}, av.Busy...), av.Free...)
	slices.SortFunc(blocks, func(a, b struct{ Start, End time.Time }) int { return a.Start.Compare(b.Start) })
	at := d
	for _, b := range blocks {
		if !b.Start.Equal(at) || !b.End.After(b.Start) {
			t.Errorf("block %v–%v does not follow %v: busy and free must tile the week", b.Start, b.End, at)
		}
		at = b.End
		total += b.End.Sub(b.Start)
	}
	for _, b := range av.Busy {
		held = held || (b.Start.Equal(d.Add(22*time.Hour+30*time.Minute)) && b.End.Equal(d.Add(23*time.Hour+30*time.Minute)))
	}
	if !held || total != 7*24*time.Hour || !av.From.Equal(d) || !av.To.Equal(d.AddDate(0, 0, 7)) {
		t.Errorf("availability %s: want the volunteer day's 22:30–23:30 busy, and busy and free tiling the week", r.body)
	}
	for _, private := range []string{`"purpose"`, `"requested_by"`, `"organization_id"`, `"decided_by"`, `"activity_id"`} {
		if strings.Contains(string(r.body), private) {
			t.Errorf("availability tells %q: %s", private, r.body)
		}
	}
	for target, want := range map[string]int{
		"/api/venues/13/availability":                              http.StatusNotFound, // a library, no venue
		"/api/venues/9/availability?from=2026-01-10&to=2026-01-01": http.StatusBadRequest,
		"/api/venues/9/availability?from=2026-01-01&to=2026-03-01": http.StatusBadRequest,
		"/api/venues/9/availability?from=yesterday":                http.StatusBadRequest,
		"/api/activities?lang=fr":                                  http.StatusBadRequest,
		"/api/activities?place=x":                                  http.StatusBadRequest,
		"/api/activities?colour=red":                               http.StatusBadRequest,
	} {
		if r := env.call(t, http.MethodGet, target, ""); r.status != want || r.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s, want %d problem+json", target, r.status, r.header.Get("Content-Type"), want)
		}
	}
}

// A staff member requests a slot, the keeper confirms it, an overlapping
// request is a 409 naming the taken slot, and bad requests are refused
// naming the field, writing nothing.
func TestBookings_overHTTP(t *testing.T) {
	env := newStaffEnv(t, httpapi.AuthConfig{})
	d := midnight(4)
	slot := func(from, to int) string {
		return fmt.Sprintf(`{"venue_id":%d,"organization_id":%d,"start":%q,"end":%q,"purpose":"Friday party day"}`, roomXY06, branchXY07,
			d.Add(time.Duration(from)*time.Hour).Format("2006-01-02T15:04"), d.Add(time.Duration(to)*time.Hour).Format("2006-01-02T15:04"))
	}
	post := func(token, path, body string) response {
		return env.call(t, http.MethodPost, path, body, append(bearer(token), "Content-Type", "application/json")...)
	}
	r := post(env.editor7, "/api/bookings", slot(10, 12))
	var b struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}
	_ = json.Unmarshal(r.body, &b)
	if r.status != http.StatusCreated || b.Status != "requested" {
		t.Fatalf("request: %d %s", r.status, r.body)
	}
	if r := post(env.editor7, fmt.Sprintf("/api/bookings/%d/confirm", b.ID), ""); r.status != http.StatusForbidden {
		t.Errorf("confirmation by staff of another grid than the venue's: %d %s, want 403", r.status, r.body)
	}
	if r := post(env.admin, fmt.Sprintf("/api/bookings/%d/confirm", b.ID), ""); r.status != http.StatusOK || !strings.Contains(string(r.body), `"confirmed"`) {
		t.Fatalf("confirm: %d %s", r.status, r.body)
	}
	r = post(env.editor7, "/api/bookings", slot(11, 13))
	var p struct {
		Code   string `json:"code"`
		Detail string `json:"detail"`
		Taken  struct {
			Booking int64     `json:"booking_id"`
			Start   time.Time `json:"start"`
			End     time.Time `json:"end"`
		} `json:"taken"`
	}
	_ = json.Unmarshal(r.body, &p)
	if r.status != http.StatusConflict || p.Code != "slot_taken" || p.Taken.Booking != b.ID || !p.Taken.Start.Equal(d.Add(10*time.Hour)) ||
		!p.Taken.End.Equal(d.Add(12*time.Hour)) || !strings.Contains(p.Detail, d.Add(10*time.Hour).Format("2006-01-02T15:04")) {
		t.Errorf("overlapping request: %d %s, want 409 naming booking %d 10:00–12:00", r.status, r.body, b.ID)
	}
	if r := post(env.editor7, "/api/bookings", slot(12, 13)); r.status != http.StatusCreated {
		t.Errorf("the adjacent slot: %d %s, want 201", r.status, r.body)
	}

	past := time.Now().In(cst).Add(-2 * time.Hour).Format("2006-01-02T15:04")
	for _, tc := range []struct {
		name, body string
		status     int
		says       string
	}{
		{"end before start", slot(12, 10), http.StatusBadRequest, "end"},
		{"over 31 days", fmt.Sprintf(`{"venue_id":9,"organization_id":9,"start":%q,"end":%q}`, d.Format("2006-01-02T15:04"), d.AddDate(0, 0, 40).Format("2006-01-02T15:04")), http.StatusBadRequest, "31 days"},
		{"in the past", fmt.Sprintf(`{"venue_id":9,"organization_id":9,"start":%q,"end":%q}`, past, d.Format("2006-01-02T15:04")), http.StatusUnprocessableEntity, "start"},
		{"unknown venue", `{"venue_id":4242,"organization_id":9,"start":"2099-01-01T10:00","end":"2099-01-01T11:00"}`, http.StatusUnprocessableEntity, "venue_id"},
		{"a post that is no venue", `{"venue_id":13,"organization_id":9,"start":"2099-01-01T10:00","end":"2099-01-01T11:00"}`, http.StatusUnprocessableEntity, "venue_id"},
		{"a time that is none", `{"venue_id":9,"organization_id":9,"start":"Friday","end":"2099-01-01T11:00"}`, http.StatusBadRequest, "start"},
		{"an unknown member", `{"venue_id":9,"organization_id":9,"start":"2099-01-01T10:00","end":"2099-01-01T11:00","room":"big"}`, http.StatusBadRequest, "room"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := post(env.editor7, "/api/bookings", tc.body)
			if r.status != tc.status || r.header.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(r.body), tc.says) {
				t.Errorf("%d %s, want %d problem+json saying %q", r.status, r.body, tc.status, tc.says)
			}
		})
	}
	var n int
	if err := env.db.Pool().QueryRow(t.Context(), `SELECT count(*) FROM bookings WHERE activity_id IS NULL`).Scan(&n); err != nil || n != 2 {
		t.Errorf("%d bookings stored (%v), want the two accepted requests", n, err)
	}
	if r := env.call(t, http.MethodPost, "/api/bookings", slot(14, 15), "Content-Type", "application/json"); r.status != http.StatusUnauthorized {
		t.Errorf("a request without a login: %d, want 401", r.status)
	}
}

// An activity's rule beyond the subset, or an end before its start, is
// refused naming the field.
func TestActivities_badInput(t *testing.T) {
	env := newStaffEnv(t, httpapi.AuthConfig{})
	d := midnight(2)
	base := func() map[string]any {
		return map[string]any{"name_zh": "活动", "name_en": "Event", "organizer_id": branchXY03,
			"starts_at": d.Add(9 * time.Hour).Format("2006-01-02T15:04"), "ends_at": d.Add(10 * time.Hour).Format("2006-01-02T15:04"),
			"audience": "public", "status": "planned"}
	}
	for _, tc := range []struct {
		name  string
		set   map[string]any
		field string
	}{
		{"daily", map[string]any{"repeat": "FREQ=DAILY;UNTIL=20991231"}, "repeat"},
		{"a count", map[string]any{"repeat": "FREQ=WEEKLY;BYDAY=MO;COUNT=3"}, "repeat"},
		{"another weekday than the start's", map[string]any{"repeat": fmt.Sprintf("FREQ=WEEKLY;BYDAY=%s;UNTIL=%s", rruleDay(d.AddDate(0, 0, 1)), d.AddDate(0, 0, 20).Format("20060102"))}, "repeat"},
		{"end before start", map[string]any{"ends_at": d.Add(8 * time.Hour).Format("2006-01-02T15:04")}, "ends_at"},
		{"a time that is none", map[string]any{"starts_at": "tonight"}, "starts_at"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			props := base()
			for k, v := range tc.set {
				props[k] = v
			}
			body, _ := json.Marshal(map[string]any{"type": "Feature", "geometry": map[string]any{"type": "Point", "coordinates": []float64{110.0997, 34.5745}}, "properties": props})
			r := env.call(t, http.MethodPost, "/collections/activities/items", string(body), append(bearer(env.admin), "Content-Type", "application/geo+json")...)
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), `\"`+tc.field+`\"`) {
				t.Errorf("%d %s, want 422 naming %q", r.status, r.body, tc.field)
			}
		})
	}
}
