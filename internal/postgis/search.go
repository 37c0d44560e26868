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

// Search matches names (Chinese and English, case-insensitive) and keys
// (grid and community codes), optionally within one community. A city has
// 100,000 buildings, so every layer's names are indexed for "contains"
// (migrations/021): a text of three characters or more through a trigram
// index (pg_trgm), a shorter one (驿站: most Chinese searches) through an
// index of the characters and pairs of characters, both on
// partymap_search_text. Each layer gives at most searchCandidates
// features that match, which are then ranked: a text that more than that
// many features of one layer hold ("号楼": every building) is answered
// from the first ones found, exact and prefix matches first among them.
// Besides names, a text that names a layer ("parking", "停车场") finds that
// layer's features, and one that names a post service ("充电", "first
// aid") finds the posts offering it.

// Ranks of a search hit, best first; rankNone means no match.
const (
	rankExact = iota
	rankPrefix
	rankContains
	rankService
	rankLayer
	rankNone = 9
)

// searchCandidates bounds the features one layer contributes to be ranked.
const searchCandidates = 200

// minTrigramText is the shortest text the trigram index serves; shorter
// ones go to the index of characters and their pairs.
const minTrigramText = 3

// searchArgs numbers the parameters of one search statement.
type searchArgs struct{ values []any }

// add appends a value and returns its placeholder.
func (a *searchArgs) add(v any) string {
	a.values = append(a.values, v)
	return fmt.Sprintf("$%d", len(a.values))
}

// searchText is the indexed search text of a layer's row t (migrations/021).
func searchText(l geo.Layer) string {
	key := "NULL"
	if l.Key != "" {
		key = "t." + ident(l.Key)
	}
	return fmt.Sprintf("partymap_search_text(t.name_zh, t.name_en, %s)", key)
}

// communityCond is the condition that keeps a layer's rows t to the
// community with the code in param: its community field, its own code for
// the communities, the community's subdistrict for the subdistricts; ok
// is false for a layer with none of these.
func communityCond(cat *geo.Catalogue, l geo.Layer, param string) (string, bool) {
	communities := cat.Communities()
	switch {
	case l.Name == communities.Name:
		return fmt.Sprintf("t.%s = %s", ident(communities.Key), param), true
	case hasField(l, geo.CommunityField):
		return fmt.Sprintf("t.%s = %s", ident(geo.CommunityField), param), true
	}
	for _, f := range communities.Fields {
		if f.Ref == l.Name && l.Key != "" {
			return fmt.Sprintf("t.%s = (SELECT %s FROM %s WHERE %s = %s)", ident(l.Key), ident(f.Name), ident(communities.Name), ident(communities.Key), param), true
		}
	}
	return "", false
}

// hasField reports whether the layer has a field of that name.
func hasField(l geo.Layer, name string) bool {
	_, ok := l.Field(name)
	return ok
}

