package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"partymap/internal/geo"
)

// styleFileOrigin is where the style file's URLs point: the server that
// `make run` starts, so that Maputnik shows the map while a cartographer
// edits web/style/style.json. The server rewrites it to its own address.
const styleFileOrigin = "http://localhost:8080"

// mapStyle is the viewer's MapLibre style (version 8), parsed once from
// the file (Config.Style). The file holds every layer, paint and filter;
// the server fills in only its own URLs, the configured home view and, when
// the page asks for one, the labels' language.
type mapStyle struct {
	doc map[string]any
	err error
}

func parseStyle(b []byte) mapStyle {
	if b == nil {
		return mapStyle{err: geo.Errorf(geo.ENOTFOUND, "This server has no map style.")}
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return mapStyle{err: fmt.Errorf("the map style is not JSON: %w", err)}
	}
	if _, ok := doc["sources"].(map[string]any); !ok {
		return mapStyle{err: fmt.Errorf("the map style has no sources")}
	}
	return mapStyle{doc: doc}
}

// handleStyle answers the viewer's MapLibre style. It names only this
// server's resources: the vector tiles through /tiles.json (an absolute
// URL, as MapLibre resolves source URLs against the page) and inline
// GeoJSON sources that the viewer fills from the tiles (the flags' poles,
// one label point per area). ?lang=en starts the labels in English.
func (s *Server) handleStyle(c echo.Context) error {
	if err := checkParams(c, "lang", "f"); err != nil {
		return err
	}
	if id := c.Param("style"); id != "" && id != styleID {
		return geo.Errorf(geo.ENOTFOUND, "There is no style %q; the one style is %s.", clipText(id), styleID)
	}
	lang := c.QueryParam("lang")
	if lang != "" && lang != "zh" && lang != "en" {
		return geo.Errorf(geo.EINVALID, "The lang parameter must be zh or en; got %q.", clipText(lang))
	}
	if s.style.err != nil {
		return s.style.err
	}
	home := s.homeView()
	doc := maps.Clone(s.style.doc)
	doc["center"] = []float64{home.Center[0], home.Center[1]}
	doc["zoom"] = home.Zoom
	doc["bearing"] = home.Bearing
	doc["pitch"] = home.Pitch
	doc["sources"] = rebase(doc["sources"], baseURL(c.Request()))
	for _, key := range []string{"glyphs", "sprite"} {
		if v, ok := doc[key]; ok {
			doc[key] = rebase(v, baseURL(c.Request()))
		}
	}
	if lang != "" {
		state, _ := doc["state"].(map[string]any)
		state = maps.Clone(state)
		if state == nil {
			state = map[string]any{}
		}
		state["lang"] = map[string]any{"default": lang}
		doc["state"] = state
	}
	// Expressions hold "<=" and ">": written as such, not as \u003c, for
	// tools that read the style with a JSON parser of their own (the style
	// spec's validator does, and reads "\u003c=" as an unknown operator).
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, body.Bytes())
}

// mediaStyle is the media type of a MapLibre (Mapbox GL) style.
const mediaStyle = "application/vnd.mapbox.style+json"

// rebase copies v with every string that starts with the style file's
// origin moved to base; what it does not change it shares with v.
func rebase(v any, base string) any {
	switch x := v.(type) {
	case string:
		if rest, ok := strings.CutPrefix(x, styleFileOrigin); ok {
			return base + rest
		}
		return x
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = rebase(e, base)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = rebase(e, base)
		}
		return out
	}
	return v
}

// styleID names the map's one style in /styles.
const styleID = "partymap"

// handleStyles lists the map's styles (OGC API – Styles' list): the one
// MapLibre style, /style.json, also at /styles/partymap.
func (s *Server) handleStyles(c echo.Context) error {
	if err := checkParams(c, "f"); err != nil {
		return err
	}
	base := baseURL(c.Request())
	body := obj{
		"styles": []obj{{"id": styleID, "title": s.cfg.Title + ": the 3D party-building map",
			"links": []Link{
				{Href: base + "/styles/" + styleID, Rel: "stylesheet", Type: mediaStyle, Title: "MapLibre / Mapbox GL style"},
				{Href: base + "/style.json", Rel: "stylesheet", Type: mediaStyle, Title: "the same style"},
			}}},
		"default": styleID,
		"links":   []Link{{Href: base + "/styles", Rel: relSelf, Type: mediaJSON, Title: "this list"}},
	}
	return s.answerDocument(c, "Styles", body)
}
