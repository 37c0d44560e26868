package httpapi

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"partymap/internal/geo"
)

// itemsParams are the query parameters of an items request besides the
// layer's property filters.
var itemsParams = []string{"f", "bbox", "bbox-crs", "limit", "offset", "cursor", "datetime",
	"filter", "filter-lang", "filter-crs", "sortby", "properties", "crs"}

// parseItemsQuery reads an items request's parameters into a filter,
// refusing unknown parameters and bad values (OGC API – Features Parts 1,
// 2 and 3, sortby and properties).
func (s *Server) parseItemsQuery(c echo.Context, l geo.Layer) (geo.Filter, error) {
	allowed := append([]string{}, itemsParams...)
	for _, fd := range l.Fields {
		if fd.Filterable {
			allowed = append(allowed, fd.Name)
		}
	}
	if err := checkParams(c, allowed...); err != nil {
		return geo.Filter{}, err
	}
	f := geo.Filter{Layer: l.Name, Limit: geo.DefaultLimit}
	q := c.QueryParams()
	crsParam := func(name string) (geo.CRSRef, error) {
		v, ok := q[name]
		if !ok {
			return geo.CRS84, nil
		}
		crs, err := geo.ParseCRSRef(v[0], s.crs)
		if err != nil {
			return crs, geo.WrapError(geo.EINVALID, err, "The %s parameter: %s", name, geo.ErrorMessage(err))
		}
		return crs, nil
	}
	var err error
	if f.CRS, err = crsParam("crs"); err != nil {
		return f, err
	}
	if f.BBoxCRS, err = crsParam("bbox-crs"); err != nil {
		return f, err
	}
	if f.WhereCRS, err = crsParam("filter-crs"); err != nil {
		return f, err
	}
	if v, ok := q["bbox"]; ok {
		b, err := geo.ParseBBoxIn(v[0], f.BBoxCRS)
		if err != nil {
			return f, err
		}
		f.BBox = &b
	}
	if v, ok := q["limit"]; ok {
		// Above the maximum the limit is capped, as Part 1 (7.15.2)
		// says and GDAL's PAGE_SIZE expects; below 1 it is a mistake.
		n, err := strconv.Atoi(v[0])
		if err != nil && len(v[0]) > 0 && len(v[0]) <= 40 && strings.Trim(v[0], "0123456789") == "" {
			n, err = geo.MaxLimit, nil
		}
		if err != nil || n < 1 {
			return f, geo.Errorf(geo.EINVALID, "The limit parameter must be a whole number of 1 or more (at most %d are answered); got %q.", geo.MaxLimit, clipText(v[0]))
		}
		f.Limit = min(n, geo.MaxLimit)
	}
	if v, ok := q["offset"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 0 || n > 100_000_000 {
			return f, geo.Errorf(geo.EINVALID, "The offset parameter must be a whole number of 0 or more; got %q.", clipText(v[0]))
		}
		f.Offset = n
	}
	if v, ok := q["datetime"]; ok {
		if err := geo.ParseDatetime(v[0]); err != nil {
			return f, err
		}
	}
	if v, ok := q["filter"]; ok {
		if f.Where, err = geo.ParseFilter(l, v[0], q.Get("filter-lang")); err != nil {
			return f, err
		}
	} else if _, ok := q["filter-lang"]; ok {
		return f, geo.Errorf(geo.EINVALID, "The filter-lang parameter says how the filter parameter is written; give a filter too.")
	}
	if v, ok := q["sortby"]; ok {
		if f.Sort, err = geo.ParseSortBy(l, v[0]); err != nil {
			return f, err
		}
	}
	if v, ok := q["properties"]; ok {
		if f.Properties, err = geo.ParseProperties(l, v[0]); err != nil {
			return f, err
		}
	}
	if v, ok := q["cursor"]; ok {
		if f.Offset > 0 {
			return f, geo.Errorf(geo.EINVALID, "Give either cursor or offset, not both: a cursor already says where the page starts.")
		}
		if !l.KeysetOrder(f.Sort) {
			return f, geo.Errorf(geo.EINVALID, "This order cannot be paged with a cursor (one of its keys may be empty); page it with offset.")
		}
		if f.After, err = geo.ParseCursor(l, geo.OrderKeys(f.Sort), v[0]); err != nil {
			return f, err
		}
	}
	for _, fd := range l.Fields {
		v, ok := q[fd.Name]
		if !ok || !fd.Filterable {
			continue
		}
		pf, err := geo.ParseFilterValue(l, fd.Name, v[0])
		if err != nil {
			return f, err
		}
		f.Props = append(f.Props, pf)
	}
	return f, nil
}

