package geo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// A proposal is a boundary change across the edge of an editor's scope.
// Grids tile the community, so moving any edge of one grid reshapes a
// neighbour; an editor who looks after one grid cannot save that change,
// but can propose it. The proposal keeps what was drawn (the grid's new
// outline), the versions of every grid it changes as they were when it was
// drawn, and a preview (each grid before and after, the area it gains and
// loses, what moves with it). The editors of the other grids (and admins)
// see it in their desk and on the event stream, and either agree or
// decline with a reason. Once every grid outside the proposer's scope has
// agreed, the change is applied in the transaction of the last agreement,
// through the same editor as any reshape, as the agreeing user: the
// agreements stand in for the scope check of the grids they cover, every
// other rule holds. A proposal whose grids changed since it was drawn is
// stale and is never applied: it must be drawn again. Nobody agrees to
// their own proposal.

// ProposalState is where a proposal stands.
type ProposalState string

// The states of a proposal.
const (
	ProposalOpen      ProposalState = "open"
	ProposalAccepted  ProposalState = "accepted"
	ProposalDeclined  ProposalState = "declined"
	ProposalWithdrawn ProposalState = "withdrawn"
)

// Proposal is a boundary change waiting for the neighbours' agreement, or
// decided.
type Proposal struct {
	ID int64
	// Grid is the grid whose outline was drawn, at Version.
	Grid    FeatureRef
	Version int64
	Shape   orb.Polygon
	Comment string
	// Proposer is the user who drew it; Created when.
	Proposer string
	Created  time.Time
	// Grids are every grid it changes, each with the version it was drawn
	// on (DrawnOn, by grid id).
	Grids   []FeatureRef
	DrawnOn map[int64]int64
	// Needs are the grids (by code) whose editors must agree; Agreed who
	// agreed for which.
	Needs  []string
	Agreed []Agreement
	State  ProposalState
	// DecidedBy, DecidedAt and Note say who accepted, declined or withdrew
	// it, when, and (declined) why.
	DecidedBy string
	DecidedAt *time.Time
	Note      string
	// ChangeSet is the change set that applied it (accepted).
	ChangeSet int64
	// Preview is what it changes, as drawn.
	Preview []ProposalItem
	// Later lists the changes made since it was drawn to the grids it
	// changes: an open proposal with any is stale.
	Later []LaterChange
}

// Agreement is one grid's editor agreeing to a proposal.
type Agreement struct {
	Grid string    `json:"grid"`
	Who  string    `json:"who"`
	At   time.Time `json:"at"`
}

// ProposalItem is one feature a proposal changes, as the reviewer sees it.
type ProposalItem struct {
	Ref        FeatureRef   `json:"feature"`
	OldVersion int64        `json:"old_version"`
	Before     orb.Geometry `json:"-"`
	After      orb.Geometry `json:"-"`
	// Gained and Lost are the m² the feature gains and loses; Gain is
	// where it gains (what the reviewer looks at).
	Gained float64      `json:"gained_m2"`
	Lost   float64      `json:"lost_m2"`
	Gain   orb.Geometry `json:"-"`
	// Note says why a feature other than a grid changes (a compound that
	// moves to another grid).
	NoteZh string `json:"note_zh,omitempty"`
	NoteEn string `json:"note_en,omitempty"`
}

// Stale reports whether the proposal's grids changed since it was drawn.
func (p Proposal) Stale() bool { return p.State == ProposalOpen && len(p.Later) > 0 }

// Waiting lists the grids (codes) that have not agreed yet.
func (p Proposal) Waiting() []string {
	var out []string
	for _, code := range p.Needs {
		if !slices.ContainsFunc(p.Agreed, func(a Agreement) bool { return a.Grid == code }) {
			out = append(out, code)
		}
	}
	return out
}

// ForUser reports whether u sees the proposal in their desk: they drew it,
// look after one of the grids it changes, or administer the map.
func (p Proposal) ForUser(u User) bool {
	if u.Role == Admin || p.Proposer == u.Name {
		return true
	}
	for _, g := range p.Grids {
		if u.MayEditGrids([]string{g.Key}) == nil {
			return true
		}
	}
	return false
}

// MayAgree returns the grids (codes) u would agree for: those still
// waiting that u looks after. It refuses the proposer, and a user who
// looks after none of them, with a sentence saying whose agreement it
// waits for.
func (p Proposal) MayAgree(u User) ([]string, error) {
	if u.Name == p.Proposer {
		return nil, Say(EFORBIDDEN, Label{
			Zh: "提案人不能同意自己的提案：它要由涉及网格的负责人同意。",
			En: "A proposal cannot be accepted by the one who made it: the editors of the grids it touches accept it.",
		})
	}
	var mine []string
	for _, code := range p.Waiting() {
		if u.MayEditGrids([]string{code}) == nil {
			mine = append(mine, code)
		}
	}
	if len(mine) == 0 {
		names := p.gridNames(p.Waiting())
		return nil, Say(EFORBIDDEN, Label{
			Zh: fmt.Sprintf("这个提案等待%s的负责人同意；你不负责这些网格。", names.Zh),
			En: fmt.Sprintf("This proposal waits for the editors of %s; you do not look after them.", names.En),
		})
	}
	return mine, nil
}

