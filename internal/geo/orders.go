package geo

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// Residents' voice on the map (问题墙 + 回音壁, 三单一制): a resident places
// an order, a problem for the wall or a need for the three-order system;
// staff of its grid publish it, the grid's party branch claims it, a party
// member carries it out and closes it with a public answer, and earns
// points. Orders are a layer (OrdersLayer) like any other: one write path,
// history, notifications, tiles. What must never be public (the
// submitter's phone, the tracking code that lets its holder confirm or
// reopen the order) is kept beside it, outside the layer, the history and
// the notifications, and deleted after Rules.KeepContact.

// OrdersLayer is the layer of residents' orders.
const OrdersLayer = "orders"

// Resident is the role of a member of the public placing or following an
// order: no account has it, and it writes nothing but through the orders'
// workflow, which asks for a tracking code instead of a login.
const Resident Role = "resident"

// ResidentUser is the actor the history records for a resident's writes:
// never who they are, which the map does not know.
func ResidentUser() User { return User{Name: "resident", Role: Resident} }

// The statuses of an order, in the order of its life.
const (
	StatusSubmitted = "submitted"
	StatusPublished = "published"
	StatusRejected  = "rejected"
	StatusClaimed   = "claimed"
	StatusAssigned  = "assigned"
	StatusDone      = "done"
	StatusConfirmed = "confirmed"
	StatusReopened  = "reopened"
)

// The kinds of order.
const (
	KindProblem = "problem" // for the problem wall
	KindNeed    = "need"    // for the three-order system
)

func orderKinds() []Choice {
	return []Choice{
		{Value: KindProblem, Label: Label{"问题", "Problem"}},
		{Value: KindNeed, Label: Label{"需求", "Need"}},
	}
}

func orderCategories() []Choice {
	return []Choice{
		{Value: "sanitation", Label: Label{"环境卫生", "Sanitation"}},
		{Value: "repair", Label: Label{"设施报修", "Repairs"}},
		{Value: "neighbours", Label: Label{"邻里帮扶", "Helping neighbours"}},
		{Value: "safety", Label: Label{"治安", "Public safety"}},
		{Value: "parking", Label: Label{"停车", "Parking"}},
		{Value: "tourism", Label: Label{"旅游服务", "Visitor services"}},
		{Value: "other", Label: Label{"其他", "Other"}},
	}
}

func orderStatuses() []Choice {
	return []Choice{
		{Value: StatusSubmitted, Label: Label{"待审核", "Submitted"}},
		{Value: StatusPublished, Label: Label{"已公开", "Published"}},
		{Value: StatusRejected, Label: Label{"未采纳", "Rejected"}},
		{Value: StatusClaimed, Label: Label{"支部已领单", "Claimed by the branch"}},
		{Value: StatusAssigned, Label: Label{"党员办理中", "Assigned to a member"}},
		{Value: StatusDone, Label: Label{"已办结", "Done"}},
		{Value: StatusConfirmed, Label: Label{"群众已确认", "Confirmed"}},
		{Value: StatusReopened, Label: Label{"群众不满意，重新办理", "Reopened"}},
	}
}

// PublicStatuses are the statuses in which an order shows to the public:
// staff have published it.
func PublicStatuses() []string {
	return []string{StatusPublished, StatusClaimed, StatusAssigned, StatusDone, StatusConfirmed, StatusReopened}
}

// OpenStatuses are the public statuses of an order someone still has to
// work on: what the city overview and the grids' counts call open.
func OpenStatuses() []string {
	return []string{StatusPublished, StatusClaimed, StatusAssigned, StatusReopened}
}

// AnsweredStatuses are those of an order with its public answer: the echo
// wall's.
func AnsweredStatuses() []string { return []string{StatusDone, StatusConfirmed} }

