package geo

import (
	"fmt"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// A change set is one edit as staff think of it: everything a single save
// changed together (a reshaped grid and its neighbours, the compounds that
// moved with them, an import, a revert), with who, when and why. Every
// history row a write through the store makes names its change set, so
// the history of one grid can say that its neighbour changed in the same
// edit, and the whole edit can be undone in one step (the store's
// RevertChangeSet), validated as one.

// ChangeSet is one edit transaction and every feature it changed.
type ChangeSet struct {
	ID      int64
	Who     string
	At      time.Time
	Reason  string
	Comment string
	// Reverts is the change set this one undid; RevertedBy a later change
	// set that undid this one (0: none).
	Reverts, RevertedBy int64
	// Proposal is the proposal this change set applied (0: none).
	Proposal int64
	Items    []ChangeSetItem
	// Later lists the changes made since to its features, oldest first;
	// Blocking those of them to features that are not now as the change
	// set left them (a later change undone again blocks nothing): while
	// there are any, it cannot be reverted.
	Later, Blocking []LaterChange
	// Mark is the newest history seq of its features: its ETag names it,
	// so that a revert is of the change set as the reviewer saw it.
	Mark int64
}

// ChangeSetItem is one feature a change set changed: its state before
// (nil geometry for an insert) and after (nil for a delete).
type ChangeSetItem struct {
	Ref        FeatureRef
	Op         Op
	OldVersion int64
	Version    int64
	Before     orb.Geometry
	After      orb.Geometry
	// BeforeProps and AfterProps are the properties as JSON (numbers
	// float64); nil where there is no state.
	BeforeProps, AfterProps map[string]any
	// Changed names the properties (and "geometry") that differ.
	Changed []string
}

// FeatureRef names a feature the way staff do: its layer, id, key (a
// grid's code) and name.
type FeatureRef struct {
	Layer string `json:"layer"`
	ID    int64  `json:"id"`
	Key   string `json:"key,omitempty"`
	Name  Label  `json:"name"`
}

// Ref returns how staff name a feature of the layer with these properties.
func (l Layer) Ref(id int64, props map[string]any) FeatureRef {
	r := FeatureRef{Layer: l.Name, ID: id}
	if k, ok := props[l.Key].(string); ok && l.Key != "" {
		r.Key = k
	}
	zh, _ := props["name_zh"].(string)
	en, _ := props["name_en"].(string)
	r.Name = Label{Zh: zh, En: en}
	if r.Name.Zh == "" && r.Name.En == "" {
		r.Name = l.FeatureLabel(id, props)
	}
	return r
}

// LaterChange is a change made after a change set (or a proposal was
// drawn) to one of its features.
type LaterChange struct {
	Ref       FeatureRef `json:"feature"`
	Version   int64      `json:"version"`
	Op        Op         `json:"op"`
	Who       string     `json:"who"`
	At        time.Time  `json:"at"`
	ChangeSet int64      `json:"change_set,omitempty"`
}

// Superseded is the cause of an ESUPERSEDED error: the later changes that
// stand in the way.
type Superseded struct {
	Later []LaterChange
}

// Error lists the features changed since.
func (s *Superseded) Error() string {
	var parts []string
	for _, c := range s.Later {
		parts = append(parts, fmt.Sprintf("%s %d v%d", c.Ref.Layer, c.Ref.ID, c.Version))
	}
	return "changed since: " + strings.Join(parts, ", ")
}

// namesOf lists the features' names in both languages, each once.
func namesOf(later []LaterChange) Label {
	var zh, en []string
	seen := map[string]bool{}
	for _, c := range later {
		key := fmt.Sprint(c.Ref.Layer, c.Ref.ID)
		if seen[key] {
			continue
		}
		seen[key] = true
		zh = append(zh, c.Ref.Name.Zh)
		en = append(en, c.Ref.Name.En)
	}
	return Label{Zh: strings.Join(zh, "、"), En: englishList(en)}
}

// ChangeSetSuperseded is the answer to the revert of a change set whose
// features have changed since: undoing it would undo those changes too.
func ChangeSetSuperseded(later []LaterChange) *Error {
	n := namesOf(later)
	return &Error{Code: ESUPERSEDED, Err: &Superseded{Later: later},
		MessageZh: fmt.Sprintf("这次修改之后，%s又被修改过；撤销它会连后来的修改一起抹掉，所以不能整体撤销。请先看后来的修改。", n.Zh),
		Message:   fmt.Sprintf("%s changed again after this edit; undoing it would also undo those later changes, so it cannot be undone as a whole. Look at the later changes first.", n.En)}
}

// ScopeRefusal is the cause of the EFORBIDDEN answer to a restricted
// editor's write that touches grids outside their scope: the grids, so
// that the page can offer to submit the change as a proposal.
type ScopeRefusal struct {
	Grids []FeatureRef
}

// Error names the grids.
func (s *ScopeRefusal) Error() string {
	var codes []string
	for _, g := range s.Grids {
		codes = append(codes, g.Key)
	}
	return "outside the editor's grids: " + strings.Join(codes, ", ")
}

// OutOfScope is the refusal of a write that touches grids the editor does
// not look after, naming them as staff do ("第八网格"), with the next step:
// for a boundary (proposable), a proposal their editors can accept; for
// anything else, asking them. cause is the scope model's own refusal
// (User.MayEditGrids), kept for the logs.
func OutOfScope(grids []FeatureRef, proposable bool, cause error) *Error {
	var zh, en []string
	for _, g := range grids {
		zh = append(zh, g.Name.Zh)
		en = append(en, fmt.Sprintf("%s (%s)", g.Name.En, g.Key))
	}
	names := Label{Zh: strings.Join(zh, "、"), En: englishList(en)}
	next := Label{
		Zh: fmt.Sprintf("请%s的负责人来修改。", names.Zh),
		En: "Ask their editors to make it.",
	}
	if proposable {
		next = Label{
			Zh: fmt.Sprintf("可以把它作为提案提交，由%s的负责人同意后生效。", names.Zh),
			En: "Submit it as a proposal: it takes effect once their editors agree.",
		}
	}
	return &Error{Code: EFORBIDDEN, Err: &wrapped{cause: cause, refusal: &ScopeRefusal{Grids: grids}},
		MessageZh: fmt.Sprintf("这次修改涉及%s，不在你负责的范围内。%s", names.Zh, next.Zh),
		Message:   fmt.Sprintf("This change touches %s, which you do not look after. %s", names.En, next.En)}
}

// englishList joins words as English writes a list: a, b and c.
func englishList(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// wrapped carries a refusal and the error it replaced.
type wrapped struct {
	cause   error
	refusal *ScopeRefusal
}

func (w *wrapped) Error() string {
	if w.cause != nil {
		return w.refusal.Error() + ": " + w.cause.Error()
	}
	return w.refusal.Error()
}

// Unwrap gives both: errors.As finds the refusal and the scope model's error.
func (w *wrapped) Unwrap() []error {
	if w.cause == nil {
		return []error{w.refusal}
	}
	return []error{w.refusal, w.cause}
}

// NeedComment is the refusal of a boundary change without a reason.
func NeedComment() *Error {
	return Say(EINVALID, Label{
		Zh: "调整边界需要说明原因：请在“说明”里写一句为什么这样改（例如依据哪次会议或通知）。",
		En: "A boundary change needs a reason: say in the comment why it changes (which meeting or notice decided it, say).",
	})
}

// CheckComment trims a comment and refuses one that is too long.
func CheckComment(c string) (string, error) {
	c = strings.TrimSpace(c)
	if n := len([]rune(c)); n > MaxComment {
		return "", Say(EINVALID, Label{
			Zh: fmt.Sprintf("说明最多 %d 个字，现在有 %d 个。", MaxComment, n),
			En: fmt.Sprintf("A comment may have at most %d characters; this one has %d.", MaxComment, n),
		})
	}
	return StoredText(c, 4*MaxComment), nil
}
