package geo

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// MaxTextLength bounds every text property, in characters.
const MaxTextLength = 500

// CheckProperties converts decoded JSON properties to the layer's field
// types and reports every broken rule. With partial set (a merge patch), a
// missing required field is not a violation and a null removes an optional
// field. Values come out as string, int64, float64, []string or orb.Point.
func (l Layer) CheckProperties(props map[string]any, partial bool) (map[string]any, []Violation) {
	out := make(map[string]any, len(props))
	var vs []Violation
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f, ok := l.Field(k)
		if !ok {
			vs = append(vs, Violation{
				Rule:      "unknown_property",
				MessageZh: fmt.Sprintf("图层“%s”没有属性“%s”；可用属性：%s。", l.Name, k, joinQuoted(l.FieldNames())),
				MessageEn: fmt.Sprintf("Layer %q has no property %q; its properties are %s.", l.Name, k, joinQuoted(l.FieldNames())),
			})
			continue
		}
		v := props[k]
		if v == nil {
			if f.Required {
				vs = append(vs, requiredViolation(l, f))
				continue
			}
			out[k] = nil
			continue
		}
		conv, msgEn, msgZh := convertValue(f, v)
		if msgEn != "" {
			vs = append(vs, Violation{Rule: "bad_value", MessageZh: msgZh, MessageEn: msgEn})
			continue
		}
		out[k] = conv
	}
	if !partial {
		for _, f := range l.Fields {
			if _, ok := props[f.Name]; !ok && f.Required {
				vs = append(vs, requiredViolation(l, f))
			}
		}
		for k, v := range out {
			if v == nil {
				delete(out, k)
			}
		}
	}
	return out, vs
}

func requiredViolation(l Layer, f Field) Violation {
	return Violation{
		Rule:      "missing_property",
		MessageZh: fmt.Sprintf("图层“%s”的要素必须有属性“%s”（%s）。", l.Name, f.Name, f.Description),
		MessageEn: fmt.Sprintf("A %s feature needs the property %q (%s).", l.Name, f.Name, f.Description),
	}
}

// convertValue returns the value in the field's Go type, or a message in
// English and Chinese saying what was got and what was wanted.
func convertValue(f Field, v any) (any, string, string) {
	bad := func(want, wantZh string) (any, string, string) {
		got, _ := json.Marshal(v)
		if len(got) > 60 {
			got = append(got[:57], "..."...)
		}
		return nil, fmt.Sprintf("Property %q must be %s; got %s.", f.Name, want, got),
			fmt.Sprintf("属性“%s”必须是%s；收到的是 %s。", f.Name, wantZh, got)
	}
	switch f.Type {
	case Text:
		s, ok := v.(string)
		if !ok {
			return bad("a string", "文本")
		}
		if !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxTextLength {
			return bad(fmt.Sprintf("valid UTF-8 text of at most %d characters", MaxTextLength), fmt.Sprintf("不超过 %d 个字符的文本", MaxTextLength))
		}
		if !f.Allows(s) {
			return bad("one of "+joinQuoted(f.Values()), "以下之一："+joinQuoted(f.Values()))
		}
		return s, "", ""
	case Integer:
		n, ok := number(v)
		if !ok || n != math.Trunc(n) || math.Abs(n) > 1e15 {
			return bad("a whole number", "整数")
		}
		if f.Max > f.Min && (n < f.Min || n > f.Max) {
			return bad(fmt.Sprintf("a whole number from %g to %g", f.Min, f.Max), fmt.Sprintf("%g 到 %g 之间的整数", f.Min, f.Max))
		}
		return int64(n), "", ""
	case Number:
		n, ok := number(v)
		if !ok || math.IsNaN(n) || math.IsInf(n, 0) {
			return bad("a number", "数字")
		}
		if f.Max > f.Min && (n < f.Min || n > f.Max) {
			return bad(fmt.Sprintf("a number from %g to %g", f.Min, f.Max), fmt.Sprintf("%g 到 %g 之间的数字", f.Min, f.Max))
		}
		return n, "", ""
	case TextList:
		items, ok := v.([]any)
		if !ok || len(items) > 100 {
			return bad("a list of strings", "文本列表")
		}
		list := make([]string, 0, len(items))
		for _, it := range items {
			s, ok := it.(string)
			if !ok || !utf8.ValidString(s) || !f.Allows(s) {
				if len(f.Choices) > 0 {
					return bad("a list of "+joinQuoted(f.Values()), "以下值的列表："+joinQuoted(f.Values()))
				}
				return bad("a list of strings", "文本列表")
			}
			if !slices.Contains(list, s) {
				list = append(list, s)
			}
		}
		return list, "", ""
	case Position:
		pair, ok := v.([]any)
		if !ok || len(pair) != 2 {
			return bad("a [longitude, latitude] pair", "[经度, 纬度] 坐标")
		}
		lon, ok1 := number(pair[0])
		lat, ok2 := number(pair[1])
		if !ok1 || !ok2 || !validLonLat(lon, lat) {
			return bad("a [longitude, latitude] pair in WGS 84 degrees", "WGS 84 经纬度 [经度, 纬度]")
		}
		return orb.Point{lon, lat}, "", ""
	}
	return bad("a known type", "已知类型")
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, !math.IsNaN(n) && !math.IsInf(n, 0)
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
	}
	return 0, false
}

func validLonLat(lon, lat float64) bool {
	return !math.IsNaN(lon) && !math.IsNaN(lat) && lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90
}

// JSONProperties returns the properties as GeoJSON writes them: positions
// become [lon, lat] arrays.
func JSONProperties(props map[string]any) map[string]any {
	out := make(map[string]any, len(props))
	for k, v := range props {
		if p, ok := v.(orb.Point); ok {
			out[k] = []float64{p[0], p[1]}
			continue
		}
		out[k] = v
	}
	return out
}
