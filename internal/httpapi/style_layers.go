package httpapi

// styleLayers lists the viewer's layers, bottom to top: the base map, the
// grids' colour fields, compounds, parking, extruded buildings, the flag
// poles, then every symbol (labels, icons, flags) above the 3D layers.
func styleLayers() []obj {
	var layers []obj
	layers = append(layers, obj{"id": "background", "type": "background", "paint": obj{"background-color": "#efe9dc"}})
	layers = append(layers, baseLayers()...)
	layers = append(layers, areaLayers()...)
	layers = append(layers, buildingLayers()...)
	layers = append(layers, labelLayers()...)
	layers = append(layers, pointLayers()...)
	layers = append(layers, pedestrianLabel())
	return layers
}

// baseLayers draw the offline base map: landmarks, streets with the
// pedestrian street highlighted, the community's outline.
func baseLayers() []obj {
	kind := []any{"get", "kind"}
	isKind := func(k ...any) []any { return []any{"in", kind, []any{"literal", k}} }
	return []obj{
		layer("landmarks-fill", "fill", "landmarks", "", 0, obj{"paint": obj{
			"fill-color": []any{"match", kind,
				"temple", "#f3d39a", "park", "#c3dea2", "square", "#e8dfcc", "village", "#e4d8c2", "#dfe2e8"},
			"fill-opacity": 0.95,
		}}),
		layer("landmarks-outline", "line", "landmarks", "", 0, obj{
			"paint": obj{
				"line-color": []any{"match", kind, "temple", "#9c3d12", "park", "#7da35a", "#b9ad97"},
				"line-width": []any{"match", kind, "temple", 2.5, 1},
			},
		}),
		layer("streets-pedestrian-glow", "line", "streets", "", 0, obj{
			"filter": isKind("pedestrian"),
			"layout": obj{"line-cap": "round", "line-join": "round"},
			"paint": obj{
				"line-color": "#ff8a3d", "line-opacity": 0.35, "line-blur": 4,
				"line-width": []any{"interpolate", []any{"exponential", 1.6}, []any{"zoom"}, 13, 20, 18, 90},
			},
		}),
		layer("streets-casing", "line", "streets", "", 0, obj{
			"layout": obj{"line-cap": "round", "line-join": "round"},
			"paint": obj{
				"line-color": []any{"match", kind, "pedestrian", "#a8451b", "#c9bea8"},
				"line-width": []any{"interpolate", []any{"exponential", 1.6}, []any{"zoom"},
					13, []any{"match", kind, "pedestrian", 9, "main", 4, 2},
					18, []any{"match", kind, "pedestrian", 52, "main", 30, 16}},
			},
		}),
		layer("streets-fill", "line", "streets", "", 0, obj{
			"layout": obj{"line-cap": "round", "line-join": "round"},
			"paint": obj{
				"line-color": []any{"match", kind, "pedestrian", "#f5a65b", "#ffffff"},
				"line-width": []any{"interpolate", []any{"exponential", 1.6}, []any{"zoom"},
					13, []any{"match", kind, "pedestrian", 6.5, "main", 2.8, 1.2},
					18, []any{"match", kind, "pedestrian", 46, "main", 26, 13}},
			},
		}),
		layer("streets-pedestrian-paving", "line", "streets", "", 14, obj{
			"filter": isKind("pedestrian"),
			"paint": obj{
				"line-color":     "#fff1d6",
				"line-width":     zoomRamp(14, 1.2, 18, 5),
				"line-dasharray": []any{1.5, 1.5},
			},
		}),
		layer("community-glow", "line", "community", "", 0, obj{
			"paint": obj{"line-color": "#c62828", "line-opacity": 0.16, "line-width": zoomRamp(12, 6, 17, 16)},
		}),
		layer("community-outline", "line", "community", "", 0, obj{
			"layout": obj{"line-join": "round"},
			"paint":  obj{"line-color": "#c62828", "line-width": zoomRamp(12, 1.5, 17, 3.5)},
		}),
	}
}

// areaLayers draw the grids as translucent colour fields with boundary
// lines, the compounds outlined, and the parking lots.
func areaLayers() []obj {
	return []obj{
		layer("grids-fill", "fill", "grids", "grids", 0, obj{"paint": obj{
			"fill-color":   gridColor(0),
			"fill-opacity": selected(0.5, 0.26),
		}}),
		layer("grids-casing", "line", "grids", "grids", 0, obj{
			"layout": obj{"line-join": "round"},
			"paint":  obj{"line-color": "#ffffff", "line-opacity": 0.85, "line-width": zoomRamp(13, 2.5, 17, 6)},
		}),
		layer("grids-line", "line", "grids", "grids", 0, obj{
			"layout": obj{"line-join": "round"},
			"paint": obj{
				"line-color": gridColor(-0.25),
				"line-width": zoomSelected(13, 2.5, 1.2, 17, 5, 2.5),
			},
		}),
		layer("compounds-fill", "fill", "compounds", "compounds", 0, obj{"paint": obj{
			"fill-color":   "#fffaf0",
			"fill-opacity": selected(0.7, 0.35),
		}}),
		layer("compounds-line", "line", "compounds", "compounds", 0, obj{
			"layout": obj{"line-join": "round"},
			"paint": obj{
				"line-color":     selected("#5d4037", "#7a6a55"),
				"line-width":     zoomSelected(14, 2.5, 0.8, 17, 3, 1.6),
				"line-dasharray": []any{3, 1.5},
			},
		}),
		layer("parking-fill", "fill", "parking", "parking", 0, obj{"paint": obj{
			"fill-color":   "#2f6fdb",
			"fill-opacity": selected(0.5, 0.28),
		}}),
		layer("parking-line", "line", "parking", "parking", 0, obj{"paint": obj{
			"line-color": "#1f4fa8",
			"line-width": selected(3, 1.5),
		}}),
	}
}

