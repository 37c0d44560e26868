package web_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/web"
)

// styleValidator is the MapLibre style spec's own validator, a
// devDependency installed by `make web`.
const styleValidator = "node_modules/@maplibre/maplibre-gl-style-spec/dist/gl-style-validate.mjs"

// validateStyle runs the style spec's validator on a style document and
// returns what it reported; ok is true when it found nothing.
func validateStyle(t *testing.T, doc []byte) (report string, ok bool) {
	t.Helper()
	if _, err := os.Stat(styleValidator); err != nil {
		t.Fatalf("the MapLibre style validator is missing (%v): run `make web`", err)
	}
	path := filepath.Join(t.TempDir(), "style.json")
	if err := os.WriteFile(path, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := node(t, styleValidator, path)
	return strings.TrimSpace(out + errOut), err == nil && strings.TrimSpace(out+errOut) == ""
}

// The style the server serves (web/style/style.json with this server's
// URLs filled in, through the real router) is valid by the MapLibre style
// spec, in both languages; a broken one is reported, so the check works.
func TestStyle_valid(t *testing.T) {
	api, err := httpapi.New(httpapi.Config{Catalogue: geo.NewCatalogue(), Style: web.Style(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	for _, path := range []string{"/style.json", "/style.json?lang=en"} {
		res, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: got %d %s", path, res.StatusCode, body)
		}
		if report, ok := validateStyle(t, body); !ok {
			t.Errorf("%s is not a valid MapLibre style:\n%s", path, report)
		}
	}

	var broken map[string]any
	if err := json.Unmarshal(web.Style(), &broken); err != nil {
		t.Fatal(err)
	}
	broken["layers"].([]any)[1].(map[string]any)["type"] = "hexagon"
	b, _ := json.Marshal(broken)
	if report, ok := validateStyle(t, b); ok || !strings.Contains(report, "hexagon") {
		t.Errorf("a layer of type hexagon passed the validator (report %q): the check proves nothing", report)
	}
}

// Every layer of the style reads what the tiles carry: its source-layer is
// one of the catalogue's tile layers, every property its filters and
// expressions read is one of that layer's tile properties, and every value
// it compares a field with choices to is one of the field's values. The
// viewer-made sources follow the same rule: "labels" holds the layer's own
// properties, "flag-poles" the organizations'.
func TestStyle_followsTheCatalogue(t *testing.T) {
	style := loadStyle(t)
	if problems := checkStyleAgainst(style, geo.NewCatalogue()); len(problems) > 0 {
		t.Errorf("the style does not follow the catalogue:\n%s", strings.Join(problems, "\n"))
	}

	// the check finds what it looks for
	bad := map[string]any{
		"version": 8, "state": map[string]any{},
		"sources": style["sources"],
		"layers": []any{
			map[string]any{"id": "a", "type": "fill", "source": "partymap", "source-layer": "shops"},
			map[string]any{"id": "b", "type": "line", "source": "partymap", "source-layer": "streets",
				"filter": []any{"==", []any{"get", "width"}, 3}},
			map[string]any{"id": "c", "type": "fill", "source": "partymap", "source-layer": "landmarks",
				"paint": map[string]any{"fill-color": []any{"match", []any{"get", "kind"}, "pagoda", "#f00", "#000"}}},
			map[string]any{"id": "d", "type": "symbol", "source": "labels",
				"filter": []any{"==", []any{"get", "layer"}, "grids"}, "layout": map[string]any{"text-field": []any{"get", "floors"}}},
			map[string]any{"id": "e", "type": "line", "source": "partymap", "source-layer": "streets", "filter": []any{"==", "kind", "main"}},
			map[string]any{"id": "f", "type": "line", "source": "partymap", "source-layer": "streets",
				"filter": []any{"==", []any{"global-state", "theme"}, "dark"}},
		},
	}
	got := checkStyleAgainst(bad, geo.NewCatalogue())
	for _, want := range []string{`"shops"`, `"width"`, `"pagoda"`, `"floors"`, "legacy", `"theme"`} {
		if !slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, want) }) {
			t.Errorf("a style with %s passed the check; it reported %q", want, got)
		}
	}
}

