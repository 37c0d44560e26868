package httpapi

import (
	"bytes"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"sort"

	"partymap/internal/geo"
)

// The HTML pages of collections, item pages and items, good enough for a
// person to browse the data: the features in a small map (the embedded
// MapLibre, drawing the page's own GeoJSON over the map's style), a table,
// paging links that stay HTML, and a filter box. Scripts are files of our
// own (CSP: script-src 'self'); the map reads the page's JSON at the
// address in data-src.

const featurePageTemplate = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · partymap</title>
<link rel="icon" href="data:,">
{{if .Map}}<link rel="stylesheet" href="/static/vendor/maplibre-gl/maplibre-gl.css">
<script type="module" src="/static/js/ogc-map.js"></script>{{end}}
<style>
body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:1.5rem auto;max-width:72rem;padding:0 1rem;color:#222}
h1{color:#b71c1c;margin:.5rem 0}a{color:#0b57d0}nav a{margin-right:.6rem}
#ogc-map{height:320px;border:1px solid #ccc;border-radius:6px;margin:1rem 0;background:#f3efe6}
table{border-collapse:collapse;font-size:.85rem;width:100%}td,th{border-bottom:1px solid #e5e5e5;padding:.25rem .4rem;text-align:left;vertical-align:top}
th{background:#faf7f2}form{margin:1rem 0;display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
form input[name=filter]{flex:1 1 28rem;font-family:monospace;padding:.3rem}.muted{color:#777;font-size:.85rem}
.paging a{margin-right:1rem}
</style></head><body>
<nav><a href="/?f=html">partymap</a> <a href="/collections?f=html">collections</a> <a href="/api?f=html">API</a>{{range .Nav}} <a href="{{.Href}}">{{.Title}}</a>{{end}}</nav>
<h1>{{.Title}}</h1>
{{if .Description}}<p>{{.Description}}</p>{{end}}
{{if .Form}}<form method="get" action="{{.Form.Action}}">
<input type="hidden" name="f" value="html">
<label>CQL2 <input name="filter" value="{{.Form.Filter}}" placeholder="floors &gt; 6 AND grid_code = 'XY07'"></label>
<label>sortby <input name="sortby" value="{{.Form.SortBy}}" size="14" placeholder="-floors,+name_zh"></label>
<label>limit <input name="limit" value="{{.Form.Limit}}" size="5"></label>
<button type="submit">查询 Filter</button>
<span class="muted">queryables: {{.Form.Queryables}}</span>
</form>{{end}}
{{if .Summary}}<p class="muted">{{.Summary}}</p>{{end}}
{{if .Map}}<div id="ogc-map" data-src="{{.Map}}" role="img" aria-label="map of the features"></div>{{end}}
{{if .Paging}}<p class="paging">{{range .Paging}}<a href="{{.Href}}" rel="{{.Rel}}">{{.Title}}</a>{{end}}</p>{{end}}
{{if .Columns}}<table><thead><tr>{{range .Columns}}<th>{{.}}</th>{{end}}</tr></thead><tbody>
{{range .Rows}}<tr>{{range .}}<td>{{if .Href}}<a href="{{.Href}}">{{.Text}}</a>{{else}}{{.Text}}{{end}}</td>{{end}}</tr>{{end}}
</tbody></table>{{end}}
{{if .Links}}<h2>Links</h2><ul>{{range .Links}}<li><a href="{{.Href}}">{{if .Title}}{{.Title}}{{else}}{{.Href}}{{end}}</a> <span class="muted">{{.Rel}} {{.Type}}</span></li>{{end}}</ul>{{end}}
</body></html>`

// featurePage is what featurePageTemplate shows.
type featurePage struct {
	Title, Description, Summary string
	// Map is the address of the GeoJSON the small map draws; empty: no map.
	Map     string
	Nav     []Link
	Form    *filterForm
	Paging  []Link
	Columns []string
	Rows    [][]cell
	Links   []Link
}

type filterForm struct {
	Action, Filter, SortBy, Limit, Queryables string
}

type cell struct{ Text, Href string }

// renderFeaturePage renders a feature page as an answer for the cache.
func (s *Server) renderFeaturePage(p featurePage) (rendered, error) {
	if s.cfg.Viewer == nil {
		p.Map = ""
	}
	var out bytes.Buffer
	if err := s.featurePage.Execute(&out, p); err != nil {
		return rendered{}, err
	}
	return rendered{contentType: "text/html; charset=UTF-8", body: out.Bytes()}, nil
}

// itemsHTML is the HTML page of a page of items.
func (s *Server) itemsHTML(l geo.Layer, f geo.Filter, body featureCollectionJSON) (rendered, error) {
	var self, jsonHref string
	var paging, rest []Link
	for _, lk := range body.Links {
		switch {
		case lk.Rel == relSelf:
			self = lk.Href
		case lk.Rel == relAlternate && lk.Type == mediaGeoJSON:
			jsonHref = lk.Href
		case lk.Rel == relNext || lk.Rel == relPrev:
			paging = append(paging, lk)
		}
		rest = append(rest, lk)
	}
	sort.Slice(paging, func(i, j int) bool { return paging[i].Rel == relPrev })
	q := url.Values{}
	if u, err := url.Parse(self); err == nil {
		q = u.Query()
	}
	var names []string
	for _, qb := range l.Queryables() {
		names = append(names, qb.Name)
	}
	cols := []string{"id"}
	for _, fd := range l.Fields {
		if f.Properties == nil || slices.Contains(f.Properties, fd.Name) {
			cols = append(cols, fd.Name)
		}
	}
	rows := make([][]cell, 0, len(body.Features))
	base := "/collections/" + l.Name + "/items/"
	for _, ft := range body.Features {
		row := []cell{{Text: fmt.Sprint(ft.ID), Href: fmt.Sprintf("%s%d?f=html", base, ft.ID)}}
		for _, c := range cols[1:] {
			row = append(row, cell{Text: textOf(ft.Properties[c])})
		}
		rows = append(rows, row)
	}
	first := int64(1)
	if f.After != nil {
		first = f.After.Pos + 1
	} else {
		first = int64(f.Offset) + 1
	}
	summary := fmt.Sprintf("%d matched; %d shown", body.NumberMatched, body.NumberReturned)
	if body.NumberReturned > 0 {
		summary += fmt.Sprintf(" (%d–%d)", first, first+int64(body.NumberReturned)-1)
	}
	return s.renderFeaturePage(featurePage{
		Title:   l.Title.En + " " + l.Title.Zh,
		Summary: summary,
		Map:     jsonHref,
		Nav:     []Link{{Href: "/collections/" + l.Name + "?f=html", Title: l.Name}},
		Form: &filterForm{Action: "/collections/" + l.Name + "/items", Filter: q.Get("filter"), SortBy: q.Get("sortby"),
			Limit: q.Get("limit"), Queryables: fmt.Sprint(names)},
		Paging: paging, Columns: cols, Rows: rows, Links: rest,
	})
}

// itemHTML is the HTML page of one feature.
func (s *Server) itemHTML(l geo.Layer, ft featureJSON) (rendered, error) {
	var jsonHref string
	for _, lk := range ft.Links {
		if lk.Type == mediaGeoJSON {
			jsonHref = lk.Href
		}
	}
	rows := [][]cell{{{Text: "id"}, {Text: fmt.Sprint(ft.ID)}}}
	for _, fd := range l.Fields {
		if v, ok := ft.Properties[fd.Name]; ok {
			rows = append(rows, []cell{{Text: fd.Name + " · " + fd.Title.Zh}, {Text: textOf(v)}})
		}
	}
	return s.renderFeaturePage(featurePage{
		Title: fmt.Sprintf("%s %d", l.Item.En, ft.ID) + " " + l.Item.Zh,
		Map:   jsonHref,
		Nav: []Link{{Href: "/collections/" + l.Name + "?f=html", Title: l.Name},
			{Href: "/collections/" + l.Name + "/items?f=html", Title: "items"}},
		Columns: []string{"property", "value"}, Rows: rows, Links: ft.Links,
	})
}

// collectionHTML is the HTML page of one collection.
func (s *Server) collectionHTML(l geo.Layer, cj collectionJSON) (rendered, error) {
	var rows [][]cell
	for _, fd := range l.Fields {
		rows = append(rows, []cell{{Text: fd.Name}, {Text: string(fd.Type)}, {Text: fd.Title.Zh + " / " + fd.Title.En}, {Text: fd.Description}})
	}
	items := "/collections/" + l.Name + "/items"
	return s.renderFeaturePage(featurePage{
		Title: cj.Title, Description: cj.Description,
		Map:     items + "?f=json&limit=" + fmt.Sprint(geo.MaxLimit),
		Nav:     []Link{{Href: items + "?f=html", Title: "items"}},
		Form:    &filterForm{Action: items, Limit: "10", Queryables: fmt.Sprint(l.FieldNames())},
		Columns: []string{"property", "type", "title", "description"}, Rows: rows, Links: cj.Links,
	})
}

// textOf writes a property value for a table cell.
func textOf(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []string:
		return fmt.Sprint(x)
	}
	return fmt.Sprint(v)
}

// parseFeaturePage parses the template once.
func parseFeaturePage() (*template.Template, error) {
	return template.New("features").Parse(featurePageTemplate)
}
