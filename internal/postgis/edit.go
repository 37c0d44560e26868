package postgis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"

	"partymap/internal/geo"
)

// How edits stay safe when staff work at the same time:
//
//   - Every write batch runs in one transaction that validates the result
//     before it commits; a dry run rolls back after validating.
//   - Writes to the topology layers (grids, compounds, buildings), whose
//     rules read other rows, first take one transaction-scoped advisory lock,
//     so two such edits never validate against each other's half-done state
//     (no write skew), and cannot deadlock.
//   - The rows written are locked with SELECT … FOR UPDATE in a fixed order
//     (layer, then id), their versions compared with what the writer read,
//     and written with WHERE id = $1 AND version = $2: of several writers
//     holding the same version, exactly one succeeds.
//   - The history rows and the change notifications come from the triggers
//     (migrations/002_history.sql), with who and why set by setActor.

// topologyLockKey is the advisory lock of the topology layers.
const topologyLockKey = 7_012_025_006

func isTopologyLayer(name string) bool {
	return name == "grids" || name == "compounds" || name == "buildings"
}

// editor carries one edit transaction.
type editor struct {
	tx  pgx.Tx
	cat *geo.Catalogue
	o   geo.EditOptions
	// old holds the locked rows as they were, by layer and id.
	old map[string]map[int64]geo.Feature
	// written remembers what this transaction wrote, by layer and id.
	written    map[string]map[int64]bool
	changes    []geo.ItemChange
	topoLocked bool
}

// ApplyWrites applies the writes in one validated transaction.
func (db *DB) ApplyWrites(ctx context.Context, ws []geo.Write, o geo.EditOptions) (geo.EditResult, error) {
	return db.edit(ctx, o, func(ed *editor) error { return ed.apply(ctx, ws) })
}

// edit runs fn in a transaction that records the actor and reason, and
// commits only when fn succeeds and this is not a dry run.
func (db *DB) edit(ctx context.Context, o geo.EditOptions, fn func(*editor) error) (geo.EditResult, error) {
	if o.Reason == "" {
		o.Reason = geo.ReasonEdit
	}
	if o.Actor.Name == "" {
		return geo.EditResult{}, geo.Errorf(geo.EUNAUTHORIZED, "Log in to edit the map.")
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return geo.EditResult{}, storeError(err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if err := setActor(ctx, tx, o.Actor.Name, o.Reason); err != nil {
		return geo.EditResult{}, storeError(err)
	}
	// PostGIS functions are costed high, so the planner would JIT-compile
	// these small queries: a second of compiling for a millisecond of work.
	if _, err := tx.Exec(ctx, `SELECT set_config('jit', 'off', true)`); err != nil {
		return geo.EditResult{}, storeError(err)
	}
	ed := &editor{tx: tx, cat: db.cat, o: o, old: map[string]map[int64]geo.Feature{}, written: map[string]map[int64]bool{}}
	if err := fn(ed); err != nil {
		return geo.EditResult{}, editError(err)
	}
	res := geo.EditResult{DryRun: o.DryRun, Changes: ed.changes}
	if res.Changes == nil {
		res.Changes = []geo.ItemChange{}
	}
	if o.DryRun {
		return res, nil
	}
	if err := tx.Commit(ctx); err != nil {
		return geo.EditResult{}, editError(err)
	}
	return res, nil
}

// editError turns a database rule the checks did not foresee into a 422
// that names it, instead of an internal error.
func editError(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && strings.HasPrefix(pgErr.Code, "23") {
		detail := pgErr.Message
		if pgErr.Detail != "" {
			detail += " (" + pgErr.Detail + ")"
		}
		return geo.Unprocessable([]geo.Violation{geo.ConstraintViolation(detail)})
	}
	if errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001") {
		return geo.WrapError(geo.EUNAVAILABLE, err, "Another edit was being saved at the same moment; please try again.")
	}
	return storeError(err)
}

// lockTopology takes the topology layers' advisory lock once.
func (ed *editor) lockTopology(ctx context.Context) error {
	if ed.topoLocked {
		return nil
	}
	if _, err := ed.tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(topologyLockKey)); err != nil {
		return err
	}
	ed.topoLocked = true
	return nil
}

