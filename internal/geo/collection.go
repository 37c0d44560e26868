package geo

import (
	"encoding/json"
	"fmt"

	"github.com/paulmach/orb/geojson"
)

// MaxImportFeatures bounds the features of one imported collection.
const MaxImportFeatures = 500000

// DecodeGeoJSONImport reads a GeoJSON FeatureCollection (or one Feature)
// as import items: geometry as given, properties as JSON values, checked
// later against the layer by PlanImport. Ids are optional: a feature
// without one is added as new.
func DecodeGeoJSONImport(data []byte) ([]ImportItem, error) {
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, Errorf(EINVALID, "The file is neither valid GeoJSON nor KML.")
	}
	var fs []*geojson.Feature
	switch head.Type {
	case "FeatureCollection":
		fc, err := geojson.UnmarshalFeatureCollection(data)
		if err != nil {
			return nil, WrapError(EINVALID, err, "The file is not a valid GeoJSON FeatureCollection.")
		}
		fs = fc.Features
	case "Feature":
		f, err := geojson.UnmarshalFeature(data)
		if err != nil {
			return nil, WrapError(EINVALID, err, "The file is not a valid GeoJSON Feature.")
		}
		fs = []*geojson.Feature{f}
	default:
		return nil, Errorf(EINVALID, "The file must be a GeoJSON FeatureCollection or Feature; got type %q.", clip(head.Type, 40))
	}
	if len(fs) > MaxImportFeatures {
		return nil, Errorf(ETOOLARGE, "The file has %d features; at most %d can be imported at once.", len(fs), MaxImportFeatures)
	}
	items := make([]ImportItem, len(fs))
	var vs []Violation
	for i, f := range fs {
		items[i] = ImportItem{Index: i, Geometry: f.Geometry, Properties: map[string]any(f.Properties)}
		if items[i].Properties == nil {
			items[i].Properties = map[string]any{}
		}
		if f.ID == nil {
			continue
		}
		id, ok := featureID(f.ID)
		if !ok {
			vs = append(vs, Violation{Rule: "bad_id",
				MessageZh: fmt.Sprintf("第 %d 个要素：id 必须是正整数；收到的是 %v。", i+1, f.ID),
				MessageEn: fmt.Sprintf("feature %d: the id must be a positive whole number; got %v.", i+1, f.ID)})
		}
		items[i].ID = id
	}
	if len(vs) > 0 {
		return nil, Unprocessable(vs)
	}
	return items, nil
}

// EncodeFeature returns the feature as a GeoJSON feature.
func EncodeFeature(f Feature) *geojson.Feature {
	gf := geojson.NewFeature(f.Geometry)
	gf.ID = f.ID
	gf.Properties = JSONProperties(f.Properties)
	return gf
}
