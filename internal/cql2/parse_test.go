package cql2_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"

	"partymap/internal/cql2"
)

var queryables = []cql2.Queryable{
	{Name: "name_en", Type: cql2.TString},
	{Name: "kind", Type: cql2.TString},
	{Name: "floors", Type: cql2.TInteger},
	{Name: "height_m", Type: cql2.TNumber},
	{Name: "updated_at", Type: cql2.TTimestamp},
	{Name: "services", Type: cql2.TStringArray},
	{Name: "geometry", Type: cql2.TGeometry},
}

func prop(name string, t cql2.Type) cql2.Property { return cql2.Property{Name: name, Type: t} }

// TestParse_textAndJSONAgree parses each filter in both encodings and
// checks both give the same tree: the JSON encoding is the text's
// structure spelled out.
func TestParse_textAndJSONAgree(t *testing.T) {
	floors := prop("floors", cql2.TInteger)
	tests := []struct {
		name string
		text string
		json string
		want cql2.Expr
	}{
		{"comparison", `floors > 6`, `{"op":">","args":[{"property":"floors"},6]}`,
			cql2.Compare{Op: ">", Left: floors, Right: cql2.Number{Value: 6}}},
		{"and binds tighter than or", `floors > 6 AND kind = 'a' OR kind <> 'b'`,
			`{"op":"or","args":[{"op":"and","args":[{"op":">","args":[{"property":"floors"},6]},{"op":"=","args":[{"property":"kind"},"a"]}]},{"op":"<>","args":[{"property":"kind"},"b"]}]}`,
			cql2.Or{Args: []cql2.Expr{
				cql2.And{Args: []cql2.Expr{
					cql2.Compare{Op: ">", Left: floors, Right: cql2.Number{Value: 6}},
					cql2.Compare{Op: "=", Left: prop("kind", cql2.TString), Right: cql2.String{Value: "a"}}}},
				cql2.Compare{Op: "<>", Left: prop("kind", cql2.TString), Right: cql2.String{Value: "b"}}}}},
		{"not, quoted names, escaped quote", `NOT ("name_en" = 'Guandi''s')`, `{"op":"not","args":[{"op":"=","args":[{"property":"name_en"},"Guandi's"]}]}`,
			cql2.Not{Arg: cql2.Compare{Op: "=", Left: prop("name_en", cql2.TString), Right: cql2.String{Value: "Guandi's"}}}},
		{"like casei", `CASEI(name_en) LIKE casei('xiyue%')`, `{"op":"like","args":[{"op":"casei","args":[{"property":"name_en"}]},{"op":"casei","args":["xiyue%"]}]}`,
			cql2.Like{Value: cql2.CaseI{Arg: prop("name_en", cql2.TString)}, Pattern: cql2.CaseI{Arg: cql2.String{Value: "xiyue%"}}}},
		{"between", `height_m BETWEEN 10 AND 20.5`, `{"op":"between","args":[{"property":"height_m"},10,20.5]}`,
			cql2.Between{Value: prop("height_m", cql2.TNumber), Low: cql2.Number{Value: 10}, High: cql2.Number{Value: 20.5}}},
		{"in", `kind IN ('cabin', 'library')`, `{"op":"in","args":[{"property":"kind"},["cabin","library"]]}`,
			cql2.In{Value: prop("kind", cql2.TString), List: []cql2.Expr{cql2.String{Value: "cabin"}, cql2.String{Value: "library"}}}},
		{"is null", `kind IS NULL`, `{"op":"isNull","args":[{"property":"kind"}]}`,
			cql2.IsNull{Value: prop("kind", cql2.TString)}},
		{"timestamp", `updated_at >= TIMESTAMP('2024-05-01T08:00:00Z')`, `{"op":">=","args":[{"property":"updated_at"},{"timestamp":"2024-05-01T08:00:00Z"}]}`,
			cql2.Compare{Op: ">=", Left: prop("updated_at", cql2.TTimestamp), Right: cql2.Timestamp{Value: time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)}}},
		{"intersects a point", `S_INTERSECTS(geometry, POINT(110.1 34.57))`, `{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Point","coordinates":[110.1,34.57]}]}`,
			cql2.Spatial{Op: "s_intersects", Left: prop("geometry", cql2.TGeometry), Right: cql2.Geometry{Value: orb.Point{110.1, 34.57}}}},
		{"within a bbox", `s_within(geometry, BBOX(110.09, 34.56, 110.11, 34.58))`, `{"op":"s_within","args":[{"property":"geometry"},{"bbox":[110.09,34.56,110.11,34.58]}]}`,
			cql2.Spatial{Op: "s_within", Left: prop("geometry", cql2.TGeometry), Right: cql2.BBox{West: 110.09, South: 34.56, East: 110.11, North: 34.58}}},
		{"contains a polygon", `S_CONTAINS(POLYGON((110 34, 111 34, 111 35, 110 34)), geometry)`,
			`{"op":"s_contains","args":[{"type":"Polygon","coordinates":[[[110,34],[111,34],[111,35],[110,34]]]},{"property":"geometry"}]}`,
			cql2.Spatial{Op: "s_contains", Left: cql2.Geometry{Value: orb.Polygon{{{110, 34}, {111, 34}, {111, 35}, {110, 34}}}}, Right: prop("geometry", cql2.TGeometry)}},
		{"dwithin in metres", `S_DWITHIN(geometry, POINT(110.1 34.57), 250)`, `{"op":"s_dwithin","args":[{"property":"geometry"},{"type":"Point","coordinates":[110.1,34.57]},250]}`,
			cql2.DWithin{Left: prop("geometry", cql2.TGeometry), Right: cql2.Geometry{Value: orb.Point{110.1, 34.57}}, Metres: 250}},
		{"array contains", `A_CONTAINS(services, ('water', 'wifi'))`, `{"op":"a_contains","args":[{"property":"services"},["water","wifi"]]}`,
			cql2.Array{Op: "a_contains", Left: prop("services", cql2.TStringArray), Right: cql2.List{Items: []cql2.Expr{cql2.String{Value: "water"}, cql2.String{Value: "wifi"}}}}},
		{"property-property", `floors < height_m`, `{"op":"<","args":[{"property":"floors"},{"property":"height_m"}]}`,
			cql2.Compare{Op: "<", Left: floors, Right: prop("height_m", cql2.TNumber)}},
		{"boolean literal", `true`, `true`, cql2.Bool{Value: true}},
	}
	lim := cql2.DefaultLimits()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for enc, parse := range map[string]func() (cql2.Expr, error){
				"text": func() (cql2.Expr, error) { return cql2.ParseText(tt.text, lim) },
				"json": func() (cql2.Expr, error) { return cql2.ParseJSON([]byte(tt.json), lim) },
			} {
				e, err := parse()
				if err != nil {
					t.Fatalf("%s: parse: %v", enc, err)
				}
				got, err := cql2.Check(e, queryables)
				if err != nil {
					t.Fatalf("%s: check: %v", enc, err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("%s: tree (-want +got):\n%s", enc, diff)
				}
			}
		})
	}
}

