package postgis

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"

	"partymap/internal/geo"
)

// How edits stay safe when staff work at the same time:
//
//   - Every write batch runs in one transaction that validates the result
//     before it commits; a dry run rolls back after validating. Every
//     writer goes through it: the API's writes, reverts, restores,
//     reshapes and imports, the command-line import and the seed load.
//   - Writes to the topology layers (grids, compounds, buildings), whose
//     rules read other rows, first take one transaction-scoped advisory lock,
//     so two such edits never validate against each other's half-done state
//     (no write skew), and cannot deadlock. Writes to a layer with derived
//     fields (a point's grid_code) take the same lock shared: they run
//     side by side, but never while a grid moves under them.
//   - The rows written are locked with SELECT … FOR UPDATE in a fixed order
//     (layer, then id), their versions compared with what the writer read,
//     and written with WHERE id = $1 AND version = $2: of several writers
//     holding the same version, exactly one succeeds.
//   - The history rows and the change notifications come from the triggers
//     (migrations/002_history.sql), with who and why set by setActor.
//
// The steps of a batch, each in its own file: lock and write (here),
// authorize and precheck (check.go), reassign what a grid edit moved
// (reassign.go), validate the result, reading only (topology.go).

// topologyLockKey is the advisory lock of the topology layers.
const topologyLockKey = 7_012_025_006

// The layers the topology rules (topology.go, reassign.go, reshape.go) are
// about: grids tile the community, a compound lies in one grid, a building
// in its compound. gridLayer is also the layer whose codes an editor's
// scope (geo.User.Grids) lists. Everything else about them comes from the
// catalogue.
const (
	gridLayer     = "grids"
	compoundLayer = "compounds"
	buildingLayer = "buildings"
)

// lockMode is how an edit holds the topology lock.
type lockMode int

const (
	unlocked lockMode = iota
	sharedLock
	exclusiveLock
)

// editor carries one edit transaction.
type editor struct {
	tx  pgx.Tx
	cat *geo.Catalogue
	sql *statements
	o   geo.EditOptions
	// old holds the locked rows as they were, by layer and id.
	old map[string]map[int64]geo.Feature
	// written remembers what this transaction wrote, by layer and id.
	written map[string]map[int64]bool
	changes []geo.ItemChange
	locked  lockMode
	// serials are the layers written with ids given by the writer, whose
	// id sequences must move past them.
	serials map[string]bool
	// changeSet is the change set the writes are recorded as, made with
	// the first write (changeset.go); reverts and proposal are what it
	// records it undid or applied.
	changeSet         int64
	reverts, proposal int64
	// grants are grid codes that others agreed to this edit changing (an
	// accepted proposal): the actor's scope is not asked about them.
	grants []string
	// proposing checks a proposal: instead of refusing what lies outside
	// the actor's scope, authorize notes those grids in outside.
	proposing bool
	outside   []string
	// workflow is set by a layer's workflow (orders.go), which has checked
	// its own rules: its layer's writes are let through the refusal of the
	// item writes (geo.Layer.Workflow), the scope still asked.
	workflow bool
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
		return geo.EditResult{}, geo.Say(geo.EUNAUTHORIZED, geo.Label{Zh: "请先登录再修改地图。", En: "Log in to edit the map."})
	}
	comment, err := geo.CheckComment(o.Comment)
	if err != nil {
		return geo.EditResult{}, err
	}
	o.Comment = comment
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return geo.EditResult{}, storeError(err)
	}
	defer rollback(ctx, tx)
	who, err := setActor(ctx, tx, o.Actor.Name, o.Reason)
	if err != nil {
		return geo.EditResult{}, storeError(err)
	}
	if err := setNote(ctx, tx, o.Note); err != nil {
		return geo.EditResult{}, storeError(err)
	}
	ed := &editor{tx: tx, cat: db.cat, sql: db.sql, o: o,
		old: map[string]map[int64]geo.Feature{}, written: map[string]map[int64]bool{}, serials: map[string]bool{}}
	if err := fn(ed); err != nil {
		return geo.EditResult{}, editError(err)
	}
	res := geo.EditResult{DryRun: o.DryRun, Changes: ed.changes, ChangeSet: ed.changeSet}
	if res.Changes == nil {
		res.Changes = []geo.ItemChange{}
	}
	if o.DryRun {
		return res, nil
	}
	if err := ed.rebuildWalks(ctx); err != nil {
		return geo.EditResult{}, editError(err)
	}
	if err := ed.moveSerials(ctx); err != nil {
		return geo.EditResult{}, editError(err)
	}
	if err := db.commit(ctx, tx, who); err != nil {
		return geo.EditResult{}, editError(err)
	}
	db.rememberEdit(ctx, res.Changes)
	return res, nil
}

