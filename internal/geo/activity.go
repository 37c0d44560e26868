package geo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The activities column (党建活动专栏) and the shared venues: what happens
// where and when, and which slots of the rooms the community shares are
// taken. Activities are a layer of the catalogue like the others; the
// venues' bookings are a table of their own (migrations/060), kept apart
// from the layers because who asked for a room, and why, is not public.

// ActivityLayer holds the activities.
const ActivityLayer = "activities"

// TimeLayout is how the catalogue writes a time: minutes in China Standard
// Time, which knows no daylight saving time ("2026-12-04T19:30").
const TimeLayout = "2006-01-02T15:04"

// MaxSpan bounds a booking, an activity and a question about a time range
// (from, to): a month and a day.
const MaxSpan = 31 * 24 * time.Hour

// MaxRepeat bounds a weekly recurrence: its UNTIL lies at most this long
// after its start.
const MaxRepeat = 366 * 24 * time.Hour

// VenueKinds are the kinds of post that are shared venues: rooms and
// spaces any party organization (or resident) may book.
func VenueKinds() []string { return []string{"activity_room", "cultural_space"} }

// activities is the catalogue's entry of the activities column. Staff of
// the organizer's grid (or admins) write an activity, wherever it takes
// place (ScopeBy).
func activities() Layer {
	return Layer{
		Name: ActivityLayer, Title: Label{"活动", "Activities"}, Item: Label{"活动", "Activity"}, Geometry: Point, SearchRank: 10,
		Editable: true, ScopeBy: "organizer_id",
		Fields: append(names(),
			Field{Name: "description_zh", Type: Text, Title: Label{"活动简介", "About"}, Description: "what happens, in Chinese"},
			Field{Name: "description_en", Type: Text, Title: Label{"活动简介", "About"}, Description: "what happens, in English"},
			Field{Name: "organizer_id", Type: Integer, Required: true, Filterable: true, Min: 1, Max: 1e12, Ref: "organizations",
				Title: Label{"主办", "Organizer"}, Description: "id of the party organization that runs it; its grid's staff edit it"},
			Field{Name: "venue_id", Type: Integer, Filterable: true, Min: 1, Max: 1e12, Ref: "posts",
				Title: Label{"场馆", "Venue"}, Description: "id of the shared venue (a post of kind activity_room or cultural_space) it takes place in: a planned activity holds the venue's slots"},
			Field{Name: "place_zh", Type: Text, Title: Label{"地点", "Place"}, Description: "where, in words, when not at a venue (the temple square)"},
			Field{Name: "place_en", Type: Text, Title: Label{"地点", "Place"}, Description: "where, in English"},
			Field{Name: "starts_at", Type: Text, Required: true, Filterable: true, Title: Label{"开始", "Starts"},
				Description: "start, YYYY-MM-DDTHH:MM in China Standard Time (UTC+8)"},
			Field{Name: "ends_at", Type: Text, Required: true, Title: Label{"结束", "Ends"},
				Description: "end, YYYY-MM-DDTHH:MM in China Standard Time, after the start and at most 31 days later"},
			Field{Name: "repeat", Type: Text, Title: Label{"重复", "Repeats"},
				Description: "weekly recurrence, a subset of RFC 5545 RRULE: FREQ=WEEKLY;BYDAY=MO,TH;UNTIL=YYYYMMDD (the last day, China Standard Time, at most a year after the start)"},
			Field{Name: "capacity", Type: Integer, Min: 0, Max: 100000, Title: Label{"名额", "Places"}, Description: "how many people it takes"},
			Field{Name: "audience", Type: Text, Required: true, Filterable: true, Title: Label{"面向", "For"}, Choices: []Choice{
				{Value: "public", Label: Label{"居民和游客", "Everyone"}},
				{Value: "party_members", Label: Label{"党员", "Party members"}},
			}, Description: "who it is for"},
			Field{Name: "status", Type: Text, Required: true, Filterable: true, Title: Label{"状态", "Status"}, Choices: []Choice{
				{Value: "planned", Label: Label{"计划中", "Planned"}},
				{Value: "cancelled", Label: Label{"已取消", "Cancelled"}},
			}, Description: "planned, or cancelled (which frees its venue's slots)"},
			gridCode(),
			community(),
		),
		Tile: TileSpec{MinZoom: 13, MaxZoom: TileMaxZoom, Fields: []string{"name_zh", "name_en", "starts_at", "ends_at", "status", CommunityField}},
	}
}

