package postgis

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"partymap/internal/geo"
)

// Search matches names (Chinese and English, case-insensitive) and grid
// codes with plain ILIKE, its wildcards escaped: the community has a few
// hundred features, which a scan reads in well under a millisecond. (A
// city-wide deployment would add pg_trgm GIN indexes; PostgreSQL ships the
// extension in its contrib.) Besides names, a text that names a layer
// ("parking", "停车场") finds that layer's features, and one that names a
// post service ("充电", "first aid") finds the posts offering it.

// Ranks of a search hit, best first; rankNone means no match.
const (
	rankExact = iota
	rankPrefix
	rankContains
	rankService
	rankLayer
	rankNone = 9
)

// searchSQL returns the search over every layer. Parameters: $1 the text,
// $2 its prefix pattern, $3 its contains pattern, $4 the services the text
// names, $5 the layers it names, $6 the limit. Each layer's branch filters
// with one pattern match per column, ranks only what matched, and keeps its
// best $6 before the point to fly to is computed. A text without upper or
// lower case letters (Chinese, digits) is matched with LIKE, which means the
// same as ILIKE for it and costs a quarter: ILIKE folds the case of every
// name it reads.
func searchSQL(cat *geo.Catalogue, caseless bool) string {
	like, equal := "ILIKE", "lower(%[1]s) = lower($1)"
	if caseless {
		like, equal = "LIKE", "%[1]s = $1"
	}
	rank := func(col string) string {
		return fmt.Sprintf(`CASE WHEN `+equal+` THEN %[2]d WHEN %[1]s `+like+` $2 THEN %[3]d WHEN %[1]s `+like+` $3 THEN %[4]d ELSE %[5]d END`,
			col, rankExact, rankPrefix, rankContains, rankNone)
	}
	var parts []string
	for i, l := range cat.Layers() {
		cols := []string{ident("name_zh"), ident("name_en")}
		if l.Key != "" {
			cols = append(cols, ident(l.Key))
		}
		var ranks, conds []string
		for _, c := range cols {
			ranks = append(ranks, rank(c))
			conds = append(conds, c+" "+like+" $3")
		}
		if _, ok := l.Field("services"); ok {
			ranks = append(ranks, fmt.Sprintf(`CASE WHEN services && $4::text[] THEN %d ELSE %d END`, rankService, rankNone))
			conds = append(conds, "services && $4::text[]")
		}
		ranks = append(ranks, fmt.Sprintf(`CASE WHEN %s = ANY($5::text[]) THEN %d ELSE %d END`, literal(l.Name), rankLayer, rankNone))
		conds = append(conds, fmt.Sprintf(`%s = ANY($5::text[])`, literal(l.Name)))
		point := "ST_PointOnSurface(geom)"
		if l.Geometry == geo.LineString {
			point = "ST_LineInterpolatePoint(geom, 0.5)"
		}
		// Ties between layers go to what a visitor looks for first.
		pos := l.SearchRank
		if pos == 0 {
			pos = len(cat.Layers()) + i
		}
		parts = append(parts, fmt.Sprintf(`SELECT %[1]s AS layer, %[2]d AS layer_order, id, name_zh, name_en, %[3]s AS pt, rank FROM (
    SELECT id, name_zh, name_en, geom, LEAST(%[4]s) AS rank FROM %[6]s
    WHERE %[5]s
    ORDER BY rank, length(name_zh), id LIMIT $6) %[7]s`,
			literal(l.Name), pos, point, strings.Join(ranks, ", "), strings.Join(conds, " OR "), ident(l.Name), ident(l.Name+"_hits")))
	}
	return `SELECT layer, id, name_zh, name_en, ST_X(pt), ST_Y(pt), rank FROM (
` + strings.Join(parts, "\nUNION ALL\n") + `
) hits
ORDER BY rank, layer_order, length(name_zh), id
LIMIT $6`
}

// likeEscape escapes ILIKE's wildcards so that the text matches literally.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// matchedServices returns the post services that the text names: it equals
// a service's name or label ("水", "wifi"), is part of one ("charg",
// "first"), or, in Chinese, contains one ("充电宝" names 充电). A single
// character must equal a label.
func matchedServices(cat *geo.Catalogue, text string) []string {
	t := strings.ToLower(text)
	var out []string
	services, _ := cat.Field("posts", "services")
	for _, c := range services.Choices {
		names := []string{c.Value, strings.ReplaceAll(c.Value, "_", " "), strings.ToLower(c.Label.En), c.Label.Zh}
		for _, k := range c.Keywords {
			names = append(names, strings.ToLower(k))
		}
		if slices.ContainsFunc(names, func(n string) bool { return textNames(t, n) }) {
			out = append(out, c.Value)
		}
	}
	return out
}

// matchedLayers returns the layers whose name or title the text names, as
// matchedServices reads it.
func matchedLayers(cat *geo.Catalogue, text string) []string {
	t := strings.ToLower(text)
	var out []string
	for _, l := range cat.Layers() {
		names := []string{l.Name, strings.ToLower(l.Title.En), l.Title.Zh, strings.ToLower(l.Item.En), l.Item.Zh}
		if slices.ContainsFunc(names, func(n string) bool { return textNames(t, n) }) {
			out = append(out, l.Name)
		}
	}
	return out
}

// textNames reports whether the lower-case text t names n: equal to it,
// part of it (two characters at least), or containing it when n is Chinese.
func textNames(t, n string) bool {
	switch {
	case n == "" || t == "":
		return false
	case t == n:
		return true
	case utf8.RuneCountInString(t) < 2:
		return false
	case strings.Contains(n, t):
		return true
	}
	return hasHan(n) && strings.Contains(t, n)
}

func hasHan(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
}

// Search returns the features whose names or grid code match the text,
// best matches first: exact, then prefix, then contains, then posts
// offering a named service, then features of a named layer.
func (db *DB) Search(ctx context.Context, q geo.SearchQuery) ([]geo.SearchHit, error) {
	text, err := geo.ParseSearchText(q.Text)
	if err != nil {
		return nil, err
	}
	if q.Limit < 1 || q.Limit > geo.MaxSearchLimit {
		return nil, geo.Errorf(geo.EINVALID, "The limit must be from 1 to %d; got %d.", geo.MaxSearchLimit, q.Limit)
	}
	esc := likeEscape(text)
	caseless := !strings.ContainsFunc(text, func(r rune) bool { return unicode.IsUpper(r) || unicode.IsLower(r) })
	rows, err := db.pool.Query(ctx, searchSQL(db.cat, caseless), text, esc+"%", "%"+esc+"%", matchedServices(db.cat, text), matchedLayers(db.cat, text), q.Limit)
	if err != nil {
		return nil, storeError(err)
	}
	defer rows.Close()
	hits := []geo.SearchHit{}
	for rows.Next() {
		var h geo.SearchHit
		var x, y float64
		var rank int
		if err := rows.Scan(&h.Layer, &h.ID, &h.NameZh, &h.NameEn, &x, &y, &rank); err != nil {
			return nil, storeError(err)
		}
		h.Point = [2]float64{x, y}
		h.Match = []string{geo.MatchExact, geo.MatchPrefix, geo.MatchContains, geo.MatchService, geo.MatchLayer}[rank]
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, storeError(err)
	}
	return hits, nil
}
