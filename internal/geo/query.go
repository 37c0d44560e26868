package geo

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"time"

	"partymap/internal/cql2"
)

// The properties every feature has besides the catalogue's fields: its id,
// when it last changed, and its geometry (named so in queryables and
// filters; the table's column is geom).
const (
	PropID        = "id"
	PropUpdatedAt = "updated_at"
	PropGeometry  = "geometry"
)

// Queryables lists the properties a CQL2 filter on the layer may name, with
// their types: id, the catalogue's fields (but positions, which are
// properties of the feature rather than its geometry), updated_at and the
// geometry.
func (l Layer) Queryables() []cql2.Queryable {
	qs := []cql2.Queryable{{Name: PropID, Type: cql2.TInteger}}
	for _, f := range l.Fields {
		if t, ok := queryableType(f.Type); ok {
			qs = append(qs, cql2.Queryable{Name: f.Name, Type: t})
		}
	}
	return append(qs, cql2.Queryable{Name: PropUpdatedAt, Type: cql2.TTimestamp}, cql2.Queryable{Name: PropGeometry, Type: cql2.TGeometry})
}

func queryableType(t FieldType) (cql2.Type, bool) {
	switch t {
	case Text:
		return cql2.TString, true
	case Integer:
		return cql2.TInteger, true
	case Number:
		return cql2.TNumber, true
	case TextList:
		return cql2.TStringArray, true
	}
	return 0, false
}

// ParseFilter reads a filter parameter in lang ("cql2-text", the default,
// or "cql2-json") and checks it against the layer's queryables. Every
// problem is an EINVALID error that says what to change.
func ParseFilter(l Layer, text, lang string) (cql2.Expr, error) {
	var e cql2.Expr
	var err error
	switch lang {
	case "", "cql2-text":
		e, err = cql2.ParseText(text, cql2.DefaultLimits())
	case "cql2-json":
		e, err = cql2.ParseJSON([]byte(text), cql2.DefaultLimits())
	default:
		return nil, Errorf(EINVALID, "The filter-lang parameter must be cql2-text or cql2-json; got %q.", clip(lang, 30))
	}
	if err == nil {
		e, err = cql2.Check(e, l.Queryables())
	}
	if err != nil {
		return nil, WrapError(EINVALID, err, "The filter cannot be used: %s.", strings.TrimSuffix(err.Error(), "."))
	}
	return e, nil
}

// SortKey is one key of an item order: a sortable property, ascending
// unless Desc.
type SortKey struct {
	Property string
	Desc     bool
}

// Sortables lists the properties items can be ordered by: id, the text
// and number fields, and updated_at.
func (l Layer) Sortables() []string {
	out := []string{PropID}
	for _, f := range l.Fields {
		if f.Type == Text || f.Type == Integer || f.Type == Number {
			out = append(out, f.Name)
		}
	}
	return append(out, PropUpdatedAt)
}

