package postgis

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"partymap/internal/geo"
)

const historyColumns = `h.id, h.layer, h.feature_id, h.version, h.operation, h.reason, h.who, h.at,
	ST_AsBinary(coalesce(h.new_geom, h.old_geom)), coalesce(h.new_props, h.old_props)::text, h.note::text,
	coalesce(h.change_set, 0), coalesce((SELECT c.comment FROM change_sets c WHERE c.id = h.change_set), '')`

// historyRow is a scanned history row with its raw geometry.
type historyRow struct {
	geo.HistoryEntry
	geom []byte
}

func scanHistory(rows pgx.Rows) ([]historyRow, error) {
	defer rows.Close()
	var out []historyRow
	for rows.Next() {
		var h historyRow
		var op, props string
		var note *string
		if err := rows.Scan(&h.Seq, &h.Layer, &h.ID, &h.Version, &op, &h.Reason, &h.Who, &h.At, &h.geom, &props, &note, &h.ChangeSet, &h.Comment); err != nil {
			return nil, err
		}
		if note != nil {
			if err := json.Unmarshal([]byte(*note), &h.Note); err != nil {
				return nil, fmt.Errorf("history %d note: %w", h.Seq, err)
			}
		}
		h.Op = geo.Op(op)
		if h.geom != nil {
			g, err := wkb.Unmarshal(h.geom)
			if err != nil {
				return nil, fmt.Errorf("history %d geometry: %w", h.Seq, err)
			}
			h.Geometry = g
		}
		m, err := historyProps(props)
		if err != nil {
			return nil, fmt.Errorf("history %d properties: %w", h.Seq, err)
		}
		h.Properties = m
		out = append(out, h)
	}
	return out, rows.Err()
}

// historyProps decodes the properties a history row keeps (as JSON,
// numbers float64), without the id, positions as [lon, lat].
func historyProps(props string) (map[string]any, error) {
	m := map[string]any{}
	if err := json.Unmarshal([]byte(props), &m); err != nil {
		return nil, err
	}
	delete(m, "id")
	for k, v := range m {
		// A position is stored as a GeoJSON point; show it as [lon, lat].
		if pt, ok := v.(map[string]any); ok && pt["type"] == "Point" {
			m[k] = pt["coordinates"]
		}
	}
	return m, nil
}

// featureOf makes a feature of the layer from a state the history keeps,
// its properties checked as a write's are.
func featureOf(l geo.Layer, id int64, g orb.Geometry, historyProps map[string]any) (geo.Feature, error) {
	props := map[string]any{}
	for _, fd := range l.Fields {
		if v, ok := historyProps[fd.Name]; ok && v != nil {
			props[fd.Name] = v
		}
	}
	checked, vs := l.CheckProperties(props, false)
	if len(vs) > 0 {
		return geo.Feature{}, geo.Unprocessable(vs)
	}
	return geo.Feature{Layer: l.Name, ID: id, Geometry: g, Properties: checked}, nil
}

// History lists an item's changes, oldest first, each with the properties
// (and "geometry") it changed.
func (db *DB) History(ctx context.Context, layer string, id int64) ([]geo.HistoryEntry, error) {
	if _, err := db.cat.LayerOrError(layer); err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `SELECT `+historyColumns+` FROM history h WHERE h.layer = $1 AND h.feature_id = $2 ORDER BY h.id`, layer, id)
	if err != nil {
		return nil, storeError(err)
	}
	hs, err := scanHistory(rows)
	if err != nil {
		return nil, storeError(err)
	}
	if len(hs) == 0 {
		return nil, geo.Errorf(geo.ENOTFOUND, "Layer %q has no feature with id %d, and never had.", layer, id)
	}
	with, counts, err := db.changeSetFeatures(ctx, hs)
	if err != nil {
		return nil, storeError(err)
	}
	out := make([]geo.HistoryEntry, len(hs))
	for i, h := range hs {
		if i > 0 && h.Op == geo.Update {
			h.Changed = changedKeys(hs[i-1], h)
		}
		for _, r := range with[h.ChangeSet] {
			if (r.Layer != h.Layer || r.ID != h.ID) && len(h.With) < maxWith {
				h.With = append(h.With, r)
			}
		}
		if n := counts[h.ChangeSet]; n > 0 {
			h.WithCount = n - 1
		}
		out[i] = h.HistoryEntry
	}
	return out, nil
}

// maxWith is the most other features a history entry names of its change
// set (an import changes hundreds).
const maxWith = 50

