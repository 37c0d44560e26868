package cql2

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// ParseJSON reads a filter in the CQL2 JSON encoding (cql2-json). Errors
// are *SyntaxError or *LimitError.
func ParseJSON(b []byte, lim Limits) (Expr, error) {
	if len(b) > lim.Length {
		return nil, &LimitError{Message: "The filter is longer than " + strconv.Itoa(lim.Length) + " bytes"}
	}
	// Refuse deep nesting before the decoder recurses into it.
	depth, maxDepth := 0, 0
	inString, escaped := false, false
	for _, c := range b {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
			maxDepth = max(maxDepth, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	// Each level of the tree is an object and its args array, and a
	// geometry's coordinates nest four arrays deep.
	if maxDepth > 2*lim.Depth+6 {
		return nil, &LimitError{Message: "The filter nests deeper than " + strconv.Itoa(lim.Depth) + " levels"}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, &SyntaxError{Message: "The filter is not valid JSON: " + err.Error()}
	}
	if dec.More() {
		return nil, &SyntaxError{Message: "The filter has more than one JSON value"}
	}
	p := &jsonParser{lim: lim}
	e, err := p.predicate(v, 0)
	if err != nil {
		return nil, err
	}
	return e, nil
}

type jsonParser struct {
	lim      Limits
	nodes    int
	vertices int
}

func jsonErr(format string, args ...any) *SyntaxError {
	return &SyntaxError{Message: fmt.Sprintf(format, args...)}
}

func (p *jsonParser) node(depth int) error {
	p.nodes++
	if p.nodes > p.lim.Nodes {
		return &LimitError{Message: "The filter has more than " + strconv.Itoa(p.lim.Nodes) + " terms"}
	}
	if depth > p.lim.Depth {
		return &LimitError{Message: "The filter nests deeper than " + strconv.Itoa(p.lim.Depth) + " levels"}
	}
	return nil
}

// op reads {"op": name, "args": [...]}.
func op(v any) (string, []any, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return "", nil, false
	}
	name, ok := m["op"].(string)
	if !ok {
		return "", nil, false
	}
	args, _ := m["args"].([]any)
	return strings.ToLower(name), args, true
}

func (p *jsonParser) predicate(v any, depth int) (Expr, error) {
	if err := p.node(depth); err != nil {
		return nil, err
	}
	if b, ok := v.(bool); ok {
		return Bool{Value: b}, nil
	}
	name, args, ok := op(v)
	if !ok {
		return nil, jsonErr("A filter in CQL2 JSON is an object {\"op\": …, \"args\": […]} or true or false")
	}
	nargs := func(n int) error {
		if len(args) != n {
			return jsonErr("%q takes %d arguments; got %d", name, n, len(args))
		}
		return nil
	}
	scalars := func(n int) ([]Expr, error) {
		if err := nargs(n); err != nil {
			return nil, err
		}
		out := make([]Expr, n)
		for i, a := range args {
			e, err := p.scalar(a, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	}
	switch name {
	case "and", "or":
		if len(args) < 2 {
			return nil, jsonErr("%q takes at least two arguments", name)
		}
		var es []Expr
		for _, a := range args {
			e, err := p.predicate(a, depth+1)
			if err != nil {
				return nil, err
			}
			es = append(es, e)
		}
		if name == "and" {
			return And{Args: es}, nil
		}
		return Or{Args: es}, nil
	case "not":
		if err := nargs(1); err != nil {
			return nil, err
		}
		e, err := p.predicate(args[0], depth+1)
		if err != nil {
			return nil, err
		}
		return Not{Arg: e}, nil
	case "=", "<>", "<", "<=", ">", ">=":
		s, err := scalars(2)
		if err != nil {
			return nil, err
		}
		return Compare{Op: name, Left: s[0], Right: s[1]}, nil
	case "like":
		s, err := scalars(2)
		if err != nil {
			return nil, err
		}
		return Like{Value: s[0], Pattern: s[1]}, nil
	case "between":
		s, err := scalars(3)
		if err != nil {
			return nil, err
		}
		return Between{Value: s[0], Low: s[1], High: s[2]}, nil
	case "in":
		s, err := scalars(2)
		if err != nil {
			return nil, err
		}
		l, ok := s[1].(List)
		if !ok {
			return nil, jsonErr("\"in\" takes a value and an array of values")
		}
		return In{Value: s[0], List: l.Items}, nil
	case "isnull":
		s, err := scalars(1)
		if err != nil {
			return nil, err
		}
		return IsNull{Value: s[0]}, nil
	case "s_dwithin":
		if err := nargs(3); err != nil {
			return nil, err
		}
		a, err := p.scalar(args[0], depth+1)
		if err != nil {
			return nil, err
		}
		b, err := p.scalar(args[1], depth+1)
		if err != nil {
			return nil, err
		}
		m, ok := jsonNumber(args[2])
		if !ok {
			return nil, jsonErr("S_DWITHIN's third argument is a distance in metres")
		}
		if !(m >= 0 && m <= p.lim.Metres) {
			return nil, &LimitError{Message: "S_DWITHIN's distance must be from 0 to " + strconv.FormatFloat(p.lim.Metres, 'f', -1, 64) + " metres"}
		}
		return DWithin{Left: a, Right: b, Metres: m}, nil
	}
	if slices.Contains(SpatialOps, name) {
		s, err := scalars(2)
		if err != nil {
			return nil, err
		}
		return Spatial{Op: name, Left: s[0], Right: s[1]}, nil
	}
	if slices.Contains(ArrayOps, name) {
		s, err := scalars(2)
		if err != nil {
			return nil, err
		}
		return Array{Op: name, Left: s[0], Right: s[1]}, nil
	}
	return nil, unknownOp(name)
}

func unknownOp(name string) error {
	switch {
	case strings.HasPrefix(name, "t_") || name == "interval":
		return jsonErr("Temporal functions such as %q are not supported: the collections have no temporal properties", name)
	case slices.Contains([]string{"+", "-", "*", "/", "^", "%", "div"}, name):
		return jsonErr("Arithmetic (%q) is not supported in filters; compare a property with a value", name)
	case name == "accenti":
		return jsonErr("ACCENTI is not supported; CASEI is")
	}
	return jsonErr("Unknown operator or function %q; see the queryables and the conformance classes for what filters may use", clip(name))
}

func jsonNumber(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil && !math.IsInf(f, 0)
}

func (p *jsonParser) scalar(v any, depth int) (Expr, error) {
	if err := p.node(depth); err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case string:
		return String{Value: x}, nil
	case json.Number:
		f, ok := jsonNumber(x)
		if !ok {
			return nil, jsonErr("%q is not a number this server can read", clip(string(x)))
		}
		return Number{Value: f}, nil
	case bool:
		return Bool{Value: x}, nil
	case nil:
		return nil, jsonErr("null is not a value to compare with; use {\"op\": \"isNull\", …}")
	case []any:
		var items []Expr
		for _, a := range x {
			e, err := p.scalar(a, depth+1)
			if err != nil {
				return nil, err
			}
			items = append(items, e)
		}
		return List{Items: items}, nil
	case map[string]any:
		if name, ok := x["property"].(string); ok && len(x) == 1 {
			return Property{Name: name}, nil
		}
		if s, ok := x["timestamp"].(string); ok {
			return parseInstant(s, false)
		}
		if s, ok := x["date"].(string); ok {
			return parseInstant(s, true)
		}
		if bb, ok := x["bbox"].([]any); ok {
			var nums []float64
			for _, n := range bb {
				f, ok := jsonNumber(n)
				if !ok {
					return nil, jsonErr("A bbox is an array of 4 or 6 numbers")
				}
				nums = append(nums, f)
			}
			switch len(nums) {
			case 4:
				return BBox{West: nums[0], South: nums[1], East: nums[2], North: nums[3]}, nil
			case 6:
				return BBox{West: nums[0], South: nums[1], East: nums[3], North: nums[4]}, nil
			}
			return nil, jsonErr("A bbox is an array of 4 or 6 numbers; got %d", len(nums))
		}
		if _, ok := x["interval"]; ok {
			return nil, unknownOp("interval")
		}
		if t, ok := x["type"].(string); ok && x["coordinates"] != nil || t == "GeometryCollection" {
			return p.geometry(x)
		}
		if name, args, ok := op(x); ok {
			if name == "casei" {
				if len(args) != 1 {
					return nil, jsonErr("\"casei\" takes one argument")
				}
				a, err := p.scalar(args[0], depth+1)
				if err != nil {
					return nil, err
				}
				return CaseI{Arg: a}, nil
			}
			return nil, unknownOp(name)
		}
	}
	return nil, jsonErr("Expected a property ({\"property\": …}), a literal, a geometry, a bbox, a timestamp or a date")
}

// geometry reads a GeoJSON geometry, counting its vertices.
func (p *jsonParser) geometry(m map[string]any) (Expr, error) {
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, jsonErr("The geometry is not valid GeoJSON")
	}
	g, err := geojson.UnmarshalGeometry(raw)
	if err != nil || g.Geometry() == nil {
		return nil, jsonErr("The geometry is not valid GeoJSON")
	}
	n := 0
	countPoints(g.Geometry(), &n)
	p.vertices += n
	if p.vertices > p.lim.Vertices {
		return nil, &LimitError{Message: "The filter's geometries have more than " + strconv.Itoa(p.lim.Vertices) + " vertices"}
	}
	return Geometry{Value: g.Geometry()}, nil
}

func countPoints(g orb.Geometry, n *int) {
	switch x := g.(type) {
	case orb.Point:
		*n++
	case orb.MultiPoint:
		*n += len(x)
	case orb.LineString:
		*n += len(x)
	case orb.MultiLineString:
		for _, l := range x {
			*n += len(l)
		}
	case orb.Ring:
		*n += len(x)
	case orb.Polygon:
		for _, r := range x {
			*n += len(r)
		}
	case orb.MultiPolygon:
		for _, pg := range x {
			for _, r := range pg {
				*n += len(r)
			}
		}
	case orb.Collection:
		for _, c := range x {
			countPoints(c, n)
		}
	}
}
