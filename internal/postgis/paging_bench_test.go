package postgis_test

import (
	"context"
	"testing"

	"partymap/internal/geo"
	"partymap/internal/postgis"
)

// BenchmarkPaging_city pages through the city's 102,540 buildings (cmd/
// gencity) at depth 100,000: the page a client reaches by following next
// links, continued from a keyset cursor, against the same page by offset,
// in the default order (id) and in a sort of two keys (-floors, +name_zh).
// A keyset page costs what the first does; an offset page walks every row
// before it.
//
//	PARTYMAP_BENCH_CITY=1 go test ./internal/postgis -run '^$' -bench 'Paging_city' -benchtime 200x -timeout 30m
func BenchmarkPaging_city(b *testing.B) {
	db := openCity(b)
	ctx := context.Background()
	l, _ := geo.NewCatalogue().Layer("buildings")
	const depth, limit = 100_000, 100
	for _, order := range []struct {
		name string
		sort []geo.SortKey
	}{
		{"id", nil},
		{"-floors,+name_zh", []geo.SortKey{{Property: "floors", Desc: true}, {Property: "name_zh"}}},
	} {
		// The cursor a client holds at depth: the one the page before it
		// gave, as the next link carries it.
		before, err := db.FindFeatures(ctx, geo.Filter{Layer: l.Name, Sort: order.sort, Limit: limit, Offset: depth - limit})
		if err != nil {
			b.Fatal(err)
		}
		if before.Next == nil || before.Matched < depth+limit {
			b.Fatalf("%s: no cursor at depth %d (%d buildings)", order.name, depth, before.Matched)
		}
		cursor, err := geo.ParseCursor(l, geo.OrderKeys(order.sort), before.Next.Encode())
		if err != nil {
			b.Fatal(err)
		}
		byOffset := pageAt(b, db, geo.Filter{Layer: l.Name, Sort: order.sort, Limit: limit, Offset: depth})
		byCursor := pageAt(b, db, geo.Filter{Layer: l.Name, Sort: order.sort, Limit: limit, After: cursor})
		if len(byOffset) != limit || !equalIDs(byOffset, byCursor) {
			b.Fatalf("%s: the cursor's page differs from the offset's", order.name)
		}
		b.Run(order.name+"/keyset", func(b *testing.B) {
			measure(b, func(int) {
				pageAt(b, db, geo.Filter{Layer: l.Name, Sort: order.sort, Limit: limit, After: cursor})
			})
		})
		b.Run(order.name+"/offset", func(b *testing.B) {
			measure(b, func(int) {
				pageAt(b, db, geo.Filter{Layer: l.Name, Sort: order.sort, Limit: limit, Offset: depth})
			})
		})
	}
}

func pageAt(b *testing.B, db *postgis.DB, f geo.Filter) []int64 {
	page, err := db.FindFeatures(context.Background(), f)
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]int64, len(page.Features))
	for i, ft := range page.Features {
		ids[i] = ft.ID
	}
	return ids
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