// ordersLayer is the catalogue's entry of the orders.
func ordersLayer() Layer {
	at := func(name, zh, en string) Field {
		return Field{Name: name, Type: Text, Title: Label{zh, en}, Description: "when the order was " + en + ", RFC 3339 in UTC"}
	}
	submitted := at("submitted_at", "提交时间", "submitted")
	submitted.Required = true
	return Layer{
		Name: OrdersLayer, Title: Label{"群众诉求", "Residents' orders"}, Item: Label{"诉求", "Order"}, Geometry: Point,
		Workflow: "Orders change only through their actions: POST /api/orders/{id}/{action} (publish, reject, claim, assign, close, move; confirm and reopen with the tracking code).",
		Public:   &Visibility{Field: "status", Values: PublicStatuses()},
		Fields: []Field{
			{Name: "kind", Type: Text, Required: true, Filterable: true, Title: Label{"类型", "Kind"}, Choices: orderKinds(), Description: "problem (for the problem wall) or need (for the three-order system)"},
			{Name: "category", Type: Text, Filterable: true, Title: Label{"类别", "Category"}, Choices: orderCategories(), Description: "what the order is about"},
			{Name: "text", Type: Text, Required: true, Title: Label{"内容", "Text"}, Description: "the resident's words, shown as text"},
			{Name: "status", Type: Text, Required: true, Filterable: true, Title: Label{"状态", "Status"}, Choices: orderStatuses(), Description: "where the order is in its life"},
			{Name: "answer", Type: Text, Title: Label{"答复", "Answer"}, Description: "the public answer of the member who closed it"},
			{Name: "reason", Type: Text, Title: Label{"说明", "Reason"}, Description: "why staff rejected it, or why the resident reopened it"},
			{Name: "branch_zh", Type: Text, Title: Label{"领单支部", "Branch"}, Description: "the party branch that claimed it"},
			{Name: "branch_en", Type: Text, Title: Label{"领单支部", "Branch"}, Description: "the party branch that claimed it, in English"},
			{Name: "member_id", Type: Integer, Filterable: true, Min: 1, Max: 1e12, Title: Label{"办理党员", "Member"}, Description: "id of the party member it is assigned to"},
			submitted,
			at("published_at", "公开时间", "published"),
			at("rejected_at", "未采纳时间", "rejected"),
			at("claimed_at", "领单时间", "claimed"),
			at("assigned_at", "派单时间", "assigned"),
			at("done_at", "办结时间", "done"),
			at("confirmed_at", "确认时间", "confirmed"),
			at("reopened_at", "重新办理时间", "reopened"),
			gridCode(),
			community(),
		},
		Tile: TileSpec{MinZoom: 13, MaxZoom: TileMaxZoom, Fields: []string{"kind", "category", "status", "grid_code", CommunityField}},
	}
}

// Visibility keeps a layer's public reads (items, tiles, extents, events,
// counts) to the features whose Field holds one of Values: an order shows
// once staff publish it. Staff read the rest through the layer's workflow.
type Visibility struct {
	Field  string
	Values []string
}

// Shows reports whether a feature with these properties is public.
func (v *Visibility) Shows(props map[string]any) bool {
	if v == nil {
		return true
	}
	s, _ := props[v.Field].(string)
	return slices.Contains(v.Values, s)
}

// OrderAction is what is done to an order: POST /api/orders/{id}/{action}.
type OrderAction string

// The actions of an order's life.
const (
	ActPublish OrderAction = "publish"
	ActReject  OrderAction = "reject"
	ActClaim   OrderAction = "claim"
	ActAssign  OrderAction = "assign"
	ActClose   OrderAction = "close"
	ActMove    OrderAction = "move"
	ActConfirm OrderAction = "confirm"
	ActReopen  OrderAction = "reopen"
)

// OrderActions lists every action, staff's first.
func OrderActions() []OrderAction {
	return []OrderAction{ActPublish, ActReject, ActClaim, ActAssign, ActClose, ActMove, ActConfirm, ActReopen}
}

