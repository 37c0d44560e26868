package postgis

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"partymap/internal/geo"
)

// Residents' orders (geo/orders.go) are written by the one write path:
// every submission and action is an edit (db.edit → editor.apply: locks,
// versions, the scope of the actor, the checks of the catalogue, that the
// point lies in a community, history, notification). What this file adds
// is the workflow around it: the status an action needs and leaves, the
// tracking code in place of a login for the submitter, the points an
// action earns, and the private contact beside the layer.

// ReasonOrder is the history's reason of an order's changes.
const ReasonOrder = "order"

// SubmitOrder stores a resident's order as submitted, with its private
// contact, and returns its id and tracking code.
func (db *DB) SubmitOrder(ctx context.Context, s geo.OrderSubmission, at time.Time) (geo.OrderReceipt, error) {
	s, err := s.Check()
	if err != nil {
		return geo.OrderReceipt{}, err
	}
	code, err := geo.NewTrackingCode()
	if err != nil {
		return geo.OrderReceipt{}, err
	}
	props := map[string]any{"kind": s.Kind, "text": s.Text, "status": geo.StatusSubmitted, "submitted_at": geo.Stamp(at)}
	if s.Category != "" {
		props["category"] = s.Category
	}
	var rec geo.OrderReceipt
	_, err = db.edit(ctx, geo.EditOptions{Actor: geo.ResidentUser(), Reason: ReasonOrder}, func(ed *editor) error {
		ed.workflow = true
		pt := s.Point
		if pt == nil {
			p, err := ed.compoundPoint(ctx, s.Compound)
			if err != nil {
				return err
			}
			pt = &p
		}
		f := geo.Feature{Layer: geo.OrdersLayer, Geometry: *pt, Properties: props}
		if err := ed.apply(ctx, []geo.Write{{Op: geo.Insert, Feature: f}}); err != nil {
			return err
		}
		c := ed.changes[len(ed.changes)-1]
		rec = geo.OrderReceipt{ID: c.ID, Code: code, Version: c.Version}
		var phone *string
		if s.Phone != "" {
			phone = &s.Phone
		}
		_, err := ed.tx.Exec(ctx, `INSERT INTO order_contacts (order_id, code_hash, phone, submitted_at) VALUES ($1, $2, $3, $4)`,
			c.ID, geo.TrackingHash(code), phone, at)
		return err
	})
	if err != nil {
		return geo.OrderReceipt{}, err
	}
	return rec, nil
}

// compoundPoint is where an order placed at a compound stands: a point
// inside it.
func (ed *editor) compoundPoint(ctx context.Context, id int64) (orb.Point, error) {
	var p orb.Point
	err := ed.tx.QueryRow(ctx, `SELECT ST_X(pt), ST_Y(pt) FROM (SELECT ST_PointOnSurface(geom) AS pt FROM compounds WHERE id = $1) c`, id).Scan(&p[0], &p[1])
	if errors.Is(err, pgx.ErrNoRows) {
		return p, geo.Say(geo.EINVALID, geo.Label{Zh: "没有这个小区，请重新选择。", En: fmt.Sprintf("There is no compound with id %d; pick the place again.", id)})
	}
	return p, err
}

// orderOfCode returns the id of the order a tracking code belongs to.
func orderOfCode(ctx context.Context, q querier, code string) (int64, error) {
	norm, err := geo.NormalizeTrackingCode(code)
	if err != nil {
		return 0, err
	}
	var id int64
	err = q.QueryRow(ctx, `SELECT order_id FROM order_contacts WHERE code_hash = $1`, geo.TrackingHash(norm)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, geo.NoSuchCode()
	}
	return id, err
}

