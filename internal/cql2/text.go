package cql2

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// ParseText reads a filter in the CQL2 text encoding (cql2-text). Errors are
// *SyntaxError or *LimitError.
func ParseText(s string, lim Limits) (Expr, error) {
	if len(s) > lim.Length {
		return nil, &LimitError{Message: "The filter is longer than " + strconv.Itoa(lim.Length) + " bytes"}
	}
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &textParser{toks: toks, lim: lim}
	e, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, syntaxErr(t.pos, "Unexpected %q after a complete filter; join conditions with AND or OR", t.text)
	}
	return e, nil
}

// LimitError is a filter refused for its size: too long, too deep, too many
// terms or vertices.
type LimitError struct{ Message string }

// Error says which limit the filter passed.
func (e *LimitError) Error() string { return e.Message }

type textParser struct {
	toks     []token
	i        int
	lim      Limits
	nodes    int
	vertices int
}

func (p *textParser) peek() token { return p.toks[p.i] }
func (p *textParser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

// keyword reports whether the next token is the bare word kw, any case.
func (p *textParser) keyword(kw string) bool {
	t := p.peek()
	return t.kind == tIdent && strings.EqualFold(t.text, kw)
}

func (p *textParser) accept(kw string) bool {
	if p.keyword(kw) {
		p.i++
		return true
	}
	return false
}

func (p *textParser) expect(kind tokenKind, what string) (token, error) {
	t := p.next()
	if t.kind != kind {
		if t.kind == tEOF {
			return t, syntaxErr(t.pos, "The filter ends where %s was expected", what)
		}
		return t, syntaxErr(t.pos, "Expected %s, found %q", what, t.text)
	}
	return t, nil
}

// node counts one node of the tree against the limits.
func (p *textParser) node(depth int) error {
	p.nodes++
	if p.nodes > p.lim.Nodes {
		return &LimitError{Message: "The filter has more than " + strconv.Itoa(p.lim.Nodes) + " terms"}
	}
	if depth > p.lim.Depth {
		return &LimitError{Message: "The filter nests deeper than " + strconv.Itoa(p.lim.Depth) + " levels"}
	}
	return nil
}

func (p *textParser) expr(depth int) (Expr, error) {
	if err := p.node(depth); err != nil {
		return nil, err
	}
	first, err := p.term(depth + 1)
	if err != nil {
		return nil, err
	}
	args := []Expr{first}
	for p.accept("OR") {
		t, err := p.term(depth + 1)
		if err != nil {
			return nil, err
		}
		args = append(args, t)
	}
	if len(args) == 1 {
		return first, nil
	}
	return Or{Args: args}, nil
}

func (p *textParser) term(depth int) (Expr, error) {
	first, err := p.factor(depth)
	if err != nil {
		return nil, err
	}
	args := []Expr{first}
	for p.accept("AND") {
		f, err := p.factor(depth)
		if err != nil {
			return nil, err
		}
		args = append(args, f)
	}
	if len(args) == 1 {
		return first, nil
	}
	return And{Args: args}, nil
}

func (p *textParser) factor(depth int) (Expr, error) {
	if err := p.node(depth); err != nil {
		return nil, err
	}
	if p.accept("NOT") {
		e, err := p.factor(depth + 1)
		if err != nil {
			return nil, err
		}
		return Not{Arg: e}, nil
	}
	return p.primary(depth + 1)
}

func (p *textParser) primary(depth int) (Expr, error) {
	t := p.peek()
	if t.kind == tLParen {
		p.next()
		e, err := p.expr(depth + 1)
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tRParen, "a closing parenthesis"); err != nil {
			return nil, err
		}
		return e, nil
	}
	if t.kind == tIdent && p.toks[p.i+1].kind == tLParen {
		name := strings.ToLower(t.text)
		switch {
		case slices.Contains(SpatialOps, name) || name == "s_dwithin":
			return p.spatial(depth)
		case slices.Contains(ArrayOps, name):
			return p.array(depth)
		case strings.HasPrefix(name, "t_"):
			return nil, syntaxErr(t.pos, "Temporal functions such as %s are not supported: the collections have no temporal properties", strings.ToUpper(t.text))
		}
	}
	left, err := p.scalar(depth)
	if err != nil {
		return nil, err
	}
	return p.predicate(left, depth)
}

