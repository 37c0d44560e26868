package postgis

import (
	"context"
	"fmt"
	"strings"

	"github.com/paulmach/orb"

	"partymap/internal/geo"
)

// overviewSQL reads the city's overview: the subdistricts, then the
// communities with their counts, each count a subquery of the counted
// layer by its community index.
type overviewSQL struct {
	subdistricts, communities string
	counts                    []geo.Count
}

// newOverviewSQL builds the overview's statements from the catalogue:
// only the counts whose layers it has.
func newOverviewSQL(cat *geo.Catalogue) overviewSQL {
	communities := cat.Communities()
	o := overviewSQL{counts: cat.Counts(communities)}
	var counts []string
	for _, n := range o.counts {
		cond := ""
		if n.Field != "" {
			values := make([]string, len(n.Values))
			for i, v := range n.Values {
				values[i] = literal(v)
			}
			cond = fmt.Sprintf(" AND c.%s = ANY(ARRAY[%s]::text[])", ident(n.Field), strings.Join(values, ", "))
		}
		counts = append(counts, fmt.Sprintf("(SELECT count(*) FROM %s c WHERE c.%s = t.%s%s)", ident(n.Layer), ident(geo.CommunityField), ident(communities.Key), cond))
	}
	if len(counts) == 0 {
		counts = []string{"0"}
	}
	subdistrict := "NULL::text"
	for _, f := range communities.Fields {
		if f.Ref == geo.SubdistrictLayer {
			subdistrict = "t." + ident(f.Name)
		}
	}
	area := `t.code, t.name_zh, t.name_en, ST_XMin(t.geom), ST_YMin(t.geom), ST_XMax(t.geom), ST_YMax(t.geom),
		ST_X(ST_PointOnSurface(t.geom)), ST_Y(ST_PointOnSurface(t.geom))`
	o.subdistricts = fmt.Sprintf(`SELECT %s, t.kind FROM %s t ORDER BY t.code`, area, ident(geo.SubdistrictLayer))
	o.communities = fmt.Sprintf(`SELECT %s, coalesce(%s, ''), ARRAY[%s]::bigint[] FROM %s t ORDER BY t.code`,
		area, subdistrict, strings.Join(counts, ", "), ident(communities.Name))
	return o
}

// Overview returns the city's subdistricts and communities with their
// counts. It implements geo.OverviewStore.
func (db *DB) Overview(ctx context.Context) (geo.Overview, error) {
	q := db.sql.overview
	var out geo.Overview
	err := db.read(ctx, anyChange, func(r querier) error {
		out = geo.Overview{Counts: q.counts, Subdistricts: []geo.Area{}, Communities: []geo.Area{}}
		scan := func(sql string, extra func(a *geo.Area) []any, into *[]geo.Area) error {
			rows, err := r.Query(ctx, sql)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var a geo.Area
				var b [4]float64
				var p orb.Point
				dst := append([]any{&a.Code, &a.Name.Zh, &a.Name.En, &b[0], &b[1], &b[2], &b[3], &p[0], &p[1]}, extra(&a)...)
				if err := rows.Scan(dst...); err != nil {
					return err
				}
				a.Bound, a.Point = orb.Bound{Min: orb.Point{b[0], b[1]}, Max: orb.Point{b[2], b[3]}}, p
				*into = append(*into, a)
			}
			return rows.Err()
		}
		if err := scan(q.subdistricts, func(a *geo.Area) []any { return []any{&a.Kind} }, &out.Subdistricts); err != nil {
			return err
		}
		var counts [][]int64
		err := scan(q.communities, func(a *geo.Area) []any {
			counts = append(counts, nil)
			return []any{&a.Subdistrict, &counts[len(counts)-1]}
		}, &out.Communities)
		if err != nil {
			return err
		}
		for i := range out.Communities {
			out.Communities[i].Counts = map[string]int64{}
			for j, n := range q.counts {
				if j < len(counts[i]) {
					out.Communities[i].Counts[n.Name] = counts[i][j]
				}
			}
		}
		return nil
	})
	if err != nil {
		return geo.Overview{}, storeError(err)
	}
	return out, nil
}
