package cql2

import (
	"fmt"
	"strings"
)

// Type is the data type of a queryable or of a value in a filter.
type Type int

// The data types of queryables (Part 3's JSON Schema types and formats).
const (
	TString Type = iota + 1
	TInteger
	TNumber
	TBoolean
	TTimestamp
	TGeometry
	TStringArray
)

// String names the type as a person reads it.
func (t Type) String() string {
	switch t {
	case TString:
		return "text"
	case TInteger:
		return "a whole number"
	case TNumber:
		return "a number"
	case TBoolean:
		return "a boolean"
	case TTimestamp:
		return "a timestamp"
	case TGeometry:
		return "a geometry"
	case TStringArray:
		return "a list of texts"
	}
	return "unknown"
}

func (t Type) numeric() bool { return t == TInteger || t == TNumber }

// Queryable is a property a filter may name, with its type.
type Queryable struct {
	Name string
	Type Type
}

// TypeError is a filter that parses but does not fit the collection: an
// unknown property, or values of types that cannot be compared.
type TypeError struct{ Message string }

// Error says what does not fit.
func (e *TypeError) Error() string { return e.Message }

// Check resolves the filter's property names against the queryables and
// checks that every comparison compares values of one kind. It returns
// the tree with each Property's Type set.
func Check(e Expr, qs []Queryable) (Expr, error) {
	c := checker{qs: qs}
	return c.predicate(e)
}

type checker struct{ qs []Queryable }

func (c checker) names() string {
	names := make([]string, len(c.qs))
	for i, q := range c.qs {
		names[i] = q.Name
	}
	return strings.Join(names, ", ")
}

func typeErr(format string, args ...any) *TypeError {
	return &TypeError{Message: fmt.Sprintf(format, args...)}
}

func (c checker) predicate(e Expr) (Expr, error) {
	switch x := e.(type) {
	case And:
		args, err := c.predicates(x.Args)
		return And{Args: args}, err
	case Or:
		args, err := c.predicates(x.Args)
		return Or{Args: args}, err
	case Not:
		a, err := c.predicate(x.Arg)
		return Not{Arg: a}, err
	case Bool:
		return x, nil
	case Compare:
		l, lt, err := c.value(x.Left)
		if err != nil {
			return nil, err
		}
		r, rt, err := c.value(x.Right)
		if err != nil {
			return nil, err
		}
		if err := comparable(lt, rt, x.Op); err != nil {
			return nil, err
		}
		return Compare{Op: x.Op, Left: l, Right: r}, nil
	case Like:
		v, vt, err := c.value(x.Value)
		if err != nil {
			return nil, err
		}
		if vt != TString {
			return nil, typeErr("LIKE matches text, and %s is %s", describe(v), vt)
		}
		if !isTextLiteral(x.Pattern) {
			return nil, typeErr("The pattern of LIKE must be a quoted text, like 'Xiyue%%' (or CASEI('xiyue%%'))")
		}
		return Like{Value: v, Pattern: x.Pattern, Not: x.Not}, nil
	case Between:
		v, vt, err := c.value(x.Value)
		if err != nil {
			return nil, err
		}
		if !vt.numeric() && vt != TTimestamp {
			return nil, typeErr("BETWEEN compares numbers or timestamps, and %s is %s", describe(v), vt)
		}
		lo, lot, err := c.value(x.Low)
		if err != nil {
			return nil, err
		}
		hi, hit, err := c.value(x.High)
		if err != nil {
			return nil, err
		}
		if err := comparable(vt, lot, "BETWEEN"); err != nil {
			return nil, err
		}
		if err := comparable(vt, hit, "BETWEEN"); err != nil {
			return nil, err
		}
		return Between{Value: v, Low: lo, High: hi, Not: x.Not}, nil
	case In:
		v, vt, err := c.value(x.Value)
		if err != nil {
			return nil, err
		}
		if len(x.List) == 0 {
			return nil, typeErr("IN needs at least one value in its list")
		}
		list := make([]Expr, len(x.List))
		for i, item := range x.List {
			li, lt, err := c.value(item)
			if err != nil {
				return nil, err
			}
			if err := comparable(vt, lt, "IN"); err != nil {
				return nil, err
			}
			list[i] = li
		}
		return In{Value: v, List: list, Not: x.Not}, nil
	case IsNull:
		v, _, err := c.value(x.Value)
		return IsNull{Value: v, Not: x.Not}, err
	case Spatial:
		l, r, err := c.geometries(x.Op, x.Left, x.Right)
		return Spatial{Op: x.Op, Left: l, Right: r}, err
	case DWithin:
		l, r, err := c.geometries("s_dwithin", x.Left, x.Right)
		return DWithin{Left: l, Right: r, Metres: x.Metres}, err
	case Array:
		l, lt, err := c.value(x.Left)
		if err != nil {
			return nil, err
		}
		r, rt, err := c.value(x.Right)
		if err != nil {
			return nil, err
		}
		if lt != TStringArray || rt != TStringArray {
			return nil, typeErr("%s compares lists of texts, like services and ('water', 'wifi')", strings.ToUpper(x.Op))
		}
		return Array{Op: x.Op, Left: l, Right: r}, nil
	}
	if v, _, err := c.value(e); err == nil {
		return nil, typeErr("%s is a value, not a condition; compare it, e.g. %s = …", describe(v), describe(v))
	}
	return nil, typeErr("The filter is not a condition")
}