// TestParse_refusals checks that what cannot be answered is refused with a
// sentence naming the problem, and never panics.
func TestParse_refusals(t *testing.T) {
	lim := cql2.DefaultLimits()
	tests := []struct {
		name, text string
		want       string // in the error message
		limit      bool   // a *LimitError rather than a syntax or type error
	}{
		{"unknown property names the queryables", `colour = 'red'`, `Unknown property "colour"; the queryables are name_en, kind, floors`, false},
		{"unknown function", `LENGTH(name_en) > 3`, "Unknown function LENGTH", false},
		{"arithmetic", `floors + 1 > 6`, "Arithmetic (+) is not supported", false},
		{"not equal with !=", `floors != 6`, "<>", false},
		{"temporal function", `T_AFTER(updated_at, TIMESTAMP('2024-01-01T00:00:00Z'))`, "Temporal functions", false},
		{"text compared with a number", `name_en > 3`, "compares values of one kind", false},
		{"geometry compared with =", `geometry = POINT(1 2)`, "spatial functions", false},
		{"like on a number", `floors LIKE '1%'`, "LIKE matches text", false},
		{"unterminated string", `kind = 'cabin`, "not closed", false},
		{"dangling and", `kind = 'cabin' AND`, "ends where", false},
		{"injection stays a value", `kind = 'x''; DROP TABLE posts; --'`, "", false},
		{"too far", `S_DWITHIN(geometry, POINT(110 34), 1e9)`, "S_DWITHIN's distance", true},
		{"deep nesting", strings.Repeat("(", 200) + "floors > 1" + strings.Repeat(")", 200), "nests deeper", true},
		{"deep NOTs", strings.Repeat("NOT ", 200) + "floors > 1", "nests deeper", true},
		{"ten thousand terms", "floors IN (" + strings.TrimSuffix(strings.Repeat("1,", 10000), ",") + ")", "more than 400 terms", true},
		{"ten thousand ORs", strings.TrimSuffix(strings.Repeat("floors=1 OR ", 10000), " OR "), "longer than", true},
		{"long", "kind = '" + strings.Repeat("x", 70000) + "'", "longer than", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := cql2.ParseText(tt.text, lim)
			if err == nil {
				_, err = cql2.Check(e, queryables)
			}
			if tt.want == "" {
				if err != nil {
					t.Fatalf("err = %v, want a filter comparing kind with the whole text", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			var le *cql2.LimitError
			if errors.As(err, &le) != tt.limit {
				t.Errorf("err = %T %v, limit error: want %v", err, err, tt.limit)
			}
		})
	}
	deepJSON := strings.Repeat(`{"op":"not","args":[`, 100) + `true` + strings.Repeat(`]}`, 100)
	if _, err := cql2.ParseJSON([]byte(deepJSON), lim); err == nil || !strings.Contains(err.Error(), "nests deeper") {
		t.Errorf("deep JSON: err = %v, want a nesting refusal", err)
	}
	if _, err := cql2.ParseJSON([]byte(`{"op":"strlen","args":[{"property":"kind"}]}`), lim); err == nil || !strings.Contains(err.Error(), `Unknown operator or function "strlen"`) {
		t.Errorf("unknown JSON op: err = %v", err)
	}
}

// FuzzParseText feeds arbitrary text to the parser and the checker: they
// answer a tree or an error, and never panic.
func FuzzParseText(f *testing.F) {
	for _, s := range []string{`floors > 6 AND kind = 'cabin'`, `S_INTERSECTS(geometry, POLYGON((1 2, 3 4, 5 6, 1 2)))`,
		`CASEI(name_en) LIKE CASEI('x%')`, `kind IN ('a','b')`, `NOT (a IS NULL)`, `A_CONTAINS(services, ('water'))`, `BBOX(1,2,3,4)`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := cql2.ParseText(s, cql2.DefaultLimits())
		if err == nil {
			_, _ = cql2.Check(e, queryables)
		}
	})
}
