package httpapi

import (
	"context"

	"partymap/internal/geo"
	"partymap/internal/kml"
)

// gridColours gives a KML export the grids' colours as the map draws them:
// the palette of the style's grid layers (its one source), by a grid's
// color, or by the color of the grid a feature lies in (grid_code). Nil
// for layers with neither, or without a style.
func (s *Server) gridColours(ctx context.Context, l geo.Layer) (kml.Colours, error) {
	fill, line := s.stylePalette("grids-fill", "fill-color"), s.stylePalette("grids-line", "line-color")
	if fill == nil || line == nil {
		return nil, nil
	}
	colourOf := func(idx int64) (string, string, bool) {
		f, ok1 := fill[idx]
		ln, ok2 := line[idx]
		return ln, f, ok1 && ok2
	}
	if _, ok := l.Field("color"); ok {
		return func(f geo.Feature) (string, string, bool) {
			idx, ok := f.Properties["color"].(int64)
			if !ok {
				return "", "", false
			}
			return colourOf(idx)
		}, nil
	}
	if _, ok := l.Field("grid_code"); !ok {
		return nil, nil
	}
	grids, err := s.store.FindFeatures(ctx, geo.Filter{Layer: "grids", Limit: geo.MaxLimit})
	if err != nil {
		return nil, err
	}
	byCode := map[string]int64{}
	for _, g := range grids.Features {
		code, _ := g.Properties["code"].(string)
		idx, _ := g.Properties["color"].(int64)
		byCode[code] = idx
	}
	return func(f geo.Feature) (string, string, bool) {
		code, _ := f.Properties["grid_code"].(string)
		idx, ok := byCode[code]
		if !ok {
			return "", "", false
		}
		return colourOf(idx)
	}, nil
}

// stylePalette reads the colour of each grid colour index from a paint
// property of a style layer: a ["match", ["to-number", ["get", "color"]…],
// 0, "#…", 1, "#…", …, fallback] expression.
func (s *Server) stylePalette(layerID, property string) map[int64]string {
	if s.style.doc == nil {
		return nil
	}
	layers, _ := s.style.doc["layers"].([]any)
	for _, raw := range layers {
		l, _ := raw.(map[string]any)
		if l["id"] != layerID {
			continue
		}
		paint, _ := l["paint"].(map[string]any)
		expr, _ := paint[property].([]any)
		if len(expr) < 4 || expr[0] != "match" {
			return nil
		}
		out := map[int64]string{}
		for i := 2; i+1 < len(expr); i += 2 {
			n, ok1 := expr[i].(float64)
			c, ok2 := expr[i+1].(string)
			if ok1 && ok2 {
				out[int64(n)] = c
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	}
	return nil
}