// ParseOrderAction reads an action's name.
func ParseOrderAction(s string) (OrderAction, error) {
	a := OrderAction(s)
	if slices.Contains(OrderActions(), a) {
		return a, nil
	}
	names := make([]string, 0, 8)
	for _, a := range OrderActions() {
		names = append(names, string(a))
	}
	return "", Errorf(ENOTFOUND, "There is no order action %q; the actions are %s.", clip(s, 30), joinQuoted(names))
}

// BySubmitter reports whether the submitter does the action (with the
// tracking code) rather than staff (with a login).
func (a OrderAction) BySubmitter() bool { return a == ActConfirm || a == ActReopen }

// From lists the statuses the action may be taken in.
func (a OrderAction) From() []string {
	switch a {
	case ActPublish, ActReject:
		return []string{StatusSubmitted}
	case ActClaim:
		return []string{StatusPublished, StatusReopened}
	case ActAssign:
		return []string{StatusClaimed, StatusAssigned}
	case ActClose:
		return []string{StatusAssigned}
	case ActMove:
		return []string{StatusSubmitted, StatusPublished, StatusClaimed, StatusAssigned, StatusReopened}
	case ActConfirm, ActReopen:
		return []string{StatusDone}
	}
	return nil
}

// To is the status the action leaves the order in ("" keeps it).
func (a OrderAction) To() string {
	switch a {
	case ActPublish:
		return StatusPublished
	case ActReject:
		return StatusRejected
	case ActClaim:
		return StatusClaimed
	case ActAssign:
		return StatusAssigned
	case ActClose:
		return StatusDone
	case ActConfirm:
		return StatusConfirmed
	case ActReopen:
		return StatusReopened
	}
	return ""
}

// Stamp is the order's field that records when the action was taken.
func (a OrderAction) Stamp() string {
	if to := a.To(); to != "" {
		return to + "_at"
	}
	return ""
}

// WrongStatus is the 409 of an action the order's status does not allow.
func WrongStatus(a OrderAction, id int64, status string) *Error {
	st, _ := orderStatusLabel(status)
	return &Error{Code: ESTATE,
		Message:   fmt.Sprintf("Order %d is %s (%s): it cannot be %s now; that needs it to be %s.", id, status, st.En, pastTense(a), strings.Join(a.From(), " or ")),
		MessageZh: fmt.Sprintf("诉求 %d 当前状态为“%s”，不能执行此操作。", id, st.Zh)}
}

func orderStatusLabel(s string) (Label, bool) {
	for _, c := range orderStatuses() {
		if c.Value == s {
			return c.Label, true
		}
	}
	return Label{Zh: s, En: s}, false
}

func pastTense(a OrderAction) string {
	switch a {
	case ActPublish:
		return "published"
	case ActReject:
		return "rejected"
	case ActClaim:
		return "claimed"
	case ActAssign:
		return "assigned"
	case ActClose:
		return "closed"
	case ActMove:
		return "moved"
	case ActConfirm:
		return "confirmed"
	}
	return "reopened"
}

// MaxOrderText is the most characters an order's text, answer or reason
// may have.
const MaxOrderText = 1000

// OrderRules are the times of an order's life; the zero value takes the
// defaults.
type OrderRules struct {
	// ClaimWithin and DoneWithin: an order not claimed this long after it
	// was published, or not done this long after it was submitted, is
	// overdue. Defaults 24 h and 7 days.
	ClaimWithin, DoneWithin time.Duration
	// ConfirmWithin is how long after it is done the submitter may
	// confirm or reopen it; default 7 days.
	ConfirmWithin time.Duration
	// KeepContact is how long the submitter's phone is kept after the
	// order ends (done, rejected); default 180 days.
	KeepContact time.Duration
}

