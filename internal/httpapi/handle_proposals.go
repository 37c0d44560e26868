package httpapi

import (
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb/geojson"

	"partymap/internal/geo"
)

// Proposals: a boundary change that touches grids outside the editor's
// scope, waiting for their editors (geo/proposal.go). An editor submits
// the outline a reshape would take (POST /api/grids/{id}/proposals, the
// same body and If-Match, and a comment); the editors of the other grids
// see it in GET /api/proposals (and a "proposal" event on /api/events),
// review its before/after, and accept (the last acceptance applies it as
// one change set) or decline with a reason.

// proposalJSON is a proposal as a desk shows it.
type proposalJSON struct {
	ID       int64             `json:"id"`
	State    geo.ProposalState `json:"state"`
	Grid     geo.FeatureRef    `json:"grid"`
	Version  int64             `json:"version"`
	Comment  string            `json:"comment"`
	Proposer string            `json:"proposer"`
	Created  time.Time         `json:"created_at"`
	// Grids are every grid it changes; Needs those whose editors must
	// agree, Waiting those that have not yet, Agreed who did.
	Grids   []geo.FeatureRef `json:"grids"`
	Needs   []string         `json:"needs"`
	Waiting []string         `json:"waiting"`
	Agreed  []geo.Agreement  `json:"agreed"`
	// DecidedBy, DecidedAt and Note (the reason of a decline) once
	// decided; ChangeSet is the change set that applied it.
	DecidedBy string     `json:"decided_by,omitempty"`
	DecidedAt *time.Time `json:"decided_at,omitempty"`
	Note      string     `json:"note,omitempty"`
	ChangeSet int64      `json:"change_set,omitempty"`
	// Stale is true while the grids changed since it was drawn (Later
	// says how): it cannot be accepted.
	Stale   bool               `json:"stale"`
	Later   []geo.LaterChange  `json:"later"`
	Shape   *geojson.Geometry  `json:"shape"`
	Preview []proposalItemJSON `json:"preview"`
	// What the asking user may do with it.
	Mine        bool `json:"mine"`
	CanAgree    bool `json:"can_accept"`
	CanDecline  bool `json:"can_decline"`
	CanWithdraw bool `json:"can_withdraw"`
}

// proposalItemJSON is one feature of a proposal's preview.
type proposalItemJSON struct {
	geo.ProposalItem
	Before *geojson.Geometry `json:"before,omitempty"`
	After  *geojson.Geometry `json:"after,omitempty"`
	Gain   *geojson.Geometry `json:"gain,omitempty"`
}

func toProposalJSON(p geo.Proposal, u geo.User) proposalJSON {
	out := proposalJSON{ID: p.ID, State: p.State, Grid: p.Grid, Version: p.Version, Comment: p.Comment, Proposer: p.Proposer,
		Created: p.Created, Grids: p.Grids, Needs: p.Needs, Waiting: p.Waiting(), Agreed: p.Agreed, DecidedBy: p.DecidedBy,
		DecidedAt: p.DecidedAt, Note: p.Note, ChangeSet: p.ChangeSet, Stale: p.Stale(), Later: p.Later,
		Preview: make([]proposalItemJSON, len(p.Preview)), Mine: p.Proposer == u.Name}
	if p.Shape != nil {
		out.Shape = geojson.NewGeometry(p.Shape)
	}
	for _, list := range []*[]string{&out.Needs, &out.Waiting} {
		if *list == nil {
			*list = []string{}
		}
	}
	if out.Agreed == nil {
		out.Agreed = []geo.Agreement{}
	}
	if out.Later == nil {
		out.Later = []geo.LaterChange{}
	}
	for i, it := range p.Preview {
		j := proposalItemJSON{ProposalItem: it}
		if it.Before != nil {
			j.Before = geojson.NewGeometry(it.Before)
		}
		if it.After != nil {
			j.After = geojson.NewGeometry(it.After)
		}
		if it.Gain != nil {
			j.Gain = geojson.NewGeometry(it.Gain)
		}
		out.Preview[i] = j
	}
	if p.State == geo.ProposalOpen {
		_, err := p.MayAgree(u)
		out.CanAgree = err == nil && !p.Stale()
		out.CanDecline = err == nil || (u.Role == geo.Admin && !out.Mine)
		out.CanWithdraw = out.Mine || u.Role == geo.Admin
	}
	return out
}

