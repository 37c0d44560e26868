package postgis

import (
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"partymap/internal/cql2"
	"partymap/internal/geo"
)

// A CQL2 filter becomes one SQL condition: every value is a numbered
// parameter, every identifier a column the catalogue names (the checked
// tree's properties are the layer's queryables). Geometry literals are
// turned into PostGIS's axis order in Go and transformed to the stored
// WGS 84 by PostGIS.

// whereBuilder collects a condition's text and parameters.
type whereBuilder struct {
	l    geo.Layer
	crs  geo.CRSRef // of the filter's geometry literals
	args []any
}

// param adds a parameter and returns its placeholder with a cast, so that
// the statement's types never depend on how pgx guesses them.
func (b *whereBuilder) param(v any, cast string) string {
	b.args = append(b.args, v)
	return fmt.Sprintf("$%d::%s", len(b.args), cast)
}

// column returns the quoted column of a queryable of the layer.
func (b *whereBuilder) column(name string) (string, error) {
	switch name {
	case geo.PropID:
		return ident("id"), nil
	case geo.PropUpdatedAt:
		return ident("updated_at"), nil
	case geo.PropGeometry:
		return ident("geom"), nil
	}
	if f, ok := b.l.Field(name); ok && f.Type != geo.Position {
		return ident(f.Name), nil
	}
	return "", geo.Errorf(geo.EINVALID, "Layer %q has no queryable %q.", b.l.Name, name)
}

// cql adds a checked CQL2 predicate and returns its SQL.
func (b *whereBuilder) cql(e cql2.Expr) (string, error) {
	switch x := e.(type) {
	case cql2.And:
		return b.join(x.Args, " AND ")
	case cql2.Or:
		return b.join(x.Args, " OR ")
	case cql2.Not:
		s, err := b.cql(x.Arg)
		return "(NOT " + s + ")", err
	case cql2.Bool:
		if x.Value {
			return "TRUE", nil
		}
		return "FALSE", nil
	case cql2.Compare:
		vs, err := b.values(x.Left, x.Right)
		if err != nil {
			return "", err
		}
		return "(" + vs[0] + " " + x.Op + " " + vs[1] + ")", nil
	case cql2.Like:
		vs, err := b.values(x.Value, x.Pattern)
		if err != nil {
			return "", err
		}
		op := "LIKE"
		if x.Not {
			op = "NOT LIKE"
		}
		return "(" + vs[0] + " " + op + " " + vs[1] + ` ESCAPE '\')`, nil
	case cql2.Between:
		vs, err := b.values(x.Value, x.Low, x.High)
		if err != nil {
			return "", err
		}
		op := "BETWEEN"
		if x.Not {
			op = "NOT BETWEEN"
		}
		return "(" + vs[0] + " " + op + " " + vs[1] + " AND " + vs[2] + ")", nil
	case cql2.In:
		vs, err := b.values(append([]cql2.Expr{x.Value}, x.List...)...)
		if err != nil {
			return "", err
		}
		op := "IN"
		if x.Not {
			op = "NOT IN"
		}
		return "(" + vs[0] + " " + op + " (" + strings.Join(vs[1:], ", ") + "))", nil
	case cql2.IsNull:
		v, err := b.value(x.Value, false)
		if err != nil {
			return "", err
		}
		if x.Not {
			return "(" + v + " IS NOT NULL)", nil
		}
		return "(" + v + " IS NULL)", nil
	case cql2.Spatial:
		vs, err := b.values(x.Left, x.Right)
		if err != nil {
			return "", err
		}
		return spatialFuncs[x.Op] + "(" + vs[0] + ", " + vs[1] + ")", nil
	case cql2.DWithin:
		vs, err := b.values(x.Left, x.Right)
		if err != nil {
			return "", err
		}
		m := b.param(x.Metres, "float8")
		cond := fmt.Sprintf("ST_DWithin(%s::geography, %s::geography, %s)", vs[0], vs[1], m)
		// Geography has no index here: first keep the rows whose box
		// comes near the literal's, in degrees widened for the latitude.
		geom := ident("geom")
		for i, side := range []cql2.Expr{x.Left, x.Right} {
			if p, ok := side.(cql2.Property); ok && p.Name == geo.PropGeometry {
				lit := vs[1-i]
				cond = fmt.Sprintf(`(%[1]s && ST_Expand(%[2]s, %[3]s / (111320.0 * greatest(cos(radians(least(89.0, greatest(abs(ST_YMin(%[2]s)), abs(ST_YMax(%[2]s))) + 1.0))), 0.01)) * 1.01, %[3]s / 110000.0 * 1.01) AND %[4]s)`,
					geom, lit, m, cond)
				break
			}
		}
		return cond, nil
	case cql2.Array:
		vs, err := b.values(x.Left, x.Right)
		if err != nil {
			return "", err
		}
		return "(" + vs[0] + " " + arrayOps[x.Op] + " " + vs[1] + ")", nil
	}
	return "", geo.Errorf(geo.EINVALID, "The filter holds a value where a condition must stand.")
}