// searchSQL returns the statement of one search and its arguments: for
// each layer the features whose search text holds the text, ranked, and
// the arms of a named layer and of named services, each with its best
// limit; one row per feature at its best rank.
func searchSQL(cat *geo.Catalogue, text string, services, layers []string, community string, limit int) (string, []any) {
	esc := likeEscape(text)
	caseless := !strings.ContainsFunc(text, func(r rune) bool { return unicode.IsUpper(r) || unicode.IsLower(r) })
	var a searchArgs
	exactP, prefixP := a.add(text), a.add(esc+"%")
	containsP := a.add("%" + strings.ToLower(esc) + "%")
	limitP := a.add(limit)
	var match string
	if utf8.RuneCountInString(text) < minTrigramText {
		match = "partymap_grams(%s) @> " + a.add(queryGrams(strings.ToLower(text))) + "::text[]"
	} else {
		match = "%s LIKE " + containsP
	}
	communityP := ""
	if community != "" {
		communityP = a.add(community)
	}
	like, equal := "ILIKE", "lower(%[1]s) = lower("+exactP+")"
	if caseless {
		like, equal = "LIKE", "%[1]s = "+exactP
	}
	rank := func(col string) string {
		return fmt.Sprintf(`CASE WHEN `+equal+` THEN %[2]d WHEN %[1]s `+like+` `+prefixP+` THEN %[3]d WHEN %[1]s `+like+` `+containsP+` THEN %[4]d ELSE %[5]d END`,
			col, rankExact, rankPrefix, rankContains, rankNone)
	}
	var arms []string
	for i, l := range cat.Layers() {
		if _, named := l.Field("name_zh"); !named || l.Public != nil {
			// Search finds places by name: residents' orders have none,
			// and are not places to find.
			continue
		}
		where := []string{}
		if community != "" {
			cond, ok := communityCond(cat, l, communityP)
			if !ok {
				continue
			}
			where = append(where, cond)
		}
		point := "ST_PointOnSurface(geom)"
		if l.Geometry == geo.LineString {
			point = "ST_LineInterpolatePoint(geom, 0.5)"
		}
		// Ties between layers go to what a visitor looks for first.
		pos := l.SearchRank
		if pos == 0 {
			pos = len(cat.Layers()) + i
		}
		arm := func(rankExpr string, conds []string, cap string, order string) string {
			cond := "true"
			if len(conds) > 0 {
				cond = strings.Join(conds, " AND ")
			}
			return fmt.Sprintf(`SELECT %[1]s AS layer, %[2]d AS layer_order, id, name_zh, name_en, %[3]s AS pt, rank FROM (
    SELECT id, name_zh, name_en, geom, %[4]s AS rank FROM (SELECT t.* FROM %[5]s t WHERE %[6]s%[7]s) t
    ORDER BY %[8]s LIMIT %[9]s) h`,
				literal(l.Name), pos, point, rankExpr, ident(l.Name), cond, cap, order, limitP)
		}
		cols := []string{"t.name_zh", "t.name_en"}
		if l.Key != "" {
			cols = append(cols, "t."+ident(l.Key))
		}
		ranks := make([]string, len(cols))
		for k, c := range cols {
			ranks[k] = rank(c)
		}
		names := append([]string{fmt.Sprintf(match, searchText(l))}, where...)
		arms = append(arms, arm("LEAST("+strings.Join(ranks, ", ")+")", names, fmt.Sprintf(" LIMIT %d", searchCandidates), "rank, length(name_zh), id"))
		if hasField(l, "services") && len(services) > 0 {
			arms = append(arms, arm(fmt.Sprint(rankService), append([]string{"t.services && " + a.add(services) + "::text[]"}, where...), "", "length(name_zh), id"))
		}
		if slices.Contains(layers, l.Name) {
			// Every feature of the layer matches: the first ones by id,
			// without sorting a city's 100,000 buildings by name.
			arms = append(arms, arm(fmt.Sprint(rankLayer), where, "", "id"))
		}
	}
	return `SELECT layer, id, name_zh, name_en, ST_X(pt), ST_Y(pt), rank FROM (
SELECT DISTINCT ON (layer, id) * FROM (
` + strings.Join(arms, "\nUNION ALL\n") + `
) arms ORDER BY layer, id, rank
) hits
ORDER BY rank, layer_order, length(name_zh), id
LIMIT ` + limitP, a.values
}

// queryGrams are what a short text's rows must all hold among their
// characters and pairs of characters (partymap_grams): its pairs, or its
// one character.
func queryGrams(t string) []string {
	r := []rune(t)
	if len(r) == 1 {
		return []string{t}
	}
	var out []string
	for i := 0; i+1 < len(r); i++ {
		out = append(out, string(r[i:i+2]))
	}
	return out
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

// Search returns the features whose names or key match the text, within
// q.Community when it is set, best matches first: exact, then prefix, then
// contains, then posts offering a named service, then features of a named
// layer.
func (db *DB) Search(ctx context.Context, q geo.SearchQuery) ([]geo.SearchHit, error) {
	text, err := geo.ParseSearchText(q.Text)
	if err != nil {
		return nil, err
	}
	if q.Limit < 1 || q.Limit > geo.MaxSearchLimit {
		return nil, geo.Errorf(geo.EINVALID, "The limit must be from 1 to %d; got %d.", geo.MaxSearchLimit, q.Limit)
	}
	if q.Community != "" {
		if err := db.checkCommunity(ctx, q.Community); err != nil {
			return nil, err
		}
	}
	sql, args := searchSQL(db.cat, text, matchedServices(db.cat, text), matchedLayers(db.cat, text), q.Community, q.Limit)
	var hits []geo.SearchHit
	err = db.read(ctx, anyChange, func(q querier) error {
		hits = []geo.SearchHit{}
		rows, err := q.Query(ctx, sql, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var h geo.SearchHit
			var x, y float64
			var rank int
			if err := rows.Scan(&h.Layer, &h.ID, &h.NameZh, &h.NameEn, &x, &y, &rank); err != nil {
				return err
			}
			h.Point = [2]float64{x, y}
			h.Match = []string{geo.MatchExact, geo.MatchPrefix, geo.MatchContains, geo.MatchService, geo.MatchLayer}[rank]
			hits = append(hits, h)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, storeError(err)
	}
	return hits, nil
}
