// Package cql2 reads OGC Common Query Language (CQL2) filters, in the text
// and the JSON encoding, into one expression tree, and checks a tree
// against the queryables of a collection: what the filter parameter of OGC
// API – Features Part 3 carries. It does no I/O and knows no database: a
// store translates a checked tree into its own query language.
//
// Supported: Basic CQL2 (comparisons, AND/OR/NOT, IS NULL, booleans),
// Advanced Comparison Operators (LIKE, BETWEEN, IN), Case-insensitive
// Comparison (CASEI), Property-Property comparisons, the spatial functions
// (S_INTERSECTS, S_EQUALS, S_DISJOINT, S_TOUCHES, S_WITHIN, S_OVERLAPS,
// S_CROSSES, S_CONTAINS) on every Simple Features type and BBOX, the array
// functions (A_EQUALS, A_CONTAINS, A_CONTAINEDBY, A_OVERLAPS), TIMESTAMP and
// DATE literals, and the extension S_DWITHIN(a, b, metres). Arithmetic,
// temporal functions and ACCENTI are refused with a sentence saying so.
package cql2

import (
	"time"

	"github.com/paulmach/orb"
)

// Expr is a node of a filter: a predicate or a value.
type Expr interface{ expr() }

// Logical nodes.
type (
	// And holds when every argument holds.
	And struct{ Args []Expr }
	// Or holds when any argument holds.
	Or struct{ Args []Expr }
	// Not holds when its argument does not.
	Not struct{ Arg Expr }
)

// Predicates.
type (
	// Compare is a binary comparison: =, <>, <, <=, >, >=.
	Compare struct {
		Op          string
		Left, Right Expr
	}
	// Like matches Value against a pattern: % any run of characters, _
	// one character, \ escapes the next.
	Like struct {
		Value, Pattern Expr
		Not            bool
	}
	// Between holds when Low <= Value <= High.
	Between struct {
		Value, Low, High Expr
		Not              bool
	}
	// In holds when Value equals one of List.
	In struct {
		Value Expr
		List  []Expr
		Not   bool
	}
	// IsNull holds when Value has no value.
	IsNull struct {
		Value Expr
		Not   bool
	}
	// Spatial is a spatial relation between two geometries: one of
	// the SpatialOps, lower case ("s_intersects").
	Spatial struct {
		Op          string
		Left, Right Expr
	}
	// DWithin, the extension S_DWITHIN, holds when the geometries come
	// within Metres of each other on the ellipsoid.
	DWithin struct {
		Left, Right Expr
		Metres      float64
	}
	// Array is an array relation: one of the ArrayOps ("a_contains").
	Array struct {
		Op          string
		Left, Right Expr
	}
)

// Values.
type (
	// Property names a queryable; Type is set by Check.
	Property struct {
		Name string
		Type Type
	}
	// String is a character literal.
	String struct{ Value string }
	// Number is a numeric literal.
	Number struct{ Value float64 }
	// Bool is TRUE or FALSE, as a value or as a predicate.
	Bool struct{ Value bool }
	// Timestamp is a TIMESTAMP or DATE literal, in UTC; Date marks a DATE.
	Timestamp struct {
		Value time.Time
		Date  bool
	}
	// Geometry is a spatial literal in the filter's CRS, axes as written.
	Geometry struct{ Value orb.Geometry }
	// BBox is a BBOX literal: west, south, east, north as written.
	BBox struct{ West, South, East, North float64 }
	// List is an array literal.
	List struct{ Items []Expr }
	// CaseI is CASEI(x): x compared without regard to case.
	CaseI struct{ Arg Expr }
)

func (And) expr()       {}
func (Or) expr()        {}
func (Not) expr()       {}
func (Compare) expr()   {}
func (Like) expr()      {}
func (Between) expr()   {}
func (In) expr()        {}
func (IsNull) expr()    {}
func (Spatial) expr()   {}
func (DWithin) expr()   {}
func (Array) expr()     {}
func (Property) expr()  {}
func (String) expr()    {}
func (Number) expr()    {}
func (Bool) expr()      {}
func (Timestamp) expr() {}
func (Geometry) expr()  {}
func (BBox) expr()      {}
func (List) expr()      {}
func (CaseI) expr()     {}

// SpatialOps are the spatial functions, lower case.
var SpatialOps = []string{"s_intersects", "s_equals", "s_disjoint", "s_touches", "s_within", "s_overlaps", "s_crosses", "s_contains"}

// ArrayOps are the array functions, lower case.
var ArrayOps = []string{"a_equals", "a_contains", "a_containedby", "a_overlaps"}

// Limits keep a hostile filter from costing more than a page of features:
// a filter past any of them is refused before any query runs.
type Limits struct {
	// Length bounds the filter's text in bytes.
	Length int
	// Depth bounds the nesting of expressions.
	Depth int
	// Nodes bounds the number of nodes of the tree.
	Nodes int
	// Vertices bounds the coordinates of all geometry literals together.
	Vertices int
	// Metres bounds the distance of S_DWITHIN.
	Metres float64
}

// DefaultLimits are the limits of the filter parameter.
func DefaultLimits() Limits {
	return Limits{Length: 64 << 10, Depth: 24, Nodes: 400, Vertices: 10000, Metres: 50000}
}