// StepOrder takes one action on an order: staff's with the version they
// read (a stale one is 412, as any write's), the submitter's with the
// tracking code. An action the order's status does not allow is 409
// naming the status; of two staff claiming at once, the second finds the
// order claimed (or at another version) and is refused.
func (db *DB) StepOrder(ctx context.Context, st geo.OrderStep, rules geo.OrderRules) (geo.Order, error) {
	rules = rules.WithDefaults()
	actor := st.Actor
	if st.Action.BySubmitter() {
		actor = geo.ResidentUser()
	} else if actor.Role != geo.Editor && actor.Role != geo.Admin && actor.Role != geo.System {
		return geo.Order{}, geo.Say(geo.EUNAUTHORIZED, geo.Label{Zh: "请先登录。", En: "Log in as staff to " + string(st.Action) + " an order."})
	}
	var out geo.Order
	_, err := db.edit(ctx, geo.EditOptions{Actor: actor, Reason: ReasonOrder}, func(ed *editor) error {
		ed.workflow = true
		l, _, err := ed.layer(geo.OrdersLayer)
		if err != nil {
			return err
		}
		id := st.ID
		if st.Action.BySubmitter() {
			owner, err := orderOfCode(ctx, ed.tx, st.Code)
			if err != nil {
				return err
			}
			if id != 0 && id != owner {
				return geo.NoSuchCode()
			}
			id = owner
		}
		if err := ed.lock(ctx, l, []int64{id}); err != nil {
			return err
		}
		old, ok := ed.old[l.Name][id]
		if !ok {
			return geo.Errorf(geo.ENOTFOUND, "There is no order %d.", id)
		}
		if !st.Action.BySubmitter() && st.IfVersion != old.Version {
			return geo.ConflictWith(st.IfVersion, old)
		}
		status, _ := old.Properties["status"].(string)
		if !slices.Contains(st.Action.From(), status) {
			return geo.WrongStatus(st.Action, id, status)
		}
		nf, points, err := ed.nextOrder(ctx, st, old, rules)
		if err != nil {
			return err
		}
		if err := ed.apply(ctx, []geo.Write{{Op: geo.Update, Feature: nf, IfVersion: old.Version}}); err != nil {
			return err
		}
		c, _ := geo.EditResult{Changes: ed.changes}.Change(l.Name, id)
		for _, p := range points {
			// A member earns each reason's points once per order: closed
			// again after the resident reopened it, it earns nothing more.
			if _, err := ed.tx.Exec(ctx, `INSERT INTO points (member_id, order_id, points, reason, who, at) VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (order_id, member_id, reason) DO NOTHING`,
				p.Member, id, p.Points, p.Reason, actor.Name, st.At); err != nil {
				return err
			}
		}
		out = geo.Order{Feature: *c.Feature, Overdue: rules.Overdue(c.Feature.Properties, st.At)}
		return nil
	})
	if err != nil {
		return geo.Order{}, err
	}
	return out, nil
}

