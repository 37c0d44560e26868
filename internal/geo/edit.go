package geo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Tolerances of the topology rules: overlaps, gaps and parts outside an
// outline smaller than AreaTolerance are drawing noise, not violations;
// points may stand up to DistanceTolerance outside the community.
const (
	AreaTolerance     = 1.0 // square metres
	DistanceTolerance = 0.5 // metres
)

// Op is what a write does to an item; the names are the history's.
type Op string

// The operations of a write.
const (
	Insert Op = "insert"
	Update Op = "update"
	Delete Op = "delete"
)

// Reasons recorded in the history for each kind of staff change.
const (
	ReasonEdit    = "edit"
	ReasonRevert  = "revert"
	ReasonRestore = "restore"
	ReasonImport  = "import"
	ReasonReshape = "reshape"
)

// Write is one change to one item. For Update and Delete, IfVersion is the
// version the writer read: the write fails with a *VersionConflict when the
// item has moved on. For Insert, Feature.ID may be 0 (the store picks one).
type Write struct {
	Op        Op
	Feature   Feature
	IfVersion int64
}

// EditOptions say who writes, why, and whether to keep the result.
type EditOptions struct {
	Actor  User
	Reason string
	// DryRun validates everything and reports what would change, then
	// writes nothing.
	DryRun bool
	// Comment says why, in the staff member's words; the change set
	// records it. A boundary change needs one (ReshapeGrid, a proposal,
	// the revert of a change set that moved a boundary).
	Comment string
	// Note, when set, is kept on the history row of its item: what an
	// unconditional write overwrote (UnconditionalNote).
	Note *WriteNote
}

// MaxComment is the most characters a change set's comment may have.
const MaxComment = 500

// ItemChange is one row a write changed (or, in a dry run, would change),
// including the rows it changed as a consequence (the neighbours of a
// reshaped grid, a compound that moved to another grid).
type ItemChange struct {
	Layer      string `json:"layer"`
	ID         int64  `json:"id"`
	Op         Op     `json:"op"`
	OldVersion int64  `json:"old_version,omitempty"`
	Version    int64  `json:"version"`
	// Note says, for a consequential change, why it happened.
	NoteZh string `json:"note_zh,omitempty"`
	NoteEn string `json:"note_en,omitempty"`
	// Feature is the row after the change; nil for a delete.
	Feature *Feature `json:"-"`
	// Bound covers the row's geometry before and after: the area whose
	// tiles and cached answers the change makes stale.
	Bound orb.Bound `json:"-"`
}

// EditResult is what a batch of writes did.
type EditResult struct {
	DryRun  bool         `json:"dry_run"`
	Changes []ItemChange `json:"changes"`
	// ChangeSet is the change set the edit was recorded as (0 for a dry
	// run, or an edit that changed nothing).
	ChangeSet int64 `json:"change_set,omitempty"`
}

// Change returns the change of the item, if the result has one.
func (r EditResult) Change(layer string, id int64) (ItemChange, bool) {
	for _, c := range r.Changes {
		if c.Layer == layer && c.ID == id {
			return c, true
		}
	}
	return ItemChange{}, false
}

// VersionConflict is the cause of an ECONFLICT error: the item is at another
// version than the writer read (Current is 0 when it was deleted).
type VersionConflict struct {
	Layer   string
	ID      int64
	Want    int64
	Current int64
	// Feature is the item as it is now, with who saved it and when, when
	// the store read it: what an editor shows beside its own version.
	Feature *Feature
}

// Error says which versions disagree.
func (e *VersionConflict) Error() string {
	return fmt.Sprintf("%s %d: want version %d, current %d", e.Layer, e.ID, e.Want, e.Current)
}

// ConflictError returns the ECONFLICT error of a stale write, with a
// sentence telling the staff member what to do.
func ConflictError(layer string, id, want, current int64) *Error {
	msg := fmt.Sprintf("Someone else changed %s %d since you read it: you edited version %d, it is now at version %d. Reload it, then apply your change again.", layer, id, want, current)
	zh := fmt.Sprintf("你打开后，同事修改了这一项（你编辑的是第 %d 版，现在是第 %d 版）。请先看对方的修改，再决定如何处理你的修改。", want, current)
	if current == 0 {
		msg = fmt.Sprintf("Someone else deleted %s %d since you read it (you edited version %d).", layer, id, want)
		zh = fmt.Sprintf("你打开后，同事删除了这一项（你编辑的是第 %d 版）。", want)
	}
	return &Error{Code: ECONFLICT, Message: msg, MessageZh: zh, Err: &VersionConflict{Layer: layer, ID: id, Want: want, Current: current}}
}

