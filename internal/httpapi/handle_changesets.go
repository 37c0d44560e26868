package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb/geojson"

	"partymap/internal/geo"
)

// changeSetJSON is one change set, whole: GET /api/changesets/{id}.
type changeSetJSON struct {
	ID      int64     `json:"id"`
	Who     string    `json:"who"`
	At      time.Time `json:"at"`
	Reason  string    `json:"reason"`
	Comment string    `json:"comment"`
	// Reverts is the change set this one undid, RevertedBy the one that
	// undid it, Proposal the proposal it applied.
	Reverts    int64               `json:"reverts,omitempty"`
	RevertedBy int64               `json:"reverted_by,omitempty"`
	Proposal   int64               `json:"proposal,omitempty"`
	Features   []changeSetItemJSON `json:"features"`
	// Later lists the changes made since to its features, Blocking those
	// that still stand (a feature not as the change set left it);
	// Revertible is true when none does, and it changed something.
	Later      []geo.LaterChange `json:"later"`
	Blocking   []geo.LaterChange `json:"blocking"`
	Revertible bool              `json:"revertible"`
	ETag       string            `json:"etag"`
}

// changeSetItemJSON is one feature of a change set, before and after.
type changeSetItemJSON struct {
	geo.FeatureRef
	Op         geo.Op            `json:"op"`
	OldVersion int64             `json:"old_version,omitempty"`
	Version    int64             `json:"version"`
	Changed    []string          `json:"changed,omitempty"`
	Before     *geojson.Geometry `json:"before"`
	After      *geojson.Geometry `json:"after"`
}

// changeSetETag names a change set as its features stand: it moves on
// with any later change to them.
func changeSetETag(cs geo.ChangeSet) string {
	return fmt.Sprintf(`"changeset-%d-%d"`, cs.ID, cs.Mark)
}

func toChangeSetJSON(cs geo.ChangeSet) changeSetJSON {
	out := changeSetJSON{ID: cs.ID, Who: cs.Who, At: cs.At, Reason: cs.Reason, Comment: cs.Comment, Reverts: cs.Reverts,
		RevertedBy: cs.RevertedBy, Proposal: cs.Proposal, Features: make([]changeSetItemJSON, len(cs.Items)),
		Later: cs.Later, Blocking: cs.Blocking, Revertible: len(cs.Blocking) == 0 && len(cs.Items) > 0, ETag: changeSetETag(cs)}
	if out.Later == nil {
		out.Later = []geo.LaterChange{}
	}
	if out.Blocking == nil {
		out.Blocking = []geo.LaterChange{}
	}
	for i, it := range cs.Items {
		j := changeSetItemJSON{FeatureRef: it.Ref, Op: it.Op, OldVersion: it.OldVersion, Version: it.Version, Changed: it.Changed}
		if it.Before != nil {
			j.Before = geojson.NewGeometry(it.Before)
		}
		if it.After != nil {
			j.After = geojson.NewGeometry(it.After)
		}
		out.Features[i] = j
	}
	return out
}

// handleChangeSet answers one change set with every feature it changed,
// before and after, and what changed since; its ETag is what a revert
// sends in If-Match.
func (s *Server) handleChangeSet(c echo.Context) error {
	if err := checkParams(c); err != nil {
		return err
	}
	id, err := parseChangeSetID(c.Param("id"))
	if err != nil {
		return err
	}
	cs, err := s.cfg.Edits.ChangeSet(c.Request().Context(), id)
	if err != nil {
		return err
	}
	c.Response().Header().Set(headerETag, changeSetETag(cs))
	return writeJSON(c, http.StatusOK, mediaJSON, toChangeSetJSON(cs))
}

// handleRevertChangeSet undoes a change set as one validated edit:
// If-Match carries the change set's ETag; a later change to its features
// is a 409 that lists them. The answer is the new change set's changes.
func (s *Server) handleRevertChangeSet(c echo.Context) error {
	if err := checkParams(c, "dry_run", "comment"); err != nil {
		return err
	}
	id, err := parseChangeSetID(c.Param("id"))
	if err != nil {
		return err
	}
	mark, err := ifMatchChangeSet(c, id)
	if err != nil {
		return err
	}
	o, err := s.editOptions(c, geo.ReasonRevert)
	if err != nil {
		return err
	}
	res, err := s.cfg.Edits.RevertChangeSet(c.Request().Context(), id, mark, o)
	if err != nil {
		return err
	}
	if !res.DryRun {
		s.invalidate(res)
	}
	return writeJSON(c, http.StatusOK, mediaJSON, editAnswer{DryRun: res.DryRun, Changes: s.changesJSON(res), ChangeSet: res.ChangeSet})
}

// editAnswer is what an edit of several features answers: what it changed
// (or, a dry run, would change) and the change set it made.
type editAnswer struct {
	DryRun    bool         `json:"dry_run"`
	Changes   []changeJSON `json:"changes"`
	ChangeSet int64        `json:"change_set,omitempty"`
}

// parseChangeSetID reads a change set's id from the path.
func parseChangeSetID(v string) (int64, error) {
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		return 0, geo.Errorf(geo.ENOTFOUND, "There is no change set %q: change set ids are positive whole numbers.", clipText(v))
	}
	return id, nil
}

// ifMatchChangeSet reads the mark of the change set's ETag from If-Match.
func ifMatchChangeSet(c echo.Context, id int64) (int64, error) {
	h := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	if h == "" || h == "*" {
		return 0, geo.Say(geo.EPRECONDITION, geo.Label{
			Zh: "撤销一组修改需要带上它的 ETag（If-Match），以确认撤销的正是你看到的那组修改。",
			En: fmt.Sprintf("Undoing a change set needs If-Match with its ETag (from GET /api/changesets/%d), so that what is undone is what you saw.", id)})
	}
	prefix := fmt.Sprintf(`"changeset-%d-`, id)
	if strings.HasPrefix(h, prefix) && strings.HasSuffix(h, `"`) {
		if mark, err := strconv.ParseInt(h[len(prefix):len(h)-1], 10, 64); err == nil && mark > 0 {
			return mark, nil
		}
	}
	return 0, geo.Errorf(geo.ECONFLICT, "If-Match %s is not an ETag of change set %d; GET /api/changesets/%d for its current ETag.", clipText(h), id, id)
}
