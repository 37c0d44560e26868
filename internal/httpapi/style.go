package httpapi

import (
	"fmt"
	"strconv"
)

// The viewer's style is built here, in one place, from the tile contract:
// source-layer names and properties of /tiles/{z}/{x}/{y}.mvt. It uses only
// this server's resources: one vector source, no glyphs (MapLibre draws
// labels with the device's fonts), no sprite (the viewer draws its icons at
// run time with map.addImage when a style image is missing).
//
// Two global-state properties drive it: "lang" ("zh" or "en") picks the
// label language and "maxLevel" (1–4) peels the party organizations by
// level. Each thematic layer carries metadata "partymap:group" so that the
// viewer's layer panel can turn the group on and off.

// gridPalette is the colour of each grid, indexed by the grids' and
// buildings' "color" property (0–14). No pure red: red is for the flags.
func gridPalette() [15]string {
	return [15]string{
		"#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2",
		"#e0b000", "#ff8fa0", "#9c755f", "#7cc46a", "#499894",
		"#6fa8dc", "#ffa95e", "#c58bbd", "#3f9f8f", "#c9a227",
	}
}

// Fonts are local font names: with no glyphs URL MapLibre draws text with
// the device's fonts; the weight comes from a word in the first name.
func fontRegular() []string {
	return []string{"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "sans-serif"}
}

func fontBold() []string {
	return []string{"Noto Sans CJK SC Bold", "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "sans-serif"}
}

// flagHeight is how high each kind of party organization's flag flies, in
// metres: the hierarchy reads as the height of the poles. Close up the poles
// shrink, or they would stand taller than the screen.
func flagHeight() []any {
	return []any{"interpolate", []any{"linear"}, []any{"zoom"},
		15.5, kindHeight(),
		18, []any{"*", 0.4, kindHeight()},
	}
}

func kindHeight() []any {
	return []any{"match", []any{"get", "kind"},
		"street_committee", 95,
		"community_branch", 80,
		"grid_branch", 60,
		"business_circle", 55,
		"co_building_unit", 48,
		"non_public", 44,
		"building_group", 36,
		40,
	}
}

// name is the feature's name in the viewer's language.
func name() []any {
	return []any{"case", []any{"==", []any{"global-state", "lang"}, "en"},
		[]any{"coalesce", []any{"get", "name_en"}, []any{"get", "name_zh"}},
		[]any{"coalesce", []any{"get", "name_zh"}, []any{"get", "name_en"}},
	}
}

// byLang picks one of two expressions by the viewer's language.
func byLang(zh, en any) []any {
	return []any{"case", []any{"==", []any{"global-state", "lang"}, "en"}, en, zh}
}

// gridColor maps the "color" property through the palette, mixed towards
// white by lighten (0 keeps the colour, 1 is white) or black by -lighten.
func gridColor(lighten float64) []any {
	m := []any{"match", []any{"to-number", []any{"get", "color"}, -1}}
	for i, c := range gridPalette() {
		m = append(m, i, mix(c, lighten))
	}
	return append(m, mix("#8a8a8a", lighten))
}

// mix moves a #rrggbb colour towards white (f > 0) or black (f < 0).
func mix(hex string, f float64) string {
	v, err := strconv.ParseUint(hex[1:], 16, 32)
	if err != nil {
		return hex
	}
	ch := func(shift uint) int {
		x := float64((v >> shift) & 0xff)
		if f >= 0 {
			x += (255 - x) * f
		} else {
			x *= 1 + f
		}
		return int(x + 0.5)
	}
	return fmt.Sprintf("#%02x%02x%02x", ch(16), ch(8), ch(0))
}

// selected is a paint value that depends on the feature's "selected" state.
func selected(yes, no any) []any {
	return []any{"case", []any{"boolean", []any{"feature-state", "selected"}, false}, yes, no}
}

// zoomRamp interpolates linearly between zoom/value pairs.
func zoomRamp(stops ...float64) []any {
	e := []any{"interpolate", []any{"linear"}, []any{"zoom"}}
	for _, s := range stops {
		e = append(e, s)
	}
	return e
}

// zoomSelected interpolates by zoom between two widths, each depending on
// the feature's "selected" state: zoom must be the top-level input.
func zoomSelected(z0, on0, off0, z1, on1, off1 float64) []any {
	return []any{"interpolate", []any{"linear"}, []any{"zoom"}, z0, selected(on0, off0), z1, selected(on1, off1)}
}

// layer is one style layer on the vector source.
func layer(id, typ, sourceLayer, group string, minzoom int, props obj) obj {
	l := obj{"id": id, "type": typ, "source": "partymap", "source-layer": sourceLayer}
	if minzoom > 0 {
		l["minzoom"] = minzoom
	}
	if group != "" {
		l["metadata"] = obj{"partymap:group": group}
	}
	for k, v := range props {
		l[k] = v
	}
	return l
}

// textLayout is the common layout of a label.
func textLayout(size any, font []string, extra obj) obj {
	l := obj{"text-field": name(), "text-font": font, "text-size": size, "text-max-width": 8}
	for k, v := range extra {
		l[k] = v
	}
	return l
}

// halo is the paint of a label with a white halo.
func halo(color string, width float64) obj {
	return obj{"text-color": color, "text-halo-color": "rgba(255,255,255,0.92)", "text-halo-width": width}
}