// ConflictWith is ConflictError with the item as it is now (its version,
// who saved it and when), for the answer to show.
func ConflictWith(want int64, current Feature) *Error {
	e := ConflictError(current.Layer, current.ID, want, current.Version)
	c := current
	e.Err.(*VersionConflict).Feature = &c
	return e
}

// Unprocessable returns the EUNPROCESSABLE error that lists every violation.
func Unprocessable(vs []Violation) *Error {
	return &Error{Code: EUNPROCESSABLE, Message: violationsMessage(vs), Violations: vs}
}

// CheckRules reports the rules between a feature's properties that the
// catalogue's field types cannot say: a car park cannot have more free
// spaces than it has spaces.
func (l Layer) CheckRules(f Feature) []Violation {
	var vs []Violation
	if l.Name == "parking" {
		capacity, ok1 := f.Properties["capacity"].(int64)
		free, ok2 := f.Properties["free"].(int64)
		if ok1 && ok2 && free > capacity {
			vs = append(vs, Violation{Rule: "parking_free_over_capacity",
				MessageZh: fmt.Sprintf("空闲车位（%d）不能多于车位总数（%d）。", free, capacity),
				MessageEn: fmt.Sprintf("Free spaces (%d) cannot be more than the capacity (%d).", free, capacity)})
		}
	}
	if l.Name == ActivityLayer {
		vs = append(vs, CheckActivity(f.Properties)...)
	}
	return vs
}

// MergePatch applies an RFC 7396 JSON merge patch to a decoded JSON value:
// members of a patch object replace the target's, null removes them, and
// anything that is not an object replaces the target whole.
func MergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	} else {
		clone := make(map[string]any, len(t))
		for k, v := range t {
			clone[k] = v
		}
		t = clone
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
			continue
		}
		t[k] = MergePatch(t[k], v)
	}
	return t
}

// PatchFeature applies a JSON merge patch (RFC 7396) to the feature as
// GeoJSON and checks the result like a whole feature: the patch may change
// "properties" (a member each) and "geometry" (e.g. its "coordinates"), but
// not the id or the type. The result keeps f's version.
func PatchFeature(l Layer, f Feature, patch []byte) (Feature, error) {
	var p any
	d := json.NewDecoder(bytes.NewReader(patch))
	d.UseNumber()
	if err := d.Decode(&p); err != nil {
		return Feature{}, WrapError(EINVALID, err, "The merge patch is not valid JSON: %s.", jsonErrorText(err))
	}
	pm, ok := p.(map[string]any)
	if !ok {
		return Feature{}, Errorf(EINVALID, "A merge patch of a feature must be a JSON object such as {\"properties\": {\"free\": 12}}.")
	}
	var vs []Violation
	if id, ok := pm["id"]; ok && fmt.Sprint(id) != fmt.Sprint(f.ID) {
		vs = append(vs, Violation{Rule: "id_changed",
			MessageZh: fmt.Sprintf("不能修改要素 id（%d）。", f.ID),
			MessageEn: fmt.Sprintf("The feature id (%d) cannot be changed.", f.ID)})
	}
	if t, ok := pm["type"]; ok && t != "Feature" {
		vs = append(vs, Violation{Rule: "type_changed", MessageZh: "type 必须保持为 Feature。", MessageEn: "The type must stay \"Feature\"."})
	}
	if len(vs) > 0 {
		return Feature{}, Unprocessable(vs)
	}
	doc := map[string]any{}
	current, err := json.Marshal(EncodeFeature(f))
	if err != nil {
		return Feature{}, err
	}
	if err := json.Unmarshal(current, &doc); err != nil {
		return Feature{}, err
	}
	merged, err := json.Marshal(MergePatch(doc, p))
	if err != nil {
		return Feature{}, WrapError(EINVALID, err, "The merge patch cannot be applied.")
	}
	out, err := DecodeFeature(l, merged)
	if err != nil {
		return Feature{}, err
	}
	out.ID, out.Version = f.ID, f.Version
	return out, nil
}

