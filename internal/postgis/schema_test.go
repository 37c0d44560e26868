package postgis_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"partymap/internal/geo"
)

// bookkeeping are the columns every layer table has besides the
// catalogue's fields (migrations 001, 004; partymap_register_layer in 005).
var bookkeeping = []string{"id", "geom", "geom_3857", "version", "updated_at", "updated_by"}

// schemaDrift compares stored layers with the migrated schema and returns
// every difference, one sentence each. The rules:
//
//   - each layer has a table, with a column per field of the field's type
//     (text; integer or bigint; double precision; text[]; a Position is
//     geometry(Point, 4326)) and no column besides them and bookkeeping;
//   - a column is NOT NULL exactly when its field is Required; a Derived
//     field is nullable (a point up to geo.DistanceTolerance outside the
//     community, or a co-building unit beyond it, lies in no grid);
//   - a field with Choices has a CHECK constraint that lists exactly
//     those values, and a column without Choices has none;
//   - a field with a Ref has a foreign key to the Ref layer's key (its Key
//     for text, its id for integers), derived ones included, and no other
//     column has one;
//   - geom has the layer's geometry type in SRID 4326, geom_3857 is
//     generated in 3857 with a GiST index, and the stamp and track
//     triggers are there.
func schemaDrift(ctx context.Context, pool *pgxpool.Pool, layers []geo.Layer) ([]string, error) {
	var drift []string
	add := func(format string, args ...any) { drift = append(drift, fmt.Sprintf(format, args...)) }
	byName := map[string]geo.Layer{}
	for _, l := range layers {
		byName[l.Name] = l
	}
	valueRE := regexp.MustCompile(`'((?:[^']|'')*)'::text`)
	for _, l := range layers {
		var exists bool
		if err := pool.QueryRow(ctx, `SELECT to_regclass(quote_ident($1)) IS NOT NULL`, l.Name).Scan(&exists); err != nil {
			return nil, err
		}
		if !exists {
			add("%s: there is no table for the layer", l.Name)
			continue
		}
		type column struct{ dataType, udt, nullable, generated string }
		cols := map[string]column{}
		rows, err := pool.Query(ctx, `SELECT column_name, data_type, udt_name, is_nullable, is_generated FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1`, l.Name)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var name string
			var c column
			if err := rows.Scan(&name, &c.dataType, &c.udt, &c.nullable, &c.generated); err != nil {
				rows.Close()
				return nil, err
			}
			cols[name] = c
		}
		rows.Close()
		geoms := map[string]string{}
		rows, err = pool.Query(ctx, `SELECT f_geometry_column, type || '/' || srid FROM geometry_columns WHERE f_table_schema = current_schema() AND f_table_name = $1`, l.Name)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var col, typ string
			if err := rows.Scan(&col, &typ); err != nil {
				rows.Close()
				return nil, err
			}
			geoms[col] = typ
		}
		rows.Close()
		checks := map[string][]string{} // column → the values a CHECK lists
		rows, err = pool.Query(ctx, `SELECT pg_get_constraintdef(c.oid), coalesce((SELECT array_agg(a.attname::text) FROM pg_attribute a
				WHERE a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)), '{}')
			FROM pg_constraint c WHERE c.conrelid = quote_ident($1)::regclass AND c.contype = 'c'`, l.Name)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var def string
			var on []string
			if err := rows.Scan(&def, &on); err != nil {
				rows.Close()
				return nil, err
			}
			if !strings.Contains(def, "ARRAY[") || len(on) != 1 {
				continue
			}
			for _, m := range valueRE.FindAllStringSubmatch(def, -1) {
				checks[on[0]] = append(checks[on[0]], strings.ReplaceAll(m[1], "''", "'"))
			}
		}
		rows.Close()
		fkeys := map[string]string{} // column → "table.column"
		rows, err = pool.Query(ctx, `SELECT a.attname, cf.relname || '.' || af.attname FROM pg_constraint c
			JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
			JOIN pg_class cf ON cf.oid = c.confrelid
			JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1]
			WHERE c.conrelid = quote_ident($1)::regclass AND c.contype = 'f'`, l.Name)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var col, target string
			if err := rows.Scan(&col, &target); err != nil {
				rows.Close()
				return nil, err
			}
			fkeys[col] = target
		}
		rows.Close()

		for _, f := range l.Fields {
			c, ok := cols[f.Name]
			if !ok {
				add("%s.%s: the table has no such column", l.Name, f.Name)
				continue
			}
			want, got := "", c.dataType
			switch f.Type {
			case geo.Text:
				want = "text"
			case geo.Integer:
				want = "integer or bigint"
				if got == "integer" || got == "bigint" {
					got = want
				}
			case geo.Number:
				want = "double precision"
			case geo.TextList:
				want, got = "text[]", c.udt
				if got == "_text" {
					got = want
				}
			case geo.Position:
				want, got = "POINT/4326", geoms[f.Name]
			}
			if got != want {
				add("%s.%s: the column is %s (%s), the catalogue's %s wants %s", l.Name, f.Name, c.dataType, c.udt, f.Type, want)
			}
			notNull := c.nullable == "NO"
			switch {
			case f.Derived && notNull:
				add("%s.%s: derived, so it must be nullable (a feature may lie in no grid), but the column is NOT NULL", l.Name, f.Name)
			case !f.Derived && f.Required != notNull:
				add("%s.%s: the catalogue has Required %v, the column NOT NULL %v", l.Name, f.Name, f.Required, notNull)
			}
			values := slices.Sorted(slices.Values(f.Values()))
			listed := slices.Sorted(slices.Values(checks[f.Name]))
			if !slices.Equal(values, listed) {
				add("%s.%s: the catalogue allows %v, the table's CHECK %v", l.Name, f.Name, values, listed)
			}
			var wantKey string
			if f.Ref != "" {
				ref, ok := byName[f.Ref]
				key := "id"
				if f.Type == geo.Text && ref.Key != "" {
					key = ref.Key
				}
				if !ok {
					add("%s.%s: refers to layer %q, which the catalogue does not have", l.Name, f.Name, f.Ref)
				}
				wantKey = f.Ref + "." + key
			}
			if fkeys[f.Name] != wantKey {
				add("%s.%s: the catalogue refers to %q, the table's foreign key to %q", l.Name, f.Name, wantKey, fkeys[f.Name])
			}
		}
		if got, want := geoms["geom"], strings.ToUpper(string(l.Geometry))+"/4326"; got != want {
			add("%s.geom: the column is %s, the catalogue wants %s", l.Name, got, want)
		}
		if got, want := geoms["geom_3857"], strings.ToUpper(string(l.Geometry))+"/3857"; got != want || cols["geom_3857"].generated != "ALWAYS" {
			add("%s.geom_3857: %s generated %q, want %s generated always (partymap_register_layer)", l.Name, got, cols["geom_3857"].generated, want)
		}
		for name := range cols {
			if !slices.Contains(bookkeeping, name) && !slices.Contains(l.FieldNames(), name) {
				add("%s.%s: the column is not in the catalogue", l.Name, name)
			}
		}
		var stamp, track, index bool
		err = pool.QueryRow(ctx, `SELECT
				EXISTS (SELECT 1 FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid WHERE t.tgrelid = quote_ident($1)::regclass AND p.proname = 'partymap_stamp'),
				EXISTS (SELECT 1 FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid WHERE t.tgrelid = quote_ident($1)::regclass AND p.proname = 'partymap_track'),
				EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1 AND indexdef LIKE '%USING gist (geom_3857)%')`,
			l.Name).Scan(&stamp, &track, &index)
		if err != nil {
			return nil, err
		}
		if !stamp || !track || !index {
			add("%s: stamp trigger %v, track trigger %v, GiST index on geom_3857 %v; want all (partymap_register_layer)", l.Name, stamp, track, index)
		}
	}
	return drift, nil
}