// buildingLayers extrude the buildings by height, coloured by grid, and
// stand the flag poles; the poles' source is filled by the viewer from the
// organizations in the tiles.
func buildingLayers() []obj {
	return []obj{
		layer("buildings-3d", "fill-extrusion", "buildings", "buildings", 0, obj{"paint": obj{
			"fill-extrusion-color":             selected("#ffd54f", gridColor(0.45)),
			"fill-extrusion-height":            []any{"to-number", []any{"get", "height_m"}, 10},
			"fill-extrusion-base":              0,
			"fill-extrusion-opacity":           0.92,
			"fill-extrusion-vertical-gradient": true,
		}}),
		{
			"id": "org-poles", "type": "fill-extrusion", "source": "flag-poles",
			"metadata": obj{"partymap:group": "organizations"},
			"filter":   []any{"<=", []any{"to-number", []any{"get", "level"}, 4}, []any{"global-state", "maxLevel"}},
			"paint": obj{
				"fill-extrusion-color":   selected("#ffc107", "#5b4636"),
				"fill-extrusion-height":  flagHeight(),
				"fill-extrusion-base":    0,
				"fill-extrusion-opacity": 1,
			},
		},
	}
}

// labelLayers name the streets, landmarks, grids and compounds. Areas are
// named from the "labels" source, one point per feature, which the viewer
// derives from the tiles (a label per tile piece would repeat names).
func labelLayers() []obj {
	kind := []any{"get", "kind"}
	return []obj{
		layer("streets-label", "symbol", "streets", "", 14, obj{
			"filter": []any{"!=", kind, "pedestrian"},
			"layout": textLayout([]any{"match", kind, "main", 13, 11.5},
				fontRegular(), obj{"symbol-placement": "line", "text-max-angle": 35, "text-padding": 4}),
			"paint": halo("#5a4630", 2),
		}),
		areaLabel("landmarks-label", "landmarks", "", 0, textLayout(12.5, fontBold(), obj{"text-padding": 2}),
			obj{"text-color": "#6b5a44", "text-halo-color": "rgba(255,250,240,0.95)", "text-halo-width": 2.2}),
		// the grids' and temples' names are always shown: they are the map
		areaLabel("grids-label", "grids", "grids", 12, textLayout(zoomRamp(13, 11, 15.5, 14, 17, 17), fontBold(),
			obj{"text-padding": 6, "text-allow-overlap": true}),
			obj{"text-color": gridColor(-0.55), "text-halo-color": "rgba(255,255,255,0.95)", "text-halo-width": 2.4}),
		areaLabel("landmarks-label-temple", "landmarks", "", 0, textLayout(zoomRamp(13, 15, 17, 20), fontBold(),
			obj{"text-allow-overlap": true}),
			obj{"text-color": "#8a2c0a", "text-halo-color": "#fff3dc", "text-halo-width": 2.6}),
		areaLabel("compounds-label", "compounds", "compounds", 16, textLayout(12, fontRegular(), obj{"text-padding": 3}),
			halo("#4e4132", 1.8)),
	}
}

// areaLabel is a label layer on the viewer-derived "labels" source; the
// landmarks' labels are split so that the temples always show.
func areaLabel(id, layerName, group string, minzoom int, layout, paint obj) obj {
	filter := []any{"==", []any{"get", "layer"}, layerName}
	switch id {
	case "landmarks-label":
		filter = []any{"all", filter, []any{"!=", []any{"get", "kind"}, "temple"}}
	case "landmarks-label-temple":
		filter = []any{"all", filter, []any{"==", []any{"get", "kind"}, "temple"}}
	}
	l := obj{
		"id": id, "type": "symbol", "source": "labels",
		"filter": filter,
		"layout": layout, "paint": paint,
	}
	if minzoom > 0 {
		l["minzoom"] = minzoom
	}
	if group != "" {
		l["metadata"] = obj{"partymap:group": group}
	}
	return l
}