var spatialFuncs = map[string]string{
	"s_intersects": "ST_Intersects", "s_equals": "ST_Equals", "s_disjoint": "ST_Disjoint", "s_touches": "ST_Touches",
	"s_within": "ST_Within", "s_overlaps": "ST_Overlaps", "s_crosses": "ST_Crosses", "s_contains": "ST_Contains",
}

var arrayOps = map[string]string{"a_equals": "=", "a_contains": "@>", "a_containedby": "<@", "a_overlaps": "&&"}

func (b *whereBuilder) join(es []cql2.Expr, sep string) (string, error) {
	parts := make([]string, len(es))
	for i, e := range es {
		s, err := b.cql(e)
		if err != nil {
			return "", err
		}
		parts[i] = s
	}
	return "(" + strings.Join(parts, sep) + ")", nil
}

// values writes the operands of one predicate. Compared with a DATE, a
// timestamp is compared by its UTC date.
func (b *whereBuilder) values(es ...cql2.Expr) ([]string, error) {
	date := false
	for _, e := range es {
		if t, ok := e.(cql2.Timestamp); ok && t.Date {
			date = true
		}
	}
	out := make([]string, len(es))
	for i, e := range es {
		s, err := b.value(e, date)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

// value writes one operand.
func (b *whereBuilder) value(e cql2.Expr, date bool) (string, error) {
	switch x := e.(type) {
	case cql2.Property:
		col, err := b.column(x.Name)
		if err != nil {
			return "", err
		}
		if date && x.Type == cql2.TTimestamp {
			return "((" + col + " AT TIME ZONE 'UTC')::date)", nil
		}
		return col, nil
	case cql2.String:
		return b.param(x.Value, "text"), nil
	case cql2.Number:
		if x.Value == math.Trunc(x.Value) && math.Abs(x.Value) < 1<<53 {
			return b.param(int64(x.Value), "int8"), nil
		}
		return b.param(x.Value, "float8"), nil
	case cql2.Bool:
		if x.Value {
			return "TRUE", nil
		}
		return "FALSE", nil
	case cql2.Timestamp:
		if date {
			return b.param(x.Value.Format("2006-01-02"), "date"), nil
		}
		return b.param(x.Value, "timestamptz"), nil
	case cql2.CaseI:
		v, err := b.value(x.Arg, date)
		return "lower(" + v + ")", err
	case cql2.List:
		items := make([]string, len(x.Items))
		for i, it := range x.Items {
			s, _ := it.(cql2.String)
			items[i] = s.Value
		}
		return b.param(items, "text[]"), nil
	case cql2.Geometry:
		return b.geometry(b.crs.ToPostGIS(x.Value))
	case cql2.BBox:
		bb := b.crs.SwapBound(orb.Bound{Min: orb.Point{x.West, x.South}, Max: orb.Point{x.East, x.North}})
		return b.envelope(bb, b.crs), nil
	}
	return "", geo.Errorf(geo.EINVALID, "The filter holds a condition where a value must stand.")
}

// geometry writes a literal (in PostGIS's axis order) in WGS 84.
func (b *whereBuilder) geometry(g orb.Geometry) (string, error) {
	raw, err := wkb.Marshal(g)
	if err != nil {
		return "", geo.WrapError(geo.EINVALID, err, "A geometry of the filter cannot be used.")
	}
	crs := b.crs.OrCRS84()
	lit := fmt.Sprintf("ST_GeomFromWKB(%s, %d)", b.param(raw, "bytea"), crs.SRID)
	if crs.SRID != 4326 {
		lit = "ST_Transform(" + lit + ", 4326)"
	}
	return lit, nil
}

// envelope writes a box (PostGIS's axis order, in crs) as a WGS 84
// polygon; a geographic box whose west edge is east of its east edge
// crosses the antimeridian, and is the two boxes on either side of it.
func (b *whereBuilder) envelope(bb orb.Bound, crs geo.CRSRef) string {
	crs = crs.OrCRS84()
	box := func(w, s, e, n float64) string {
		env := fmt.Sprintf("ST_MakeEnvelope(%s, %s, %s, %s, %d)",
			b.param(w, "float8"), b.param(s, "float8"), b.param(e, "float8"), b.param(n, "float8"), crs.SRID)
		if crs.SRID != 4326 {
			// Densified first: a straight edge in one system is a curve
			// in the other.
			env = "ST_Transform(ST_Segmentize(" + env + ", " + segmentLength(crs) + "), 4326)"
		}
		return env
	}
	if crs.Geographic && bb.Min[0] > bb.Max[0] {
		return "ST_Union(" + box(bb.Min[0], bb.Min[1], 180, bb.Max[1]) + ", " + box(-180, bb.Min[1], bb.Max[0], bb.Max[1]) + ")"
	}
	return box(bb.Min[0], bb.Min[1], bb.Max[0], bb.Max[1])
}

// segmentLength is how finely a box's edges are cut before transforming
// it: about 100 m.
func segmentLength(crs geo.CRSRef) string {
	if crs.Geographic {
		return "0.001"
	}
	return "100"
}
