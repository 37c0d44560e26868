package geo

import (
	"context"

	"github.com/paulmach/orb"
)

// FeatureStore reads features. Implementations answer errors with codes from
// this package: ENOTFOUND for a missing feature, EUNAVAILABLE when the
// database cannot be reached.
type FeatureStore interface {
	// FindFeatures returns the features that match the filter; its layer
	// may also be the community outline (Catalogue.Community).
	FindFeatures(ctx context.Context, f Filter) (FeaturePage, error)
	// FindFeature returns one feature of a layer.
	FindFeature(ctx context.Context, layer string, id int64) (Feature, error)
	// LayerExtent returns the bounding box of a layer's features.
	LayerExtent(ctx context.Context, layer string) (Extent, error)
	// Ping reports whether the store can answer and its schema is current.
	Ping(ctx context.Context) error
}

// GeometryTransformer transforms geometries between coordinate systems by
// their EPSG codes, as PostGIS's ST_Transform does; the geometries are in
// PostGIS's axis order (longitude or easting first).
type GeometryTransformer interface {
	TransformGeometry(ctx context.Context, g orb.Geometry, fromSRID, toSRID int) (orb.Geometry, error)
}