// ParseSortBy reads a sortby parameter: sortable properties separated by
// commas, each with an optional + (ascending) or - (descending) in front
// (or " A"/" D" behind, as older clients write).
func ParseSortBy(l Layer, s string) ([]SortKey, error) {
	var keys []SortKey
	sortables := l.Sortables()
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		k := SortKey{}
		switch {
		case strings.HasPrefix(part, "-"):
			k.Desc, part = true, part[1:]
		case strings.HasPrefix(part, "+"):
			part = part[1:]
		case strings.HasSuffix(part, " D"), strings.HasSuffix(part, " DESC"):
			k.Desc, part = true, strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(part, " DESC"), " D"))
		case strings.HasSuffix(part, " A"), strings.HasSuffix(part, " ASC"):
			part = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(part, " ASC"), " A"))
		}
		k.Property = part
		if !slices.Contains(sortables, part) {
			return nil, Errorf(EINVALID, "Layer %q cannot be sorted by %q; sortby takes %s, each with + or - in front (e.g. -updated_at,+name_zh).", l.Name, clip(part, 40), joinQuoted(sortables))
		}
		if slices.ContainsFunc(keys, func(o SortKey) bool { return o.Property == k.Property }) {
			return nil, Errorf(EINVALID, "The sortby parameter names %q twice.", k.Property)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// OrderKeys is an order with the id as its last key, so that every
// feature has one place in it: the order pages are read in, and the keys
// of their cursors.
func OrderKeys(sort []SortKey) []SortKey {
	keys := slices.Clone(sort)
	if !slices.ContainsFunc(keys, func(k SortKey) bool { return k.Property == PropID }) {
		keys = append(keys, SortKey{Property: PropID})
	}
	return keys
}

// KeysetOrder reports whether pages in this order can continue from the
// last feature of the previous page (keyset paging) rather than by
// counting rows: when no key can be empty, so every feature has a place
// in the order. Optional and derived fields can be empty.
func (l Layer) KeysetOrder(keys []SortKey) bool {
	for _, k := range keys {
		if k.Property == PropID || k.Property == PropUpdatedAt {
			continue
		}
		f, ok := l.Field(k.Property)
		if !ok || !f.Required || f.Derived {
			return false
		}
	}
	return true
}

// ParseProperties reads a properties parameter: the only properties the
// answer should carry, separated by commas.
func ParseProperties(l Layer, s string) ([]string, error) {
	out := []string{}
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if _, ok := l.Field(name); !ok {
			return nil, Errorf(EINVALID, "Layer %q has no property %q; the properties are %s.", l.Name, clip(name, 40), joinQuoted(l.FieldNames()))
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out, nil
}

// ParseDatetime checks a datetime parameter (an instant, or an interval
// a/b with .. or nothing for an open end, RFC 3339). The collections have
// no time of their own, so every feature matches any valid datetime (OGC
// API – Features 1, 7.15.4); a malformed one is EINVALID.
func ParseDatetime(s string) error {
	parts := strings.Split(s, "/")
	if len(parts) > 2 {
		return Errorf(EINVALID, "The datetime parameter is an instant or an interval start/end; got %q.", clip(s, 60))
	}
	open := 0
	for _, p := range parts {
		if p == ".." || p == "" {
			open++
			continue
		}
		if _, err := time.Parse(time.RFC3339Nano, p); err == nil {
			continue
		}
		if _, err := time.Parse(time.DateOnly, p); err == nil {
			continue
		}
		return Errorf(EINVALID, "The datetime parameter must be RFC 3339 (2024-05-01T08:00:00Z or 2024-05-01), or an interval of two, .. for an open end; got %q.", clip(s, 60))
	}
	if open == len(parts) {
		return Errorf(EINVALID, "The datetime parameter needs at least one end; got %q.", clip(s, 60))
	}
	return nil
}

// Cursor is where a keyset page starts: after (or, Backward, before) the
// feature with these sort key values and id. Pos is the number of
// features before the page, for numbering and the previous link.
type Cursor struct {
	Values   []any
	ID       int64
	Pos      int64
	Backward bool
}

// cursorJSON is a cursor as the cursor parameter carries it.
type cursorJSON struct {
	V   []any `json:"v,omitempty"`
	ID  int64 `json:"i"`
	Pos int64 `json:"p"`
	B   bool  `json:"b,omitempty"`
}

// Encode writes the cursor as the cursor parameter's value: base64url
// JSON, opaque to clients.
func (c Cursor) Encode() string {
	vals := make([]any, len(c.Values))
	for i, v := range c.Values {
		if t, ok := v.(time.Time); ok {
			v = t.UTC().Format(time.RFC3339Nano)
		}
		vals[i] = v
	}
	b, _ := json.Marshal(cursorJSON{V: vals, ID: c.ID, Pos: c.Pos, B: c.Backward})
	return base64.RawURLEncoding.EncodeToString(b)
}

// ParseCursor reads a cursor parameter for the layer and order; the values
// come back typed as the sort keys' properties (string, int64, float64,
// time.Time). A cursor from another order is EINVALID.
func ParseCursor(l Layer, keys []SortKey, s string) (*Cursor, error) {
	bad := Errorf(EINVALID, "The cursor parameter is not one this order of %s gave out; follow the next and prev links, or start again without it.", l.Name)
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(s) > 4096 {
		return nil, bad
	}
	var cj cursorJSON
	if err := json.Unmarshal(raw, &cj); err != nil || len(cj.V) != len(keys) || cj.ID < 0 || cj.Pos < 0 {
		return nil, bad
	}
	c := &Cursor{ID: cj.ID, Pos: cj.Pos, Backward: cj.B, Values: make([]any, len(keys))}
	for i, k := range keys {
		v := cj.V[i]
		var ok bool
		switch typ := sortType(l, k.Property); typ {
		case Text:
			c.Values[i], ok = v.(string)
		case Integer:
			n, isNum := v.(float64)
			ok = isNum && n == math.Trunc(n) && math.Abs(n) < 1<<53
			c.Values[i] = int64(n)
		case Number:
			c.Values[i], ok = v.(float64)
		default:
			s, isStr := v.(string)
			t, err := time.Parse(time.RFC3339Nano, s)
			ok = isStr && err == nil
			c.Values[i] = t
		}
		if !ok {
			return nil, bad
		}
	}
	return c, nil
}

// sortType is the field type of a sortable property; updated_at is "".
func sortType(l Layer, name string) FieldType {
	if name == PropID {
		return Integer
	}
	if f, ok := l.Field(name); ok {
		return f.Type
	}
	return ""
}