// changeSetFeatures names the features of the entries' change sets, up to
// maxWith+1 each (the entry's own among them), grids first, and counts
// every feature of each.
func (db *DB) changeSetFeatures(ctx context.Context, hs []historyRow) (map[int64][]geo.FeatureRef, map[int64]int, error) {
	var ids []int64
	for _, h := range hs {
		if h.ChangeSet != 0 {
			ids = append(ids, h.ChangeSet)
		}
	}
	if len(ids) == 0 {
		return nil, nil, nil
	}
	counts := map[int64]int{}
	rows, err := db.pool.Query(ctx, `SELECT change_set, count(DISTINCT (layer, feature_id)) FROM history WHERE change_set = ANY($1) GROUP BY change_set`, ids)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var cs int64
		var n int
		if err := rows.Scan(&cs, &n); err != nil {
			rows.Close()
			return nil, nil, err
		}
		counts[cs] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	rows, err = db.pool.Query(ctx, `SELECT change_set, layer, feature_id, props FROM (
			SELECT o.change_set, o.layer, o.feature_id, coalesce(o.new_props, o.old_props)::text AS props,
				row_number() OVER (PARTITION BY o.change_set ORDER BY o.layer <> $3, o.id) AS n
			FROM history o WHERE o.change_set = ANY($1)) x
		WHERE n <= $2 ORDER BY change_set, n`, ids, maxWith+1, gridLayer)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	out := map[int64][]geo.FeatureRef{}
	for rows.Next() {
		var cs, id int64
		var layer, props string
		if err := rows.Scan(&cs, &layer, &id, &props); err != nil {
			return nil, nil, err
		}
		ref := geo.FeatureRef{Layer: layer, ID: id}
		if l, ok := db.cat.Layer(layer); ok {
			ref = l.Ref(id, scanJSON([]byte(props)))
		}
		if !slices.ContainsFunc(out[cs], func(r geo.FeatureRef) bool { return r.Layer == ref.Layer && r.ID == ref.ID }) {
			out[cs] = append(out[cs], ref)
		}
	}
	return out, counts, rows.Err()
}

// changedKeys names what differs between two history states.
func changedKeys(a, b historyRow) []string {
	var out []string
	if !bytes.Equal(a.geom, b.geom) {
		out = append(out, "geometry")
	}
	keys := map[string]bool{}
	for k := range a.Properties {
		keys[k] = true
	}
	for k := range b.Properties {
		keys[k] = true
	}
	var props []string
	for k := range keys {
		if !reflect.DeepEqual(a.Properties[k], b.Properties[k]) {
			props = append(props, k)
		}
	}
	sort.Strings(props)
	return append(out, props...)
}

// stateAt reads the item as it was at a version (after the insert or update
// that made it), or as it was when deleted (op "delete").
func (ed *editor) stateAt(ctx context.Context, l geo.Layer, id, version int64, op geo.Op) (geo.Feature, historyRow, error) {
	q := `SELECT ` + historyColumns + ` FROM history h WHERE h.layer = $1 AND h.feature_id = $2 AND h.version = $3 AND h.operation <> 'delete' ORDER BY h.id DESC LIMIT 1`
	args := []any{l.Name, id, version}
	if op == geo.Delete {
		q = `SELECT ` + historyColumns + ` FROM history h WHERE h.layer = $1 AND h.feature_id = $2 ORDER BY h.id DESC LIMIT 1`
		args = args[:2]
	}
	rows, err := ed.tx.Query(ctx, q, args...)
	if err != nil {
		return geo.Feature{}, historyRow{}, err
	}
	hs, err := scanHistory(rows)
	if err != nil {
		return geo.Feature{}, historyRow{}, err
	}
	if len(hs) == 0 {
		if op == geo.Delete {
			return geo.Feature{}, historyRow{}, geo.Errorf(geo.ENOTFOUND, "Layer %q never had a feature with id %d.", l.Name, id)
		}
		return geo.Feature{}, historyRow{}, geo.Errorf(geo.ENOTFOUND, "%s %d has no version %d in its history.", l.Name, id, version)
	}
	h := hs[0]
	f, err := featureOf(l, id, h.Geometry, h.Properties)
	return f, h, err
}