// WithDefaults puts the defaults in place of zero values.
func (r OrderRules) WithDefaults() OrderRules {
	if r.ClaimWithin <= 0 {
		r.ClaimWithin = 24 * time.Hour
	}
	if r.DoneWithin <= 0 {
		r.DoneWithin = 7 * 24 * time.Hour
	}
	if r.ConfirmWithin <= 0 {
		r.ConfirmWithin = 7 * 24 * time.Hour
	}
	if r.KeepContact <= 0 {
		r.KeepContact = 180 * 24 * time.Hour
	}
	return r
}

// Overdue reports whether an order with these properties is overdue at now:
// open and not claimed ClaimWithin after it was published (or reopened),
// or not done DoneWithin after it was submitted.
func (r OrderRules) Overdue(props map[string]any, now time.Time) bool {
	r = r.WithDefaults()
	status, _ := props["status"].(string)
	since := func(field string) (time.Duration, bool) {
		s, _ := props[field].(string)
		t, err := time.Parse(time.RFC3339, s)
		return now.Sub(t), err == nil
	}
	switch status {
	case StatusSubmitted, StatusPublished, StatusReopened:
		from := "published_at"
		if status == StatusReopened {
			from = "reopened_at"
		}
		if d, ok := since(from); ok && d > r.ClaimWithin {
			return true
		}
		if d, ok := since("submitted_at"); ok && d > r.DoneWithin {
			return true
		}
	case StatusClaimed, StatusAssigned:
		if d, ok := since("submitted_at"); ok && d > r.DoneWithin {
			return true
		}
	}
	return false
}

// Stamp writes a time as the orders' time fields hold it: RFC 3339 in UTC,
// to the second, so that the texts sort as the times do.
func Stamp(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// OrderSubmission is what a resident sends: POST /api/orders.
type OrderSubmission struct {
	Kind     string     `json:"kind"`
	Category string     `json:"category"`
	Text     string     `json:"text"`
	Point    *orb.Point `json:"-"`
	// Compound, when no point is given, places the order at the compound
	// with that id (its point on surface).
	Compound int64  `json:"compound,omitempty"`
	Phone    string `json:"phone,omitempty"`
}

// markup finds what a browser would read as markup: a tag, a comment, a
// declaration. "<3" and "a < b" are text.
var markup = regexp.MustCompile(`<[A-Za-z/!?]`)

// CheckOrderText returns the text trimmed, or EINVALID saying why it
// cannot be taken: empty (when required), longer than MaxOrderText, markup,
// control characters.
func CheckOrderText(what Label, s string, required bool) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			return "", Say(EINVALID, Label{Zh: "请填写" + what.Zh + "。", En: "Write the " + what.En + "."})
		}
		return "", nil
	}
	if n := utf8.RuneCountInString(s); n > MaxOrderText {
		return "", Say(EINVALID, Label{Zh: fmt.Sprintf("%s最多 %d 个字，现在有 %d 个字。", what.Zh, MaxOrderText, n),
			En: fmt.Sprintf("The %s may have at most %d characters; it has %d.", what.En, MaxOrderText, n)})
	}
	if markup.MatchString(s) {
		return "", Say(EINVALID, Label{Zh: what.Zh + "中不能包含网页代码（如 <script>）。请只写文字。",
			En: "The " + what.En + " holds HTML markup (such as <script>); write plain text."})
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return "", Say(EINVALID, Label{Zh: what.Zh + "中有不可见的控制字符。", En: fmt.Sprintf("The %s holds a control character (U+%04X); write plain text.", what.En, r)})
		}
	}
	return s, nil
}

// phoneChars is what a phone number may be written with.
var phoneChars = regexp.MustCompile(`^\+?[0-9][0-9 \-]{5,22}$`)

