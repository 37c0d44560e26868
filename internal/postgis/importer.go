package postgis

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/jackc/pgx/v5"

	"partymap/internal/geo"
)

// ImportCounts says what an import did to one layer.
type ImportCounts struct {
	Layer     string
	Inserted  int
	Updated   int
	Unchanged int
}

// LayerFile is one decoded file of an import: a layer and its features.
type LayerFile struct {
	File     string
	Layer    geo.Layer
	Features []geo.Feature
}

// importOrder lists layers so that referenced rows come first.
func (db *DB) importLayers() []geo.Layer {
	ls := []geo.Layer{db.cat.Community()}
	for _, name := range []string{"grids", "compounds", "buildings", "organizations", "posts", "parking", "streets", "landmarks"} {
		l, _ := db.cat.Layer(name)
		ls = append(ls, l)
	}
	return ls
}

// ReadDir decodes every <layer>.geojson file found in dir and checks each
// feature against the catalogue. Files for unknown layers are an error. A bad
// feature is reported by file, index and reason.
func (db *DB) ReadDir(dir fs.FS) ([]LayerFile, error) {
	names, err := fs.Glob(dir, "*.geojson")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, geo.Errorf(geo.EINVALID, "No .geojson files were found to import.")
	}
	byName := map[string]geo.Layer{}
	var known []string
	for _, l := range db.importLayers() {
		byName[l.Name+".geojson"] = l
		known = append(known, l.Name+".geojson")
	}
	var out []LayerFile
	for _, l := range db.importLayers() {
		name := l.Name + ".geojson"
		data, err := fs.ReadFile(dir, name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		features, err := geo.DecodeFeatureCollection(l, data)
		if err != nil {
			return nil, prefixError(name, err)
		}
		out = append(out, LayerFile{File: name, Layer: l, Features: features})
	}
	for _, n := range names {
		if _, ok := byName[n]; !ok {
			return nil, geo.Errorf(geo.EINVALID, "%s: no layer of that name; the files an import reads are %s.", n, strings.Join(known, ", "))
		}
	}
	return out, nil
}

func prefixError(file string, err error) error {
	var e *geo.Error
	if !errors.As(err, &e) {
		return fmt.Errorf("%s: %w", file, err)
	}
	out := &geo.Error{Code: e.Code, Message: file + ": " + e.Message, Err: e.Err}
	for _, v := range e.Violations {
		out.Violations = append(out.Violations, geo.Violation{Rule: v.Rule, MessageEn: file + ": " + v.MessageEn, MessageZh: file + "：" + v.MessageZh})
	}
	return out
}

