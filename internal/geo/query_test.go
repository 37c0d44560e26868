package geo

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"
)

func TestGaussKrugerZone(t *testing.T) {
	tests := []struct {
		lon  float64
		srid int
		ok   bool
	}{
		{110.1, 4546, true}, // Xiyue: CM 111°E covers 109.5°–112.5°E
		{109.4, 4545, true}, // CM 108°E
		{75, 4534, true},
		{135, 4554, true},
		{10, 0, false},
	}
	for _, tt := range tests {
		z, ok := GaussKrugerZone(tt.lon)
		if ok != tt.ok || z.SRID != tt.srid {
			t.Errorf("GaussKrugerZone(%g) = %d, %v; want %d, %v", tt.lon, z.SRID, ok, tt.srid, tt.ok)
		}
		if ok && !z.Swap {
			t.Errorf("zone %d: EPSG orders northing first; Swap must be set", z.SRID)
		}
	}
}

func TestParseCRSRef(t *testing.T) {
	all := SupportedCRS(110.1)
	for in, want := range map[string]int{
		"http://www.opengis.net/def/crs/OGC/1.3/CRS84": 4326,
		"<http://www.opengis.net/def/crs/EPSG/0/4490>": 4490,
		"https://www.opengis.net/def/crs/EPSG/0/3857":  3857,
		"EPSG:4546":   4546,
		"[EPSG:4326]": 4326,
		" http://www.opengis.net/def/crs/EPSG/0/4326 ": 4326,
	} {
		c, err := ParseCRSRef(in, all)
		if err != nil || c.SRID != want {
			t.Errorf("ParseCRSRef(%q) = %d, %v; want %d", in, c.SRID, err, want)
		}
	}
	if c, _ := ParseCRSRef("EPSG:4326", all); !c.Swap {
		t.Errorf("EPSG:4326 is latitude first: Swap must be set")
	}
	if c, _ := ParseCRSRef("CRS84", all); c.Swap {
		t.Errorf("CRS84 is longitude first")
	}
	_, err := ParseCRSRef("EPSG:2000", all)
	if err == nil || ErrorCode(err) != EINVALID || !strings.Contains(err.Error(), "EPSG/0/4546") {
		t.Errorf("unknown CRS: err = %v, want an invalid error listing the CRSs served", err)
	}
}

func TestParseBBoxIn_axisOrder(t *testing.T) {
	lat, _ := ParseCRSRef("EPSG:4326", SupportedCRS())
	got, err := ParseBBoxIn("34.56,110.09,34.58,110.11", lat)
	want := orb.Bound{Min: orb.Point{110.09, 34.56}, Max: orb.Point{110.11, 34.58}}
	if err != nil || got != want {
		t.Errorf("EPSG:4326 bbox = %v, %v; want %v in longitude order", got, err, want)
	}
	if _, err := ParseBBoxIn("110.09,34.56,110.11,34.58", lat); err == nil {
		t.Errorf("a CRS84 box read as EPSG:4326 puts latitude 110 out of range: want an error")
	}
}

func TestParseSortBy(t *testing.T) {
	b, _ := NewCatalogue().Layer("buildings")
	got, err := ParseSortBy(b, "-floors, +name_zh,updated_at")
	want := []SortKey{{Property: "floors", Desc: true}, {Property: "name_zh"}, {Property: "updated_at"}}
	if err != nil || !cmp.Equal(got, want) {
		t.Errorf("ParseSortBy = %v, %v; want %v", got, err, want)
	}
	if !b.KeysetOrder(got) {
		t.Errorf("floors, name_zh and updated_at are never empty: keyset paging should be allowed")
	}
	if b.KeysetOrder([]SortKey{{Property: "grid_code"}}) {
		t.Errorf("grid_code is derived and may be empty: keyset paging must not be used")
	}
	for _, bad := range []string{"colour", "-floors,floors", "geometry", "services"} {
		if _, err := ParseSortBy(b, bad); err == nil || ErrorCode(err) != EINVALID {
			t.Errorf("ParseSortBy(%q) = %v, want an invalid error", bad, err)
		}
	}
}

func TestCursor_roundTrip(t *testing.T) {
	b, _ := NewCatalogue().Layer("buildings")
	keys := []SortKey{{Property: "floors", Desc: true}, {Property: "name_zh"}, {Property: "height_m"}, {Property: "updated_at"}, {Property: "id"}}
	at := time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)
	c := Cursor{Values: []any{int64(7), "华山楼", 21.5, at, int64(99)}, ID: 99, Pos: 100000}
	got, err := ParseCursor(b, keys, c.Encode())
	if err != nil || !cmp.Equal(*got, c) {
		t.Fatalf("ParseCursor(Encode(%v)) = %v, %v", c, got, err)
	}
	for _, bad := range []string{"", "!!", c.Encode()[:10], (Cursor{Values: []any{"x"}}).Encode()} {
		if _, err := ParseCursor(b, keys, bad); err == nil || ErrorCode(err) != EINVALID {
			t.Errorf("ParseCursor(%q) = %v, want an invalid error", bad, err)
		}
	}
}

func TestParseDatetime(t *testing.T) {
	for _, ok := range []string{"2024-05-01T08:00:00Z", "2024-05-01", "2024-01-01T00:00:00Z/..", "../2024-01-01T00:00:00+08:00", "2024-01-01/2024-02-01"} {
		if err := ParseDatetime(ok); err != nil {
			t.Errorf("ParseDatetime(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"yesterday", "../..", "2024-13-01", "a/b/c"} {
		if err := ParseDatetime(bad); err == nil {
			t.Errorf("ParseDatetime(%q) = nil, want an error", bad)
		}
	}
}

func TestLayer_Queryables(t *testing.T) {
	p, _ := NewCatalogue().Layer("parking")
	var names []string
	for _, q := range p.Queryables() {
		names = append(names, q.Name)
	}
	want := []string{"id", "name_zh", "name_en", "capacity", "free", "hours", "fee_zh", "fee_en", "grid_code", "community", "updated_at", "geometry"}
	if !cmp.Equal(names, want) {
		t.Errorf("queryables = %v, want %v (the entrance is a position property, not a queryable)", names, want)
	}
}
