package postgis_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"

	"partymap/internal/geo"
	"partymap/internal/postgis"
)

// The seed's shared venues and organizations the tests book with. The
// seed's programme (cmd/gendata) holds this room on the first Monday of
// each month from 9:00 to 11:00 only: the tests book it in the afternoon
// and evening, and count only what they wrote.
const (
	roomXY06    = 10 // Quanxiang Court Shared Activity Room, grid XY14
	libraryXY08 = 13 // a post that is no venue
	branchXY03  = 5  // Grid 3 Party Branch
	branchXY06  = 16 // Grid 14 Party Branch
)

var (
	cityAdmin = geo.User{Name: "city-admin", Role: geo.Admin}
	xy06Staff = geo.User{Name: "xy14", Role: geo.Editor, Grids: []string{"XY14"}}
	xy03Staff = geo.User{Name: "xy03", Role: geo.Editor, Grids: []string{"XY03"}}
)

// day returns midnight, China Standard Time, n days from now.
func day(n int) time.Time {
	now := time.Now().In(geo.ChinaStandardTime())
	return time.Date(now.Year(), now.Month(), now.Day()+n, 0, 0, 0, 0, geo.ChinaStandardTime())
}

// at is the hour h of a day.
func at(d time.Time, h int) time.Time { return d.Add(time.Duration(h) * time.Hour) }

func request(t *testing.T, db *postgis.DB, venue int64, from, to time.Time) geo.Booking {
	t.Helper()
	b, err := db.RequestBooking(context.Background(), geo.BookingRequest{Venue: venue, Organization: branchXY06, Start: from, End: to, Purpose: "party day"}, xy06Staff)
	if err != nil {
		t.Fatalf("request %s–%s: %v", from, to, err)
	}
	if b.Status != geo.BookingRequested {
		t.Fatalf("a new booking is %q, want requested", b.Status)
	}
	return b
}