// nextOrder returns the order as the action leaves it, and the points it
// earns.
func (ed *editor) nextOrder(ctx context.Context, st geo.OrderStep, old geo.Feature, rules geo.OrderRules) (geo.Feature, []geo.PointsEntry, error) {
	nf := old
	nf.Properties = maps.Clone(old.Properties)
	p := nf.Properties
	if to := st.Action.To(); to != "" {
		p["status"] = to
		p[st.Action.Stamp()] = geo.Stamp(st.At)
	}
	member, _ := p["member_id"].(int64)
	kind, _ := p["kind"].(string)
	var points []geo.PointsEntry
	earn := func(reason string) {
		if member > 0 {
			points = append(points, geo.PointsEntry{Member: member, Points: geo.PointsFor(reason).Points, Reason: reason})
		}
	}
	var err error
	switch st.Action {
	case geo.ActReject:
		var reason string
		if reason, err = geo.CheckOrderText(geo.Label{Zh: "不予采纳的理由", En: "reason for rejecting it"}, st.Text, true); err != nil {
			return nf, nil, err
		}
		p["reason"] = reason
	case geo.ActClaim:
		grid, _ := p["grid_code"].(string)
		if grid == "" {
			return nf, nil, geo.Say(geo.EUNPROCESSABLE, geo.Label{Zh: "该诉求不在任何网格内，请先把它移到所在网格。",
				En: "The order lies in no grid, so no grid's branch can claim it; move it into its grid first."})
		}
		var zh, en string
		if err := ed.tx.QueryRow(ctx, `SELECT branch_zh, branch_en FROM grids WHERE code = $1`, grid).Scan(&zh, &en); err != nil {
			return nf, nil, err
		}
		p["branch_zh"], p["branch_en"] = zh, en
	case geo.ActAssign:
		grid, _ := p["grid_code"].(string)
		var memberGrid string
		err := ed.tx.QueryRow(ctx, `SELECT grid_code FROM members WHERE id = $1`, st.Member).Scan(&memberGrid)
		if errors.Is(err, pgx.ErrNoRows) {
			return nf, nil, geo.Say(geo.EUNPROCESSABLE, geo.Label{Zh: "没有这位党员。", En: fmt.Sprintf("There is no member %d; see GET /api/members.", st.Member)})
		}
		if err != nil {
			return nf, nil, err
		}
		if memberGrid != grid {
			return nf, nil, geo.Say(geo.EUNPROCESSABLE, geo.Label{Zh: "只能派给本网格支部的党员。",
				En: fmt.Sprintf("Member %d belongs to the branch of grid %s; the order is grid %s's, so assign it to one of that branch's members.", st.Member, memberGrid, grid)})
		}
		p["member_id"] = st.Member
	case geo.ActClose:
		var answer string
		if answer, err = geo.CheckOrderText(geo.Label{Zh: "答复", En: "answer"}, st.Text, true); err != nil {
			return nf, nil, err
		}
		p["answer"] = answer
		if kind == geo.KindNeed {
			earn("need_closed")
		} else {
			earn("problem_answered")
		}
	case geo.ActMove:
		switch {
		case st.Point != nil:
			nf.Geometry = *st.Point
		case st.Compound > 0:
			p, err := ed.compoundPoint(ctx, st.Compound)
			if err != nil {
				return nf, nil, err
			}
			nf.Geometry = p
		default:
			return nf, nil, geo.Say(geo.EINVALID, geo.Label{Zh: "请给出新位置。", En: "Give the new place as \"point\": [lon, lat], or \"compound\": the id of a compound."})
		}
	case geo.ActConfirm, geo.ActReopen:
		done, _ := p["done_at"].(string)
		at, perr := time.Parse(time.RFC3339, done)
		if perr != nil || st.At.Sub(at) > rules.ConfirmWithin {
			return nf, nil, &geo.Error{Code: geo.ESTATE,
				Message:   fmt.Sprintf("The order was done on %s, more than %s ago: it can no longer be confirmed or reopened. Place a new one.", done, rules.ConfirmWithin),
				MessageZh: "办结已超过确认期限，无法再确认或重新办理；如有需要请重新提交。"}
		}
		if st.Action == geo.ActConfirm {
			earn("confirmed")
			break
		}
		var reason string
		if reason, err = geo.CheckOrderText(geo.Label{Zh: "不满意的原因", En: "reason"}, st.Text, false); err != nil {
			return nf, nil, err
		}
		if reason != "" {
			p["reason"] = reason
		}
	}
	return nf, points, nil
}

// TrackOrder returns the order of a tracking code, as its submitter sees
// it: without the phone.
func (db *DB) TrackOrder(ctx context.Context, code string, rules geo.OrderRules, now time.Time) (geo.Order, error) {
	id, err := orderOfCode(ctx, db.pool, code)
	if err != nil {
		return geo.Order{}, storeError(err)
	}
	fs, err := db.queryOrders(ctx, db.pool, `t.id = $1`, id)
	if err != nil {
		return geo.Order{}, err
	}
	if len(fs) == 0 {
		return geo.Order{}, geo.NoSuchCode()
	}
	return geo.Order{Feature: fs[0], Overdue: rules.Overdue(fs[0].Properties, now)}, nil
}

// queryOrders reads the orders that match a condition on t, newest first.
func (db *DB) queryOrders(ctx context.Context, q querier, where string, args ...any) ([]geo.Feature, error) {
	l, _ := db.cat.Layer(geo.OrdersLayer)
	ls := db.sql.layer(l.Name)
	cols := make([]string, len(ls.cols))
	for i, c := range ls.cols {
		cols[i] = strings.Replace(c, `"`, `t."`, 1)
	}
	if !strings.Contains(where, " ORDER BY ") {
		where += " ORDER BY t.submitted_at DESC, t.id DESC"
	}
	rows, err := q.Query(ctx, fmt.Sprintf(`SELECT %s FROM %s t WHERE %s`, strings.Join(cols, ", "), ls.table, where), args...)
	if err != nil {
		return nil, storeError(err)
	}
	fs, err := collectFeatures(l, rows)
	if err != nil {
		return nil, storeError(err)
	}
	return fs, nil
}

// DefaultQueue is how many orders a desk's queue answers unless asked
// for more; MaxQueue the most (an export of a period).
const (
	DefaultQueue = 500
	MaxQueue     = 100_000
)