// The sources, layers, panel groups and global state the viewer's code
// names (static/js/style.js) are in the style.
func TestStyle_viewerNames(t *testing.T) {
	style := loadStyle(t)
	var names struct {
		SOURCE, POLES_LAYER, LABELS_LAYER string
		POINT_LAYERS, AREA_LAYERS, GROUPS []string
		LABEL_LAYERS, BACKGROUND_LAYERS   []string
		SELECTION_LAYERS                  []string
		STATE                             []string
	}
	importModule(t, "style.js", "m", &names)
	sources := style["sources"].(map[string]any)
	if _, ok := sources[names.SOURCE]; !ok || names.SOURCE == "" {
		t.Errorf("the viewer reads source %q; the style has none", names.SOURCE)
	}
	// Every source is the server's: no inline data the page must fill.
	for name, src := range sources {
		if src.(map[string]any)["type"] != "vector" {
			t.Errorf("source %q is a %v source; every source must be the server's tiles", name, src.(map[string]any)["type"])
		}
	}
	sourceLayers := map[string]bool{}
	for _, raw := range style["layers"].([]any) {
		if sl, ok := raw.(map[string]any)["source-layer"].(string); ok {
			sourceLayers[sl] = true
		}
	}
	for _, sl := range []string{names.POLES_LAYER, names.LABELS_LAYER} {
		if !sourceLayers[sl] || sl == "" {
			t.Errorf("the viewer reads source layer %q; no layer of the style draws it", sl)
		}
	}
	ids := map[string]bool{}
	groups := map[string]bool{}
	for _, raw := range style["layers"].([]any) {
		l := raw.(map[string]any)
		ids[l["id"].(string)] = true
		if md, ok := l["metadata"].(map[string]any); ok {
			if g, ok := md["partymap:group"].(string); ok {
				groups[g] = true
				if !slices.Contains(names.GROUPS, g) {
					t.Errorf("layer %s is in group %q, which the layer panel does not have", l["id"], g)
				}
			}
		}
	}
	for _, id := range slices.Concat(names.POINT_LAYERS, names.AREA_LAYERS, names.LABEL_LAYERS, names.SELECTION_LAYERS) {
		if !ids[id] {
			t.Errorf("the viewer taps layer %q; the style has none", id)
		}
	}
	for _, id := range names.BACKGROUND_LAYERS {
		if !slices.Contains(names.AREA_LAYERS, id) {
			t.Errorf("background layer %q is not one of the areas a tap opens", id)
		}
	}
	if len(names.POINT_LAYERS) == 0 || len(names.AREA_LAYERS) == 0 {
		t.Error("style.js names no layer: the import read nothing")
	}
	for _, g := range names.GROUPS {
		if !groups[g] {
			t.Errorf("the panel switches group %q; no style layer belongs to it", g)
		}
	}
	state := style["state"].(map[string]any)
	for _, s := range names.STATE {
		if _, ok := state[s]; !ok {
			t.Errorf("the viewer sets global state %q; the style does not declare it", s)
		}
	}
}

func loadStyle(t *testing.T) map[string]any {
	t.Helper()
	var style map[string]any
	if err := json.Unmarshal(web.Style(), &style); err != nil {
		t.Fatalf("web/style/style.json: %v", err)
	}
	return style
}