// confirmedCount counts the confirmed bookings among ids.
func confirmedCount(t *testing.T, db *postgis.DB, ids []int64) int {
	t.Helper()
	var n int
	if err := db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM bookings WHERE id = ANY($1) AND status = 'confirmed'`, ids).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Twenty requests for overlapping slots at one venue, confirmed at the
// same moment by twenty connections: the exclusion constraint lets exactly
// one through, and every other keeper is told which booking holds the slot.
func TestBookings_concurrentConfirmationsExactlyOne(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	d := day(3)
	const n = 20
	ids := make([]int64, n)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each overlaps every other: all contain 13:20–15:00.
			from := at(d, 13).Add(time.Duration(i) * time.Minute)
			b, err := db.RequestBooking(ctx, geo.BookingRequest{Venue: roomXY06, Organization: branchXY06, Start: from, End: at(d, 15)}, xy06Staff)
			ids[i], errs[i] = b.ID, err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	start := make(chan struct{})
	decided := make([]geo.Booking, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			decided[i], errs[i] = db.DecideBooking(ctx, ids[i], true, xy06Staff)
		}()
	}
	close(start)
	wg.Wait()
	var winner geo.Booking
	var won, taken int
	for i, err := range errs {
		switch {
		case err == nil:
			won++
			winner = decided[i]
		case geo.ErrorCode(err) == geo.ETAKEN:
			taken++
		default:
			t.Errorf("confirmation %d: %v, want confirmed or slot taken", i, err)
		}
	}
	if won != 1 || taken != n-1 {
		t.Fatalf("%d confirmed and %d refused as taken, want 1 and %d", won, taken, n-1)
	}
	for i, err := range errs {
		var st *geo.SlotTaken
		if err != nil && (!errors.As(err, &st) || st.Booking != winner.ID) {
			t.Errorf("refusal %d names %+v, want the confirmed booking %d", i, st, winner.ID)
		}
	}
	if got := confirmedCount(t, db, ids); got != 1 {
		t.Errorf("the table holds %d confirmed bookings, want 1", got)
	}
	// A request for the taken slot is refused at once, naming it.
	_, err := db.RequestBooking(ctx, geo.BookingRequest{Venue: roomXY06, Organization: branchXY06, Start: at(d, 14), End: at(d, 16)}, xy06Staff)
	var st *geo.SlotTaken
	if !errors.As(err, &st) || st.Booking != winner.ID || !st.Taken.Start.Equal(winner.Start) {
		t.Errorf("request for a taken slot: %v, want slot taken by booking %d", err, winner.ID)
	}
}

// Half-open ranges: [13:00, 14:00) and [14:00, 15:00) are both confirmed,
// and the week shows them as one busy block.
func TestBookings_adjacentSlotsBothConfirmed(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	d := day(2)
	a := request(t, db, roomXY06, at(d, 13), at(d, 14))
	b := request(t, db, roomXY06, at(d, 14), at(d, 15))
	for _, id := range []int64{a.ID, b.ID} {
		if got, err := db.DecideBooking(ctx, id, true, xy06Staff); err != nil || got.Status != geo.BookingConfirmed {
			t.Fatalf("confirm %d: %+v, %v", id, got, err)
		}
	}
	busy, err := db.VenueBusy(ctx, roomXY06, at(d, 12), day(3))
	if err != nil {
		t.Fatal(err)
	}
	if len(busy) != 1 || !busy[0].Start.Equal(at(d, 13)) || !busy[0].End.Equal(at(d, 15)) {
		t.Errorf("busy %v, want one block 13:00–15:00", busy)
	}
	// A declined request holds nothing.
	c := request(t, db, roomXY06, at(d, 16), at(d, 17))
	if got, err := db.DecideBooking(ctx, c.ID, false, xy06Staff); err != nil || got.Status != geo.BookingDeclined {
		t.Fatalf("decline: %+v, %v", got, err)
	}
	if _, err := db.DecideBooking(ctx, c.ID, true, xy06Staff); geo.ErrorCode(err) != geo.ESUPERSEDED {
		t.Errorf("confirming a declined booking: %v, want superseded", err)
	}
	if busy, _ := db.VenueBusy(ctx, roomXY06, at(d, 12), day(3)); len(busy) != 1 {
		t.Errorf("after a decline the venue is busy %v, want the one block", busy)
	}
}

// Bad requests are refused, naming what is wrong, and write nothing.
func TestBookings_refusals(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	d := day(4)
	for _, tc := range []struct {
		name  string
		r     geo.BookingRequest
		actor geo.User
		code  string
	}{
		{"unknown venue", geo.BookingRequest{Venue: 9999, Organization: branchXY06, Start: at(d, 13), End: at(d, 14)}, xy06Staff, geo.EUNPROCESSABLE},
		{"a post that is no venue", geo.BookingRequest{Venue: libraryXY08, Organization: branchXY06, Start: at(d, 13), End: at(d, 14)}, xy06Staff, geo.EUNPROCESSABLE},
		{"unknown organization", geo.BookingRequest{Venue: roomXY06, Organization: 9999, Start: at(d, 13), End: at(d, 14)}, xy06Staff, geo.EUNPROCESSABLE},
		{"another grid's organization", geo.BookingRequest{Venue: roomXY06, Organization: branchXY03, Start: at(d, 13), End: at(d, 14)}, xy06Staff, geo.EFORBIDDEN},
		{"no staff role", geo.BookingRequest{Venue: roomXY06, Organization: branchXY06, Start: at(d, 13), End: at(d, 14)}, geo.User{Name: "x"}, geo.EFORBIDDEN},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := db.RequestBooking(ctx, tc.r, tc.actor); geo.ErrorCode(err) != tc.code {
				t.Errorf("got %v, want %s", err, tc.code)
			}
		})
	}
	// The venue's keeper decides: staff of another grid may not.
	b := request(t, db, roomXY06, at(d, 13), at(d, 14))
	if _, err := db.DecideBooking(ctx, b.ID, true, xy03Staff); geo.ErrorCode(err) != geo.EFORBIDDEN {
		t.Errorf("confirmation by staff of another grid: %v, want forbidden", err)
	}
	var n int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM bookings WHERE activity_id IS NULL`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d bookings written (%v), want the one request", n, err)
	}
}

// activity is a planned public activity of the Grid 6 branch.
func activity(venue int64, from, to time.Time, repeat string) geo.Feature {
	props := map[string]any{
		"name_zh": "党员活动日", "name_en": "Party day", "organizer_id": int64(branchXY06),
		"starts_at": geo.FormatTime(from), "ends_at": geo.FormatTime(to),
		"audience": "public", "status": "planned",
	}
	if venue > 0 {
		props["venue_id"] = venue
	}
	if repeat != "" {
		props["repeat"] = repeat
	}
	return geo.Feature{Layer: geo.ActivityLayer, Geometry: orb.Point{110.101641, 34.5672209}, Properties: props}
}

