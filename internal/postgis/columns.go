package postgis

import (
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"partymap/internal/geo"
)

// The rows of a layer as statements.go's select lists read them, and the
// parameters its writes take.

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

// writeParams returns a write's parameters for the layer's statements: $1
// the geometry, then one per field in ls.params (Derived fields are the
// statement's own).
func writeParams(ls *layerSQL, f geo.Feature) ([]any, error) {
	gb, err := geomParam(f.Geometry)
	if err != nil {
		return nil, err
	}
	args := make([]any, 0, len(ls.params)+3)
	args = append(args, gb)
	for _, fd := range ls.params {
		v := f.Properties[fd.Name]
		if fd.Type == geo.Position && v != nil {
			p, ok := v.(orb.Point)
			if !ok {
				return nil, geo.Errorf(geo.EUNPROCESSABLE, "Property %q of %s %d must be a point; got %T.", fd.Name, f.Layer, f.ID, v)
			}
			if v, err = wkb.Marshal(p); err != nil {
				return nil, err
			}
		}
		args = append(args, v)
	}
	return args, nil
}

// geomParam encodes a geometry as WKB for ST_GeomFromWKB($n, 4326).
func geomParam(g orb.Geometry) ([]byte, error) {
	return wkb.Marshal(g)
}
