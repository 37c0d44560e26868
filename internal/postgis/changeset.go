package postgis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"partymap/internal/geo"
)

// Change sets (migrations/010): the editor makes one with the first write
// of a transaction that is not a dry run, and names it in the setting
// partymap.change_set, which the history rows the triggers write take as
// their change_set. An edit that writes nothing leaves none.

// startChangeSet makes the transaction's change set, once, before its
// first write.
func (ed *editor) startChangeSet(ctx context.Context) error {
	if ed.o.DryRun || ed.changeSet != 0 {
		return nil
	}
	var reverts, proposal *int64
	if ed.reverts != 0 {
		reverts = &ed.reverts
	}
	if ed.proposal != 0 {
		proposal = &ed.proposal
	}
	return ed.tx.QueryRow(ctx, `WITH cs AS (
			INSERT INTO change_sets (who, reason, comment, reverts, proposal) VALUES ($1, $2, $3, $4, $5) RETURNING id)
		SELECT id FROM cs, set_config('partymap.change_set', (SELECT id FROM cs)::text, true)`,
		ed.o.Actor.Name, ed.o.Reason, ed.o.Comment, reverts, proposal).Scan(&ed.changeSet)
}

// ChangeSet returns a change set with every feature it changed, before
// and after, and the changes made to them since.
func (db *DB) ChangeSet(ctx context.Context, id int64) (geo.ChangeSet, error) {
	cs, err := db.readChangeSet(ctx, db.pool, id)
	return cs, storeError(err)
}

func (db *DB) readChangeSet(ctx context.Context, q querier, id int64) (geo.ChangeSet, error) {
	var cs geo.ChangeSet
	err := q.QueryRow(ctx, `SELECT cs.id, cs.who, cs.at, cs.reason, cs.comment, coalesce(cs.reverts, 0), coalesce(cs.proposal, 0),
			coalesce((SELECT min(r.id) FROM change_sets r WHERE r.reverts = cs.id), 0)
		FROM change_sets cs WHERE cs.id = $1`, id).
		Scan(&cs.ID, &cs.Who, &cs.At, &cs.Reason, &cs.Comment, &cs.Reverts, &cs.Proposal, &cs.RevertedBy)
	if errors.Is(err, pgx.ErrNoRows) {
		return cs, geo.Say(geo.ENOTFOUND, geo.Label{
			Zh: fmt.Sprintf("没有编号为 %d 的修改记录。", id),
			En: fmt.Sprintf("There is no change set %d.", id)})
	}
	if err != nil {
		return cs, err
	}
	rows, err := q.Query(ctx, `SELECT h.id, h.layer, h.feature_id, h.version, h.operation,
			ST_AsBinary(h.old_geom), ST_AsBinary(h.new_geom), h.old_props::text, h.new_props::text
		FROM history h WHERE h.change_set = $1 ORDER BY h.id`, id)
	if err != nil {
		return cs, err
	}
	defer rows.Close()
	index := map[string]int{}
	for rows.Next() {
		var seq, fid, version int64
		var layer, op string
		var oldGeom, newGeom []byte
		var oldProps, newProps *string
		if err := rows.Scan(&seq, &layer, &fid, &version, &op, &oldGeom, &newGeom, &oldProps, &newProps); err != nil {
			return cs, err
		}
		cs.Mark = max(cs.Mark, seq)
		before, err := historyState(oldGeom, oldProps)
		if err != nil {
			return cs, err
		}
		after, err := historyState(newGeom, newProps)
		if err != nil {
			return cs, err
		}
		key := fmt.Sprint(layer, "/", fid)
		i, seen := index[key]
		if !seen {
			l, _ := db.cat.Layer(layer)
			it := geo.ChangeSetItem{Op: geo.Op(op), OldVersion: version - 1, Before: before.geom, BeforeProps: before.props}
			if it.Op == geo.Insert {
				it.OldVersion = 0
			}
			props := after.props
			if props == nil {
				props = before.props
			}
			it.Ref = l.Ref(fid, props)
			it.Ref.Layer, it.Ref.ID = layer, fid
			index[key] = len(cs.Items)
			cs.Items = append(cs.Items, it)
			i = len(cs.Items) - 1
		}
		it := &cs.Items[i]
		it.Version, it.After, it.AfterProps = version, after.geom, after.props
		switch {
		case it.Op == geo.Insert && geo.Op(op) == geo.Delete:
			it.Op = geo.Delete // made and unmade: nothing stays
		case it.Op != geo.Insert:
			it.Op = geo.Op(op)
		}
	}
	if err := rows.Err(); err != nil {
		return cs, err
	}
	for i := range cs.Items {
		it := &cs.Items[i]
		if it.Op == geo.Update {
			it.Changed = changedKeys(historyRow{HistoryEntry: geo.HistoryEntry{Properties: it.BeforeProps}, geom: wkbOf(it.Before)},
				historyRow{HistoryEntry: geo.HistoryEntry{Properties: it.AfterProps}, geom: wkbOf(it.After)})
		}
	}
	later, mark, err := db.laterChanges(ctx, q, id)
	if err != nil {
		return cs, err
	}
	cs.Later, cs.Mark = later, max(cs.Mark, mark)
	cs.Blocking, err = db.blocking(ctx, q, cs)
	return cs, err
}