// predicate reads what follows a scalar: a comparison, LIKE, BETWEEN, IN
// or IS NULL; a boolean literal alone is a predicate too.
func (p *textParser) predicate(left Expr, depth int) (Expr, error) {
	t := p.peek()
	not := false
	if p.keyword("NOT") {
		p.next()
		not = true
		if !p.keyword("LIKE") && !p.keyword("BETWEEN") && !p.keyword("IN") {
			return nil, syntaxErr(p.peek().pos, "NOT after a value must be followed by LIKE, BETWEEN or IN")
		}
	}
	switch {
	case p.accept("LIKE"):
		pat, err := p.scalar(depth)
		if err != nil {
			return nil, err
		}
		return Like{Value: left, Pattern: pat, Not: not}, nil
	case p.accept("BETWEEN"):
		lo, err := p.scalar(depth)
		if err != nil {
			return nil, err
		}
		if !p.accept("AND") {
			return nil, syntaxErr(p.peek().pos, "BETWEEN needs AND between its two bounds")
		}
		hi, err := p.scalar(depth)
		if err != nil {
			return nil, err
		}
		return Between{Value: left, Low: lo, High: hi, Not: not}, nil
	case p.accept("IN"):
		if _, err := p.expect(tLParen, "( after IN"); err != nil {
			return nil, err
		}
		var list []Expr
		for {
			v, err := p.scalar(depth)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
			if p.peek().kind == tComma {
				p.next()
				continue
			}
			break
		}
		if _, err := p.expect(tRParen, "a closing parenthesis after the IN list"); err != nil {
			return nil, err
		}
		return In{Value: left, List: list, Not: not}, nil
	case p.accept("IS"):
		n := p.accept("NOT")
		if !p.accept("NULL") {
			return nil, syntaxErr(p.peek().pos, "IS must be followed by NULL or NOT NULL")
		}
		return IsNull{Value: left, Not: n}, nil
	}
	if t.kind == tOp {
		switch t.text {
		case "=", "<>", "<", "<=", ">", ">=":
			p.next()
			right, err := p.scalar(depth)
			if err != nil {
				return nil, err
			}
			return Compare{Op: t.text, Left: left, Right: right}, nil
		}
		return nil, syntaxErr(t.pos, "Arithmetic (%s) is not supported in filters; compare a property with a value", t.text)
	}
	if b, ok := left.(Bool); ok {
		return b, nil
	}
	if t.kind == tEOF {
		return nil, syntaxErr(t.pos, "The filter ends after a value; a condition compares it, e.g. floors > 6")
	}
	return nil, syntaxErr(t.pos, "Expected a comparison (=, <>, <, <=, >, >=, LIKE, BETWEEN, IN, IS NULL), found %q", t.text)
}