// OrderQueue returns the orders of a staff desk: those in the user's
// scope (its communities, an editor's grids), filtered, newest first,
// with the submitter's phone while it is kept.
func (db *DB) OrderQueue(ctx context.Context, u geo.User, q geo.OrderQuery, rules geo.OrderRules, now time.Time) ([]geo.Order, error) {
	conds := []string{"true"}
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, fmt.Sprintf(cond, len(args)))
	}
	if len(u.Communities) > 0 {
		add("t.community = ANY($%d)", u.Communities)
	}
	if u.Role != geo.Admin && len(u.Grids) > 0 {
		add("t.grid_code = ANY($%d)", u.Grids)
	}
	if q.Grid != "" {
		add("t.grid_code = $%d", q.Grid)
	}
	if q.Community != "" {
		add("t.community = $%d", q.Community)
	}
	if len(q.Statuses) > 0 {
		add("t.status = ANY($%d)", q.Statuses)
	}
	if !q.From.IsZero() {
		add("t.submitted_at >= $%d", geo.Stamp(q.From))
	}
	if !q.To.IsZero() {
		add("t.submitted_at < $%d", geo.Stamp(q.To))
	}
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultQueue
	}
	limit = min(limit, MaxQueue)
	where := strings.Join(conds, " AND ")
	if !q.Overdue {
		// Whether an order is overdue is read in Go: only then are more
		// rows read than answered.
		where += fmt.Sprintf(" ORDER BY t.submitted_at DESC, t.id DESC LIMIT %d", limit)
	}
	fs, err := db.queryOrders(ctx, db.pool, where, args...)
	if err != nil {
		return nil, err
	}
	var out []geo.Order
	var ids []int64
	for _, f := range fs {
		o := geo.Order{Feature: f, Overdue: rules.Overdue(f.Properties, now)}
		if q.Overdue && !o.Overdue {
			continue
		}
		out = append(out, o)
		ids = append(ids, f.ID)
		if len(out) == limit {
			break
		}
	}
	rows, err := db.pool.Query(ctx, `SELECT order_id, phone FROM order_contacts WHERE order_id = ANY($1) AND phone IS NOT NULL`, ids)
	if err != nil {
		return nil, storeError(err)
	}
	phones := map[int64]string{}
	for rows.Next() {
		var id int64
		var phone string
		if err := rows.Scan(&id, &phone); err != nil {
			rows.Close()
			return nil, storeError(err)
		}
		phones[id] = phone
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, storeError(err)
	}
	for i := range out {
		out[i].Phone = phones[out[i].Feature.ID]
	}
	return out, nil
}

// orderStatsSQL computes a grid's or community's figures over its public
// orders: $1 the code, $2 now, $3 and $4 ClaimWithin and DoneWithin.
const orderStatsSQL = `
SELECT count(*) FILTER (WHERE status = ANY($5)),
       count(*) FILTER (WHERE (status IN ('published', 'reopened') AND coalesce(reopened_at, published_at)::timestamptz < $2::timestamptz - $3::interval)
                           OR (status = ANY($5) AND submitted_at::timestamptz < $2::timestamptz - $4::interval)),
       count(*) FILTER (WHERE status IN ('done', 'confirmed') AND done_at::timestamptz > $2::timestamptz - interval '30 days'),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM claimed_at::timestamptz - published_at::timestamptz) / 3600)
           FILTER (WHERE status IN ('done', 'confirmed') AND done_at::timestamptz > $2::timestamptz - interval '30 days'),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM done_at::timestamptz - submitted_at::timestamptz) / 3600)
           FILTER (WHERE status IN ('done', 'confirmed') AND done_at::timestamptz > $2::timestamptz - interval '30 days')
FROM orders WHERE %s = $1 AND status = ANY($6)`