// ParseTime reads a time as the catalogue writes it (TimeLayout, China
// Standard Time), or an RFC 3339 time with its offset.
func ParseTime(field, s string) (time.Time, error) {
	if t, err := time.ParseInLocation(TimeLayout, s, ChinaStandardTime()); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, Errorf(EINVALID, "%s must be a time written YYYY-MM-DDTHH:MM in China Standard Time (e.g. 2026-12-04T19:30) or RFC 3339 with its offset; got %q.", field, clip(s, 40))
}

// FormatTime writes a time as the catalogue does, in China Standard Time.
func FormatTime(t time.Time) string { return t.In(ChinaStandardTime()).Format(TimeLayout) }

// Recurrence is a weekly rule: the weekdays, and the last day (in China
// Standard Time) an occurrence may fall on.
type Recurrence struct {
	Days  []time.Weekday
	Until time.Time // midnight CST of the last day
}

// RRuleDay is RFC 5545's name of a weekday ("MO").
func RRuleDay(d time.Weekday) string {
	return [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}[d%7]
}

// ParseRecurrence reads the subset of RFC 5545's RRULE the activities
// column takes: FREQ=WEEKLY;BYDAY=MO,TH;UNTIL=20270131, in that order,
// every part required. Anything else is refused with what is taken.
func ParseRecurrence(s string) (Recurrence, error) {
	refuse := func(why string) (Recurrence, error) {
		return Recurrence{}, Errorf(EINVALID, "The repeat rule %q %s; write FREQ=WEEKLY;BYDAY=MO,TH;UNTIL=YYYYMMDD (weekly on the listed days, up to and including the last day).", clip(s, 60), why)
	}
	parts := strings.Split(s, ";")
	if len(parts) != 3 {
		return refuse("is not of the form the map takes")
	}
	if parts[0] != "FREQ=WEEKLY" {
		return refuse("repeats other than weekly (only FREQ=WEEKLY is taken)")
	}
	days, ok := strings.CutPrefix(parts[1], "BYDAY=")
	if !ok || days == "" {
		return refuse("does not list its weekdays (BYDAY=MO,TH) second")
	}
	var r Recurrence
	for _, d := range strings.Split(days, ",") {
		i := slices.IndexFunc([]time.Weekday{0, 1, 2, 3, 4, 5, 6}, func(w time.Weekday) bool { return RRuleDay(w) == d })
		if i < 0 {
			return refuse(fmt.Sprintf("names the weekday %q (take MO, TU, WE, TH, FR, SA, SU)", clip(d, 10)))
		}
		if slices.Contains(r.Days, time.Weekday(i)) {
			return refuse(fmt.Sprintf("names %s twice", d))
		}
		r.Days = append(r.Days, time.Weekday(i))
	}
	until, ok := strings.CutPrefix(parts[2], "UNTIL=")
	if !ok {
		return refuse("does not end with its last day (UNTIL=YYYYMMDD)")
	}
	t, err := time.ParseInLocation("20060102", until, ChinaStandardTime())
	if err != nil {
		return refuse("has an UNTIL that is not a day written YYYYMMDD")
	}
	r.Until = t
	return r, nil
}