// scalar reads a value: a property, a literal, CASEI(…), a TIMESTAMP or
// DATE, a geometry, BBOX or an array.
func (p *textParser) scalar(depth int) (Expr, error) {
	if err := p.node(depth); err != nil {
		return nil, err
	}
	t := p.next()
	switch t.kind {
	case tString:
		return String{Value: unescapeString(t.text)}, p.noArithmetic()
	case tNumber:
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, syntaxErr(t.pos, "%q is not a number this server can read", t.text)
		}
		return Number{Value: f}, p.noArithmetic()
	case tQuoted:
		return Property{Name: t.text}, p.noArithmetic()
	case tLParen:
		// An array literal: ( a, b, … ), or ( ) for none.
		return p.listRest(depth)
	case tIdent:
	default:
		if t.kind == tEOF {
			return nil, syntaxErr(t.pos, "The filter ends where a value was expected")
		}
		return nil, syntaxErr(t.pos, "Expected a property or a value, found %q", t.text)
	}
	word := strings.ToUpper(t.text)
	call := p.peek().kind == tLParen
	switch {
	case word == "TRUE" || word == "FALSE":
		return Bool{Value: word == "TRUE"}, nil
	case word == "NULL":
		return nil, syntaxErr(t.pos, "NULL is not a value to compare with; write IS NULL or IS NOT NULL")
	case call && (word == "TIMESTAMP" || word == "DATE"):
		p.next()
		s, err := p.expect(tString, "a quoted "+strings.ToLower(word)+" such as '2024-05-01"+map[bool]string{true: "T08:00:00Z", false: ""}[word == "TIMESTAMP"]+"'")
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tRParen, "a closing parenthesis"); err != nil {
			return nil, err
		}
		ts, err := parseInstant(s.text, word == "DATE")
		if err != nil {
			return nil, syntaxErr(s.pos, "%s", err.Error())
		}
		return ts, nil
	case call && word == "INTERVAL":
		return nil, syntaxErr(t.pos, "INTERVAL literals are not supported: the collections have no temporal properties")
	case call && word == "CASEI":
		p.next()
		arg, err := p.scalar(depth + 1)
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tRParen, "a closing parenthesis after CASEI's argument"); err != nil {
			return nil, err
		}
		return CaseI{Arg: arg}, p.noArithmetic()
	case call && word == "ACCENTI":
		return nil, syntaxErr(t.pos, "ACCENTI is not supported; CASEI is")
	case call && word == "BBOX":
		return p.bbox()
	case wktTags[word] && (call || p.keyword("Z")):
		g, err := p.wkt(word)
		if err != nil {
			return nil, err
		}
		return Geometry{Value: g}, nil
	case call:
		return nil, syntaxErr(t.pos, "Unknown function %s; the functions are CASEI, the spatial functions S_INTERSECTS, S_WITHIN, S_CONTAINS … and S_DWITHIN, and the array functions A_CONTAINS …", t.text)
	case word == "AND" || word == "OR" || word == "NOT" || word == "LIKE" || word == "BETWEEN" || word == "IN" || word == "IS":
		return nil, syntaxErr(t.pos, "Expected a property or a value, found the keyword %s", word)
	}
	return Property{Name: t.text}, p.noArithmetic()
}

// noArithmetic refuses an arithmetic operator after a value.
func (p *textParser) noArithmetic() error {
	t := p.peek()
	if t.kind == tOp && strings.ContainsAny(t.text, "+-*/^%") || t.kind == tIdent && strings.EqualFold(t.text, "DIV") {
		return syntaxErr(t.pos, "Arithmetic (%s) is not supported in filters; compare a property with a value", t.text)
	}
	if t.kind == tNumber && (t.text[0] == '-' || t.text[0] == '+') {
		return syntaxErr(t.pos, "Arithmetic (%c) is not supported in filters; compare a property with a value", t.text[0])
	}
	return nil
}

func (p *textParser) listRest(depth int) (Expr, error) {
	var items []Expr
	if p.peek().kind == tRParen {
		p.next()
		return List{}, nil
	}
	for {
		v, err := p.scalar(depth + 1)
		if err != nil {
			return nil, err
		}
		items = append(items, v)
		if p.peek().kind == tComma {
			p.next()
			continue
		}
		if _, err := p.expect(tRParen, "a closing parenthesis after the list"); err != nil {
			return nil, err
		}
		return List{Items: items}, nil
	}
}

