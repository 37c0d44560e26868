package postgis

import (
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"partymap/internal/geo"
)

// Every identifier in the SQL of this package comes from the layer
// catalogue, never from a request; values are always parameters.

// selectList is the column list that scanFeature reads, in order.
func selectList(l geo.Layer) string {
	cols := []string{"id", "ST_AsBinary(geom)", "version", "updated_at", "updated_by"}
	for _, f := range l.Fields {
		if f.Type == geo.Position {
			cols = append(cols, fmt.Sprintf("ST_AsBinary(%s)", f.Name))
			continue
		}
		cols = append(cols, f.Name)
	}
	return strings.Join(cols, ", ")
}

// row is one scanned row; scanTargets points into it.
type row struct {
	id        int64
	geom      []byte
	version   int64
	updatedAt time.Time
	updatedBy string
	values    []any
}

func newRow(l geo.Layer) *row {
	r := &row{values: make([]any, len(l.Fields))}
	for i, f := range l.Fields {
		switch f.Type {
		case geo.Text:
			r.values[i] = new(pgtype.Text)
		case geo.Integer:
			r.values[i] = new(pgtype.Int8)
		case geo.Number:
			r.values[i] = new(pgtype.Float8)
		case geo.TextList:
			r.values[i] = new([]string)
		case geo.Position:
			r.values[i] = new([]byte)
		}
	}
	return r
}

func (r *row) targets() []any {
	return append([]any{&r.id, &r.geom, &r.version, &r.updatedAt, &r.updatedBy}, r.values...)
}

func (r *row) feature(l geo.Layer) (geo.Feature, error) {
	g, err := wkb.Unmarshal(r.geom)
	if err != nil {
		return geo.Feature{}, fmt.Errorf("decode %s %d geometry: %w", l.Name, r.id, err)
	}
	f := geo.Feature{
		Layer: l.Name, ID: r.id, Geometry: g, Version: r.version,
		UpdatedAt: r.updatedAt, UpdatedBy: r.updatedBy,
		Properties: make(map[string]any, len(l.Fields)),
	}
	for i, fd := range l.Fields {
		switch v := r.values[i].(type) {
		case *pgtype.Text:
			if v.Valid {
				f.Properties[fd.Name] = v.String
			}
		case *pgtype.Int8:
			if v.Valid {
				f.Properties[fd.Name] = v.Int64
			}
		case *pgtype.Float8:
			if v.Valid {
				f.Properties[fd.Name] = v.Float64
			}
		case *[]string:
			if *v != nil {
				f.Properties[fd.Name] = append([]string{}, *v...)
			}
		case *[]byte:
			if *v != nil {
				p, err := wkb.Unmarshal(*v)
				if err != nil {
					return geo.Feature{}, fmt.Errorf("decode %s %d %s: %w", l.Name, r.id, fd.Name, err)
				}
				if pt, ok := p.(orb.Point); ok {
					f.Properties[fd.Name] = pt
				}
			}
		}
	}
	return f, nil
}

// writeValue returns the SQL parameter for a property value and the SQL
// expression that reads parameter n.
func writeValue(f geo.Field, v any, n int) (any, string, error) {
	if v == nil {
		return nil, fmt.Sprintf("$%d", n), nil
	}
	if f.Type == geo.Position {
		p, ok := v.(orb.Point)
		if !ok {
			return nil, "", fmt.Errorf("property %s: want a point, got %T", f.Name, v)
		}
		b, err := wkb.Marshal(p)
		if err != nil {
			return nil, "", err
		}
		return b, fmt.Sprintf("ST_GeomFromWKB($%d, 4326)", n), nil
	}
	return v, fmt.Sprintf("$%d", n), nil
}

// geomParam encodes a geometry as WKB for ST_GeomFromWKB($n, 4326).
func geomParam(g orb.Geometry) ([]byte, error) {
	return wkb.Marshal(g)
}