// OrderStatsOf returns the figures of a grid (layer "grids") or a
// community, over its published orders.
func (db *DB) OrderStatsOf(ctx context.Context, layer, code string, rules geo.OrderRules, now time.Time) (geo.OrderStats, error) {
	rules = rules.WithDefaults()
	l, err := db.cat.LayerOrError(layer)
	if err != nil {
		return geo.OrderStats{}, err
	}
	col := "grid_code"
	if l.Name == geo.CommunityLayer {
		col = geo.CommunityField
	} else if l.Name != gridLayer {
		return geo.OrderStats{}, geo.Errorf(geo.ENOTFOUND, "Order figures are kept for grids and communities, not for %s.", l.Title.Mid().En)
	}
	var st geo.OrderStats
	err = db.read(ctx, layerChange(geo.OrdersLayer), func(q querier) error {
		var exists bool
		if err := q.QueryRow(ctx, fmt.Sprintf(`SELECT EXISTS (SELECT 1 FROM %s WHERE %s = $1)`, ident(l.Name), ident(l.Key)), code).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return geo.Errorf(geo.ENOTFOUND, "There is no %s with code %q.", strings.ToLower(l.Item.En), code)
		}
		return q.QueryRow(ctx, fmt.Sprintf(orderStatsSQL, ident(col)), code, now, rules.ClaimWithin.String(), rules.DoneWithin.String(),
			geo.OpenStatuses(), geo.PublicStatuses()).Scan(&st.Open, &st.Overdue, &st.Done30, &st.MedianClaimHours, &st.MedianCloseHours)
	})
	if err != nil {
		return geo.OrderStats{}, storeError(err)
	}
	return st, nil
}

// OpenOrdersByGrid returns every grid (of a community, when given) with
// its published orders still open and how many of them are overdue: $1
// community or empty, $2 now, $3 ClaimWithin, $4 DoneWithin, $5 the open
// statuses.
func (db *DB) OpenOrdersByGrid(ctx context.Context, community string, rules geo.OrderRules, now time.Time) ([]geo.GridOrders, error) {
	rules = rules.WithDefaults()
	var out []geo.GridOrders
	err := db.read(ctx, layerChange(geo.OrdersLayer), func(q querier) error {
		rows, err := q.Query(ctx, `SELECT g.id, g.code, ST_X(p), ST_Y(p), coalesce(o.open, 0), coalesce(o.overdue, 0)
			FROM grids g
			CROSS JOIN LATERAL (SELECT ST_PointOnSurface(g.geom) AS p) pt
			LEFT JOIN (SELECT grid_code, count(*) AS open,
					count(*) FILTER (WHERE (status IN ('published', 'reopened') AND coalesce(reopened_at, published_at)::timestamptz < $2::timestamptz - $3::interval)
					                    OR submitted_at::timestamptz < $2::timestamptz - $4::interval) AS overdue
				FROM orders WHERE status = ANY($5) GROUP BY grid_code) o ON o.grid_code = g.code
			WHERE $1 = '' OR g.community = $1
			ORDER BY g.code`, community, now, rules.ClaimWithin.String(), rules.DoneWithin.String(), geo.OpenStatuses())
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (geo.GridOrders, error) {
			var g geo.GridOrders
			err := r.Scan(&g.ID, &g.Code, &g.Point[0], &g.Point[1], &g.Open, &g.Overdue)
			return g, err
		})
		return err
	})
	if err != nil {
		return nil, storeError(err)
	}
	return out, nil
}

// EraseContacts deletes the phones of the orders that ended (done,
// confirmed, rejected) KeepContact or longer before now.
func (db *DB) EraseContacts(ctx context.Context, rules geo.OrderRules, now time.Time) (int64, error) {
	rules = rules.WithDefaults()
	tag, err := db.pool.Exec(ctx, `UPDATE order_contacts c SET phone = NULL FROM orders o
		WHERE o.id = c.order_id AND c.phone IS NOT NULL AND o.status IN ('done', 'confirmed', 'rejected')
		  AND greatest(o.done_at, o.confirmed_at, o.rejected_at)::timestamptz <= $1`, now.Add(-rules.KeepContact))
	if err != nil {
		return 0, storeError(err)
	}
	return tag.RowsAffected(), nil
}

// memberScope is the condition on a member m joined to its grid g that
// keeps those in the user's scope, with its arguments from $n.
func memberScope(u geo.User, n int) (string, []any) {
	conds := []string{"true"}
	var args []any
	if len(u.Communities) > 0 {
		args = append(args, u.Communities)
		conds = append(conds, fmt.Sprintf("g.community = ANY($%d)", n+len(args)-1))
	}
	if u.Role != geo.Admin && len(u.Grids) > 0 {
		args = append(args, u.Grids)
		conds = append(conds, fmt.Sprintf("m.grid_code = ANY($%d)", n+len(args)-1))
	}
	return strings.Join(conds, " AND "), args
}