// CheckActivity reports what is wrong with an activity's times and
// recurrence, naming the field: a start or end not written as the
// catalogue writes times, an end not after the start, an activity longer
// than MaxSpan (a repeating one: than a day), a rule beyond the subset
// (ParseRecurrence), a first day the rule does not repeat on, an UNTIL
// before the start or more than a year after it.
func CheckActivity(props map[string]any) []Violation {
	bad := func(field, en, zh string) Violation {
		return Violation{Rule: "activity_" + field, MessageEn: fmt.Sprintf("Property %q: %s", field, en), MessageZh: fmt.Sprintf("属性“%s”：%s", field, zh)}
	}
	var vs []Violation
	read := func(field string) (time.Time, bool) {
		s, ok := props[field].(string)
		if !ok {
			return time.Time{}, false
		}
		t, err := time.ParseInLocation(TimeLayout, s, ChinaStandardTime())
		if err != nil {
			vs = append(vs, bad(field, fmt.Sprintf("write the time YYYY-MM-DDTHH:MM in China Standard Time, e.g. 2026-12-04T19:30; got %q.", clip(s, 40)),
				fmt.Sprintf("时间请写成 YYYY-MM-DDTHH:MM（北京时间），例如 2026-12-04T19:30；收到的是“%s”。", clip(s, 40))))
			return time.Time{}, false
		}
		return t, true
	}
	start, ok1 := read("starts_at")
	end, ok2 := read("ends_at")
	if !ok1 || !ok2 {
		return vs
	}
	if !end.After(start) {
		return append(vs, bad("ends_at", fmt.Sprintf("the end (%s) must come after the start (%s).", FormatTime(end), FormatTime(start)),
			fmt.Sprintf("结束时间（%s）必须晚于开始时间（%s）。", FormatTime(end), FormatTime(start))))
	}
	if end.Sub(start) > MaxSpan {
		vs = append(vs, bad("ends_at", "an activity lasts at most 31 days; split a longer one.", "一个活动最长 31 天；更长的请分成几个。"))
	}
	rule, ok := props["repeat"].(string)
	if !ok {
		return vs
	}
	r, err := ParseRecurrence(rule)
	if err != nil {
		return append(vs, bad("repeat", ErrorMessage(err), "只支持每周重复：FREQ=WEEKLY;BYDAY=MO,TH;UNTIL=YYYYMMDD（按周的这几天重复，直到最后一天）。"))
	}
	if end.Sub(start) > 24*time.Hour {
		vs = append(vs, bad("repeat", "a weekly activity's occurrence lasts at most a day.", "每周重复的活动每次最长一天。"))
	}
	if !slices.Contains(r.Days, start.Weekday()) {
		vs = append(vs, bad("repeat", fmt.Sprintf("the first occurrence (%s, a %s) must fall on one of the rule's days.", FormatTime(start), start.Weekday()),
			fmt.Sprintf("第一次活动（%s）必须在规则列出的星期几。", FormatTime(start))))
	}
	first := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, ChinaStandardTime())
	switch {
	case r.Until.Before(first):
		vs = append(vs, bad("repeat", "its UNTIL comes before the start.", "UNTIL 早于开始日期。"))
	case r.Until.Sub(first) > MaxRepeat:
		vs = append(vs, bad("repeat", "a rule repeats for at most a year after the start; write a new one for the next year.", "重复最长一年；下一年请另建活动。"))
	}
	return vs
}

// Occurrence is one occurrence of an activity: the activity and when.
type Occurrence struct {
	Activity Feature
	Start    time.Time
	End      time.Time
	// Place names where, in both languages: the activity's place, else
	// its venue's name.
	Place Label
}

// ActivityQuery selects occurrences: those that overlap [From, To), at a
// venue, of an organizer, in a community; Public keeps the activities
// for everyone (not party members only); Cancelled keeps cancelled ones.
type ActivityQuery struct {
	From, To     time.Time
	Venue        int64
	Organizer    int64
	Community    string
	PublicOnly   bool
	WithCanceled bool
	// FirstOnly keeps only each activity's first occurrence in the range:
	// a calendar feed lists activities, with their rules.
	FirstOnly bool
	// ID, when set, keeps only that activity.
	ID    int64
	Limit int
}

// MaxOccurrences bounds one answer of occurrences.
const MaxOccurrences = 1000

// Busy is a time a venue is taken: only when, never by whom or why.
type Busy struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// BookingStatus is where a booking stands.
type BookingStatus string

// The states of a booking.
const (
	BookingRequested BookingStatus = "requested"
	BookingConfirmed BookingStatus = "confirmed"
	BookingDeclined  BookingStatus = "declined"
)

// Booking is a request for a slot at a shared venue, as the venue's keeper
// and the requester see it.
type Booking struct {
	ID           int64         `json:"id"`
	Venue        int64         `json:"venue_id"`
	Organization int64         `json:"organization_id"`
	Start        time.Time     `json:"start"`
	End          time.Time     `json:"end"`
	Status       BookingStatus `json:"status"`
	Activity     int64         `json:"activity_id,omitempty"`
	Purpose      string        `json:"purpose"`
	RequestedBy  string        `json:"requested_by"`
	RequestedAt  time.Time     `json:"requested_at"`
	DecidedBy    string        `json:"decided_by,omitempty"`
	DecidedAt    *time.Time    `json:"decided_at,omitempty"`
}

// BookingRequest is what a staff member asks for.
type BookingRequest struct {
	Venue        int64
	Organization int64
	Start, End   time.Time
	Purpose      string
}

