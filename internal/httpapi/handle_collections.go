package httpapi

import (
	"context"

	"github.com/labstack/echo/v4"

	"partymap/internal/geo"
)

// collectionJSON is one collection's description.
type collectionJSON struct {
	ID          string         `json:"id"`
	Title       string         `json:"title"`
	Description string         `json:"description"`
	Extent      map[string]any `json:"extent,omitempty"`
	ItemType    string         `json:"itemType"`
	// CRS lists the coordinate systems answers can be in (crs=…);
	// StorageCRS is the one the data is kept in (Features Part 2).
	CRS        []string `json:"crs"`
	StorageCRS string   `json:"storageCrs"`
	Links      []Link   `json:"links"`
}

func (s *Server) describe(ctx context.Context, base string, l geo.Layer) (collectionJSON, error) {
	self := base + "/collections/" + l.Name
	ext, err := s.store.LayerExtent(ctx, l.Name)
	if err != nil {
		return collectionJSON{}, err
	}
	cj := collectionJSON{
		ID:          l.Name,
		Title:       l.Title.En + " " + l.Title.Zh,
		Description: layerDescription(l),
		ItemType:    "feature",
		CRS:         s.crsURIs(),
		StorageCRS:  geo.CRS84URI,
		Links: []Link{
			{Href: self + "?f=json", Rel: relSelf, Type: mediaJSON, Title: "this collection"},
			{Href: self + "?f=html", Rel: relAlternate, Type: mediaHTML, Title: "this collection as HTML"},
			{Href: self + "/items?f=json", Rel: relItems, Type: mediaGeoJSON, Title: "the features"},
			{Href: self + "/items?f=html", Rel: relItems, Type: mediaHTML, Title: "the features as HTML"},
			{Href: self + "/queryables", Rel: relQueryables, Type: mediaSchema, Title: "the properties a filter may name"},
			{Href: self + "/schema", Rel: relSchema, Type: mediaSchema, Title: "the schema of the features"},
		},
	}
	if s.cfg.Tiles != nil {
		cj.Links = append(cj.Links, Link{Href: self + "/tiles", Rel: relTilesetsVector, Type: mediaJSON, Title: "vector tiles of this collection"})
	}
	if !ext.Empty {
		cj.Extent = map[string]any{"spatial": map[string]any{
			"bbox": [][4]float64{{ext.Bound.Min[0], ext.Bound.Min[1], ext.Bound.Max[0], ext.Bound.Max[1]}},
			"crs":  crs84,
		}}
	}
	return cj, nil
}

func layerDescription(l geo.Layer) string {
	d := l.Title.En + " (" + string(l.Geometry) + ")"
	if l.Editable {
		return d + ", editable by community staff."
	}
	return d + ", read-only base map."
}

// handleCollections lists the map's layers.
func (s *Server) handleCollections(c echo.Context) error {
	key := readKeyOf(c, "", 0)
	if done, err := s.answerFromCache(c, key); done {
		return err
	}
	if err := checkParams(c, "f"); err != nil {
		return err
	}
	html, err := wantsHTML(c)
	if err != nil {
		return err
	}
	base := baseURL(c.Request())
	return s.serveCached(c, key, func(ctx context.Context) (rendered, error) {
		var cols []collectionJSON
		for _, l := range s.cat.Layers() {
			cj, err := s.describe(ctx, base, l)
			if err != nil {
				return rendered{}, err
			}
			cols = append(cols, cj)
		}
		body := map[string]any{
			"crs": s.crsURIs(),
			"links": []Link{
				{Href: base + "/collections?f=json", Rel: relSelf, Type: mediaJSON, Title: "this document"},
				{Href: base + "/collections?f=html", Rel: relAlternate, Type: mediaHTML, Title: "this document as HTML"},
			},
			"collections": cols,
		}
		return s.renderBody(html, "Collections", mediaJSON, "", body)
	})
}

// handleCollection describes one layer.
func (s *Server) handleCollection(c echo.Context) error {
	key := readKeyOf(c, c.Param("layer"), 0)
	if done, err := s.answerFromCache(c, key); done {
		return err
	}
	if err := checkParams(c, "f"); err != nil {
		return err
	}
	l, err := s.collectionOrError(c.Param("layer"))
	if err != nil {
		return err
	}
	html, err := wantsHTML(c)
	if err != nil {
		return err
	}
	base := baseURL(c.Request())
	return s.serveCached(c, key, func(ctx context.Context) (rendered, error) {
		cj, err := s.describe(ctx, base, l)
		if err != nil {
			return rendered{}, err
		}
		if html {
			return s.collectionHTML(l, cj)
		}
		return s.renderBody(false, cj.Title, mediaJSON, "", cj)
	})
}

// collectionOrError returns the layer of a collection: one of the
// catalogue's, or the community outline, served read-only.
func (s *Server) collectionOrError(name string) (geo.Layer, error) {
	return s.cat.CollectionOrError(name)
}

// crsURIs lists the URIs of the coordinate systems served.
func (s *Server) crsURIs() []string {
	out := make([]string, len(s.crs))
	for i, c := range s.crs {
		out[i] = c.URI
	}
	return out
}
