package httpapi

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb/geojson"

	"partymap/internal/cql2"
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
	Type           string        `json:"type"`
	Features       []featureJSON `json:"features"`
	Links          []Link        `json:"links"`
	NumberMatched  int64         `json:"numberMatched"`
	NumberReturned int           `json:"numberReturned"`
	// TimeStamp comes last: a cached answer gets the time it is sent
	// written in at its end (see readcache.go).
	TimeStamp string `json:"timeStamp"`
}

// handleItems answers a page of a layer's features.
func (s *Server) handleItems(c echo.Context) error {
	key := readKeyOf(c, c.Param("layer"), 0)
	if done, err := s.answerFromCache(c, key); done {
		return err
	}
	l, err := s.collectionOrError(c.Param("layer"))
	if err != nil {
		return err
	}
	filter, err := s.parseItemsQuery(c, l)
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
		body := itemsPage(base, q, l, filter, page, html)
		if html {
			out, err := s.itemsHTML(l, filter, body)
			out.crs = filter.CRS.OrCRS84().URI
			return out, err
		}
		out, err := s.renderBody(false, "", mediaGeoJSON, "", body)
		out.crs = filter.CRS.OrCRS84().URI
		out.stampAt = stampOffset(out.body)
		return out, err
	})
}

// itemsPage is the GeoJSON FeatureCollection of one page, with its links.
func itemsPage(base string, q url.Values, l geo.Layer, filter geo.Filter, page geo.FeaturePage, html bool) featureCollectionJSON {
	body := featureCollectionJSON{
		Type:           "FeatureCollection",
		Features:       make([]featureJSON, 0, len(page.Features)),
		NumberMatched:  page.Matched,
		NumberReturned: len(page.Features),
		TimeStamp:      stampPlaceholder,
		Links:          itemsLinks(base, q, l, filter, page, html),
	}
	for _, f := range page.Features {
		body.Features = append(body.Features, toFeatureJSON(f))
	}
	return body
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
	if err := checkParams(c, "f", "crs", "properties"); err != nil {
		return err
	}
	l, err := s.collectionOrError(c.Param("layer"))
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
	crs := geo.CRS84
	if v := c.QueryParam("crs"); v != "" {
		if crs, err = geo.ParseCRSRef(v, s.crs); err != nil {
			return err
		}
	}
	var props []string
	if v, ok := c.QueryParams()["properties"]; ok {
		if props, err = geo.ParseProperties(l, v[0]); err != nil {
			return err
		}
	}
	base := baseURL(c.Request()) + "/collections/" + l.Name
	return s.serveCached(c, key, func(ctx context.Context) (rendered, error) {
		f, err := s.findFeatureIn(ctx, l, id, crs, props)
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
		if html {
			out, err := s.itemHTML(l, body)
			out.etag, out.crs = tagged(featureETag(f), "html"), crs.URI
			return out, err
		}
		out, err := s.renderBody(false, "", mediaGeoJSON, featureETag(f), body)
		out.crs = crs.URI
		return out, err
	})
}

// findFeatureIn reads one feature with its geometry in crs and only the
// properties props (all when nil): through the page query, which knows
// both, when either differs from the stored form.
func (s *Server) findFeatureIn(ctx context.Context, l geo.Layer, id int64, crs geo.CRSRef, props []string) (geo.Feature, error) {
	if crs.IsCRS84() && props == nil {
		return s.store.FindFeature(ctx, l.Name, id)
	}
	where, err := cql2.Check(cql2.Compare{Op: "=", Left: cql2.Property{Name: geo.PropID}, Right: cql2.Number{Value: float64(id)}}, l.Queryables())
	if err != nil {
		return geo.Feature{}, err
	}
	page, err := s.store.FindFeatures(ctx, geo.Filter{Layer: l.Name, Where: where, CRS: crs, Properties: props, Limit: 1})
	if err != nil {
		return geo.Feature{}, err
	}
	if len(page.Features) == 0 {
		return geo.Feature{}, geo.Errorf(geo.ENOTFOUND, "Layer %q has no feature with id %d.", l.Name, id)
	}
	return page.Features[0], nil
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