// lock reads and locks the rows with these ids, in id order, remembering
// them as they were. Call it for layers in name order.
func (ed *editor) lock(ctx context.Context, l geo.Layer, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	rows, err := ed.tx.Query(ctx, fmt.Sprintf(`SELECT %s FROM %s WHERE id = ANY($1) ORDER BY id FOR UPDATE`, selectList(l), l.Name), ids)
	if err != nil {
		return err
	}
	fs, err := collectFeatures(l, rows)
	if err != nil {
		return err
	}
	if ed.old[l.Name] == nil {
		ed.old[l.Name] = map[int64]geo.Feature{}
	}
	for _, f := range fs {
		ed.old[l.Name][f.ID] = f
	}
	return nil
}

// apply locks, authorises, checks, writes and validates the writes.
func (ed *editor) apply(ctx context.Context, ws []geo.Write) error {
	if len(ws) == 0 {
		return nil
	}
	byLayer := map[string][]int64{}
	for _, w := range ws {
		if _, err := ed.cat.LayerOrError(w.Feature.Layer); err != nil {
			return err
		}
		if isTopologyLayer(w.Feature.Layer) {
			if err := ed.lockTopology(ctx); err != nil {
				return err
			}
		}
		if w.Feature.ID > 0 {
			byLayer[w.Feature.Layer] = append(byLayer[w.Feature.Layer], w.Feature.ID)
		}
	}
	layers := make([]string, 0, len(byLayer))
	for name := range byLayer {
		layers = append(layers, name)
	}
	sort.Strings(layers)
	for _, name := range layers {
		l, _ := ed.cat.Layer(name)
		if err := ed.lock(ctx, l, byLayer[name]); err != nil {
			return err
		}
	}
	if err := ed.checkVersions(ctx, ws); err != nil {
		return err
	}
	if err := ed.authorize(ctx, ws); err != nil {
		return err
	}
	if vs, err := ed.precheck(ctx, ws); err != nil || len(vs) > 0 {
		if err != nil {
			return err
		}
		return geo.Unprocessable(vs)
	}
	for _, w := range ws {
		if err := ed.write(ctx, w, geo.ItemChange{}); err != nil {
			return err
		}
	}
	vs, err := ed.validate(ctx)
	if err != nil {
		return err
	}
	if len(vs) > 0 {
		return geo.Unprocessable(vs)
	}
	return nil
}