// rememberEdit notes what a committed edit changed, so that no read shows
// it from a replica that has not replayed it: the editor's own next read
// may come before the change's notification. Should the log position not
// be read, the notification brings it a moment later.
func (db *DB) rememberEdit(ctx context.Context, changes []geo.ItemChange) {
	if db.replicas == nil || len(changes) == 0 {
		return
	}
	lsn, err := insertLSN(context.WithoutCancel(ctx), db.pool)
	if err != nil {
		db.log.Warn("could not read the log position of an edit; its notification will bring it", "err", err)
		return
	}
	for _, c := range changes {
		db.remember(lsn, c.Layer, [4]float64{c.Bound.Min[0], c.Bound.Min[1], c.Bound.Max[0], c.Bound.Max[1]})
	}
}

// setActor records, for the triggers, who makes the transaction's changes
// and why, and returns the transaction's id and session, by which commit
// finds out what became of it when the answer to COMMIT is lost. The commit
// waits for its log record to be flushed (as by default), whatever the
// server's setting: a read replica can replay it, and be asked for it
// (replicas.go), as soon as the edit is answered.
func setActor(ctx context.Context, tx pgx.Tx, who, reason string) (txIdentity, error) {
	var id txIdentity
	err := tx.QueryRow(ctx, setActorSQL, who, reason, strconv.FormatInt(idleInTransaction.Milliseconds(), 10)).Scan(&id.xid, &id.pid)
	return id, err
}

// setNote gives the history row of the note's item the note (migration
// 040).
func setNote(ctx context.Context, tx pgx.Tx, n *geo.WriteNote) error {
	if n == nil {
		return nil
	}
	b, err := json.Marshal(n)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `SELECT set_config('partymap.note', $1, true)`, string(b))
	return err
}

// editError turns a database rule the checks did not foresee into a 422
// that names it, instead of an internal error.
func editError(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23P01" && pgErr.ConstraintName == bookingsNoOverlap {
		if t, ok := slotTakenDetail(pgErr.Detail); ok {
			return geo.TakenError(t)
		}
	}
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

// layer returns a stored layer (the community outline included) and its SQL.
func (ed *editor) layer(name string) (geo.Layer, *layerSQL, error) {
	l, ok := ed.cat.Layer(name)
	if !ok {
		_, err := ed.cat.LayerOrError(name)
		return geo.Layer{}, nil, err
	}
	return l, ed.sql.layer(name), nil
}

// lockTopology takes the topology lock a write of these layers needs:
// exclusive for a topology layer, shared for a layer with derived fields.
func (ed *editor) lockTopology(ctx context.Context, layers []geo.Layer) error {
	want := unlocked
	for _, l := range layers {
		switch {
		case l.Topology:
			want = exclusiveLock
		case len(l.DerivedFields()) > 0:
			want = max(want, sharedLock)
		}
	}
	if want <= ed.locked {
		return nil
	}
	if ed.locked != unlocked {
		// Two edits that both held it shared and wanted it exclusive would
		// wait for each other: every caller asks once, for all its layers.
		return fmt.Errorf("the topology lock is held shared; an exclusive lock must be asked for first")
	}
	sql := `SELECT pg_advisory_xact_lock($1)`
	if want == sharedLock {
		sql = `SELECT pg_advisory_xact_lock_shared($1)`
	}
	if _, err := ed.tx.Exec(ctx, sql, int64(topologyLockKey)); err != nil {
		return err
	}
	ed.locked = want
	return nil
}

// lock reads and locks the rows with these ids, in id order, remembering
// them as they were before the batch. Call it for layers in name order.
func (ed *editor) lock(ctx context.Context, l geo.Layer, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	rows, err := ed.tx.Query(ctx, ed.sql.layer(l.Name).lock, ids)
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
		// A row locked again keeps the state it had before the batch.
		if _, seen := ed.old[l.Name][f.ID]; !seen {
			ed.old[l.Name][f.ID] = f
		}
	}
	return nil
}

