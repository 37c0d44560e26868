package postgis_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"partymap/internal/geo"
	"partymap/internal/postgis"
)

// A point in grid XY07 of Xiyue, and one in XY02.
var (
	inXY07 = orb.Point{110.09574, 34.57191}
	inXY02 = orb.Point{110.09577, 34.57557}
)

// orderAt submits a need at p and returns its receipt.
func orderAt(t *testing.T, db *postgis.DB, p orb.Point, phone string, at time.Time) geo.OrderReceipt {
	t.Helper()
	rec, err := db.SubmitOrder(context.Background(), geo.OrderSubmission{Kind: geo.KindNeed, Category: "repair", Text: "北门路灯不亮", Point: &p, Phone: phone}, at)
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	return rec
}

// step takes an action and fails the test when it is refused.
func step(t *testing.T, db *postgis.DB, st geo.OrderStep) geo.Order {
	t.Helper()
	o, err := db.StepOrder(context.Background(), st, geo.OrderRules{})
	if err != nil {
		t.Fatalf("%s: %v", st.Action, err)
	}
	return o
}

func TestOrders_life(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	admin := geo.User{Name: "admin", Role: geo.Admin}
	rec := orderAt(t, db, inXY07, "138 0013 8000", t0)
	if len(rec.Code) != geo.TrackingCodeLength+1 {
		t.Fatalf("tracking code %q", rec.Code)
	}
	o, err := db.TrackOrder(ctx, rec.Code, geo.OrderRules{}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if g := o.Feature.Properties["grid_code"]; g != "XY07" || o.Feature.Properties[geo.CommunityField] != "XY" || o.Feature.Properties["status"] != geo.StatusSubmitted {
		t.Fatalf("submitted order: %v", o.Feature.Properties)
	}
	// Unpublished, the public reads do not see it.
	if _, err := db.FindFeature(ctx, geo.OrdersLayer, rec.ID); geo.ErrorCode(err) != geo.ENOTFOUND {
		t.Fatalf("public read of an unpublished order: %v", err)
	}
	page, err := db.FindFeatures(ctx, geo.Filter{Layer: geo.OrdersLayer, Limit: 10})
	if err != nil || page.Matched != 0 {
		t.Fatalf("public items before publishing: %d %v", page.Matched, err)
	}
	v := rec.Version
	o = step(t, db, geo.OrderStep{Action: geo.ActPublish, ID: rec.ID, IfVersion: v, Actor: admin, At: t0.Add(time.Hour)})
	if _, err := db.FindFeature(ctx, geo.OrdersLayer, rec.ID); err != nil {
		t.Fatalf("public read of a published order: %v", err)
	}
	o = step(t, db, geo.OrderStep{Action: geo.ActClaim, ID: rec.ID, IfVersion: o.Feature.Version, Actor: admin, At: t0.Add(2 * time.Hour)})
	if o.Feature.Properties["branch_zh"] != "第七网格党支部" {
		t.Errorf("claimed by %v, want the branch of XY07", o.Feature.Properties["branch_zh"])
	}
	m, err := db.AddMember(ctx, admin, geo.Member{Name: "王师傅", Grid: "XY07", Public: true})
	if err != nil {
		t.Fatal(err)
	}
	other, err := db.AddMember(ctx, admin, geo.Member{Name: "李", Grid: "XY02"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.StepOrder(ctx, geo.OrderStep{Action: geo.ActAssign, ID: rec.ID, IfVersion: o.Feature.Version, Member: other.ID, Actor: admin, At: t0}, geo.OrderRules{}); geo.ErrorCode(err) != geo.EUNPROCESSABLE {
		t.Errorf("assigning to another grid's member: %v, want unprocessable", err)
	}
	o = step(t, db, geo.OrderStep{Action: geo.ActAssign, ID: rec.ID, IfVersion: o.Feature.Version, Member: m.ID, Actor: admin, At: t0.Add(3 * time.Hour)})
	// Closing an order that is not assigned (a stale action) is 409; a
	// stale version is 412.
	if _, err := db.StepOrder(ctx, geo.OrderStep{Action: geo.ActPublish, ID: rec.ID, IfVersion: o.Feature.Version, Actor: admin, At: t0}, geo.OrderRules{}); geo.ErrorCode(err) != geo.ESTATE {
		t.Errorf("publishing an assigned order: %v, want wrong state", err)
	}
	if _, err := db.StepOrder(ctx, geo.OrderStep{Action: geo.ActClose, ID: rec.ID, IfVersion: o.Feature.Version - 1, Text: "修好了", Actor: admin, At: t0}, geo.OrderRules{}); geo.ErrorCode(err) != geo.ECONFLICT {
		t.Errorf("closing at a stale version: %v, want conflict", err)
	}
	o = step(t, db, geo.OrderStep{Action: geo.ActClose, ID: rec.ID, IfVersion: o.Feature.Version, Text: "已更换灯泡。", Actor: admin, At: t0.Add(5 * time.Hour)})
	if o.Feature.Properties["answer"] != "已更换灯泡。" || o.Feature.Properties["status"] != geo.StatusDone {
		t.Fatalf("closed: %v", o.Feature.Properties)
	}
	// A wrong code does not confirm; the right one does, once.
	if _, err := db.StepOrder(ctx, geo.OrderStep{Action: geo.ActConfirm, Code: "00000-00000", At: t0.Add(6 * time.Hour)}, geo.OrderRules{}); geo.ErrorCode(err) != geo.ENOTFOUND {
		t.Errorf("confirm with a wrong code: %v", err)
	}
	o = step(t, db, geo.OrderStep{Action: geo.ActConfirm, Code: rec.Code, At: t0.Add(6 * time.Hour)})
	if o.Feature.Properties["status"] != geo.StatusConfirmed {
		t.Fatalf("confirmed: %v", o.Feature.Properties)
	}
	members, err := db.Members(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	for _, mm := range members {
		want := int64(0)
		if mm.ID == m.ID {
			want = geo.PointsFor("need_closed").Points + geo.PointsFor("confirmed").Points
		}
		if mm.Points != want {
			t.Errorf("member %s has %d points, want %d", mm.Name, mm.Points, want)
		}
	}
	board, err := db.Leaderboard(ctx, "XY")
	if err != nil {
		t.Fatal(err)
	}
	if board[0].Grid != "XY07" || board[0].Points != 3 || len(board[0].Members) != 1 || board[0].Members[0].Name != "王师傅" {
		t.Errorf("leaderboard's first: %+v", board[0])
	}
	// The ledger is append-only.
	if _, err := db.Pool().Exec(ctx, `DELETE FROM points`); err == nil {
		t.Error("the points ledger let a row be deleted")
	}
	// The history holds the order's life, never its phone.
	var n int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM history WHERE layer = 'orders' AND feature_id = $1`, rec.ID).Scan(&n); err != nil || n != 6 {
		t.Errorf("history rows of the order: %d %v, want 6 (submitted, published, claimed, assigned, done, confirmed)", n, err)
	}
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM history WHERE new_props::text LIKE '%13800138000%' OR old_props::text LIKE '%13800138000%'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("history rows with the phone: %d %v", n, err)
	}
	stats, err := db.OrderStatsOf(ctx, "grids", "XY07", geo.OrderRules{}, t0.Add(7*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if stats.Open != 0 || stats.Done30 != 1 || stats.MedianClaimHours == nil || *stats.MedianClaimHours != 1 || *stats.MedianCloseHours != 5 {
		t.Errorf("stats of XY07: %+v", stats)
	}
}

// A resident reopens what was not solved; the branch claims it again, the
// member closes it again (earning nothing more) and the resident confirms.
// Past the confirmation window neither is possible.
func TestOrders_reopen(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	admin := geo.User{Name: "admin", Role: geo.Admin}
	m, err := db.AddMember(ctx, admin, geo.Member{Name: "赵", Grid: "XY07"})
	if err != nil {
		t.Fatal(err)
	}
	rec := orderAt(t, db, inXY07, "", t0)
	v := rec.Version
	at := t0
	next := func(a geo.OrderAction, st geo.OrderStep) geo.Order {
		t.Helper()
		at = at.Add(time.Hour)
		st.Action, st.ID, st.IfVersion, st.At = a, rec.ID, v, at
		if !a.BySubmitter() {
			st.Actor = admin
		}
		o := step(t, db, st)
		v = o.Feature.Version
		return o
	}
	next(geo.ActPublish, geo.OrderStep{})
	next(geo.ActClaim, geo.OrderStep{})
	next(geo.ActAssign, geo.OrderStep{Member: m.ID})
	next(geo.ActClose, geo.OrderStep{Text: "修好了"})
	o := next(geo.ActReopen, geo.OrderStep{Code: rec.Code, Text: "晚上还是不亮"})
	if o.Feature.Properties["status"] != geo.StatusReopened || o.Feature.Properties["reason"] != "晚上还是不亮" {
		t.Fatalf("reopened: %v", o.Feature.Properties)
	}
	next(geo.ActClaim, geo.OrderStep{})
	next(geo.ActAssign, geo.OrderStep{Member: m.ID})
	next(geo.ActClose, geo.OrderStep{Text: "更换了线路"})
	next(geo.ActConfirm, geo.OrderStep{Code: rec.Code})
	var points int64
	if err := db.Pool().QueryRow(ctx, `SELECT sum(points) FROM points WHERE member_id = $1`, m.ID).Scan(&points); err != nil || points != 3 {
		t.Errorf("the member has %d points (%v), want 3: 2 for the need once, 1 for the confirmation", points, err)
	}
	// A second order, confirmed too late.
	late := orderAt(t, db, inXY07, "", t0)
	rec, v, at = late, late.Version, t0
	next(geo.ActPublish, geo.OrderStep{})
	next(geo.ActClaim, geo.OrderStep{})
	next(geo.ActAssign, geo.OrderStep{Member: m.ID})
	next(geo.ActClose, geo.OrderStep{Text: "好了"})
	_, err = db.StepOrder(ctx, geo.OrderStep{Action: geo.ActConfirm, Code: late.Code, At: at.Add(8 * 24 * time.Hour)}, geo.OrderRules{})
	if geo.ErrorCode(err) != geo.ESTATE {
		t.Errorf("a confirmation 8 days after closing: %v, want wrong state", err)
	}
}

// An editor acts only within its grids; a resident's order outside every
// community is refused; 20 concurrent claims: exactly one wins.
func TestOrders_scopeSeaAndRace(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	t0 := time.Now()
	rec := orderAt(t, db, inXY02, "", t0)
	bob := geo.User{Name: "bob", Role: geo.Editor, Grids: []string{"XY01"}}
	if _, err := db.StepOrder(ctx, geo.OrderStep{Action: geo.ActPublish, ID: rec.ID, IfVersion: rec.Version, Actor: bob, At: t0}, geo.OrderRules{}); geo.ErrorCode(err) != geo.EFORBIDDEN {
		t.Errorf("an editor of XY01 publishing in XY02: %v, want forbidden", err)
	}
	sea := orb.Point{122.5, 30.5}
	var before int
	_ = db.Pool().QueryRow(ctx, `SELECT count(*) FROM orders`).Scan(&before)
	_, err := db.SubmitOrder(ctx, geo.OrderSubmission{Kind: geo.KindProblem, Text: "海上", Point: &sea}, t0)
	if geo.ErrorCode(err) != geo.EUNPROCESSABLE {
		t.Errorf("an order in the sea: %v, want unprocessable", err)
	}
	var after, contacts int
	_ = db.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM order_contacts)`).Scan(&after, &contacts)
	if after != before || contacts != before {
		t.Errorf("orders %d → %d, contacts %d: a refused order was stored", before, after, contacts)
	}
	admin := geo.User{Name: "admin", Role: geo.Admin}
	o := step(t, db, geo.OrderStep{Action: geo.ActPublish, ID: rec.ID, IfVersion: rec.Version, Actor: admin, At: t0})
	const n = 20
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			_, err := db.StepOrder(ctx, geo.OrderStep{Action: geo.ActClaim, ID: rec.ID, IfVersion: o.Feature.Version, Actor: admin, At: t0}, geo.OrderRules{})
			errs <- err
		}()
	}
	won := 0
	for i := 0; i < n; i++ {
		err := <-errs
		var ge *geo.Error
		switch {
		case err == nil:
			won++
		case errors.As(err, &ge) && (ge.Code == geo.ECONFLICT || ge.Code == geo.ESTATE):
		default:
			t.Errorf("a losing claim: %v", err)
		}
	}
	if won != 1 {
		t.Errorf("%d of %d concurrent claims won, want exactly 1", won, n)
	}
}

// The phone is deleted KeepContact after the order ended, not before.
func TestOrders_contactRetention(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	admin := geo.User{Name: "admin", Role: geo.Admin}
	rec := orderAt(t, db, inXY07, "13900139000", t0)
	step(t, db, geo.OrderStep{Action: geo.ActReject, ID: rec.ID, IfVersion: rec.Version, Text: "重复提交", Actor: admin, At: t0.Add(time.Hour)})
	open := orderAt(t, db, inXY07, "13700137000", t0)
	rules := geo.OrderRules{KeepContact: 30 * 24 * time.Hour}
	if n, err := db.EraseContacts(ctx, rules, t0.Add(29*24*time.Hour)); err != nil || n != 0 {
		t.Fatalf("erased %d %v before the time", n, err)
	}
	q, err := db.OrderQueue(ctx, admin, geo.OrderQuery{}, rules, t0)
	if err != nil || len(q) != 2 || q[0].Phone == "" || q[1].Phone == "" {
		t.Fatalf("queue before: %+v %v", q, err)
	}
	if n, err := db.EraseContacts(ctx, rules, t0.Add(31*24*time.Hour)); err != nil || n != 1 {
		t.Fatalf("erased %d %v after the time, want 1", n, err)
	}
	var phones []string
	if err := db.Pool().QueryRow(ctx, `SELECT coalesce(array_agg(phone ORDER BY order_id), '{}') FROM order_contacts WHERE phone IS NOT NULL`).Scan(&phones); err != nil {
		t.Fatal(err)
	}
	if len(phones) != 1 || phones[0] != "13700137000" {
		t.Errorf("phones kept: %v, want only the open order's (%d)", phones, open.ID)
	}
}

// seedOrders places orders of every kind around Xiyue and takes them along
// their life: some left submitted or rejected (which the public never
// sees), the others published, claimed, assigned, done.
func seedOrders(t *testing.T, db *postgis.DB) {
	t.Helper()
	ctx := context.Background()
	admin := geo.User{Name: "admin", Role: geo.Admin}
	t0 := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	m, err := db.AddMember(ctx, admin, geo.Member{Name: "张", Grid: "XY07", Public: true})
	if err != nil {
		t.Fatal(err)
	}
	cats := []string{"sanitation", "repair", "neighbours", "safety", "parking", "tourism", "other", ""}
	for i := range 16 {
		p := orb.Point{inXY07[0] + float64(i%4)*0.0004 - 0.0006, inXY07[1] + float64(i/4)*0.0004 - 0.0006}
		kind := geo.KindNeed
		if i%3 == 0 {
			kind = geo.KindProblem
		}
		at := t0.Add(time.Duration(i) * time.Hour)
		rec, err := db.SubmitOrder(ctx, geo.OrderSubmission{Kind: kind, Category: cats[i%len(cats)], Text: fmt.Sprintf("第 %d 件事", i), Point: &p}, at)
		if err != nil {
			t.Fatal(err)
		}
		v := rec.Version
		next := func(a geo.OrderAction, st geo.OrderStep) {
			st.Action, st.ID, st.IfVersion, st.Actor, st.At = a, rec.ID, v, admin, at.Add(time.Duration(v)*time.Hour)
			o, err := db.StepOrder(ctx, st, geo.OrderRules{})
			if err != nil {
				t.Fatalf("order %d %s: %v", i, a, err)
			}
			v = o.Feature.Version
		}
		switch {
		case i%8 == 0:
			continue
		case i%8 == 1:
			next(geo.ActReject, geo.OrderStep{Text: "不属于本社区"})
			continue
		}
		next(geo.ActPublish, geo.OrderStep{})
		if i%8 == 2 {
			continue
		}
		next(geo.ActClaim, geo.OrderStep{})
		if i%8 == 3 {
			continue
		}
		next(geo.ActAssign, geo.OrderStep{Member: m.ID})
		if i%8 == 4 {
			continue
		}
		next(geo.ActClose, geo.OrderStep{Text: fmt.Sprintf("已办结第 %d 件", i)})
	}
}