// pedestrianLabel names the pedestrian street above every other label, so
// that icons never hide it.
func pedestrianLabel() obj {
	return layer("streets-label-pedestrian", "symbol", "streets", "", 13, obj{
		"filter": []any{"==", []any{"get", "kind"}, "pedestrian"},
		"layout": textLayout(zoomRamp(13, 13, 16, 17, 18, 21), fontBold(), obj{
			"symbol-placement": "line", "text-max-angle": 40, "text-letter-spacing": 0.25,
			"symbol-spacing": 400, "text-allow-overlap": true,
		}),
		"paint": obj{"text-color": "#8c3b0c", "text-halo-color": "#fff3dc", "text-halo-width": 2.6},
	})
}

// pointLayers show the parking lots with their free spaces, the service
// posts by kind and the party organizations' red flags, lifted to the top
// of their poles and sized by level.
func pointLayers() []obj {
	level := []any{"to-number", []any{"get", "level"}, 4}
	free := []any{"to-number", []any{"get", "free"}, 0}
	showLevel := []any{"<=", level, []any{"global-state", "maxLevel"}}
	return []obj{
		layer("parking-symbol", "symbol", "parking", "parking", 13, obj{
			"layout": obj{
				"icon-image":         []any{"case", []any{">", free, 0}, "parking", "parking-full"},
				"icon-size":          zoomRamp(13, 0.7, 17, 1),
				"icon-allow-overlap": true,
				"text-field": []any{"case", []any{">", free, 0},
					byLang([]any{"concat", "余 ", []any{"to-string", free}}, []any{"concat", []any{"to-string", free}, " free"}),
					byLang("已满", "Full")},
				"text-font":          fontBold(),
				"text-size":          13,
				"text-anchor":        "left",
				"text-offset":        []any{1.3, 0},
				"text-allow-overlap": true,
			},
			"paint": obj{
				"text-color":      []any{"case", []any{">", free, 0}, "#1f4fa8", "#8a8a8a"},
				"text-halo-color": "#ffffff", "text-halo-width": 2.2,
			},
		}),
		layer("posts-selected", "circle", "posts", "posts", 0, obj{"paint": obj{
			"circle-radius":          22,
			"circle-color":           "rgba(255,193,7,0.25)",
			"circle-stroke-color":    "#ff8f00",
			"circle-stroke-width":    3,
			"circle-opacity":         selected(1, 0),
			"circle-stroke-opacity":  selected(1, 0),
			"circle-pitch-alignment": "map",
		}}),
		layer("posts-symbol", "symbol", "posts", "posts", 0, obj{
			"layout": obj{
				"icon-image":         []any{"concat", "post-", []any{"get", "kind"}},
				"icon-size":          zoomRamp(13, 0.7, 16, 1),
				"icon-allow-overlap": true,
				"text-field":         []any{"step", []any{"zoom"}, "", 16, name()},
				"text-font":          fontRegular(),
				"text-size":          11.5,
				"text-anchor":        "top",
				"text-offset":        []any{0, 1.4},
				"text-optional":      true,
				"text-max-width":     9,
			},
			"paint": halo("#0d47a1", 1.8),
		}),
		layer("org-selected", "circle", "organizations", "organizations", 0, obj{"paint": obj{
			"circle-radius":          16,
			"circle-color":           "rgba(255,193,7,0.3)",
			"circle-stroke-color":    "#ff8f00",
			"circle-stroke-width":    3,
			"circle-opacity":         selected(1, 0),
			"circle-stroke-opacity":  selected(1, 0),
			"circle-pitch-alignment": "map",
		}}),
		layer("org-flags", "symbol", "organizations", "organizations", 0, obj{
			"filter": []any{"all", []any{">=", level, 3}, showLevel},
			"layout": obj{
				"icon-image":            []any{"match", []any{"get", "kind"}, "grid_branch", "flag-3", "building_group", "flag-4", "flag-unit"},
				"icon-anchor":           "top-left",
				"icon-allow-overlap":    true,
				"icon-ignore-placement": true,
				"icon-size":             zoomRamp(13, 0.6, 16, 1, 18, 1.25),
				"symbol-height-offset":  flagHeight(),
				"symbol-sort-key":       []any{"-", 10, level},
			},
		}),
		layer("org-flags-top", "symbol", "organizations", "organizations", 0, obj{
			"filter": []any{"all", []any{"<=", level, 2}, showLevel},
			"layout": obj{
				"icon-image":            []any{"concat", "flag-", []any{"to-string", level}},
				"icon-anchor":           "top-left",
				"icon-allow-overlap":    true,
				"icon-ignore-placement": true,
				"icon-size":             zoomRamp(13, 0.75, 16, 1, 18, 1.2),
				"symbol-height-offset":  flagHeight(),
				"text-field":            name(),
				"text-font":             fontBold(),
				"text-size":             []any{"match", level, 1, 15, 14},
				"text-anchor":           "left",
				"text-justify":          "left",
				"text-offset":           []any{3.4, 1.1},
				"text-max-width":        10,
				"text-optional":         true,
			},
			"paint": obj{"text-color": "#b71c1c", "text-halo-color": "#fffdf5", "text-halo-width": 2.4},
		}),
	}
}