// checkStyleAgainst lists where a style reads what the catalogue's tiles do
// not carry.
func checkStyleAgainst(style map[string]any, cat *geo.Catalogue) []string {
	tileFields := map[string][]string{}
	for _, l := range cat.TileLayers() {
		tileFields[l.Name] = l.FieldNames()
	}
	state, _ := style["state"].(map[string]any)
	var problems []string
	for _, raw := range style["layers"].([]any) {
		l := raw.(map[string]any)
		id, _ := l["id"].(string)
		report := func(format string, args ...any) {
			problems = append(problems, fmt.Sprintf("layer %s: ", id)+fmt.Sprintf(format, args...))
		}
		var reads readSet
		for _, key := range []string{"filter", "layout", "paint"} {
			reads.walk(l[key])
		}
		if f, ok := l["filter"].([]any); ok && isLegacyFilter(f) {
			report("its filter %v is in the legacy syntax; write it as an expression (legacy filters cannot be checked)", f)
		}
		for _, name := range reads.state {
			if _, ok := state[name]; !ok {
				report("reads global state %q, which the style does not declare", name)
			}
		}
		// layer is the catalogue layer whose properties the features have
		var layer string
		allowed := map[string]bool{}
		switch src, _ := l["source"].(string); src {
		case "":
			continue // background
		case "partymap":
			layer, _ = l["source-layer"].(string)
			if _, ok := tileFields[layer]; !ok {
				report("reads source-layer %q, which the tiles do not carry", layer)
				continue
			}
		case "labels":
			layer = reads.layerFilter
			allowed["layer"] = true
			if _, ok := tileFields[layer]; !ok {
				report("reads the labels source without filtering on a tile layer (got %q)", layer)
				continue
			}
		case "flag-poles":
			layer = "organizations"
		default:
			report("reads source %q, which the style's checks do not know", src)
			continue
		}
		for _, f := range tileFields[layer] {
			allowed[f] = true
		}
		for _, p := range reads.props {
			if !allowed[p] {
				report("reads property %q, which the tiles' %s do not carry", p, layer)
			}
		}
		for field, values := range reads.values {
			fd, ok := cat.Field(layer, field)
			if !ok {
				if l, ok := cat.Layer(layer); ok {
					fd, _ = l.Field(field)
				}
			}
			for _, v := range values {
				if len(fd.Choices) > 0 && !fd.Allows(v) {
					report("compares %s.%s with %q, which is not one of its values %v", layer, field, v, fd.Values())
				}
			}
		}
	}
	return problems
}

// readSet is what a layer's expressions read.
type readSet struct {
	props  []string            // properties read with get or has
	state  []string            // global-state names
	values map[string][]string // string values compared with ["get", field]
	// layerFilter is X in ["==", ["get", "layer"], X]: which layer a
	// "labels" layer draws.
	layerFilter string
}

func (r *readSet) walk(v any) {
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			r.walk(e)
		}
	case []any:
		if len(x) == 0 {
			return
		}
		op, _ := x[0].(string)
		switch op {
		case "get", "has":
			if len(x) == 2 {
				if p, ok := x[1].(string); ok {
					r.props = append(r.props, p)
				}
			}
		case "global-state":
			if len(x) == 2 {
				if s, ok := x[1].(string); ok {
					r.state = append(r.state, s)
				}
			}
		case "match":
			if field, ok := getOf(x, 1); ok && len(x) > 3 {
				for i := 2; i+1 < len(x); i += 2 {
					r.compare(field, x[i])
				}
			}
		case "==", "!=":
			if field, ok := getOf(x, 1); ok && len(x) == 3 {
				if s, ok := x[2].(string); ok && field == "layer" {
					r.layerFilter = s
				} else {
					r.compare(field, x[2])
				}
			}
		case "in":
			if field, ok := getOf(x, 1); ok && len(x) == 3 {
				if lit, ok := x[2].([]any); ok && len(lit) == 2 && lit[0] == "literal" {
					r.compare(field, lit[1])
				}
			}
		}
		for _, e := range x[1:] {
			r.walk(e)
		}
	}
}

// compare records the string values (one, or an array) a field is
// compared with.
func (r *readSet) compare(field string, v any) {
	if r.values == nil {
		r.values = map[string][]string{}
	}
	switch x := v.(type) {
	case string:
		r.values[field] = append(r.values[field], x)
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok {
				r.values[field] = append(r.values[field], s)
			}
		}
	}
}

// getOf returns F when x[i] is ["get", F].
func getOf(x []any, i int) (string, bool) {
	g, ok := x[i].([]any)
	if !ok || len(g) != 2 || g[0] != "get" {
		return "", false
	}
	f, ok := g[1].(string)
	return f, ok
}

// isLegacyFilter reports a filter in the pre-expression syntax
// (["==", "kind", "main"]), whose property names are bare strings.
func isLegacyFilter(f []any) bool {
	if len(f) < 2 {
		return false
	}
	op, _ := f[0].(string)
	switch op {
	case "all", "any", "none":
		for _, e := range f[1:] {
			if sub, ok := e.([]any); ok && isLegacyFilter(sub) {
				return true
			}
		}
		return false
	case "==", "!=", "<", "<=", ">", ">=", "in", "!in", "has", "!has":
		_, bare := f[1].(string)
		return bare
	}
	return false
}
