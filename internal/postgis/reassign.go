package postgis

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"partymap/internal/geo"
)

// Facts that follow from where a feature lies are kept by the store, in the
// write's transaction. A feature written gets its derived fields from the
// statement that writes it (statements.go: deriveExpr). What a grid edit
// moves without being written is reassigned here, after the batch's
// writes and before validate judges the result, each with a note in the
// edit's changes and a history row of its own:
//
//   - a compound that the edit put wholly inside another grid moves to it
//     (its grid_code is the compound's own, checked by validate);
//   - every feature with a derived field (a post's, a flag's, a car park's,
//     a building's grid_code) in the region the edit touched, or naming a
//     grid the edit deleted or renamed, gets the value its position now
//     gives it.

// reassign moves what the batch's edits of grids, communities and
// subdistricts moved.
func (ed *editor) reassign(ctx context.Context) error {
	region, err := ed.gridRegion(ctx)
	if err != nil {
		return err
	}
	if region != nil {
		if err := ed.moveCompounds(ctx, region); err != nil {
			return err
		}
	}
	for _, l := range ed.cat.WriteOrder() {
		for _, d := range ed.sql.layer(l.Name).derived {
			if err := ed.rederive(ctx, l, d); err != nil {
				return err
			}
		}
	}
	return nil
}

// moveCompounds gives a compound the batch did not write, and that now lies
// wholly inside another grid than the one it names, that grid.
func (ed *editor) moveCompounds(ctx context.Context, region []byte) error {
	cs, err := ed.compoundShares(ctx, nil, region)
	if err != nil {
		return err
	}
	compounds, _ := ed.cat.Layer(compoundLayer)
	grids, _ := ed.cat.Layer(gridLayer)
	to := map[int64]gridShare{}
	var ids []int64
	for _, c := range cs {
		if g, ok := c.lonelyGrid(); ok && !c.written && g.Code != c.code {
			to[c.id] = g
			ids = append(ids, c.id)
		}
	}
	if err := ed.lock(ctx, compounds, ids); err != nil {
		return err
	}
	var ws []geo.Write
	var notes []geo.ItemChange
	for _, id := range ids {
		old, ok := ed.old[compounds.Name][id]
		if !ok {
			continue // deleted by another edit meanwhile
		}
		nc := old
		nc.Properties = cloneProps(old.Properties)
		nc.Properties["grid_code"] = to[id].Code
		ws = append(ws, geo.Write{Op: geo.Update, Feature: nc, IfVersion: old.Version})
		notes = append(notes, geo.MovedNote(compounds, grids, old.Properties["grid_code"].(string), to[id].Code))
	}
	return ed.write(ctx, ws, notes)
}

// rederive writes again the rows of layer l whose derived field d no longer
// has the value their position gives: those in the region of the batch's
// edits to the field's Ref layer, and those naming a key those edits took
// away.
func (ed *editor) rederive(ctx context.Context, l geo.Layer, d derivedSQL) error {
	ref, _ := ed.cat.Layer(d.field.Ref)
	if len(ed.written[ref.Name]) == 0 {
		return nil
	}
	region, err := ed.regionOf(ctx, ref.Name)
	if err != nil {
		return err
	}
	var keys []string
	for _, f := range ed.old[ref.Name] {
		if k, ok := f.Properties[ref.Key].(string); ok {
			keys = append(keys, k)
		}
	}
	rows, err := ed.tx.Query(ctx, d.stale, region, keys)
	if err != nil {
		return err
	}
	values := map[int64]*string{}
	var ids []int64
	for rows.Next() {
		var id int64
		var v *string
		if err := rows.Scan(&id, &v); err != nil {
			rows.Close()
			return err
		}
		values[id] = v
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if err := ed.lock(ctx, l, ids); err != nil {
		return err
	}
	var ws []geo.Write
	var notes []geo.ItemChange
	for _, id := range ids {
		old, ok := ed.old[l.Name][id]
		if !ok || ed.written[l.Name][id] {
			// Deleted by another edit meanwhile, or written by this batch,
			// which derived its value when it wrote it.
			continue
		}
		from, _ := old.Properties[d.field.Name].(string)
		to := ""
		if values[id] != nil {
			to = *values[id]
		}
		ws = append(ws, geo.Write{Op: geo.Update, Feature: old, IfVersion: old.Version})
		notes = append(notes, geo.MovedNote(l, ref, from, to))
	}
	return ed.write(ctx, ws, notes)
}

// DeriveFields sets every Derived field of a layer's rows to what their
// positions give, where it differs, in the caller's transaction, and
// returns how many values it changed. It is for bulk loads that write rows
// around the editor (cmd/gencity's COPY, with the triggers off), and to
// check that such a load wrote what the store would have; every edit keeps
// its derived fields itself.
func (db *DB) DeriveFields(ctx context.Context, tx pgx.Tx, layer string) (int64, error) {
	l, err := db.cat.LayerOrError(layer)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, d := range db.sql.layer(l.Name).derived {
		tag, err := tx.Exec(ctx, d.refresh)
		if err != nil {
			return n, storeError(err)
		}
		n += tag.RowsAffected()
	}
	return n, nil
}

// regionOf is the area the batch's writes of these layers covered before
// or cover now, as WKB; nil when it wrote none of them.
func (ed *editor) regionOf(ctx context.Context, layers ...string) ([]byte, error) {
	var old [][]byte
	var parts []string
	args := []any{nil}
	for _, name := range layers {
		if len(ed.written[name]) == 0 {
			continue
		}
		g, err := ed.oldGeometries(name)
		if err != nil {
			return nil, err
		}
		old = append(old, g...)
		args = append(args, ed.writtenIDs(name))
		parts = append(parts, fmt.Sprintf("UNION ALL SELECT geom FROM %s WHERE id = ANY($%d)", ident(name), len(args)))
	}
	if len(parts) == 0 {
		return nil, nil
	}
	args[0] = old
	var region []byte
	err := ed.tx.QueryRow(ctx, `SELECT ST_AsBinary(ST_Union(g)) FROM (
			SELECT ST_GeomFromWKB(w, 4326) AS g FROM unnest($1::bytea[]) w
			`+strings.Join(parts, "\n\t\t\t")+`) s`, args...).Scan(&region)
	return region, err
}

func cloneProps(p map[string]any) map[string]any {
	out := make(map[string]any, len(p))
	for k, v := range p {
		out[k] = v
	}
	return out
}

// keyOf is how a Ref field names a row: its key, or its id.
func keyOf(f geo.Feature, key string) string {
	if key == "id" {
		return strconv.FormatInt(f.ID, 10)
	}
	k, _ := f.Properties[key].(string)
	return k
}
