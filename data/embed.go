// Package data embeds the community's data set, one GeoJSON file per layer
// under geojson/, loaded into an empty database at first start.
package data

import "embed"

// GeoJSON holds geojson/*.geojson.
//
//go:embed geojson/*.geojson
var GeoJSON embed.FS
