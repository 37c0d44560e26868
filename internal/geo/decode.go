package geo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"

	"github.com/paulmach/orb/geojson"
)

// DecodeFeature reads one GeoJSON Feature for the layer, checks its
// geometry and properties against the catalogue and returns it. An id, when
// present, must be a positive whole number. Every broken rule is reported in
// one EUNPROCESSABLE error; JSON that is not a Feature is EINVALID.
func DecodeFeature(l Layer, data []byte) (Feature, error) {
	var raw struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return Feature{}, WrapError(EINVALID, err, "The body is not valid JSON: %s.", jsonErrorText(err))
	}
	if raw.Type != "Feature" {
		return Feature{}, Errorf(EINVALID, "The body must be a GeoJSON Feature (\"type\": \"Feature\"); got type %q.", raw.Type)
	}
	gf, err := geojson.UnmarshalFeature(data)
	if err != nil {
		return Feature{}, WrapError(EINVALID, err, "The body is not a valid GeoJSON Feature: %s.", jsonErrorText(err))
	}
	return FeatureFromGeoJSON(l, gf)
}

// FeatureFromGeoJSON checks a decoded GeoJSON feature against the layer.
func FeatureFromGeoJSON(l Layer, gf *geojson.Feature) (Feature, error) {
	f := Feature{Layer: l.Name, Geometry: gf.Geometry}
	var vs []Violation
	if gf.ID != nil {
		id, ok := featureID(gf.ID)
		if !ok {
			vs = append(vs, Violation{Rule: "bad_id",
				MessageZh: fmt.Sprintf("要素 id 必须是正整数；收到的是 %v。", gf.ID),
				MessageEn: fmt.Sprintf("The feature id must be a positive whole number; got %v.", gf.ID)})
		}
		f.ID = id
	}
	vs = append(vs, l.CheckGeometry(gf.Geometry)...)
	props, pvs := l.CheckProperties(gf.Properties, false)
	vs = append(vs, pvs...)
	if len(vs) > 0 {
		return Feature{}, &Error{Code: EUNPROCESSABLE, Message: violationsMessage(vs), Violations: vs}
	}
	f.Properties = props
	return f, nil
}

func featureID(v any) (int64, bool) {
	switch id := v.(type) {
	case float64:
		if id >= 1 && id <= 1e15 && id == math.Trunc(id) {
			return int64(id), true
		}
	case string:
		var n int64
		if _, err := fmt.Sscan(id, &n); err == nil && n >= 1 && fmt.Sprint(n) == id {
			return n, true
		}
	}
	return 0, false
}

// violationsMessage is the one-sentence summary of a list of violations.
func violationsMessage(vs []Violation) string {
	if len(vs) == 1 {
		return vs[0].MessageEn
	}
	return fmt.Sprintf("The feature breaks %d rules: %s (and %d more; see violations).", len(vs), vs[0].MessageEn, len(vs)-1)
}

// jsonErrorText turns a JSON decoding error into plain words.
func jsonErrorText(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case asError(err, &se):
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	case asError(err, &te):
		return fmt.Sprintf("%s where %s was expected at byte %d", te.Value, te.Type, te.Offset)
	}
	msg := err.Error()
	if len(msg) > 120 {
		msg = msg[:120]
	}
	return string(bytes.ToValidUTF8([]byte(msg), []byte("?")))
}