// itemsLinks returns self, alternate, collection, and next/prev links that
// keep every other parameter of the request's query: by the page's cursors
// when the order allows keyset paging, else by offset. format is the
// format of the page the links are in: an HTML page's next page is HTML.
func itemsLinks(base string, query url.Values, l geo.Layer, f geo.Filter, page geo.FeaturePage, html bool) []Link {
	base += "/collections/" + l.Name
	pageURL := func(format string, set func(url.Values)) string {
		q := url.Values{}
		for k, v := range query {
			if k != "offset" && k != "cursor" && k != "f" {
				q[k] = v
			}
		}
		q.Set("f", format)
		set(q)
		return base + "/items?" + q.Encode()
	}
	here := func(q url.Values) {
		if f.After != nil {
			q.Set("cursor", f.After.Encode())
		} else if f.Offset > 0 {
			q.Set("offset", strconv.Itoa(f.Offset))
		}
	}
	pageType, pageFormat := mediaGeoJSON, "json"
	if html {
		pageType, pageFormat = mediaHTML, "html"
	}
	links := []Link{
		{Href: pageURL("json", here), Rel: relSelf, Type: mediaGeoJSON, Title: "this page"},
		{Href: pageURL("html", here), Rel: relAlternate, Type: mediaHTML, Title: "this page as HTML"},
		{Href: base + "?f=" + pageFormat, Rel: relCollection, Type: map[bool]string{false: mediaJSON, true: mediaHTML}[html], Title: "the collection"},
	}
	if html {
		links[0], links[1] = Link{Href: links[1].Href, Rel: relSelf, Type: mediaHTML, Title: "this page"},
			Link{Href: links[0].Href, Rel: relAlternate, Type: mediaGeoJSON, Title: "this page as GeoJSON"}
	}
	switch {
	case page.Next != nil:
		next := page.Next.Encode()
		links = append(links, Link{Href: pageURL(pageFormat, func(q url.Values) { q.Set("cursor", next) }), Rel: relNext, Type: pageType, Title: "next page"})
	case page.Next == nil && f.After == nil && !l.KeysetOrder(f.Sort) && int64(f.Offset+f.Limit) < page.Matched:
		links = append(links, Link{Href: pageURL(pageFormat, func(q url.Values) { q.Set("offset", strconv.Itoa(f.Offset+f.Limit)) }), Rel: relNext, Type: pageType, Title: "next page"})
	}
	switch {
	case page.Prev != nil:
		prev := page.Prev.Encode()
		links = append(links, Link{Href: pageURL(pageFormat, func(q url.Values) { q.Set("cursor", prev) }), Rel: relPrev, Type: pageType, Title: "previous page"})
	case f.After == nil && !l.KeysetOrder(f.Sort) && f.Offset > 0:
		prevOffset := max(f.Offset-f.Limit, 0)
		links = append(links, Link{Href: pageURL(pageFormat, func(q url.Values) {
			if prevOffset > 0 {
				q.Set("offset", strconv.Itoa(prevOffset))
			}
		}), Rel: relPrev, Type: pageType, Title: "previous page"})
	}
	return links
}