// checkVersions compares each write's version with the locked row's.
func (ed *editor) checkVersions(ctx context.Context, ws []geo.Write) error {
	for _, w := range ws {
		f := w.Feature
		old, exists := ed.old[f.Layer][f.ID]
		switch w.Op {
		case geo.Insert:
			if f.ID > 0 && exists {
				return geo.Errorf(geo.ECONFLICT, "%s %d exists already (version %d); it was restored or created by someone else.", f.Layer, f.ID, old.Version)
			}
		case geo.Update, geo.Delete:
			if !exists {
				var seen bool
				if err := ed.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM history WHERE layer = $1 AND feature_id = $2)`, f.Layer, f.ID).Scan(&seen); err != nil {
					return err
				}
				if seen {
					return geo.ConflictError(f.Layer, f.ID, w.IfVersion, 0)
				}
				return geo.Errorf(geo.ENOTFOUND, "Layer %q has no feature with id %d.", f.Layer, f.ID)
			}
			if w.IfVersion != old.Version {
				return geo.ConflictError(f.Layer, f.ID, w.IfVersion, old.Version)
			}
		default:
			return fmt.Errorf("unknown write operation %q", w.Op)
		}
	}
	return nil
}

// authorize refuses a restricted editor's writes that touch grids outside
// the editor's: a grid by its code (before and after), any other feature by
// the grids it lies in (before and after) and its grid_code.
func (ed *editor) authorize(ctx context.Context, ws []geo.Write) error {
	u := ed.o.Actor
	for _, w := range ws {
		l, _ := ed.cat.Layer(w.Feature.Layer)
		if err := u.MayWrite(l); err != nil {
			return err
		}
	}
	if !u.Restricted() {
		return nil
	}
	var codes []string
	var geoms [][]byte
	add := func(f geo.Feature) error {
		if c, ok := f.Properties["code"].(string); ok && f.Layer == "grids" {
			codes = append(codes, c)
			return nil
		}
		if c, ok := f.Properties["grid_code"].(string); ok {
			codes = append(codes, c)
		}
		if f.Geometry == nil {
			return nil
		}
		b, err := geomParam(f.Geometry)
		geoms = append(geoms, b)
		return err
	}
	for _, w := range ws {
		if old, ok := ed.old[w.Feature.Layer][w.Feature.ID]; ok {
			if err := add(old); err != nil {
				return err
			}
		}
		if w.Op != geo.Delete {
			if err := add(w.Feature); err != nil {
				return err
			}
		}
	}
	if len(geoms) > 0 {
		var more []string
		err := ed.tx.QueryRow(ctx, `SELECT coalesce(array_agg(DISTINCT g.code), '{}') FROM unnest($1::bytea[]) w, grids g
			WHERE ST_Intersects(g.geom, ST_GeomFromWKB(w, 4326)) AND NOT ST_Touches(g.geom, ST_GeomFromWKB(w, 4326))`, geoms).Scan(&more)
		if err != nil {
			return err
		}
		codes = append(codes, more...)
	}
	return u.MayEditGrids(codes)
}

// precheck finds what the database would refuse outright: invalid shapes
// (with the reason and where) and a grid code used twice.
func (ed *editor) precheck(ctx context.Context, ws []geo.Write) ([]geo.Violation, error) {
	var wkbs [][]byte
	var labels []geo.Label
	var vs []geo.Violation
	for _, w := range ws {
		if w.Op == geo.Delete {
			continue
		}
		b, err := geomParam(w.Feature.Geometry)
		if err != nil {
			return nil, geo.WrapError(geo.EUNPROCESSABLE, err, "The geometry of %s %d cannot be encoded.", w.Feature.Layer, w.Feature.ID)
		}
		wkbs = append(wkbs, b)
		labels = append(labels, geo.LabelOf(w.Feature.Layer, w.Feature.ID, w.Feature.Properties))
		if w.Feature.Layer == "grids" {
			code, _ := w.Feature.Properties["code"].(string)
			var otherID int64
			var props map[string]any
			err := ed.tx.QueryRow(ctx, `SELECT id, partymap_props(to_jsonb(g)) FROM grids g WHERE code = $1 AND id <> $2`, code, w.Feature.ID).Scan(&otherID, &props)
			if err == nil && !writesGrid(ws, otherID) {
				vs = append(vs, geo.GridCodeTaken(code, geo.LabelOf("grids", otherID, props)))
			} else if err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return nil, err
			}
		}
	}
	if len(wkbs) == 0 {
		return vs, nil
	}
	rows, err := ed.tx.Query(ctx, `SELECT t.i - 1, d.reason, ST_X(d.location), ST_Y(d.location)
		FROM unnest($1::bytea[]) WITH ORDINALITY AS t (wkb, i), LATERAL ST_IsValidDetail(ST_GeomFromWKB(t.wkb, 4326)) AS d
		WHERE NOT d.valid ORDER BY t.i`, wkbs)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var i int
		var reason string
		var x, y *float64
		if err := rows.Scan(&i, &reason, &x, &y); err != nil {
			return nil, err
		}
		var at *[2]float64
		if x != nil && y != nil {
			at = &[2]float64{*x, *y}
		}
		vs = append(vs, geo.InvalidGeometry(labels[i], reason, at))
	}
	return vs, rows.Err()
}

// writesGrid reports whether the batch writes (so may free) the grid.
func writesGrid(ws []geo.Write, id int64) bool {
	for _, w := range ws {
		if w.Feature.Layer == "grids" && w.Feature.ID == id {
			return true
		}
	}
	return false
}

// write performs one write and records the change; note explains a
// consequential change.
func (ed *editor) write(ctx context.Context, w geo.Write, note geo.ItemChange) error {
	l, _ := ed.cat.Layer(w.Feature.Layer)
	f := w.Feature
	change := geo.ItemChange{Layer: l.Name, ID: f.ID, Op: w.Op, OldVersion: w.IfVersion, NoteZh: note.NoteZh, NoteEn: note.NoteEn}
	if old, ok := ed.old[l.Name][f.ID]; ok && old.Geometry != nil {
		change.Bound = old.Geometry.Bound()
	}
	if w.Op == geo.Delete {
		var v int64
		err := ed.tx.QueryRow(ctx, fmt.Sprintf(`DELETE FROM %s WHERE id = $1 AND version = $2 RETURNING version`, l.Name), f.ID, w.IfVersion).Scan(&v)
		if errors.Is(err, pgx.ErrNoRows) {
			return geo.ConflictError(l.Name, f.ID, w.IfVersion, 0)
		}
		if err != nil {
			return err
		}
		change.Version = v + 1
		ed.record(change)
		return nil
	}
	gb, err := geomParam(f.Geometry)
	if err != nil {
		return err
	}
	args := []any{gb}
	cols := []string{"geom"}
	exprs := []string{"ST_GeomFromWKB($1, 4326)"}
	for _, fd := range l.Fields {
		v, expr, err := writeValue(fd, f.Properties[fd.Name], len(args)+1)
		if err != nil {
			return geo.WrapError(geo.EUNPROCESSABLE, err, "Property %q of %s %d has the wrong type.", fd.Name, l.Name, f.ID)
		}
		args = append(args, v)
		cols = append(cols, fd.Name)
		exprs = append(exprs, expr)
	}
	var sql string
	if w.Op == geo.Insert {
		if f.ID > 0 {
			// A re-used id (a restore, an import) continues the versions its
			// history already has.
			args = append(args, f.ID, l.Name)
			cols = append(cols, "id", "version")
			exprs = append(exprs, fmt.Sprintf("$%d", len(args)-1),
				fmt.Sprintf("coalesce((SELECT max(version) FROM history WHERE layer = $%d AND feature_id = $%d), 0) + 1", len(args), len(args)-1))
		}
		sql = fmt.Sprintf(`INSERT INTO %s (%s) VALUES (%s) RETURNING %s`, l.Name, strings.Join(cols, ", "), strings.Join(exprs, ", "), selectList(l))
	} else {
		sets := make([]string, len(cols))
		for i := range cols {
			sets[i] = cols[i] + " = " + exprs[i]
		}
		args = append(args, f.ID, w.IfVersion)
		sql = fmt.Sprintf(`UPDATE %s SET %s WHERE id = $%d AND version = $%d RETURNING %s`,
			l.Name, strings.Join(sets, ", "), len(args)-1, len(args), selectList(l))
	}
	rows, err := ed.tx.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	fs, err := collectFeatures(l, rows)
	if err != nil {
		return err
	}
	if len(fs) == 0 {
		return geo.ConflictError(l.Name, f.ID, w.IfVersion, 0)
	}
	if w.Op == geo.Insert && f.ID > 0 && l.Name != "community" {
		if _, err := ed.tx.Exec(ctx, fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), greatest((SELECT max(id) FROM %s), 1))`, l.Name, l.Name)); err != nil {
			return err
		}
	}
	nf := fs[0]
	change.ID, change.Version, change.Feature = nf.ID, nf.Version, &nf
	if change.Bound == (orb.Bound{}) {
		change.Bound = nf.Geometry.Bound()
	} else {
		change.Bound = change.Bound.Union(nf.Geometry.Bound())
	}
	ed.record(change)
	return nil
}

// record adds a change, merging it with an earlier change of the same row.
func (ed *editor) record(c geo.ItemChange) {
	if ed.written[c.Layer] == nil {
		ed.written[c.Layer] = map[int64]bool{}
	}
	ed.written[c.Layer][c.ID] = true
	for i, prev := range ed.changes {
		if prev.Layer == c.Layer && prev.ID == c.ID {
			c.OldVersion = prev.OldVersion
			c.Bound = c.Bound.Union(prev.Bound)
			if prev.Op == geo.Insert {
				c.Op = geo.Insert
			}
			if c.NoteEn == "" {
				c.NoteZh, c.NoteEn = prev.NoteZh, prev.NoteEn
			}
			ed.changes[i] = c
			return
		}
	}
	ed.changes = append(ed.changes, c)
}

// writtenIDs lists the ids this transaction wrote in a layer.
func (ed *editor) writtenIDs(layer string) []int64 {
	ids := make([]int64, 0, len(ed.written[layer]))
	for id := range ed.written[layer] {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// oldGeometries returns the locked rows' geometries of a layer as WKB.
func (ed *editor) oldGeometries(layer string) ([][]byte, error) {
	var out [][]byte
	for _, f := range ed.old[layer] {
		b, err := geomParam(f.Geometry)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}