// handlePropose submits a grid's new outline as a proposal (201), or with
// dry_run checks it (200): the body and If-Match are a reshape's, the
// comment parameter says why (needed).
func (s *Server) handlePropose(c echo.Context) error {
	r, err := s.readReshape(c)
	if err != nil {
		return err
	}
	u, o := authOf(c).user, r.options
	p, err := s.cfg.Edits.Propose(c.Request().Context(), r.id, r.version, r.shape, o)
	if err != nil {
		return err
	}
	if o.DryRun {
		return writeJSON(c, http.StatusOK, mediaJSON, struct {
			DryRun   bool         `json:"dry_run"`
			Valid    bool         `json:"valid"`
			Proposal proposalJSON `json:"proposal"`
		}{true, true, toProposalJSON(p, u)})
	}
	c.Response().Header().Set("Location", fmt.Sprintf("%s/api/proposals/%d", baseURL(c.Request()), p.ID))
	return writeJSON(c, http.StatusCreated, mediaJSON, toProposalJSON(p, u))
}

// handleProposals lists the proposals the user sees (their own, those
// waiting for grids they look after, every one for an admin), newest
// first: the open ones, or with state=all the latest of every state.
func (s *Server) handleProposals(c echo.Context) error {
	if err := checkParams(c, "state"); err != nil {
		return err
	}
	var f geo.ProposalFilter
	switch v := c.QueryParam("state"); v {
	case "", "open":
	case "all":
		f.All = true
	default:
		return geo.Errorf(geo.EINVALID, "The state parameter is open (the default) or all; got %q.", clipText(v))
	}
	u := authOf(c).user
	ps, err := s.cfg.Edits.Proposals(c.Request().Context(), u, f)
	if err != nil {
		return err
	}
	out := struct {
		Proposals []proposalJSON `json:"proposals"`
	}{Proposals: make([]proposalJSON, len(ps))}
	for i, p := range ps {
		out.Proposals[i] = toProposalJSON(p, u)
	}
	return writeJSON(c, http.StatusOK, mediaJSON, out)
}

// handleProposal answers one proposal.
func (s *Server) handleProposal(c echo.Context) error {
	if err := checkParams(c); err != nil {
		return err
	}
	id, err := parseProposalID(c.Param("id"))
	if err != nil {
		return err
	}
	p, err := s.cfg.Edits.FindProposal(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, mediaJSON, toProposalJSON(p, authOf(c).user))
}

// handleAcceptProposal agrees to a proposal for the grids the user looks
// after; the last agreement applies it (its changes and change set are in
// the answer). A stale proposal is a 409 naming what changed since.
func (s *Server) handleAcceptProposal(c echo.Context) error {
	if err := checkParams(c, "dry_run", "comment"); err != nil {
		return err
	}
	id, err := parseProposalID(c.Param("id"))
	if err != nil {
		return err
	}
	o, err := s.editOptions(c, geo.ReasonReshape)
	if err != nil {
		return err
	}
	p, res, err := s.cfg.Edits.AgreeProposal(c.Request().Context(), id, o)
	if err != nil {
		return err
	}
	if !res.DryRun {
		s.invalidate(res)
	}
	return writeJSON(c, http.StatusOK, mediaJSON, struct {
		editAnswer
		Proposal proposalJSON `json:"proposal"`
	}{editAnswer{DryRun: o.DryRun, Changes: s.changesJSON(res), ChangeSet: res.ChangeSet}, toProposalJSON(p, o.Actor)})
}

// handleDeclineProposal closes a proposal with a reason (needed), which
// the proposer reads.
func (s *Server) handleDeclineProposal(c echo.Context) error {
	if err := checkParams(c, "reason"); err != nil {
		return err
	}
	id, err := parseProposalID(c.Param("id"))
	if err != nil {
		return err
	}
	u := authOf(c).user
	p, err := s.cfg.Edits.DeclineProposal(c.Request().Context(), id, c.QueryParam("reason"), geo.EditOptions{Actor: u})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, mediaJSON, toProposalJSON(p, u))
}

// handleWithdrawProposal closes a proposal by its proposer.
func (s *Server) handleWithdrawProposal(c echo.Context) error {
	if err := checkParams(c); err != nil {
		return err
	}
	id, err := parseProposalID(c.Param("id"))
	if err != nil {
		return err
	}
	u := authOf(c).user
	p, err := s.cfg.Edits.WithdrawProposal(c.Request().Context(), id, geo.EditOptions{Actor: u})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, mediaJSON, toProposalJSON(p, u))
}

// parseProposalID reads a proposal's id from the path.
func parseProposalID(v string) (int64, error) {
	id, err := parseChangeSetID(v)
	if err != nil {
		return 0, geo.Errorf(geo.ENOTFOUND, "There is no proposal %q: proposal ids are positive whole numbers.", clipText(v))
	}
	return id, nil
}