// gridNames names grids (by code) as staff do.
func (p Proposal) gridNames(codes []string) Label {
	var zh, en []string
	for _, code := range codes {
		name := Label{Zh: code, En: code}
		for _, g := range p.Grids {
			if g.Key == code {
				name = g.Name
			}
		}
		zh = append(zh, name.Zh)
		en = append(en, name.En)
	}
	return Label{Zh: strings.Join(zh, "、"), En: englishList(en)}
}

// ProposalDecided is the answer to agreeing to, declining or withdrawing
// a proposal that is no longer open.
func ProposalDecided(p Proposal) *Error {
	state := map[ProposalState]Label{
		ProposalAccepted:  {Zh: "已被采纳", En: "accepted"},
		ProposalDeclined:  {Zh: "已被拒绝", En: "declined"},
		ProposalWithdrawn: {Zh: "已被撤回", En: "withdrawn"},
	}[p.State]
	return Say(ESUPERSEDED, Label{
		Zh: fmt.Sprintf("这个提案%s（%s），不能再处理。", state.Zh, p.DecidedBy),
		En: fmt.Sprintf("This proposal was %s already (by %s).", state.En, p.DecidedBy),
	})
}

// ProposalStale is the refusal to apply a proposal whose grids changed
// since it was drawn.
func ProposalStale(later []LaterChange) *Error {
	n := namesOf(later)
	return &Error{Code: ESUPERSEDED, Err: &Superseded{Later: later},
		MessageZh: fmt.Sprintf("提案提交后，%s又被修改过，提案已过期，不能采纳。请提案人在现在的边界上重新绘制。", n.Zh),
		Message:   fmt.Sprintf("%s changed after the proposal was made: it is stale and cannot be accepted. The proposer must draw it again on the current boundaries.", n.En)}
}

// NotAProposal is the refusal of a proposal that needs nobody's
// agreement: the editor may save it directly.
func NotAProposal() *Error {
	return Say(EINVALID, Label{
		Zh: "这次修改只涉及你负责的网格，不需要别人同意：直接保存即可。",
		En: "This change touches only grids you look after and needs nobody's agreement: save it directly.",
	})
}

// NeedReason is the refusal to decline a proposal without saying why.
func NeedReason() *Error {
	return Say(EINVALID, Label{
		Zh: "拒绝提案时请说明原因，提案人会看到。",
		En: "Say why you decline the proposal; the proposer will read it.",
	})
}

// ProposalFilter selects proposals: open ones only, or every state.
type ProposalFilter struct {
	// All includes decided proposals (the latest Limit of them).
	All   bool
	Limit int
}

// ProposalStore keeps proposals and applies accepted ones through the
// same editor as every write.
type ProposalStore interface {
	// Propose checks a grid's new outline drawn on version ifVersion as a
	// reshape would (every rule but the actor's scope) and, unless
	// o.DryRun, keeps it as a proposal. It refuses (EINVALID) to keep a
	// change that needs nobody's agreement (a dry run answers it with no
	// Needs), and one without a comment.
	Propose(ctx context.Context, gridID, ifVersion int64, shape orb.Polygon, o EditOptions) (Proposal, error)
	// Proposals lists the proposals u sees (Proposal.ForUser), newest
	// first, each with its later changes.
	Proposals(ctx context.Context, u User, f ProposalFilter) ([]Proposal, error)
	// FindProposal returns one proposal with its later changes.
	FindProposal(ctx context.Context, id int64) (Proposal, error)
	// AgreeProposal records o.Actor's agreement for the grids they look
	// after and, when it was the last one waited for, applies the change:
	// the result's changes are then those of the reshape. A stale proposal
	// is ESUPERSEDED.
	AgreeProposal(ctx context.Context, id int64, o EditOptions) (Proposal, EditResult, error)
	// DeclineProposal closes it with a reason, by an editor who may agree
	// to it (or an admin).
	DeclineProposal(ctx context.Context, id int64, reason string, o EditOptions) (Proposal, error)
	// WithdrawProposal closes it, by its proposer (or an admin).
	WithdrawProposal(ctx context.Context, id int64, o EditOptions) (Proposal, error)
}

// ProposalNotice is what the event stream says about a proposal: no names
// of people, only which proposal, its state and the grids it touches, so
// that a desk knows to look.
type ProposalNotice struct {
	ID    int64         `json:"id"`
	State ProposalState `json:"state"`
	Grids []string      `json:"grids"`
}