// blocking returns the later changes of the features that are not now as
// the change set left them: undoing it would undo those changes too.
func (db *DB) blocking(ctx context.Context, q querier, cs geo.ChangeSet) ([]geo.LaterChange, error) {
	touched := map[string]bool{}
	for _, c := range cs.Later {
		touched[fmt.Sprint(c.Ref.Layer, "/", c.Ref.ID)] = true
	}
	var out []geo.LaterChange
	for _, it := range cs.Items {
		key := fmt.Sprint(it.Ref.Layer, "/", it.Ref.ID)
		if !touched[key] {
			continue
		}
		same, err := db.leftAsIs(ctx, q, it)
		if err != nil {
			return nil, err
		}
		if same {
			continue
		}
		for _, c := range cs.Later {
			if c.Ref.Layer == it.Ref.Layer && c.Ref.ID == it.Ref.ID {
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// leftAsIs reports whether a feature is now as the change set left it
// (gone, when it deleted it): its geometry and properties.
func (db *DB) leftAsIs(ctx context.Context, q querier, it geo.ChangeSetItem) (bool, error) {
	l, ok := db.cat.Layer(it.Ref.Layer)
	if !ok {
		return false, nil
	}
	rows, err := q.Query(ctx, db.sql.layer(l.Name).byID, it.Ref.ID)
	if err != nil {
		return false, err
	}
	now, err := collectFeatures(l, rows)
	if err != nil {
		return false, err
	}
	if it.After == nil || len(now) == 0 {
		return it.After == nil && len(now) == 0, nil
	}
	left, err := featureOf(l, it.Ref.ID, it.After, it.AfterProps)
	if err != nil {
		return false, nil // a state the layer no longer takes is no state it has now
	}
	a, _ := json.Marshal(geo.JSONProperties(now[0].Properties))
	b, _ := json.Marshal(geo.JSONProperties(left.Properties))
	return orb.Equal(now[0].Geometry, left.Geometry) && bytes.Equal(a, b), nil
}

// wkbOf encodes a geometry for comparison; nil stays nil.
func wkbOf(g orb.Geometry) []byte {
	if g == nil {
		return nil
	}
	b, _ := wkb.Marshal(g)
	return b
}

// state is a feature's geometry and properties as a history row keeps them.
type state struct {
	geom  orb.Geometry
	props map[string]any
}

// historyState decodes one side (old or new) of a history row.
func historyState(geom []byte, props *string) (state, error) {
	var s state
	if geom != nil {
		g, err := wkb.Unmarshal(geom)
		if err != nil {
			return s, err
		}
		s.geom = g
	}
	if props != nil {
		p, err := historyProps(*props)
		if err != nil {
			return s, err
		}
		s.props = p
	}
	return s, nil
}

// laterChanges lists the changes made after change set id to the features
// it changed, oldest first, and the newest history seq of those features.
func (db *DB) laterChanges(ctx context.Context, q querier, id int64) ([]geo.LaterChange, int64, error) {
	rows, err := q.Query(ctx, `WITH c AS (SELECT layer, feature_id, max(id) AS last FROM history WHERE change_set = $1 GROUP BY layer, feature_id)
		SELECT h.id, h.layer, h.feature_id, h.version, h.operation, h.who, h.at, coalesce(h.change_set, 0),
			coalesce(h.new_props, h.old_props)::text
		FROM history h JOIN c ON h.layer = c.layer AND h.feature_id = c.feature_id AND h.id > c.last
		ORDER BY h.id`, id)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []geo.LaterChange
	var mark int64
	for rows.Next() {
		var seq int64
		var c geo.LaterChange
		var op, props string
		if err := rows.Scan(&seq, &c.Ref.Layer, &c.Ref.ID, &c.Version, &op, &c.Who, &c.At, &c.ChangeSet, &props); err != nil {
			return nil, 0, err
		}
		c.Op = geo.Op(op)
		if l, ok := db.cat.Layer(c.Ref.Layer); ok {
			c.Ref = l.Ref(c.Ref.ID, scanJSON([]byte(props)))
		}
		mark = max(mark, seq)
		out = append(out, c)
	}
	return out, mark, rows.Err()
}

// RevertChangeSet restores every feature change set id changed to its
// state before it, in one transaction validated as a whole: what it
// inserted is deleted, what it deleted comes back, what it changed gets
// its old state as a new version. It is refused (ESUPERSEDED, with the
// changes) when any of those features changed since and is not as the
// change set left it: undoing the change set would undo those changes
// too. mark, when not 0, is the change set's Mark as the reviewer saw it.
func (db *DB) RevertChangeSet(ctx context.Context, id, mark int64, o geo.EditOptions) (geo.EditResult, error) {
	o.Reason = geo.ReasonRevert
	return db.edit(ctx, o, func(ed *editor) error {
		ed.reverts = id
		cs, err := db.readChangeSet(ctx, ed.tx, id)
		if err != nil {
			return err
		}
		if len(cs.Items) == 0 {
			return geo.Say(geo.EINVALID, geo.Label{Zh: "这次修改没有改动任何内容，无需撤销。", En: "This change set changed nothing; there is nothing to undo."})
		}
		var layers []geo.Layer
		byLayer := map[string][]int64{}
		boundary := false
		for _, it := range cs.Items {
			l, _, err := ed.layer(it.Ref.Layer)
			if err != nil {
				return err
			}
			layers = append(layers, l)
			byLayer[l.Name] = append(byLayer[l.Name], it.Ref.ID)
			boundary = boundary || l.Name == gridLayer && (it.Op != geo.Update || slices.Contains(it.Changed, "geometry"))
		}
		if err := ed.lockTopology(ctx, layers); err != nil {
			return err
		}
		if err := ed.lockRows(ctx, byLayer); err != nil {
			return err
		}
		// Read again under the locks: nothing can change them now.
		if cs, err = db.readChangeSet(ctx, ed.tx, id); err != nil {
			return err
		}
		if len(cs.Blocking) > 0 {
			return geo.ChangeSetSuperseded(cs.Blocking)
		}
		if mark != 0 && mark != cs.Mark {
			return geo.Say(geo.ECONFLICT, geo.Label{
				Zh: "这条修改记录在你查看之后有了变化；请重新打开它再撤销。",
				En: "The change set changed since you looked at it; open it again, then undo it."})
		}
		ws, err := revertWrites(ed, cs)
		if err != nil {
			return err
		}
		if err := ed.apply(ctx, ws); err != nil {
			return err
		}
		if boundary && !ed.o.DryRun && ed.o.Comment == "" {
			return geo.NeedComment()
		}
		return nil
	})
}

// revertWrites are the writes that give each feature of the change set its
// state before it, at its version now (locked, and as the change set left
// it: nothing blocks).
func revertWrites(ed *editor, cs geo.ChangeSet) ([]geo.Write, error) {
	var ws []geo.Write
	for _, it := range cs.Items {
		l, _, err := ed.layer(it.Ref.Layer)
		if err != nil {
			return nil, err
		}
		version := ed.old[l.Name][it.Ref.ID].Version
		switch it.Op {
		case geo.Insert:
			ws = append(ws, geo.Write{Op: geo.Delete, Feature: geo.Feature{Layer: l.Name, ID: it.Ref.ID}, IfVersion: version})
		case geo.Update, geo.Delete:
			if it.Before == nil {
				continue // made and unmade within the change set
			}
			f, err := featureOf(l, it.Ref.ID, it.Before, it.BeforeProps)
			if err != nil {
				return nil, err
			}
			if it.Op == geo.Delete {
				ws = append(ws, geo.Write{Op: geo.Insert, Feature: f})
				continue
			}
			ws = append(ws, geo.Write{Op: geo.Update, Feature: f, IfVersion: version})
		}
	}
	return ws, nil
}
