package postgis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/geojson"

	"partymap/internal/geo"
)

// Proposals (geo/proposal.go, migrations/010). A proposal is checked as a
// dry run of the reshape it describes, through the editor, with the
// actor's scope noted rather than enforced; its grids' versions and a
// preview are kept. The last agreement applies it through the editor too,
// as the agreeing user, the agreements standing in for the scope check of
// the grids the proposal changes.

// proposalColumns is what scanProposal reads.
const proposalColumns = `p.id, p.grid_id, p.version, ST_AsBinary(p.shape), p.comment, p.proposer, p.created_at,
	p.grids::text, p.needs, p.agreed::text, p.preview::text, p.state, coalesce(p.decided_by, ''), p.decided_at, p.note,
	coalesce(p.change_set, 0)`

// drawnGrid is a grid a proposal changes, at the version it was drawn on,
// as the proposals table keeps it.
type drawnGrid struct {
	geo.FeatureRef
	Version int64 `json:"version"`
}

// previewItem is a preview item as the table keeps it, geometries as
// GeoJSON.
type previewItem struct {
	geo.ProposalItem
	Before *geojson.Geometry `json:"before,omitempty"`
	After  *geojson.Geometry `json:"after,omitempty"`
	Gain   *geojson.Geometry `json:"gain,omitempty"`
}

// Propose checks the grid's new outline as a reshape and, unless o.DryRun,
// keeps it as a proposal. A dry run also answers a change that needs
// nobody's agreement (no Needs): the editor may save it directly.
func (db *DB) Propose(ctx context.Context, gridID, ifVersion int64, shape orb.Polygon, o geo.EditOptions) (geo.Proposal, error) {
	comment, err := geo.CheckComment(o.Comment)
	if err != nil {
		return geo.Proposal{}, err
	}
	if !o.DryRun && comment == "" {
		return geo.Proposal{}, geo.NeedComment()
	}
	check := o
	check.DryRun, check.Reason, check.Comment = true, geo.ReasonReshape, comment
	p := geo.Proposal{Version: ifVersion, Shape: shape, Comment: comment, Proposer: o.Actor.Name, State: geo.ProposalOpen, DrawnOn: map[int64]int64{}}
	_, err = db.edit(ctx, check, func(ed *editor) error {
		ed.proposing = true
		if err := ed.reshape(ctx, gridID, ifVersion, shape); err != nil {
			return err
		}
		if len(ed.outside) == 0 && !o.DryRun {
			return geo.NotAProposal()
		}
		p.Needs = ed.outside
		return ed.preview(ctx, gridID, &p)
	})
	if err != nil || o.DryRun {
		return p, err
	}
	grids := make([]drawnGrid, len(p.Grids))
	codes := make([]string, len(p.Grids))
	for i, g := range p.Grids {
		grids[i], codes[i] = drawnGrid{FeatureRef: g, Version: p.DrawnOn[g.ID]}, g.Key
	}
	items := make([]previewItem, len(p.Preview))
	for i, it := range p.Preview {
		items[i] = previewItem{ProposalItem: it}
		if it.Before != nil {
			items[i].Before = geojson.NewGeometry(it.Before)
		}
		if it.After != nil {
			items[i].After = geojson.NewGeometry(it.After)
		}
		if it.Gain != nil {
			items[i].Gain = geojson.NewGeometry(it.Gain)
		}
	}
	gridsJSON, err := json.Marshal(grids)
	if err != nil {
		return p, err
	}
	previewJSON, err := json.Marshal(items)
	if err != nil {
		return p, err
	}
	shapeWKB, err := wkb.Marshal(shape)
	if err != nil {
		return p, err
	}
	err = db.pool.QueryRow(ctx, `INSERT INTO proposals (grid_id, version, shape, comment, proposer, grids, needs, grid_codes, preview)
		VALUES ($1, $2, ST_GeomFromWKB($3, 4326), $4, $5, $6::jsonb, $7, $8, $9::jsonb) RETURNING id, created_at`,
		gridID, ifVersion, shapeWKB, comment, o.Actor.Name, string(gridsJSON), p.Needs, codes, string(previewJSON)).Scan(&p.ID, &p.Created)
	return p, storeError(err)
}