// Members lists the members in the user's scope with their points.
func (db *DB) Members(ctx context.Context, u geo.User) ([]geo.Member, error) {
	where, args := memberScope(u, 1)
	rows, err := db.pool.Query(ctx, `SELECT m.id, m.name, m.grid_code, coalesce(g.community, ''), coalesce(m.account, ''), m.public,
			coalesce((SELECT sum(p.points) FROM points p WHERE p.member_id = m.id), 0)
		FROM members m JOIN grids g ON g.code = m.grid_code WHERE `+where+` ORDER BY m.grid_code, m.name, m.id`, args...)
	if err != nil {
		return nil, storeError(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (geo.Member, error) {
		var m geo.Member
		err := r.Scan(&m.ID, &m.Name, &m.Grid, &m.Community, &m.Account, &m.Public, &m.Points)
		return m, err
	})
	if err != nil {
		return nil, storeError(err)
	}
	return out, nil
}

// AddMember adds a party member to a grid's branch in the user's scope.
func (db *DB) AddMember(ctx context.Context, u geo.User, m geo.Member) (geo.Member, error) {
	m, err := m.Check()
	if err != nil {
		return m, err
	}
	var community string
	err = db.pool.QueryRow(ctx, `SELECT coalesce(community, '') FROM grids WHERE code = $1`, m.Grid).Scan(&community)
	if errors.Is(err, pgx.ErrNoRows) {
		return m, geo.Errorf(geo.EUNPROCESSABLE, "There is no grid %q.", m.Grid)
	}
	if err != nil {
		return m, storeError(err)
	}
	if !u.Covers(community, m.Grid) {
		return m, geo.Errorf(geo.EFORBIDDEN, "%s may not add members to the branch of grid %s, which lies outside their scope.", u.Name, m.Grid)
	}
	var account *string
	if m.Account != "" {
		account = &m.Account
	}
	err = db.pool.QueryRow(ctx, `INSERT INTO members (name, grid_code, account, public, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		m.Name, m.Grid, account, m.Public, u.Name).Scan(&m.ID)
	if err != nil {
		return m, editError(err)
	}
	m.Community = community
	return m, nil
}

// PointsLedger lists the ledger's lines in the user's scope from from
// (inclusive) to to (exclusive), oldest first.
func (db *DB) PointsLedger(ctx context.Context, u geo.User, from, to time.Time) ([]geo.PointsEntry, error) {
	where, args := memberScope(u, 3)
	rows, err := db.pool.Query(ctx, `SELECT p.id, p.member_id, p.order_id, p.points, p.reason, p.who, p.at
		FROM points p JOIN members m ON m.id = p.member_id JOIN grids g ON g.code = m.grid_code
		WHERE p.at >= $1 AND p.at < $2 AND `+where+` ORDER BY p.id`, append([]any{from, to}, args...)...)
	if err != nil {
		return nil, storeError(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (geo.PointsEntry, error) {
		var e geo.PointsEntry
		err := r.Scan(&e.ID, &e.Member, &e.Order, &e.Points, &e.Reason, &e.Who, &e.At)
		return e, err
	})
	if err != nil {
		return nil, storeError(err)
	}
	return out, nil
}

// Leaderboard returns every grid's branch (of a community, when given)
// with its points, most first, and its members who agreed to show, by
// display name only.
func (db *DB) Leaderboard(ctx context.Context, community string) ([]geo.BranchPoints, error) {
	var out []geo.BranchPoints
	err := db.read(ctx, layerChange(geo.OrdersLayer), func(q querier) error {
		rows, err := q.Query(ctx, `SELECT g.code, g.branch_zh, g.branch_en,
				coalesce((SELECT sum(p.points) FROM points p JOIN members m ON m.id = p.member_id WHERE m.grid_code = g.code), 0) AS total,
				coalesce((SELECT jsonb_agg(jsonb_build_object('name', x.name, 'points', x.pts) ORDER BY x.pts DESC, x.name)
					FROM (SELECT m.name, coalesce(sum(p.points), 0) AS pts FROM members m LEFT JOIN points p ON p.member_id = m.id
					      WHERE m.grid_code = g.code AND m.public GROUP BY m.id, m.name) x), '[]')
			FROM grids g WHERE $1 = '' OR g.community = $1 ORDER BY total DESC, g.code`, community)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (geo.BranchPoints, error) {
			var b geo.BranchPoints
			err := r.Scan(&b.Grid, &b.BranchZh, &b.BranchEn, &b.Points, &b.Members)
			return b, err
		})
		return err
	})
	if err != nil {
		return nil, storeError(err)
	}
	return out, nil
}
