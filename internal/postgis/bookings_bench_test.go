package postgis_test

import (
	"context"
	"testing"
	"time"

	"partymap/internal/geo"
	"partymap/internal/testdb"
)

// BenchmarkActivities reads what the viewer asks on every page and card:
// the week's occurrences (weekly rules expanded by partymap_occurrences;
// the seed's nightly performance alone holds a year of them) and a venue's
// busy blocks for the week; and the round trip of a request confirmed.
//
//	go test ./internal/postgis -run '^$' -bench Activities -benchtime 200x
func BenchmarkActivities(b *testing.B) {
	db, _ := testdb.Open(b, harness)
	ctx := context.Background()
	from := day(0)
	b.Run("week's occurrences", func(b *testing.B) {
		for b.Loop() {
			occ, err := db.Occurrences(ctx, geo.ActivityQuery{From: from, To: from.AddDate(0, 0, 7)})
			if err != nil || len(occ) < 7 {
				b.Fatalf("%d occurrences, %v", len(occ), err)
			}
		}
	})
	b.Run("venue's week", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.VenueBusy(ctx, 12, from, from.AddDate(0, 0, 7)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("request and confirm", func(b *testing.B) {
		// 22:00 on a day of its own: the seed's programme holds none of them.
		n := 0
		for b.Loop() {
			n++
			slot := at(day(40+n), 22)
			r, err := db.RequestBooking(ctx, geo.BookingRequest{Venue: roomXY06, Organization: branchXY06, Start: slot, End: slot.Add(30 * time.Minute)}, xy06Staff)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := db.DecideBooking(ctx, r.ID, true, xy06Staff); err != nil {
				b.Fatal(err)
			}
		}
	})
}