// preview fills the proposal's grids, their versions and what it changes
// from the reshape the editor has just (dry-)run: each grid before and
// after with the m² it gains and loses, and what moves with them.
func (ed *editor) preview(ctx context.Context, gridID int64, p *geo.Proposal) error {
	grids, _ := ed.cat.Layer(gridLayer)
	for _, c := range ed.changes {
		l, _, err := ed.layer(c.Layer)
		if err != nil {
			return err
		}
		old := ed.old[c.Layer][c.ID]
		props := old.Properties
		if c.Feature != nil {
			props = c.Feature.Properties
		}
		it := geo.ProposalItem{Ref: l.Ref(c.ID, props), OldVersion: c.OldVersion, NoteZh: c.NoteZh, NoteEn: c.NoteEn}
		if l.Name == grids.Name {
			p.Grids = append(p.Grids, it.Ref)
			p.DrawnOn[c.ID] = c.OldVersion
			it.Before = old.Geometry
			if c.Feature != nil {
				it.After = c.Feature.Geometry
			}
			before, err := geomParam(it.Before)
			if err != nil {
				return err
			}
			after, err := geomParam(it.After)
			if err != nil {
				return err
			}
			var gain []byte
			if err := ed.tx.QueryRow(ctx, `SELECT ST_Area(ST_Difference(b, a)::geography), ST_Area(ST_Difference(a, b)::geography),
					CASE WHEN ST_Area(ST_Difference(b, a)::geography) > $3 THEN ST_AsBinary(ST_CollectionExtract(ST_Difference(b, a), 3)) END
				FROM (SELECT ST_GeomFromWKB($1, 4326) AS a, ST_GeomFromWKB($2, 4326) AS b) s`, before, after, geo.AreaTolerance).Scan(&it.Gained, &it.Lost, &gain); err != nil {
				return err
			}
			it.Gain = geometryOf(gain)
		}
		if c.ID == gridID && c.Layer == grids.Name {
			p.Grid = it.Ref
		}
		p.Preview = append(p.Preview, it)
	}
	return nil
}

// scanProposal reads one row of proposalColumns.
func scanProposal(row pgx.Row) (geo.Proposal, error) {
	var p geo.Proposal
	var shape []byte
	var gridsJSON, agreedJSON, previewJSON, state string
	var gridID int64
	if err := row.Scan(&p.ID, &gridID, &p.Version, &shape, &p.Comment, &p.Proposer, &p.Created, &gridsJSON, &p.Needs, &agreedJSON,
		&previewJSON, &state, &p.DecidedBy, &p.DecidedAt, &p.Note, &p.ChangeSet); err != nil {
		return p, err
	}
	p.State = geo.ProposalState(state)
	g, err := wkb.Unmarshal(shape)
	if err != nil {
		return p, err
	}
	p.Shape, _ = g.(orb.Polygon)
	var grids []drawnGrid
	if err := json.Unmarshal([]byte(gridsJSON), &grids); err != nil {
		return p, fmt.Errorf("proposal %d grids: %w", p.ID, err)
	}
	p.DrawnOn = map[int64]int64{}
	for _, dg := range grids {
		p.Grids = append(p.Grids, dg.FeatureRef)
		p.DrawnOn[dg.ID] = dg.Version
		if dg.ID == gridID {
			p.Grid = dg.FeatureRef
		}
	}
	if p.Grid.ID == 0 {
		p.Grid = geo.FeatureRef{Layer: gridLayer, ID: gridID}
	}
	if err := json.Unmarshal([]byte(agreedJSON), &p.Agreed); err != nil {
		return p, fmt.Errorf("proposal %d agreements: %w", p.ID, err)
	}
	var items []previewItem
	if err := json.Unmarshal([]byte(previewJSON), &items); err != nil {
		return p, fmt.Errorf("proposal %d preview: %w", p.ID, err)
	}
	for _, it := range items {
		pi := it.ProposalItem
		if it.Before != nil {
			pi.Before = it.Before.Coordinates
		}
		if it.After != nil {
			pi.After = it.After.Coordinates
		}
		if it.Gain != nil {
			pi.Gain = it.Gain.Coordinates
		}
		p.Preview = append(p.Preview, pi)
	}
	return p, nil
}

