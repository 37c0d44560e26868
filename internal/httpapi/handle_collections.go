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
	CRS         []string       `json:"crs"`
	Links       []Link         `json:"links"`
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
		CRS:         []string{crs84},
		Links: []Link{
			{Href: self + "?f=json", Rel: relSelf, Type: mediaJSON, Title: "this collection"},
			{Href: self + "?f=html", Rel: relAlternate, Type: mediaHTML, Title: "this collection as HTML"},
			{Href: self + "/items?f=json", Rel: relItems, Type: mediaGeoJSON, Title: "the features"},
			{Href: self + "/items?f=html", Rel: relItems, Type: mediaHTML, Title: "the features as HTML"},
		},
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
	l, err := s.cat.LayerOrError(c.Param("layer"))
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
		return s.renderBody(html, cj.Title, mediaJSON, "", cj)
	})
}