// HistoryEntry is one row of the append-only history: one change of one
// item, with the item as it was after it (before it, for a delete).
type HistoryEntry struct {
	Seq        int64
	Layer      string
	ID         int64
	Version    int64
	Op         Op
	Reason     string
	Who        string
	At         time.Time
	Geometry   orb.Geometry
	Properties map[string]any // as JSON: numbers float64, positions [lon, lat]
	// Changed names the properties (and "geometry") that differ from the
	// version before; empty for an insert or a delete.
	Changed []string
	// ChangeSet is the edit the change was part of (0: plain SQL, or made
	// before change sets were kept), Comment its reason, With the other
	// features it changed (grids first, at most 50) and WithCount how many
	// there are.
	ChangeSet int64
	Comment   string
	With      []FeatureRef
	WithCount int
	// Note is what the writer noted about the change, if anything (an
	// unconditional write and what it overwrote).
	Note map[string]any
}

// GeoJSONFeature returns the entry's state as a GeoJSON feature.
func (h HistoryEntry) GeoJSONFeature() *geojson.Feature {
	gf := geojson.NewFeature(h.Geometry)
	gf.ID = h.ID
	gf.Properties = h.Properties
	return gf
}

// AuditFilter selects history entries for the audit trail; zero fields
// select everything.
type AuditFilter struct {
	Who   string
	Layer string
	// Communities, when set, keeps the changes of features in those
	// communities (before or after) and of the communities themselves:
	// what a community admin sees of the audit trail.
	Communities []string
	Since       time.Time
	Until       time.Time
	Limit       int
	Offset      int
}

// AuditPage is a page of the audit trail, newest first.
type AuditPage struct {
	Entries []HistoryEntry
	Matched int64
}

// EditStore writes the editable layers and reads their history. Every write
// runs in one transaction that validates the whole result (geometry,
// outline, the grids' coverage, compounds in grids, buildings in compounds)
// before it commits, and records who and why in the history.
type EditStore interface {
	// ApplyWrites applies the writes together, or none of them: a stale
	// version is ECONFLICT (*VersionConflict), a broken rule EUNPROCESSABLE
	// with every violation, a grid the actor may not edit EFORBIDDEN.
	ApplyWrites(ctx context.Context, ws []Write, o EditOptions) (EditResult, error)
	// ReshapeGrid gives the grid a new outline and moves the shared
	// boundary: neighbours lose what the new outline takes and gain what
	// it gives up, in the same transaction.
	ReshapeGrid(ctx context.Context, id, ifVersion int64, shape orb.Polygon, o EditOptions) (EditResult, error)
	// History lists an item's changes, oldest first.
	History(ctx context.Context, layer string, id int64) ([]HistoryEntry, error)
	// Revert makes version of the item its next version, validated like
	// any edit.
	Revert(ctx context.Context, layer string, id, version, ifVersion int64, o EditOptions) (EditResult, error)
	// Deleted lists a layer's deleted items (their last state), newest first.
	Deleted(ctx context.Context, layer string, limit, offset int) ([]HistoryEntry, int64, error)
	// Restore brings a deleted item back as its next version.
	Restore(ctx context.Context, layer string, id int64, o EditOptions) (EditResult, error)
	// Audit returns a page of the history across layers.
	Audit(ctx context.Context, f AuditFilter) (AuditPage, error)
	// ChangeSet returns a change set with every feature it changed, before
	// and after, and the changes made since to them.
	ChangeSet(ctx context.Context, id int64) (ChangeSet, error)
	// RevertChangeSet restores every feature the change set changed to its
	// state before it, as one validated edit (reason "revert"). mark is the
	// change set's Mark the reviewer saw (ECONFLICT when it moved on); a
	// later change to its features that still stands is ESUPERSEDED with
	// those changes.
	RevertChangeSet(ctx context.Context, id, mark int64, o EditOptions) (EditResult, error)
	ProposalStore
	// Import plans (and, unless o.DryRun, applies) an upsert of the files'
	// features, each file into its layer, as one batch of writes: one plan
	// per file, in the order the layers are written. With wantTag set, it
	// applies only when the plan is still the one whose tag the dry run
	// answered. The command-line import and the seed load use it too, as
	// SystemUser.
	Import(ctx context.Context, files []ImportFile, wantTag string, o EditOptions) ([]ImportPlan, EditResult, error)
}