// CheckPhone returns the phone number with only its digits (and a leading
// +), or EINVALID; "" when none is given.
func CheckPhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if !phoneChars.MatchString(s) {
		return "", Say(EINVALID, Label{Zh: "电话号码只能包含数字（可带空格、短横线或开头的 +），7 到 15 位。",
			En: "A phone number is 7 to 15 digits, optionally with spaces, dashes and a leading +."})
	}
	out := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, s)
	if n := len(strings.TrimPrefix(out, "+")); n < 7 || n > 15 {
		return "", Say(EINVALID, Label{Zh: "电话号码应为 7 到 15 位数字。", En: fmt.Sprintf("A phone number has 7 to 15 digits; this one has %d.", n)})
	}
	return out, nil
}

// Check returns the submission with its texts trimmed and checked, or
// EINVALID naming what is wrong. The place is checked by the store: it
// must lie in a community.
func (s OrderSubmission) Check() (OrderSubmission, error) {
	if !slices.ContainsFunc(orderKinds(), func(c Choice) bool { return c.Value == s.Kind }) {
		return s, Say(EINVALID, Label{Zh: "请选择“问题”（problem）或“需求”（need）。",
			En: fmt.Sprintf("The kind must be \"problem\" (for the problem wall) or \"need\" (for the three-order system); got %q.", clip(s.Kind, 30))})
	}
	if s.Category != "" && !slices.ContainsFunc(orderCategories(), func(c Choice) bool { return c.Value == s.Category }) {
		f, _ := ordersLayer().Field("category")
		return s, Say(EINVALID, Label{Zh: "没有这个类别，请从列表中选择。",
			En: fmt.Sprintf("There is no category %q; the categories are %s.", clip(s.Category, 30), joinQuoted(f.Values()))})
	}
	var err error
	if s.Text, err = CheckOrderText(Label{"内容", "text"}, s.Text, true); err != nil {
		return s, err
	}
	if s.Phone, err = CheckPhone(s.Phone); err != nil {
		return s, err
	}
	if s.Point != nil && (s.Point[0] < -180 || s.Point[0] > 180 || s.Point[1] < -90 || s.Point[1] > 90) {
		return s, Say(EINVALID, Label{Zh: "位置不是有效的经纬度。", En: "The point must be [lon, lat] in degrees, lon within ±180 and lat within ±90."})
	}
	if s.Point == nil && s.Compound <= 0 {
		return s, Say(EINVALID, Label{Zh: "请在地图上选择位置，或选择小区。", En: "Give the place: a point [lon, lat] or the id of a compound."})
	}
	return s, nil
}

// trackingAlphabet is Crockford's base 32: digits and capitals without I,
// L, O and U, which are read aloud and typed without confusion.
const trackingAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// TrackingCodeLength is the characters of a tracking code: 50 bits.
const TrackingCodeLength = 10

// NewTrackingCode returns a new tracking code, "K7QM3-XRT9P": 50 random
// bits, in two groups of five for reading aloud.
func NewTrackingCode() (string, error) {
	var b [TrackingCodeLength]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	out := make([]byte, 0, TrackingCodeLength+1)
	for i, c := range b {
		if i == TrackingCodeLength/2 {
			out = append(out, '-')
		}
		out = append(out, trackingAlphabet[c&31])
	}
	return string(out), nil
}

// NormalizeTrackingCode reads a code as people type it: any case, with or
// without spaces and dashes, O for 0 and I or L for 1. A code that cannot
// be one is ENOTFOUND, as a code that names no order.
func NormalizeTrackingCode(s string) (string, error) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch r {
		case ' ', '-':
			continue
		case 'O':
			r = '0'
		case 'I', 'L':
			r = '1'
		}
		if !strings.ContainsRune(trackingAlphabet, r) {
			return "", noSuchCode()
		}
		b.WriteRune(r)
	}
	if b.Len() != TrackingCodeLength {
		return "", noSuchCode()
	}
	c := b.String()
	return c[:TrackingCodeLength/2] + "-" + c[TrackingCodeLength/2:], nil
}