func (p *textParser) spatial(depth int) (Expr, error) {
	name := strings.ToLower(p.next().text)
	p.next() // (
	a, err := p.scalar(depth + 1)
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tComma, "a comma between the two geometries of "+strings.ToUpper(name)); err != nil {
		return nil, err
	}
	b, err := p.scalar(depth + 1)
	if err != nil {
		return nil, err
	}
	if name == "s_dwithin" {
		if _, err := p.expect(tComma, "a comma before S_DWITHIN's distance in metres"); err != nil {
			return nil, err
		}
		d, err := p.expect(tNumber, "S_DWITHIN's distance in metres")
		if err != nil {
			return nil, err
		}
		m, _ := strconv.ParseFloat(d.text, 64)
		if !(m >= 0 && m <= p.lim.Metres) {
			return nil, &LimitError{Message: "S_DWITHIN's distance must be from 0 to " + strconv.FormatFloat(p.lim.Metres, 'f', -1, 64) + " metres"}
		}
		if _, err := p.expect(tRParen, "a closing parenthesis after S_DWITHIN's distance"); err != nil {
			return nil, err
		}
		return DWithin{Left: a, Right: b, Metres: m}, nil
	}
	if _, err := p.expect(tRParen, "a closing parenthesis after "+strings.ToUpper(name)+"'s two geometries"); err != nil {
		return nil, err
	}
	return Spatial{Op: name, Left: a, Right: b}, nil
}

func (p *textParser) array(depth int) (Expr, error) {
	name := strings.ToLower(p.next().text)
	p.next() // (
	a, err := p.scalar(depth + 1)
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tComma, "a comma between the two arrays of "+strings.ToUpper(name)); err != nil {
		return nil, err
	}
	b, err := p.scalar(depth + 1)
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tRParen, "a closing parenthesis after "+strings.ToUpper(name)+"'s two arrays"); err != nil {
		return nil, err
	}
	return Array{Op: name, Left: a, Right: b}, nil
}

// bbox reads BBOX(west, south, east, north), or with heights
// BBOX(west, south, min, east, north, max).
func (p *textParser) bbox() (Expr, error) {
	p.next() // (
	var nums []float64
	for {
		t, err := p.expect(tNumber, "a number of the BBOX")
		if err != nil {
			return nil, err
		}
		f, _ := strconv.ParseFloat(t.text, 64)
		nums = append(nums, f)
		if p.peek().kind == tComma {
			p.next()
			continue
		}
		break
	}
	if _, err := p.expect(tRParen, "a closing parenthesis after the BBOX's numbers"); err != nil {
		return nil, err
	}
	switch len(nums) {
	case 4:
		return BBox{West: nums[0], South: nums[1], East: nums[2], North: nums[3]}, nil
	case 6:
		return BBox{West: nums[0], South: nums[1], East: nums[3], North: nums[4]}, nil
	}
	return nil, syntaxErr(p.peek().pos, "BBOX takes 4 numbers (west, south, east, north) or 6 with heights; got %d", len(nums))
}

var wktTags = map[string]bool{"POINT": true, "LINESTRING": true, "POLYGON": true, "MULTIPOINT": true,
	"MULTILINESTRING": true, "MULTIPOLYGON": true, "GEOMETRYCOLLECTION": true}

