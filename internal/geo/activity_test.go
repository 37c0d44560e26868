package geo_test

import (
	"strings"
	"testing"
	"time"

	"partymap/internal/geo"
)

// The weekly subset of RRULE: what is taken, and a refusal that says what
// is, for everything else.
func TestParseRecurrence(t *testing.T) {
	r, err := geo.ParseRecurrence("FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20270131")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Days) != 2 || r.Days[0] != time.Tuesday || r.Days[1] != time.Thursday {
		t.Errorf("days %v, want Tuesday and Thursday", r.Days)
	}
	if want := time.Date(2027, 1, 31, 0, 0, 0, 0, geo.ChinaStandardTime()); !r.Until.Equal(want) {
		t.Errorf("until %v, want %v", r.Until, want)
	}
	for rule, says := range map[string]string{
		"FREQ=DAILY;BYDAY=MO;UNTIL=20270131":         "FREQ=WEEKLY",
		"FREQ=WEEKLY;BYDAY=MO;COUNT=4":               "UNTIL",
		"FREQ=WEEKLY;BYDAY=MO,XX;UNTIL=20270131":     `"XX"`,
		"FREQ=WEEKLY;BYDAY=MO,MO;UNTIL=20270131":     "twice",
		"FREQ=WEEKLY;UNTIL=20270131;BYDAY=MO":        "BYDAY",
		"FREQ=WEEKLY;BYDAY=MO;UNTIL=2027-01-31":      "YYYYMMDD",
		"FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;UNTIL=2027": "form",
		"":                                  "form",
		"FREQ=WEEKLY;BYDAY=;UNTIL=20270131": "BYDAY",
	} {
		_, err := geo.ParseRecurrence(rule)
		if geo.ErrorCode(err) != geo.EINVALID || !strings.Contains(geo.ErrorMessage(err), says) {
			t.Errorf("%q: %v, want a refusal saying %s", rule, err, says)
		}
	}
}

// An activity's times and rule, each refusal naming its field.
func TestCheckActivity(t *testing.T) {
	ok := map[string]any{"starts_at": "2026-12-03T19:30", "ends_at": "2026-12-03T21:00", "repeat": "FREQ=WEEKLY;BYDAY=TH,SA;UNTIL=20270301"}
	if vs := geo.CheckActivity(ok); len(vs) != 0 {
		t.Errorf("a good activity: %v", vs)
	}
	for name, tc := range map[string]struct {
		set   map[string]any
		field string
	}{
		"a start that is no time":      {map[string]any{"starts_at": "2026-12-03 19:30"}, "starts_at"},
		"an end before the start":      {map[string]any{"ends_at": "2026-12-03T19:00"}, "ends_at"},
		"longer than 31 days":          {map[string]any{"ends_at": "2027-01-10T19:00", "repeat": nil}, "ends_at"},
		"repeating and two days long":  {map[string]any{"ends_at": "2026-12-05T19:00"}, "repeat"},
		"first day not a rule's day":   {map[string]any{"repeat": "FREQ=WEEKLY;BYDAY=MO;UNTIL=20270301"}, "repeat"},
		"until before the start":       {map[string]any{"repeat": "FREQ=WEEKLY;BYDAY=TH;UNTIL=20261130"}, "repeat"},
		"until more than a year later": {map[string]any{"repeat": "FREQ=WEEKLY;BYDAY=TH;UNTIL=20280101"}, "repeat"},
		"beyond the subset":            {map[string]any{"repeat": "FREQ=MONTHLY;BYDAY=1MO;UNTIL=20270301"}, "repeat"},
	} {
		props := map[string]any{}
		for k, v := range ok {
			props[k] = v
		}
		for k, v := range tc.set {
			if v == nil {
				delete(props, k)
				continue
			}
			props[k] = v
		}
		vs := geo.CheckActivity(props)
		if len(vs) == 0 || !strings.Contains(vs[0].MessageEn, `"`+tc.field+`"`) || vs[0].MessageZh == "" {
			t.Errorf("%s: %v, want a violation naming %q", name, vs, tc.field)
		}
	}
}

// A booking request: end after start, at most 31 days, not in the past.
func TestCheckBookingRequest(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, geo.ChinaStandardTime())
	good := geo.BookingRequest{Venue: 9, Organization: 8, Start: now.Add(time.Hour), End: now.Add(2 * time.Hour)}
	if err := geo.CheckBookingRequest(good, now); err != nil {
		t.Errorf("a good request: %v", err)
	}
	for name, tc := range map[string]struct {
		change func(*geo.BookingRequest)
		code   string
	}{
		"no venue":         {func(r *geo.BookingRequest) { r.Venue = 0 }, geo.EINVALID},
		"end before start": {func(r *geo.BookingRequest) { r.End = r.Start.Add(-time.Minute) }, geo.EINVALID},
		"an empty slot":    {func(r *geo.BookingRequest) { r.End = r.Start }, geo.EINVALID},
		"32 days":          {func(r *geo.BookingRequest) { r.End = r.Start.Add(32 * 24 * time.Hour) }, geo.EINVALID},
		"in the past":      {func(r *geo.BookingRequest) { r.Start = now.Add(-time.Minute) }, geo.EUNPROCESSABLE},
	} {
		r := good
		tc.change(&r)
		if err := geo.CheckBookingRequest(r, now); geo.ErrorCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", name, err, tc.code)
		}
	}
}