// The catalogue and the migrated schema say the same thing about every
// stored layer.
func TestCatalogue_matchesSchema(t *testing.T) {
	db, _ := openTestDB(t)
	drift, err := schemaDrift(context.Background(), db.Pool(), geo.NewCatalogue().Layers())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range drift {
		t.Error(d)
	}
}

// The comparison notices each way the two can drift apart: each case
// changes a copy of the catalogue as a careless edit would.
func TestCatalogue_matchesSchema_noticesDrift(t *testing.T) {
	db, _ := openTestDB(t)
	field := func(l *geo.Layer, name string) *geo.Field {
		for i := range l.Fields {
			if l.Fields[i].Name == name {
				return &l.Fields[i]
			}
		}
		t.Fatalf("%s has no field %s", l.Name, name)
		return nil
	}
	tests := []struct {
		name   string
		change func(ls []geo.Layer, posts *geo.Layer) []geo.Layer
		want   string
	}{
		{"a layer without a table", func(ls []geo.Layer, _ *geo.Layer) []geo.Layer {
			return append(ls, geo.Layer{Name: "towers", Geometry: geo.Point})
		}, "towers: there is no table"},
		{"a field without a column", func(ls []geo.Layer, p *geo.Layer) []geo.Layer {
			p.Fields = append(p.Fields, geo.Field{Name: "colour", Type: geo.Text})
			return ls
		}, "posts.colour: the table has no such column"},
		{"a column without a field", func(ls []geo.Layer, p *geo.Layer) []geo.Layer {
			p.Fields = slices.DeleteFunc(p.Fields, func(f geo.Field) bool { return f.Name == "phone" })
			return ls
		}, "posts.phone: the column is not in the catalogue"},
		{"another type", func(ls []geo.Layer, p *geo.Layer) []geo.Layer {
			field(p, "hours").Type = geo.Integer
			return ls
		}, "posts.hours: the column is text (text), the catalogue's integer wants integer or bigint"},
		{"required, but nullable", func(ls []geo.Layer, p *geo.Layer) []geo.Layer {
			field(p, "phone").Required = true
			return ls
		}, "posts.phone: the catalogue has Required true, the column NOT NULL false"},
		{"derived, but NOT NULL", func(ls []geo.Layer, p *geo.Layer) []geo.Layer {
			field(p, "kind").Derived = true
			return ls
		}, "posts.kind: derived, so it must be nullable"},
		{"a choice the CHECK lacks", func(ls []geo.Layer, p *geo.Layer) []geo.Layer {
			f := field(p, "services")
			f.Choices = append(slices.Clone(f.Choices), geo.Choice{Value: "shower"})
			return ls
		}, "posts.services: the catalogue allows [charging first_aid map rest shower umbrella water wifi], the table's CHECK [charging first_aid map rest umbrella water wifi]"},
		{"choices without a CHECK", func(ls []geo.Layer, p *geo.Layer) []geo.Layer {
			field(p, "hours").Choices = []geo.Choice{{Value: "always"}}
			return ls
		}, "posts.hours: the catalogue allows [always], the table's CHECK []"},
		{"a reference without a foreign key", func(ls []geo.Layer, p *geo.Layer) []geo.Layer {
			field(p, "phone").Ref = "grids"
			return ls
		}, `posts.phone: the catalogue refers to "grids.code", the table's foreign key to ""`},
		{"a foreign key without a reference", func(ls []geo.Layer, p *geo.Layer) []geo.Layer {
			field(p, "grid_code").Ref = ""
			return ls
		}, `posts.grid_code: the catalogue refers to "", the table's foreign key to "grids.code"`},
		{"another geometry", func(ls []geo.Layer, p *geo.Layer) []geo.Layer {
			p.Geometry = geo.Polygon
			return ls
		}, "posts.geom: the column is POINT/4326, the catalogue wants POLYGON/4326"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ls := geo.NewCatalogue().Layers()
			i := slices.IndexFunc(ls, func(l geo.Layer) bool { return l.Name == "posts" })
			ls = tt.change(ls, &ls[i])
			drift, err := schemaDrift(context.Background(), db.Pool(), ls)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(drift, func(d string) bool { return strings.Contains(d, tt.want) }) {
				t.Errorf("drift %q, want one containing %q", drift, tt.want)
			}
		})
	}
}

// A table that lost what partymap_register_layer gives is noticed too.
func TestCatalogue_matchesSchema_noticesUnregistered(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	if _, err := db.Pool().Exec(ctx, `DROP TRIGGER posts_track ON posts; DROP INDEX posts_geom_3857_idx`); err != nil {
		t.Fatal(err)
	}
	drift, err := schemaDrift(ctx, db.Pool(), geo.NewCatalogue().Layers())
	if err != nil {
		t.Fatal(err)
	}
	want := "posts: stamp trigger true, track trigger false, GiST index on geom_3857 false"
	if !slices.Contains(drift, want+"; want all (partymap_register_layer)") {
		t.Errorf("drift %q, want %q", drift, want)
	}
}