func noSuchCode() *Error {
	return Say(ENOTFOUND, Label{Zh: "没有这个查询码对应的诉求，请核对后再输入。", En: "No order has this tracking code; check it and type it again."})
}

// NoSuchCode is the answer to a tracking code that names no order.
func NoSuchCode() error { return noSuchCode() }

// TrackingHash is what the store keeps of a normalised tracking code.
func TrackingHash(code string) string {
	h := sha256.Sum256([]byte("partymap order " + code))
	return hex.EncodeToString(h[:])
}

// Order is an order as staff and its submitter see it.
type Order struct {
	Feature Feature `json:"-"`
	// Overdue is set when the order waits longer than the rules allow.
	Overdue bool `json:"overdue"`
	// Phone is the submitter's contact, for staff in the order's grid;
	// empty once deleted.
	Phone string `json:"phone,omitempty"`
}

// OrderReceipt is what a submission answers: the new order and its
// tracking code, which is shown once and never stored as it is.
type OrderReceipt struct {
	ID      int64  `json:"id"`
	Code    string `json:"code"`
	Version int64  `json:"version"`
}

// OrderStep is one action on an order with what it needs.
type OrderStep struct {
	Action OrderAction
	ID     int64
	// IfVersion is the version staff read (If-Match); the submitter's
	// actions need none.
	IfVersion int64
	// Code is the submitter's tracking code, for confirm and reopen.
	Code string
	// Text is the answer (close) or the reason (reject, reopen).
	Text string
	// Member is who carries the order out (assign).
	Member int64
	// Point is where the order moves to (move), or Compound: the id of
	// the compound it moves into.
	Point    *orb.Point
	Compound int64
	Actor    User
	At       time.Time
}

// OrderQuery selects the orders of a staff desk.
type OrderQuery struct {
	Grid, Community string
	Statuses        []string
	// Overdue keeps only overdue orders.
	Overdue bool
	// From and To, when set, keep the orders submitted in [From, To).
	From, To time.Time
	Limit    int
}

// OrderStats are a grid's or community's figures: GET
// /api/grids/{code}/stats.
type OrderStats struct {
	Open    int64 `json:"open"`
	Overdue int64 `json:"overdue"`
	// Done30 counts the orders done in the last 30 days.
	Done30 int64 `json:"done_30_days"`
	// MedianClaim and MedianClose are the median hours from publication
	// to claim and from submission to done, over the orders done in the
	// last 30 days; nil without any.
	MedianClaimHours *float64 `json:"median_hours_to_claim"`
	MedianCloseHours *float64 `json:"median_hours_to_close"`
}

// GridOrders is a grid's open orders, for colouring the grids on the map:
// its feature id, code, a point inside it for the count, and the counts.
type GridOrders struct {
	ID      int64     `json:"id"`
	Code    string    `json:"code"`
	Point   orb.Point `json:"point"`
	Open    int64     `json:"open"`
	Overdue int64     `json:"overdue"`
}

// Member is a party member known to the system.
type Member struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// Grid is the code of the grid whose branch the member belongs to.
	Grid      string `json:"grid"`
	Community string `json:"community,omitempty"`
	// Account, when set, is the staff account the member logs in with.
	Account string `json:"account,omitempty"`
	// Public members agreed to show on the leaderboard by name.
	Public bool  `json:"public"`
	Points int64 `json:"points"`
}

// Check returns the member with its name trimmed, or EINVALID.
func (m Member) Check() (Member, error) {
	m.Name = strings.TrimSpace(m.Name)
	if m.Name == "" || utf8.RuneCountInString(m.Name) > 40 || markup.MatchString(m.Name) {
		return m, Say(EINVALID, Label{Zh: "党员的显示名称为 1 到 40 个字（纯文字）。", En: "A member's display name is 1 to 40 characters of plain text."})
	}
	if m.Grid == "" {
		return m, Say(EINVALID, Label{Zh: "请选择党员所在的网格支部。", En: "Give the grid whose branch the member belongs to (\"grid\": its code)."})
	}
	return m, nil
}