// readProposals reads the proposals a query selects (by proposalColumns),
// each with the changes made since to its grids when it is open.
func readProposals(ctx context.Context, cat *geo.Catalogue, q querier, sql string, args ...any) ([]geo.Proposal, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	var out []geo.Proposal
	for rows.Next() {
		p, err := scanProposal(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var open []int64
	for _, p := range out {
		if p.State == geo.ProposalOpen {
			open = append(open, p.ID)
		}
	}
	if len(open) == 0 {
		return out, nil
	}
	// What changed since: the history of each grid after the version the
	// proposal was drawn on.
	rows, err = q.Query(ctx, `SELECT p.id, h.layer, h.feature_id, h.version, h.operation, h.who, h.at, coalesce(h.change_set, 0),
			coalesce(h.new_props, h.old_props)::text
		FROM proposals p, jsonb_array_elements(p.grids) g, history h
		WHERE p.id = ANY($1) AND h.layer = $2 AND h.feature_id = (g->>'id')::bigint AND h.version > (g->>'version')::bigint
		ORDER BY h.id`, open, gridLayer)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	grids, _ := cat.Layer(gridLayer)
	later := map[int64][]geo.LaterChange{}
	for rows.Next() {
		var pid int64
		var c geo.LaterChange
		var op, props string
		if err := rows.Scan(&pid, &c.Ref.Layer, &c.Ref.ID, &c.Version, &op, &c.Who, &c.At, &c.ChangeSet, &props); err != nil {
			return nil, err
		}
		c.Op = geo.Op(op)
		c.Ref = grids.Ref(c.Ref.ID, scanJSON([]byte(props)))
		later[pid] = append(later[pid], c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Later = later[out[i].ID]
	}
	return out, nil
}

// maxProposals is the most decided proposals a desk lists.
const maxProposals = 200

// Proposals lists the proposals u sees, newest first: the open ones, or
// (f.All) the latest of every state.
func (db *DB) Proposals(ctx context.Context, u geo.User, f geo.ProposalFilter) ([]geo.Proposal, error) {
	limit := f.Limit
	if limit <= 0 || limit > maxProposals {
		limit = maxProposals
	}
	ps, err := readProposals(ctx, db.cat, db.pool, `SELECT `+proposalColumns+` FROM proposals p
		WHERE ($1 OR p.state = 'open') ORDER BY p.id DESC LIMIT $2`, f.All, limit)
	if err != nil {
		return nil, storeError(err)
	}
	return slices.DeleteFunc(ps, func(p geo.Proposal) bool { return !p.ForUser(u) }), nil
}

// FindProposal returns one proposal.
func (db *DB) FindProposal(ctx context.Context, id int64) (geo.Proposal, error) {
	p, err := readProposal(ctx, db.cat, db.pool, id, false)
	return p, storeError(err)
}

// readProposal reads one proposal, locked for the transaction q when lock
// is set.
func readProposal(ctx context.Context, cat *geo.Catalogue, q querier, id int64, lock bool) (geo.Proposal, error) {
	sql := `SELECT ` + proposalColumns + ` FROM proposals p WHERE p.id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	ps, err := readProposals(ctx, cat, q, sql, id)
	if err != nil {
		return geo.Proposal{}, err
	}
	if len(ps) == 0 {
		return geo.Proposal{}, geo.Say(geo.ENOTFOUND, geo.Label{
			Zh: fmt.Sprintf("没有编号为 %d 的提案。", id),
			En: fmt.Sprintf("There is no proposal %d.", id)})
	}
	return ps[0], nil
}

// AgreeProposal records the actor's agreement for the grids they look
// after; the last agreement applies the proposal as a reshape, in the same
// transaction, checked against the versions it was drawn on.
func (db *DB) AgreeProposal(ctx context.Context, id int64, o geo.EditOptions) (geo.Proposal, geo.EditResult, error) {
	o.Reason = geo.ReasonReshape
	var out geo.Proposal
	res, err := db.edit(ctx, o, func(ed *editor) error {
		p, err := readProposal(ctx, db.cat, ed.tx, id, true)
		if err != nil {
			return err
		}
		if p.State != geo.ProposalOpen {
			return geo.ProposalDecided(p)
		}
		mine, err := p.MayAgree(ed.o.Actor)
		if err != nil {
			return err
		}
		if p.Stale() {
			return geo.ProposalStale(p.Later)
		}
		now := time.Now()
		for _, code := range mine {
			p.Agreed = append(p.Agreed, geo.Agreement{Grid: code, Who: ed.o.Actor.Name, At: now})
		}
		out = p
		if len(p.Waiting()) > 0 {
			if ed.o.DryRun {
				return nil
			}
			return ed.saveAgreement(ctx, &out, false)
		}
		if err := ed.applyProposal(ctx, p); err != nil {
			return err
		}
		if ed.o.DryRun {
			return nil
		}
		return ed.saveAgreement(ctx, &out, true)
	})
	if err != nil {
		return geo.Proposal{}, geo.EditResult{}, err
	}
	return out, res, nil
}

// applyProposal runs the proposal's reshape as the actor, with its grids'
// agreements standing in for the actor's scope, after checking under the
// topology lock that its grids are still at the versions it was drawn on.
func (ed *editor) applyProposal(ctx context.Context, p geo.Proposal) error {
	grids, _ := ed.cat.Layer(gridLayer)
	if err := ed.lockTopology(ctx, []geo.Layer{grids}); err != nil {
		return err
	}
	ids := make([]int64, 0, len(p.DrawnOn))
	for id := range p.DrawnOn {
		ids = append(ids, id)
	}
	if err := ed.lock(ctx, grids, ids); err != nil {
		return err
	}
	for id, v := range p.DrawnOn {
		if cur, ok := ed.old[gridLayer][id]; !ok || cur.Version != v {
			// Changed between the read and the lock: read what changed.
			q, err := readProposal(ctx, ed.cat, ed.tx, p.ID, false)
			if err != nil {
				return err
			}
			return geo.ProposalStale(q.Later)
		}
	}
	ed.grants = nil
	for _, g := range p.Grids {
		ed.grants = append(ed.grants, g.Key)
	}
	ed.proposal, ed.o.Comment = p.ID, p.Comment
	if err := ed.reshape(ctx, p.Grid.ID, p.Version, p.Shape); err != nil {
		return err
	}
	written := ed.writtenIDs(gridLayer)
	slices.Sort(ids)
	if !slices.Equal(written, ids) {
		// The same drawing on the same grids changes other grids now: the
		// reviewer agreed to something else.
		return geo.Say(geo.ESUPERSEDED, geo.Label{
			Zh: "按现在的边界，这个提案会改动与提交时不同的网格；请提案人重新绘制。",
			En: "On the current boundaries the proposal would change other grids than those it was made for; the proposer must draw it again."})
	}
	return nil
}

// saveAgreement writes the proposal's agreements and, when applied, its
// state and change set.
func (ed *editor) saveAgreement(ctx context.Context, p *geo.Proposal, applied bool) error {
	agreed, err := json.Marshal(p.Agreed)
	if err != nil {
		return err
	}
	if !applied {
		_, err = ed.tx.Exec(ctx, `UPDATE proposals SET agreed = $2::jsonb WHERE id = $1`, p.ID, string(agreed))
		return err
	}
	var at time.Time
	err = ed.tx.QueryRow(ctx, `UPDATE proposals SET agreed = $2::jsonb, state = 'accepted', decided_by = $3, decided_at = now(), change_set = $4
		WHERE id = $1 RETURNING decided_at`, p.ID, string(agreed), ed.o.Actor.Name, ed.changeSet).Scan(&at)
	p.State, p.DecidedBy, p.DecidedAt, p.ChangeSet, p.Later = geo.ProposalAccepted, ed.o.Actor.Name, &at, ed.changeSet, nil
	return err
}

// DeclineProposal closes an open proposal with a reason, by someone who
// may agree to it or an admin.
func (db *DB) DeclineProposal(ctx context.Context, id int64, reason string, o geo.EditOptions) (geo.Proposal, error) {
	reason, err := geo.CheckComment(reason)
	if err != nil {
		return geo.Proposal{}, err
	}
	if reason == "" {
		return geo.Proposal{}, geo.NeedReason()
	}
	return db.decide(ctx, id, o, geo.ProposalDeclined, reason, func(p geo.Proposal) error {
		if o.Actor.Role == geo.Admin && o.Actor.Name != p.Proposer {
			return nil
		}
		_, err := p.MayAgree(o.Actor)
		return err
	})
}

// WithdrawProposal closes an open proposal, by its proposer or an admin.
func (db *DB) WithdrawProposal(ctx context.Context, id int64, o geo.EditOptions) (geo.Proposal, error) {
	return db.decide(ctx, id, o, geo.ProposalWithdrawn, "", func(p geo.Proposal) error {
		if o.Actor.Name == p.Proposer || o.Actor.Role == geo.Admin {
			return nil
		}
		return geo.Say(geo.EFORBIDDEN, geo.Label{
			Zh: "只有提案人（或管理员）可以撤回提案。",
			En: "Only the proposer (or an admin) may withdraw a proposal."})
	})
}

// decide closes an open proposal in a state, when may allows.
func (db *DB) decide(ctx context.Context, id int64, o geo.EditOptions, state geo.ProposalState, note string, may func(geo.Proposal) error) (geo.Proposal, error) {
	if o.Actor.Name == "" {
		return geo.Proposal{}, geo.Say(geo.EUNAUTHORIZED, geo.Label{Zh: "请先登录。", En: "Log in first."})
	}
	var out geo.Proposal
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		p, err := readProposal(ctx, db.cat, tx, id, true)
		if err != nil {
			return err
		}
		if p.State != geo.ProposalOpen {
			return geo.ProposalDecided(p)
		}
		if err := may(p); err != nil {
			return err
		}
		if o.DryRun {
			out = p
			return nil
		}
		var at time.Time
		if err := tx.QueryRow(ctx, `UPDATE proposals SET state = $2, decided_by = $3, decided_at = now(), note = $4 WHERE id = $1 RETURNING decided_at`,
			id, string(state), o.Actor.Name, note).Scan(&at); err != nil {
			return err
		}
		p.State, p.DecidedBy, p.DecidedAt, p.Note = state, o.Actor.Name, &at, note
		out = p
		return nil
	})
	if err != nil {
		var ge *geo.Error
		if errors.As(err, &ge) {
			return geo.Proposal{}, err
		}
		return geo.Proposal{}, storeError(err)
	}
	return out, nil
}