func (c checker) predicates(es []Expr) ([]Expr, error) {
	out := make([]Expr, len(es))
	for i, e := range es {
		var err error
		if out[i], err = c.predicate(e); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (c checker) geometries(op string, a, b Expr) (Expr, Expr, error) {
	l, lt, err := c.value(a)
	if err != nil {
		return nil, nil, err
	}
	r, rt, err := c.value(b)
	if err != nil {
		return nil, nil, err
	}
	if lt != TGeometry || rt != TGeometry {
		return nil, nil, typeErr("%s relates two geometries: the property geometry and a literal such as POINT(110.1 34.57) or BBOX(110.09,34.56,110.11,34.58)", strings.ToUpper(op))
	}
	return l, r, nil
}

// value types a value node.
func (c checker) value(e Expr) (Expr, Type, error) {
	switch x := e.(type) {
	case Property:
		for _, q := range c.qs {
			if q.Name == x.Name {
				return Property{Name: q.Name, Type: q.Type}, q.Type, nil
			}
		}
		return nil, 0, typeErr("Unknown property %q; the queryables are %s", clip(x.Name), c.names())
	case String:
		return x, TString, nil
	case Number:
		return x, TNumber, nil
	case Bool:
		return x, TBoolean, nil
	case Timestamp:
		return x, TTimestamp, nil
	case Geometry, BBox:
		return x, TGeometry, nil
	case CaseI:
		a, t, err := c.value(x.Arg)
		if err != nil {
			return nil, 0, err
		}
		if t != TString {
			return nil, 0, typeErr("CASEI takes text, and %s is %s", describe(a), t)
		}
		return CaseI{Arg: a}, TString, nil
	case List:
		for _, item := range x.Items {
			if _, ok := item.(String); !ok {
				return nil, 0, typeErr("A list in a filter holds quoted texts, like ('water', 'wifi')")
			}
		}
		return x, TStringArray, nil
	}
	return nil, 0, typeErr("Expected a property or a value where a condition stands")
}

// comparable checks that values of types a and b can be compared by op.
func comparable(a, b Type, op string) error {
	switch {
	case a == TGeometry || b == TGeometry:
		return typeErr("Geometries are compared with the spatial functions (S_INTERSECTS, S_WITHIN …), not with %s", op)
	case a == TStringArray || b == TStringArray:
		return typeErr("Lists are compared with the array functions (A_CONTAINS …), not with %s", op)
	case a.numeric() && b.numeric(), a == b:
		if a == TBoolean && op != "=" && op != "<>" && op != "IN" {
			return typeErr("Booleans can only be compared with = and <>")
		}
		return nil
	}
	return typeErr("%s compares values of one kind; got %s and %s", op, a, b)
}

func isTextLiteral(e Expr) bool {
	switch x := e.(type) {
	case String:
		return true
	case CaseI:
		return isTextLiteral(x.Arg)
	}
	return false
}

// describe names a value in an error message.
func describe(e Expr) string {
	switch x := e.(type) {
	case Property:
		return x.Name
	case String:
		return "'" + clip(x.Value) + "'"
	case Number:
		return fmt.Sprint(x.Value)
	case CaseI:
		return "CASEI(" + describe(x.Arg) + ")"
	}
	return "the value"
}