// PointsEntry is one line of the append-only points ledger.
type PointsEntry struct {
	ID     int64     `json:"id"`
	Member int64     `json:"member"`
	Order  int64     `json:"order"`
	Points int64     `json:"points"`
	Reason string    `json:"reason"`
	Who    string    `json:"who"`
	At     time.Time `json:"at"`
}

// PointsRule is one rule of the points: so many points for a reason.
type PointsRule struct {
	Reason string `json:"reason"`
	Points int64  `json:"points"`
	Label  Label  `json:"label"`
}

// PointsRules are the one table of points (积分): what a member earns for
// closing a need, answering a problem, and a resident's confirmation.
func PointsRules() []PointsRule {
	return []PointsRule{
		{Reason: "need_closed", Points: 2, Label: Label{"办结群众需求", "Closed a need"}},
		{Reason: "problem_answered", Points: 1, Label: Label{"答复群众问题", "Answered a problem"}},
		{Reason: "confirmed", Points: 1, Label: Label{"群众确认满意", "The resident confirmed"}},
	}
}

// PointsFor returns the rule of a reason.
func PointsFor(reason string) PointsRule {
	for _, r := range PointsRules() {
		if r.Reason == reason {
			return r
		}
	}
	return PointsRule{Reason: reason}
}

// BranchPoints is a line of the public leaderboard: a grid's branch, its
// points, and its members who agreed to show by name.
type BranchPoints struct {
	Grid     string         `json:"grid"`
	BranchZh string         `json:"branch_zh"`
	BranchEn string         `json:"branch_en"`
	Points   int64          `json:"points"`
	Members  []MemberPoints `json:"members"`
}

// MemberPoints is a member on the leaderboard: by display name only.
type MemberPoints struct {
	Name   string `json:"name"`
	Points int64  `json:"points"`
}

// OrderStore keeps the orders, the members and the points.
type OrderStore interface {
	// SubmitOrder stores a resident's order as submitted and returns its
	// id and tracking code.
	SubmitOrder(ctx context.Context, s OrderSubmission, at time.Time) (OrderReceipt, error)
	// StepOrder takes one action on an order, within its rules.
	StepOrder(ctx context.Context, st OrderStep, rules OrderRules) (Order, error)
	// TrackOrder returns the order of a tracking code, as its submitter
	// sees it (no phone).
	TrackOrder(ctx context.Context, code string, rules OrderRules, now time.Time) (Order, error)
	// OrderQueue returns the orders of a staff desk in the user's scope.
	OrderQueue(ctx context.Context, u User, q OrderQuery, rules OrderRules, now time.Time) ([]Order, error)
	// OrderStatsOf returns the figures of a grid ("grids") or community.
	OrderStatsOf(ctx context.Context, layer, code string, rules OrderRules, now time.Time) (OrderStats, error)
	// OpenOrdersByGrid returns every grid (of a community, when given)
	// with its published orders still open and how many are overdue.
	OpenOrdersByGrid(ctx context.Context, community string, rules OrderRules, now time.Time) ([]GridOrders, error)
	// EraseContacts deletes the submitters' phones of the orders that
	// ended (done, confirmed, rejected) KeepContact or longer before now,
	// and returns how many.
	EraseContacts(ctx context.Context, rules OrderRules, now time.Time) (int64, error)
	// Members lists the members in the user's scope; AddMember adds one.
	Members(ctx context.Context, u User) ([]Member, error)
	AddMember(ctx context.Context, u User, m Member) (Member, error)
	// PointsLedger lists the ledger in the user's scope between two times.
	PointsLedger(ctx context.Context, u User, from, to time.Time) ([]PointsEntry, error)
	// Leaderboard returns the branches by points, with the members who
	// agreed to show.
	Leaderboard(ctx context.Context, community string) ([]BranchPoints, error)
}