// CheckBookingRequest refuses, naming the field, a request whose end is not
// after its start, that is longer than MaxSpan, that starts before now, or
// whose purpose is too long.
func CheckBookingRequest(r BookingRequest, now time.Time) error {
	switch {
	case r.Venue < 1:
		return Errorf(EINVALID, "Name the venue to book with venue_id, the id of a shared activity room or cultural space.")
	case r.Organization < 1:
		return Errorf(EINVALID, "Name the party organization that books with organization_id.")
	case !r.End.After(r.Start):
		return Say(EINVALID, Label{Zh: fmt.Sprintf("end（%s）必须晚于 start（%s）。", FormatTime(r.End), FormatTime(r.Start)),
			En: fmt.Sprintf("The end (%s) must come after the start (%s).", FormatTime(r.End), FormatTime(r.Start))})
	case r.End.Sub(r.Start) > MaxSpan:
		return Say(EINVALID, Label{Zh: "一次预约最长 31 天。", En: "A booking lasts at most 31 days (end - start)."})
	case r.Start.Before(now):
		return Say(EUNPROCESSABLE, Label{Zh: fmt.Sprintf("start（%s）已经过去；只能预约将来的时间。", FormatTime(r.Start)),
			En: fmt.Sprintf("The start (%s) has passed; book a time to come.", FormatTime(r.Start))})
	case len([]rune(r.Purpose)) > MaxTextLength:
		return Errorf(EINVALID, "The purpose has more than %d characters.", MaxTextLength)
	}
	return nil
}

// SlotTaken is the cause of an ETAKEN error: the venue's slot Wanted
// overlaps the confirmed booking Booking (held by activity Activity, when
// an activity holds it), which has Taken.
type SlotTaken struct {
	Venue    int64
	Booking  int64
	Activity int64
	Wanted   Busy
	Taken    Busy
}

// Error says which slots collide.
func (e *SlotTaken) Error() string {
	return fmt.Sprintf("venue %d: %s–%s overlaps booking %d (%s–%s)", e.Venue,
		FormatTime(e.Wanted.Start), FormatTime(e.Wanted.End), e.Booking, FormatTime(e.Taken.Start), FormatTime(e.Taken.End))
}

// TakenError is the 409 of a slot that is taken, naming it.
func TakenError(t SlotTaken) *Error {
	held := ""
	heldZh := ""
	if t.Activity > 0 {
		held = fmt.Sprintf(" by activity %d", t.Activity)
		heldZh = fmt.Sprintf("（活动 %d）", t.Activity)
	}
	return &Error{Code: ETAKEN,
		Message: fmt.Sprintf("Venue %d is booked from %s to %s%s (booking %d), which overlaps %s–%s; choose another time or venue.",
			t.Venue, FormatTime(t.Taken.Start), FormatTime(t.Taken.End), held, t.Booking, FormatTime(t.Wanted.Start), FormatTime(t.Wanted.End)),
		MessageZh: fmt.Sprintf("场馆 %d 在 %s 至 %s 已被预约%s，与 %s 至 %s 冲突；请换个时间或场馆。",
			t.Venue, FormatTime(t.Taken.Start), FormatTime(t.Taken.End), heldZh, FormatTime(t.Wanted.Start), FormatTime(t.Wanted.End)),
		Err: &t}
}

// BookingNotice announces that a venue's bookings changed: which venue,
// and the booking's state now ("deleted" when it went). Who asked, and
// why, are never in it.
type BookingNotice struct {
	Venue  int64  `json:"venue_id"`
	Status string `json:"status"`
}

// ActivityStore reads the activities column and keeps the venues'
// bookings.
type ActivityStore interface {
	// Occurrences lists the occurrences that overlap the query's range,
	// earliest first.
	Occurrences(ctx context.Context, q ActivityQuery) ([]Occurrence, error)
	// VenueBusy lists when the venue (a shared one, else ENOTFOUND) is
	// taken by confirmed bookings between from and to, merged where they
	// touch.
	VenueBusy(ctx context.Context, venue int64, from, to time.Time) ([]Busy, error)
	// Venue returns the shared venue with that id, or ENOTFOUND.
	Venue(ctx context.Context, venue int64) (Feature, error)
	// RequestBooking records a request by the actor, who must be staff of
	// the organization's grid (or an admin).
	RequestBooking(ctx context.Context, r BookingRequest, actor User) (Booking, error)
	// DecideBooking confirms or declines a requested booking, for the
	// venue's keeper (an admin, or staff of the venue's grid). A
	// confirmation whose slot is taken is ETAKEN (*SlotTaken).
	DecideBooking(ctx context.Context, id int64, confirm bool, actor User) (Booking, error)
	// Bookings lists a venue's bookings that overlap [from, to), for its
	// keeper and the requesters' staff.
	Bookings(ctx context.Context, venue int64, from, to time.Time, actor User) ([]Booking, error)
}