// Import upserts the files' features by id in one transaction, recording who
// did it and the reason "import" in the history. Geometry that PostGIS finds
// invalid is reported by file, index and reason, and nothing is written.
// Unchanged features are left alone (no new version).
func (db *DB) Import(ctx context.Context, files []LayerFile, who string) ([]ImportCounts, error) {
	var counts []ImportCounts
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := setActor(ctx, tx, who, "import"); err != nil {
			return err
		}
		for _, lf := range files {
			if err := checkValidity(ctx, tx, lf); err != nil {
				return err
			}
			c, err := upsert(ctx, tx, lf)
			if err != nil {
				return err
			}
			counts = append(counts, c)
		}
		for _, lf := range files {
			if lf.Layer.Name == "community" {
				continue
			}
			if _, err := tx.Exec(ctx, fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), greatest((SELECT max(id) FROM %s), 1))`, lf.Layer.Name, lf.Layer.Name)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return counts, nil
}

// setActor records, for the triggers, who makes the transaction's changes and why.
func setActor(ctx context.Context, tx pgx.Tx, who, reason string) error {
	_, err := tx.Exec(ctx, `SELECT set_config('partymap.user', $1, true), set_config('partymap.reason', $2, true)`, who, reason)
	return err
}

// checkValidity asks PostGIS whether every geometry of the file is valid, in
// one round trip, and names the invalid ones.
func checkValidity(ctx context.Context, tx pgx.Tx, lf LayerFile) error {
	wkbs := make([][]byte, len(lf.Features))
	for i, f := range lf.Features {
		b, err := geomParam(f.Geometry)
		if err != nil {
			return geo.WrapError(geo.EUNPROCESSABLE, err, "%s: feature %d (id %d): its geometry cannot be encoded.", lf.File, i, f.ID)
		}
		wkbs[i] = b
	}
	rows, err := tx.Query(ctx, `
		SELECT t.i - 1, d.reason, ST_X(d.location), ST_Y(d.location)
		FROM unnest($1::bytea[]) WITH ORDINALITY AS t (wkb, i),
		     LATERAL ST_IsValidDetail(ST_GeomFromWKB(t.wkb, 4326)) AS d
		WHERE NOT d.valid
		ORDER BY t.i
		LIMIT 20`, wkbs)
	if err != nil {
		return err
	}
	defer rows.Close()
	var vs []geo.Violation
	for rows.Next() {
		var i int
		var reason string
		var x, y *float64
		if err := rows.Scan(&i, &reason, &x, &y); err != nil {
			return err
		}
		where := ""
		if x != nil && y != nil {
			where = fmt.Sprintf(" at %.7f, %.7f", *x, *y)
		}
		vs = append(vs, geo.Violation{
			Rule:      "invalid_geometry",
			MessageEn: fmt.Sprintf("%s: feature %d (id %d): the geometry is invalid: %s%s.", lf.File, i, lf.Features[i].ID, reason, where),
			MessageZh: fmt.Sprintf("%s：第 %d 个要素（id %d）：几何图形无效：%s%s。", lf.File, i, lf.Features[i].ID, reason, where),
		})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(vs) > 0 {
		return &geo.Error{Code: geo.EUNPROCESSABLE, Message: vs[0].MessageEn, Violations: vs}
	}
	return nil
}

// upsert writes the file's features by id in one batch.
func upsert(ctx context.Context, tx pgx.Tx, lf LayerFile) (ImportCounts, error) {
	l := lf.Layer
	cols := append([]string{"id", "geom"}, l.FieldNames()...)
	sets := make([]string, 0, len(cols)-1)
	for _, c := range cols[1:] {
		sets = append(sets, fmt.Sprintf("%s = EXCLUDED.%s", c, c))
	}
	oldRow := make([]string, 0, len(cols)-1)
	newRow := make([]string, 0, len(cols)-1)
	for _, c := range cols[1:] {
		oldRow = append(oldRow, l.Name+"."+c)
		newRow = append(newRow, "EXCLUDED."+c)
	}
	counts := ImportCounts{Layer: l.Name}
	batch := &pgx.Batch{}
	for _, f := range lf.Features {
		args := []any{f.ID}
		gb, err := geomParam(f.Geometry)
		if err != nil {
			return counts, err
		}
		args = append(args, gb)
		exprs := []string{"$1", "ST_GeomFromWKB($2, 4326)"}
		for _, fd := range l.Fields {
			v, expr, err := writeValue(fd, f.Properties[fd.Name], len(args)+1)
			if err != nil {
				return counts, err
			}
			args = append(args, v)
			exprs = append(exprs, expr)
		}
		sql := fmt.Sprintf(`INSERT INTO %s (%s) VALUES (%s)
			ON CONFLICT (id) DO UPDATE SET %s
			WHERE (%s) IS DISTINCT FROM (%s)
			RETURNING (xmax = 0)`,
			l.Name, strings.Join(cols, ", "), strings.Join(exprs, ", "), strings.Join(sets, ", "),
			strings.Join(oldRow, ", "), strings.Join(newRow, ", "))
		batch.Queue(sql, args...).Query(func(rows pgx.Rows) error {
			defer rows.Close()
			n := 0
			for rows.Next() {
				var inserted bool
				if err := rows.Scan(&inserted); err != nil {
					return err
				}
				n++
				if inserted {
					counts.Inserted++
				} else {
					counts.Updated++
				}
			}
			if n == 0 {
				counts.Unchanged++
			}
			return rows.Err()
		})
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return counts, fmt.Errorf("%s: %w", lf.File, err)
	}
	return counts, nil
}

// IsEmpty reports whether the map has no grids yet (a new database).
func (db *DB) IsEmpty(ctx context.Context) (bool, error) {
	var n int64
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM grids`).Scan(&n); err != nil {
		return false, storeError(err)
	}
	return n == 0, nil
}