func write(ctx context.Context, db *postgis.DB, u geo.User, ws ...geo.Write) (geo.EditResult, error) {
	return db.ApplyWrites(ctx, ws, geo.EditOptions{Actor: u, Reason: geo.ReasonEdit})
}

// An activity at a venue holds its slots (one per occurrence); another
// activity or a request for them is refused naming the slot; cancelling
// the activity frees them.
func TestActivities_holdTheirVenue(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	d := day(7)
	rule := fmt.Sprintf("FREQ=WEEKLY;BYDAY=%s;UNTIL=%s", rruleDay(d), d.AddDate(0, 0, 14).Format("20060102"))
	res, err := write(ctx, db, xy06Staff, geo.Write{Op: geo.Insert, Feature: activity(roomXY06, at(d, 19), at(d, 21), rule)})
	if err != nil {
		t.Fatal(err)
	}
	a := *res.Changes[0].Feature
	if a.Properties[geo.CommunityField] != "XY" || a.Properties["grid_code"] != "XY14" {
		t.Errorf("the activity's derived community and grid are %v and %v, want XY and XY14", a.Properties[geo.CommunityField], a.Properties["grid_code"])
	}
	busy, err := evenings(db.VenueBusy(ctx, roomXY06, d, d.AddDate(0, 0, 21)))
	if err != nil {
		t.Fatal(err)
	}
	if len(busy) != 3 {
		t.Fatalf("a weekly activity over three weeks holds %v, want 3 blocks", busy)
	}
	for i, b := range busy {
		if want := at(d.AddDate(0, 0, 7*i), 19); !b.Start.Equal(want) || b.End.Sub(b.Start) != 2*time.Hour {
			t.Errorf("block %d is %v–%v, want %v for two hours", i, b.Start, b.End, want)
		}
	}

	// Another activity in the second week's slot: 409, naming it.
	second := d.AddDate(0, 0, 7)
	_, err = write(ctx, db, xy06Staff, geo.Write{Op: geo.Insert, Feature: activity(roomXY06, at(second, 20), at(second, 22), "")})
	var st *geo.SlotTaken
	if geo.ErrorCode(err) != geo.ETAKEN || !errors.As(err, &st) || st.Activity != a.ID || !st.Taken.Start.Equal(at(second, 19)) {
		t.Fatalf("an overlapping activity: %v, want slot taken by activity %d at %v", err, a.ID, at(second, 19))
	}
	var n int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM activities WHERE organizer_id = $1`, branchXY06).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d activities stored (%v), want 1: the refused one wrote nothing", n, err)
	}
	if _, err := db.RequestBooking(ctx, geo.BookingRequest{Venue: roomXY06, Organization: branchXY06, Start: at(second, 18), End: at(second, 20)}, xy06Staff); !errors.As(err, &st) || st.Activity != a.ID {
		t.Errorf("a request for the activity's slot: %v, want slot taken by activity %d", err, a.ID)
	}

	// Cancelled: the slots are free.
	a.Properties["status"] = "cancelled"
	if _, err := write(ctx, db, xy06Staff, geo.Write{Op: geo.Update, Feature: a, IfVersion: a.Version}); err != nil {
		t.Fatal(err)
	}
	if busy, _ := evenings(db.VenueBusy(ctx, roomXY06, d, d.AddDate(0, 0, 21))); len(busy) != 0 {
		t.Errorf("a cancelled activity still holds %v", busy)
	}
	b := request(t, db, roomXY06, at(second, 18), at(second, 20))
	if _, err := db.DecideBooking(ctx, b.ID, true, cityAdmin); err != nil {
		t.Errorf("confirm the freed slot: %v", err)
	}
}

// Activities are their organizer's grid's to write, wherever they take
// place; a venue must be a shared one.
func TestActivities_scopeAndVenue(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	d := day(5)
	// Grid 3's branch meets in grid 14's room: grid 3's staff write it,
	// grid 14's do not.
	a := activity(roomXY06, at(d, 13), at(d, 14), "")
	a.Properties["organizer_id"] = int64(branchXY03)
	if _, err := write(ctx, db, xy06Staff, geo.Write{Op: geo.Insert, Feature: a}); geo.ErrorCode(err) != geo.EFORBIDDEN {
		t.Errorf("staff of the venue's grid writing another grid's activity: %v, want forbidden", err)
	}
	if _, err := write(ctx, db, xy03Staff, geo.Write{Op: geo.Insert, Feature: a}); err != nil {
		t.Errorf("staff of the organizer's grid: %v", err)
	}
	if _, err := write(ctx, db, xy06Staff, geo.Write{Op: geo.Insert, Feature: activity(libraryXY08, at(d, 12), at(d, 13), "")}); geo.ErrorCode(err) != geo.EUNPROCESSABLE {
		t.Errorf("an activity at a post that is no venue: %v, want unprocessable", err)
	}
	if _, err := write(ctx, db, xy06Staff, geo.Write{Op: geo.Insert, Feature: activity(9999, at(d, 12), at(d, 13), "")}); geo.ErrorCode(err) != geo.EUNPROCESSABLE {
		t.Errorf("an activity at an unknown venue: %v, want unprocessable", err)
	}
}

// Occurrences expands weekly rules in the database and keeps the
// party-members-only and cancelled activities out when asked.
func TestActivities_occurrences(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	d := day(1)
	rule := fmt.Sprintf("FREQ=WEEKLY;BYDAY=%s,%s;UNTIL=%s", rruleDay(d), rruleDay(d.AddDate(0, 0, 2)), d.AddDate(0, 0, 13).Format("20060102"))
	members := activity(0, at(d, 8), at(d, 9), "")
	members.Properties["audience"] = "party_members"
	cancelled := activity(0, at(d, 15), at(d, 16), "")
	cancelled.Properties["status"] = "cancelled"
	if _, err := write(ctx, db, cityAdmin,
		geo.Write{Op: geo.Insert, Feature: activity(0, at(d, 19), at(d, 20), rule)},
		geo.Write{Op: geo.Insert, Feature: members},
		geo.Write{Op: geo.Insert, Feature: cancelled}); err != nil {
		t.Fatal(err)
	}
	occ, err := db.Occurrences(ctx, geo.ActivityQuery{From: d, To: d.AddDate(0, 0, 14), PublicOnly: true, Organizer: branchXY06})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range occ {
		got = append(got, geo.FormatTime(o.Start))
	}
	want := []string{
		geo.FormatTime(at(d, 19)), geo.FormatTime(at(d.AddDate(0, 0, 2), 19)),
		geo.FormatTime(at(d.AddDate(0, 0, 7), 19)), geo.FormatTime(at(d.AddDate(0, 0, 9), 19)),
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("public occurrences %v, want %v", got, want)
	}
	all, err := db.Occurrences(ctx, geo.ActivityQuery{From: d, To: d.AddDate(0, 0, 1), WithCanceled: true, Organizer: branchXY06})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 {
		t.Errorf("the first day with every activity: %d occurrences, want 3", len(all))
	}
}

// evenings keeps the busy blocks that start at 18:00 or later, China
// Standard Time: what the tests' evening activities hold, and none of the
// seed's programme at the room.
func evenings(bs []geo.Busy, err error) ([]geo.Busy, error) {
	var out []geo.Busy
	for _, b := range bs {
		if b.Start.In(geo.ChinaStandardTime()).Hour() >= 18 {
			out = append(out, b)
		}
	}
	return out, err
}

// rruleDay is RFC 5545's name of the day's weekday.
func rruleDay(d time.Time) string {
	return [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}[d.Weekday()]
}

// The exclusion constraint on its own, without the store's queue: twenty
// connections confirm twenty overlapping requests with plain SQL at the
// same moment. Exactly one commits; each other is refused by the
// constraint (23P01), or cut off as a deadlock inside its check (40P01).
func TestBookings_exclusionConstraintUnderConcurrency(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	d := day(6)
	const n = 20
	ids := make([]int64, n)
	for i := range n {
		ids[i] = request(t, db, roomXY06, at(d, 13).Add(time.Duration(i)*time.Minute), at(d, 15)).ID
	}
	start := make(chan struct{})
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = db.Pool().Exec(ctx, `UPDATE bookings SET status = 'confirmed' WHERE id = $1`, ids[i])
		}()
	}
	close(start)
	wg.Wait()
	won := 0
	for i, err := range errs {
		var pgErr *pgconn.PgError
		switch {
		case err == nil:
			won++
		case errors.As(err, &pgErr) && (pgErr.Code == "23P01" || pgErr.Code == "40P01"):
		default:
			t.Errorf("confirmation %d: %v", i, err)
		}
	}
	if won != 1 || confirmedCount(t, db, ids) != 1 {
		t.Errorf("%d confirmations committed, %d confirmed bookings stored; want 1 and 1", won, confirmedCount(t, db, ids))
	}
}
