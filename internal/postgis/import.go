package postgis

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"partymap/internal/geo"
)

// Import is the one import of the map: the API's /api/import (one file),
// the command-line import of a directory and the seed load of an empty
// database (every layer, as geo.SystemUser) all call it. It plans each
// file's upsert against the rows as they are, locked, and, unless this is
// a dry run, applies every file as one batch of the editor: one
// transaction, the layers in the catalogue's write order, authorised,
// checked and validated as a whole (geometry, outline, the grids' coverage,
// compounds in grids, buildings in compounds, references), derived fields
// computed, "import" in the history. Features the files leave as they are
// get no new version. With wantTag set, the plan must still be the one the
// dry run answered.
func (db *DB) Import(ctx context.Context, files []geo.ImportFile, wantTag string, o geo.EditOptions) ([]geo.ImportPlan, geo.EditResult, error) {
	files, layers, err := db.importOrder(files)
	if err != nil {
		return nil, geo.EditResult{}, err
	}
	o.Reason = geo.ReasonImport
	var plans []geo.ImportPlan
	res, err := db.edit(ctx, o, func(ed *editor) error {
		plans = nil
		// The plan compares the files with the rows as they are: lock them
		// (and the topology) before reading them.
		if err := ed.lockTopology(ctx, layers); err != nil {
			return err
		}
		ids := map[string][]int64{}
		for _, f := range files {
			for _, it := range f.Items {
				if it.ID > 0 {
					ids[f.Layer] = append(ids[f.Layer], it.ID)
				}
			}
		}
		if err := ed.lockRows(ctx, ids); err != nil {
			return err
		}
		var ws []geo.Write
		var vs []geo.Violation
		h := sha256.New()
		for i, f := range files {
			fws, p, fvs := geo.PlanImport(layers[i], f, ed.old[f.Layer])
			p.DryRun = o.DryRun
			ws, vs = append(ws, fws...), append(vs, fvs...)
			plans = append(plans, p)
			fmt.Fprintln(h, p.Tag)
		}
		tag := plans[0].Tag
		if len(plans) > 1 {
			tag = "import-" + hex.EncodeToString(h.Sum(nil))[:32]
		}
		for i := range plans {
			plans[i].Tag = tag
		}
		if len(vs) > 0 {
			return geo.Unprocessable(vs)
		}
		if wantTag != "" && wantTag != tag {
			return geo.Errorf(geo.ECONFLICT, "The map or the file changed since the dry run; run the dry run again and check what it shows.")
		}
		return ed.apply(ctx, ws)
	})
	if err != nil {
		return nil, geo.EditResult{}, err
	}
	return plans, res, nil
}

// importOrder checks that every file names a stored layer, at most one file
// a layer, and sorts them in the catalogue's write order.
func (db *DB) importOrder(files []geo.ImportFile) ([]geo.ImportFile, []geo.Layer, error) {
	if len(files) == 0 {
		return nil, nil, geo.Errorf(geo.EINVALID, "There is nothing to import.")
	}
	order := map[string]int{}
	for i, l := range db.cat.WriteOrder() {
		order[l.Name] = i
	}
	seen := map[string]bool{}
	for _, f := range files {
		if _, ok := order[f.Layer]; !ok {
			_, err := db.cat.LayerOrError(f.Layer)
			return nil, nil, err
		}
		if seen[f.Layer] {
			return nil, nil, geo.Errorf(geo.EINVALID, "Two files of the import hold layer %q; give each layer one file.", f.Layer)
		}
		seen[f.Layer] = true
	}
	files = slices.Clone(files)
	slices.SortStableFunc(files, func(a, b geo.ImportFile) int { return cmp.Compare(order[a.Layer], order[b.Layer]) })
	layers := make([]geo.Layer, len(files))
	for i, f := range files {
		layers[i], _ = db.cat.Layer(f.Layer)
	}
	return files, layers, nil
}

// ReadDir reads the <layer>.geojson files of dir as import files, in the
// catalogue's write order. A file for no layer is an error, and so is a
// file that is not GeoJSON (named by file and feature).
func (db *DB) ReadDir(dir fs.FS) ([]geo.ImportFile, error) {
	names, err := fs.Glob(dir, "*.geojson")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, geo.Errorf(geo.EINVALID, "No .geojson files were found to import.")
	}
	known := map[string]bool{}
	var files []geo.ImportFile
	for _, l := range db.cat.WriteOrder() {
		name := l.Name + ".geojson"
		known[name] = true
		data, err := fs.ReadFile(dir, name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		items, err := geo.DecodeGeoJSONImport(data)
		if err != nil {
			return nil, prefixError(name, err)
		}
		files = append(files, geo.ImportFile{Name: name, Layer: l.Name, Items: items})
	}
	for _, n := range names {
		if !known[n] {
			var all []string
			for _, l := range db.cat.WriteOrder() {
				all = append(all, l.Name+".geojson")
			}
			return nil, geo.Errorf(geo.EINVALID, "%s: no layer of that name; the files an import reads are %s.", n, strings.Join(all, ", "))
		}
	}
	return files, nil
}

// prefixError puts the file's name before an error and its violations.
func prefixError(file string, err error) error {
	var e *geo.Error
	if !errors.As(err, &e) {
		return fmt.Errorf("%s: %w", file, err)
	}
	out := &geo.Error{Code: e.Code, Message: file + ": " + e.Message, Err: e.Err}
	if e.MessageZh != "" {
		out.MessageZh = file + "：" + e.MessageZh
	}
	for _, v := range e.Violations {
		out.Violations = append(out.Violations, geo.Violation{Rule: v.Rule, MessageEn: file + ": " + v.MessageEn, MessageZh: file + "：" + v.MessageZh, Geometry: v.Geometry})
	}
	return out
}

// IsEmpty reports whether the map has no grids yet (a new database).
func (db *DB) IsEmpty(ctx context.Context) (bool, error) {
	var n int64
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM `+db.sql.layer(gridLayer).table).Scan(&n); err != nil {
		return false, storeError(err)
	}
	return n == 0, nil
}