// lockRows locks the rows of each layer in layer name order.
func (ed *editor) lockRows(ctx context.Context, byLayer map[string][]int64) error {
	names := make([]string, 0, len(byLayer))
	for name := range byLayer {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		l, _, err := ed.layer(name)
		if err != nil {
			return err
		}
		if err := ed.lock(ctx, l, byLayer[name]); err != nil {
			return err
		}
	}
	return nil
}

// apply locks, authorises, checks, writes, reassigns and validates the
// writes. They are written in the catalogue's write order (grids before
// what lies in them), so that a feature's derived fields read the grids
// this batch leaves.
func (ed *editor) apply(ctx context.Context, ws []geo.Write) error {
	if len(ws) == 0 {
		return nil
	}
	order := map[string]int{}
	for i, l := range ed.cat.WriteOrder() {
		order[l.Name] = i
	}
	ws = slices.Clone(ws)
	slices.SortStableFunc(ws, func(a, b geo.Write) int { return cmp.Compare(order[a.Feature.Layer], order[b.Feature.Layer]) })
	var layers []geo.Layer
	byLayer := map[string][]int64{}
	for _, w := range ws {
		l, _, err := ed.layer(w.Feature.Layer)
		if err != nil {
			return err
		}
		layers = append(layers, l)
		if w.Feature.ID > 0 {
			byLayer[l.Name] = append(byLayer[l.Name], w.Feature.ID)
		}
	}
	if err := ed.lockTopology(ctx, layers); err != nil {
		return err
	}
	if err := ed.lockRows(ctx, byLayer); err != nil {
		return err
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
	if err := ed.write(ctx, ws, nil); err != nil {
		return err
	}
	if err := ed.reassign(ctx); err != nil {
		return err
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

// write performs the writes in order, in one round trip (a pipelined
// batch), and records each change; notes, when given, explain each as a
// consequential change. The statements compute the derived fields
// themselves, from the geometry written: what a writer sent for them is
// not used.
func (ed *editor) write(ctx context.Context, ws []geo.Write, notes []geo.ItemChange) error {
	if len(ws) == 0 {
		return nil
	}
	if err := ed.startChangeSet(ctx); err != nil {
		return err
	}
	batch := &pgx.Batch{}
	for i, w := range ws {
		l, ls, err := ed.layer(w.Feature.Layer)
		if err != nil {
			return err
		}
		f := w.Feature
		change := geo.ItemChange{Layer: l.Name, ID: f.ID, Op: w.Op, OldVersion: w.IfVersion}
		if notes != nil {
			change.NoteZh, change.NoteEn = notes[i].NoteZh, notes[i].NoteEn
		}
		if old, ok := ed.old[l.Name][f.ID]; ok && old.Geometry != nil {
			change.Bound = old.Geometry.Bound()
		}
		if w.Op == geo.Delete {
			batch.Queue(ls.remove, f.ID, w.IfVersion).QueryRow(func(r pgx.Row) error {
				var v int64
				err := r.Scan(&v)
				if errors.Is(err, pgx.ErrNoRows) {
					return geo.ConflictError(l.Name, f.ID, w.IfVersion, 0)
				}
				change.Version = v + 1
				ed.record(change)
				return err
			})
			continue
		}
		args, err := writeParams(ls, f)
		if err != nil {
			return err
		}
		sql := ls.update
		switch {
		case w.Op == geo.Insert && f.ID > 0:
			// A re-used id (a restore, an import) continues the versions its
			// history already has.
			sql = ls.insertAs
			args = append(args, f.ID, l.Name)
			ed.serials[l.Name] = true
		case w.Op == geo.Insert:
			sql = ls.insert
		default:
			args = append(args, f.ID, w.IfVersion)
		}
		batch.Queue(sql, args...).Query(func(rows pgx.Rows) error {
			fs, err := collectFeatures(l, rows)
			if err != nil {
				return err
			}
			if len(fs) == 0 {
				return geo.ConflictError(l.Name, f.ID, w.IfVersion, 0)
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
		})
	}
	return ed.tx.SendBatch(ctx, batch).Close()
}

// moveSerials moves the id sequences of the layers written with given ids
// past them, so that the next feature the table numbers does not collide.
func (ed *editor) moveSerials(ctx context.Context) error {
	for name := range ed.serials {
		ls := ed.sql.layer(name)
		rows, err := ed.tx.Query(ctx, ls.moveSerial, ls.table)
		if err != nil {
			return err
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
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
