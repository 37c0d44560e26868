package geo

import (
	"encoding/json"
	"fmt"

	"github.com/paulmach/orb/geojson"
)

// MaxImportFeatures bounds the features of one imported collection.
const MaxImportFeatures = 500000

// DecodeFeatureCollection reads a GeoJSON FeatureCollection for the layer
// and checks every feature. The first bad features are reported together, by
// index and id, in one EUNPROCESSABLE error, so that nothing of a bad file is
// written.
func DecodeFeatureCollection(l Layer, data []byte) ([]Feature, error) {
	var raw struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, WrapError(EINVALID, err, "The file is not valid JSON: %s.", jsonErrorText(err))
	}
	if raw.Type != "FeatureCollection" {
		return nil, Errorf(EINVALID, "The file must be a GeoJSON FeatureCollection; got type %q.", raw.Type)
	}
	if len(raw.Features) > MaxImportFeatures {
		return nil, Errorf(EINVALID, "The file has %d features; at most %d can be imported at once.", len(raw.Features), MaxImportFeatures)
	}
	features := make([]Feature, 0, len(raw.Features))
	seen := make(map[int64]int, len(raw.Features))
	var vs []Violation
	for i, fr := range raw.Features {
		f, err := DecodeFeature(l, fr)
		if err == nil && f.ID == 0 {
			err = Errorf(EINVALID, "The feature has no id; imported features need a positive whole-number id.")
		}
		if err == nil {
			if j, dup := seen[f.ID]; dup {
				err = Errorf(EINVALID, "The id %d is used again (first at feature %d).", f.ID, j)
			}
			seen[f.ID] = i
		}
		if err != nil {
			vs = append(vs, featureViolations(i, fr, err)...)
			if len(vs) >= 20 {
				break
			}
			continue
		}
		features = append(features, f)
	}
	if len(vs) > 0 {
		return nil, &Error{Code: EUNPROCESSABLE, Message: violationsMessage(vs), Violations: vs}
	}
	return features, nil
}

// featureViolations prefixes the feature's index (and id, when it has one) to
// every violation of err.
func featureViolations(i int, raw json.RawMessage, err error) []Violation {
	var idOnly struct {
		ID any `json:"id"`
	}
	_ = json.Unmarshal(raw, &idOnly)
	where := fmt.Sprintf("feature %d", i)
	whereZh := fmt.Sprintf("第 %d 个要素", i)
	if idOnly.ID != nil {
		where += fmt.Sprintf(" (id %v)", idOnly.ID)
		whereZh += fmt.Sprintf("（id %v）", idOnly.ID)
	}
	var e *Error
	if asError(err, &e) && len(e.Violations) > 0 {
		out := make([]Violation, len(e.Violations))
		for k, v := range e.Violations {
			out[k] = Violation{Rule: v.Rule, MessageEn: where + ": " + v.MessageEn, MessageZh: whereZh + "：" + v.MessageZh}
		}
		return out
	}
	msg := ErrorMessage(err)
	return []Violation{{Rule: "bad_feature", MessageEn: where + ": " + msg, MessageZh: whereZh + "：" + msg}}
}

// EncodeFeature returns the feature as a GeoJSON feature.
func EncodeFeature(f Feature) *geojson.Feature {
	gf := geojson.NewFeature(f.Geometry)
	gf.ID = f.ID
	gf.Properties = JSONProperties(f.Properties)
	return gf
}