// Revert makes an item's past version its next version: a new write of the
// old state, locked, version-checked and validated like any edit.
func (db *DB) Revert(ctx context.Context, layer string, id, version, ifVersion int64, o geo.EditOptions) (geo.EditResult, error) {
	l, err := db.cat.LayerOrError(layer)
	if err != nil {
		return geo.EditResult{}, err
	}
	o.Reason = geo.ReasonRevert
	return db.edit(ctx, o, func(ed *editor) error {
		f, _, err := ed.stateAt(ctx, l, id, version, geo.Update)
		if err != nil {
			return err
		}
		note := fmt.Sprintf("reverted to version %d", version)
		err = ed.apply(ctx, []geo.Write{{Op: geo.Update, Feature: f, IfVersion: ifVersion}})
		for i := range ed.changes {
			if ed.changes[i].Layer == layer && ed.changes[i].ID == id && ed.changes[i].NoteEn == "" {
				ed.changes[i].NoteEn, ed.changes[i].NoteZh = note, fmt.Sprintf("恢复到第 %d 版", version)
			}
		}
		return err
	})
}

// Restore brings a deleted item back, as it was when deleted, as its next
// version.
func (db *DB) Restore(ctx context.Context, layer string, id int64, o geo.EditOptions) (geo.EditResult, error) {
	l, err := db.cat.LayerOrError(layer)
	if err != nil {
		return geo.EditResult{}, err
	}
	o.Reason = geo.ReasonRestore
	return db.edit(ctx, o, func(ed *editor) error {
		f, h, err := ed.stateAt(ctx, l, id, 0, geo.Delete)
		if err != nil {
			return err
		}
		if h.Op != geo.Delete {
			return geo.Errorf(geo.ECONFLICT, "%s %d is not deleted (it is at version %d); there is nothing to restore.", layer, id, h.Version)
		}
		return ed.apply(ctx, []geo.Write{{Op: geo.Insert, Feature: f}})
	})
}

// Deleted lists a layer's deleted items as they were when deleted, newest
// deletion first, and how many there are.
func (db *DB) Deleted(ctx context.Context, layer string, limit, offset int) ([]geo.HistoryEntry, int64, error) {
	l, err := db.cat.LayerOrError(layer)
	if err != nil {
		return nil, 0, err
	}
	base := fmt.Sprintf(`FROM (SELECT DISTINCT ON (h.feature_id) h.* FROM history h WHERE h.layer = $1 ORDER BY h.feature_id, h.id DESC) h
		WHERE h.operation = 'delete' AND NOT EXISTS (SELECT 1 FROM %s t WHERE t.id = h.feature_id)`, db.sql.layer(l.Name).table)
	var n int64
	if err := db.pool.QueryRow(ctx, `SELECT count(*) `+base, layer).Scan(&n); err != nil {
		return nil, 0, storeError(err)
	}
	rows, err := db.pool.Query(ctx, `SELECT `+historyColumns+` `+base+` ORDER BY h.id DESC LIMIT $2 OFFSET $3`, layer, limit, offset)
	if err != nil {
		return nil, 0, storeError(err)
	}
	hs, err := scanHistory(rows)
	if err != nil {
		return nil, 0, storeError(err)
	}
	out := make([]geo.HistoryEntry, len(hs))
	for i, h := range hs {
		out[i] = h.HistoryEntry
	}
	return out, n, nil
}

// Audit returns a page of the whole history, newest first, filtered by who,
// layer and time.
func (db *DB) Audit(ctx context.Context, f geo.AuditFilter) (geo.AuditPage, error) {
	var since, until *time.Time
	if !f.Since.IsZero() {
		since = &f.Since
	}
	if !f.Until.IsZero() {
		until = &f.Until
	}
	communities := f.Communities
	if communities == nil {
		communities = []string{}
	}
	where := `WHERE ($1 = '' OR h.who = $1) AND ($2 = '' OR h.layer = $2) AND ($3::timestamptz IS NULL OR h.at >= $3) AND ($4::timestamptz IS NULL OR h.at < $4)
		AND (cardinality($5::text[]) = 0 OR h.new_props->>'community' = ANY($5) OR h.old_props->>'community' = ANY($5)
			OR (h.layer = 'communities' AND coalesce(h.new_props, h.old_props)->>'code' = ANY($5)))`
	args := []any{f.Who, f.Layer, since, until, communities}
	var page geo.AuditPage
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM history h `+where, args...).Scan(&page.Matched); err != nil {
		return page, storeError(err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	rows, err := db.pool.Query(ctx, `SELECT `+historyColumns+` FROM history h `+where+` ORDER BY h.id DESC LIMIT $6 OFFSET $7`, append(args, limit, f.Offset)...)
	if err != nil {
		return page, storeError(err)
	}
	hs, err := scanHistory(rows)
	if err != nil {
		return page, storeError(err)
	}
	page.Entries = make([]geo.HistoryEntry, len(hs))
	for i, h := range hs {
		page.Entries[i] = h.HistoryEntry
	}
	return page, nil
}