// wkt reads the rest of a geometry literal whose tag was just read.
func (p *textParser) wkt(tag string) (orb.Geometry, error) {
	p.accept("Z")
	if _, err := p.expect(tLParen, "( after "+tag); err != nil {
		return nil, err
	}
	switch tag {
	case "POINT":
		pt, err := p.coord()
		if err != nil {
			return nil, err
		}
		_, err = p.expect(tRParen, "a closing parenthesis after the point")
		return pt, err
	case "LINESTRING":
		ls, err := p.coordsRest()
		return orb.LineString(ls), err
	case "POLYGON":
		return p.polygonRest()
	case "MULTIPOINT":
		var mp orb.MultiPoint
		err := p.listOf(func() error {
			// Both MULTIPOINT((1 2), (3 4)) and MULTIPOINT(1 2, 3 4).
			paren := p.peek().kind == tLParen
			if paren {
				p.next()
			}
			pt, err := p.coord()
			if err == nil && paren {
				_, err = p.expect(tRParen, "a closing parenthesis after a point")
			}
			mp = append(mp, pt)
			return err
		})
		return mp, err
	case "MULTILINESTRING":
		var ml orb.MultiLineString
		err := p.listOf(func() error {
			if _, err := p.expect(tLParen, "( before a line"); err != nil {
				return err
			}
			ls, err := p.coordsRest()
			ml = append(ml, ls)
			return err
		})
		return ml, err
	case "MULTIPOLYGON":
		var mp orb.MultiPolygon
		err := p.listOf(func() error {
			if _, err := p.expect(tLParen, "( before a polygon"); err != nil {
				return err
			}
			pg, err := p.polygonRest()
			mp = append(mp, pg)
			return err
		})
		return mp, err
	}
	var gc orb.Collection
	err := p.listOf(func() error {
		t := p.next()
		word := strings.ToUpper(t.text)
		if t.kind != tIdent || !wktTags[word] {
			return syntaxErr(t.pos, "Expected a geometry inside GEOMETRYCOLLECTION, found %q", t.text)
		}
		g, err := p.wkt(word)
		gc = append(gc, g)
		return err
	})
	return gc, err
}

// listOf reads items separated by commas up to a closing parenthesis.
func (p *textParser) listOf(item func() error) error {
	for {
		if err := item(); err != nil {
			return err
		}
		if p.peek().kind == tComma {
			p.next()
			continue
		}
		_, err := p.expect(tRParen, "a comma or a closing parenthesis")
		return err
	}
}

func (p *textParser) polygonRest() (orb.Polygon, error) {
	var pg orb.Polygon
	err := p.listOf(func() error {
		if _, err := p.expect(tLParen, "( before a ring"); err != nil {
			return err
		}
		ring, err := p.coordsRest()
		pg = append(pg, orb.Ring(ring))
		return err
	})
	return pg, err
}

// coordsRest reads "x y, x y, …)".
func (p *textParser) coordsRest() ([]orb.Point, error) {
	var pts []orb.Point
	err := p.listOf(func() error {
		pt, err := p.coord()
		pts = append(pts, pt)
		return err
	})
	return pts, err
}

// coord reads "x y" or "x y z" (the height is dropped).
func (p *textParser) coord() (orb.Point, error) {
	p.vertices++
	if p.vertices > p.lim.Vertices {
		return orb.Point{}, &LimitError{Message: "The filter's geometries have more than " + strconv.Itoa(p.lim.Vertices) + " vertices"}
	}
	var xyz [3]float64
	n := 0
	for n < 3 && p.peek().kind == tNumber {
		t := p.next()
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil || math.IsInf(f, 0) {
			return orb.Point{}, syntaxErr(t.pos, "%q is not a coordinate", t.text)
		}
		xyz[n] = f
		n++
	}
	if n < 2 {
		return orb.Point{}, syntaxErr(p.peek().pos, "A coordinate needs two numbers separated by a space, like 110.1 34.57")
	}
	return orb.Point{xyz[0], xyz[1]}, nil
}

// parseInstant reads a TIMESTAMP (RFC 3339) or DATE (YYYY-MM-DD) value.
func parseInstant(s string, date bool) (Timestamp, error) {
	if date {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return Timestamp{}, &SyntaxError{Message: "A DATE is written YYYY-MM-DD, like '2024-05-01'; got '" + clip(s) + "'"}
		}
		return Timestamp{Value: t, Date: true}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return Timestamp{}, &SyntaxError{Message: "A TIMESTAMP is written in RFC 3339, like '2024-05-01T08:00:00Z'; got '" + clip(s) + "'"}
	}
	return Timestamp{Value: t.UTC()}, nil
}

func clip(s string) string {
	r := []rune(strings.ToValidUTF8(s, "?"))
	if len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return string(r)
}
