package httpapi

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb/geojson"

	"partymap/internal/geo"
)

// featureJSON is a GeoJSON feature with OGC links.
type featureJSON struct {
	Type       string            `json:"type"`
	ID         int64             `json:"id"`
	Geometry   *geojson.Geometry `json:"geometry"`
	Properties map[string]any    `json:"properties"`
	Links      []Link            `json:"links,omitempty"`
}

func toFeatureJSON(f geo.Feature) featureJSON {
	return featureJSON{Type: "Feature", ID: f.ID, Geometry: geojson.NewGeometry(f.Geometry), Properties: geo.JSONProperties(f.Properties)}
}

// featureCollectionJSON is an OGC items page.
type featureCollectionJSON struct {
	Type     string        `json:"type"`
	Features []featureJSON `json:"features"`
	Links    []Link        `json:"links"`
	// NumberMatched is left out of a page after a cursor, which is not
	// counted (OGC API – Features allows it).
	NumberMatched  *int64 `json:"numberMatched,omitempty"`
	NumberReturned int    `json:"numberReturned"`
	TimeStamp      string `json:"timeStamp"`
}

// parseItemsQuery reads an items request's parameters into a filter,
// refusing unknown parameters and bad values.
func parseItemsQuery(c echo.Context, l geo.Layer) (geo.Filter, error) {
	allowed := []string{"f", "bbox", "bbox-crs", "limit", "offset", "cursor"}
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
	if v := q.Get("bbox-crs"); v != "" && v != crs84 {
		return f, geo.Errorf(geo.EINVALID, "The bbox-crs parameter can only be %s (longitude, latitude in WGS 84).", crs84)
	}
	if v, ok := q["bbox"]; ok {
		b, err := geo.ParseBBox(v[0])
		if err != nil {
			return f, err
		}
		f.BBox = &b
	}
	if v, ok := q["limit"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 1 || n > geo.MaxLimit {
			return f, geo.Errorf(geo.EINVALID, "The limit parameter must be a whole number from 1 to %d; got %q.", geo.MaxLimit, clipText(v[0]))
		}
		f.Limit = n
	}
	if v, ok := q["offset"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 0 || n > 100_000_000 {
			return f, geo.Errorf(geo.EINVALID, "The offset parameter must be a whole number of 0 or more; got %q.", clipText(v[0]))
		}
		f.Offset = n
	}
	if v, ok := q["cursor"]; ok {
		n, err := strconv.ParseInt(v[0], 10, 64)
		if err != nil || n < 1 {
			return f, geo.Errorf(geo.EINVALID, "The cursor parameter must be the id a page ends with, as the next link gives it; got %q.", clipText(v[0]))
		}
		if _, both := q["offset"]; both {
			return f, geo.Errorf(geo.EINVALID, "Give either offset or cursor, not both: a cursor pages on from the feature it names.")
		}
		f.After = n
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

// handleItems answers a page of a layer's features.
func (s *Server) handleItems(c echo.Context) error {
	key := readKeyOf(c, c.Param("layer"), 0)
	if done, err := s.answerFromCache(c, key); done {
		return err
	}
	l, err := s.cat.LayerOrError(c.Param("layer"))
	if err != nil {
		return err
	}
	filter, err := parseItemsQuery(c, l)
	if err != nil {
		return err
	}
	html, err := wantsHTML(c)
	if err != nil {
		return err
	}
	base, q := baseURL(c.Request()), c.QueryParams()
	return s.serveCached(c, key, func(ctx context.Context) (rendered, error) {
		page, err := s.store.FindFeatures(ctx, filter)
		if err != nil {
			return rendered{}, err
		}
		return s.renderBody(html, l.Title.En+" "+l.Title.Zh, mediaGeoJSON, "", itemsPage(base, q, l, filter, page))
	})
}

// itemsPage is the GeoJSON FeatureCollection of one page, with its links.
func itemsPage(base string, q url.Values, l geo.Layer, filter geo.Filter, page geo.FeaturePage) featureCollectionJSON {
	body := featureCollectionJSON{
		Type:           "FeatureCollection",
		Features:       make([]featureJSON, 0, len(page.Features)),
		NumberReturned: len(page.Features),
		TimeStamp:      time.Now().UTC().Format(time.RFC3339),
		Links:          itemsLinks(base, q, l, filter, page),
	}
	if page.Matched >= 0 {
		body.NumberMatched = &page.Matched
	}
	for _, f := range page.Features {
		body.Features = append(body.Features, toFeatureJSON(f))
	}
	return body
}

// itemsLinks returns self, alternate, collection, and next/prev links that
// keep every other parameter of the request's query q. The next link
// pages on by cursor, from the last feature's id (keyset paging), so that
// following next links costs each page what its rows cost however deep
// it goes; the previous link, of a page reached by offset, by offset.
func itemsLinks(base string, query url.Values, l geo.Layer, f geo.Filter, p geo.FeaturePage) []Link {
	base += "/collections/" + l.Name
	page := func(offset int, cursor int64, format string) string {
		q := url.Values{}
		for k, v := range query {
			if k != "offset" && k != "cursor" && k != "f" {
				q[k] = v
			}
		}
		q.Set("f", format)
		switch {
		case cursor > 0:
			q.Set("cursor", strconv.FormatInt(cursor, 10))
		case offset > 0:
			q.Set("offset", strconv.Itoa(offset))
		}
		return base + "/items?" + q.Encode()
	}
	links := []Link{
		{Href: page(f.Offset, f.After, "json"), Rel: relSelf, Type: mediaGeoJSON, Title: "this page"},
		{Href: page(f.Offset, f.After, "html"), Rel: relAlternate, Type: mediaHTML, Title: "this page as HTML"},
		{Href: base + "?f=json", Rel: relCollection, Type: mediaJSON, Title: "the collection"},
	}
	more := len(p.Features) == f.Limit
	if p.Matched >= 0 {
		more = int64(f.Offset+f.Limit) < p.Matched
	}
	if more && len(p.Features) > 0 {
		links = append(links, Link{Href: page(0, p.Features[len(p.Features)-1].ID, "json"), Rel: relNext, Type: mediaGeoJSON, Title: "next page"})
	}
	if f.Offset > 0 && f.After == 0 {
		links = append(links, Link{Href: page(max(f.Offset-f.Limit, 0), 0, "json"), Rel: relPrev, Type: mediaGeoJSON, Title: "previous page"})
	}
	return links
}

// handleItem answers one feature with a strong ETag from its version.
func (s *Server) handleItem(c echo.Context) error {
	// An id that does not parse is never in the cache: the checks below
	// answer it.
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	key := readKeyOf(c, c.Param("layer"), id)
	if done, err := s.answerFromCache(c, key); done {
		return err
	}
	if err := checkParams(c, "f"); err != nil {
		return err
	}
	l, err := s.cat.LayerOrError(c.Param("layer"))
	if err != nil {
		return err
	}
	id, err = parseID(c.Param("id"))
	if err != nil {
		return err
	}
	html, err := wantsHTML(c)
	if err != nil {
		return err
	}
	base := baseURL(c.Request()) + "/collections/" + l.Name
	return s.serveCached(c, key, func(ctx context.Context) (rendered, error) {
		f, err := s.store.FindFeature(ctx, l.Name, id)
		if err != nil {
			return rendered{}, err
		}
		self := fmt.Sprintf("%s/items/%d", base, f.ID)
		body := toFeatureJSON(f)
		body.Links = []Link{
			{Href: self + "?f=json", Rel: relSelf, Type: mediaGeoJSON, Title: "this feature"},
			{Href: self + "?f=html", Rel: relAlternate, Type: mediaHTML, Title: "this feature as HTML"},
			{Href: base + "?f=json", Rel: relCollection, Type: mediaJSON, Title: "the collection"},
		}
		return s.renderBody(html, fmt.Sprintf("%s %d", l.Title.En, f.ID), mediaGeoJSON, featureETag(f), body)
	})
}

// parseID reads a feature id: a positive whole number.
func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 1 {
		return 0, geo.Errorf(geo.ENOTFOUND, "There is no feature %q: feature ids are positive whole numbers.", clipText(s))
	}
	return id, nil
}

// featureETag is the strong entity tag of a feature's version.
func featureETag(f geo.Feature) string {
	return fmt.Sprintf(`"%s-%d-v%d"`, f.Layer, f.ID, f.Version)
}

// writeJSON writes body as JSON with the given media type.
func writeJSON(c echo.Context, status int, mediaType string, body any) error {
	c.Response().Header().Set(echo.HeaderContentType, mediaType)
	c.Response().WriteHeader(status)
	return jsonEncode(c.Response(), body)
}
