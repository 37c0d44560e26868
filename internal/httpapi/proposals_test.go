package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"partymap/internal/changes"
	"partymap/internal/geo"
	"partymap/internal/httpapi"
)

// proposalDoc is a proposal as the API answers it.
type proposalDoc struct {
	ID         int64          `json:"id"`
	State      string         `json:"state"`
	Grid       geo.FeatureRef `json:"grid"`
	Comment    string         `json:"comment"`
	Proposer   string         `json:"proposer"`
	Needs      []string       `json:"needs"`
	Waiting    []string       `json:"waiting"`
	DecidedBy  string         `json:"decided_by"`
	Note       string         `json:"note"`
	ChangeSet  int64          `json:"change_set"`
	Stale      bool           `json:"stale"`
	Mine       bool           `json:"mine"`
	CanAccept  bool           `json:"can_accept"`
	CanDecline bool           `json:"can_decline"`
	Later      []struct {
		Feature geo.FeatureRef `json:"feature"`
		Who     string         `json:"who"`
	} `json:"later"`
	Preview []struct {
		Feature geo.FeatureRef  `json:"feature"`
		Gained  float64         `json:"gained_m2"`
		Lost    float64         `json:"lost_m2"`
		Before  json.RawMessage `json:"before"`
		After   json.RawMessage `json:"after"`
	} `json:"preview"`
}

// propose7 submits grid7East (or a dry run of it) as a token's proposal.
func (env *staffEnv) propose7(t *testing.T, token, query string) response {
	t.Helper()
	return env.call(t, http.MethodPost, "/api/grids/7/proposals?"+query, grid7East,
		append(bearer(token), "Content-Type", "application/geo+json", "If-Match", env.etagOf(t, "grids", 7))...)
}

// desk lists the open (or all) proposals a token's user sees.
func (env *staffEnv) desk(t *testing.T, token, query string) []proposalDoc {
	t.Helper()
	r := env.call(t, http.MethodGet, "/api/proposals"+query, "", bearer(token)...)
	var out struct {
		Proposals []proposalDoc `json:"proposals"`
	}
	if err := json.Unmarshal(r.body, &out); err != nil || r.status != http.StatusOK {
		t.Fatalf("desk: %d %s", r.status, r.body)
	}
	return out.Proposals
}

func decodeProposal(t *testing.T, r response) proposalDoc {
	t.Helper()
	var p proposalDoc
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("not a proposal: %d %s", r.status, r.body)
	}
	return p
}

// An editor of grid 7 (bob) cannot move its edge into grid 8 directly,
// and is told to propose it; the proposal waits for grid 8's editor, who
// sees it (an editor of grid 12 does not); neither bob nor grid 12's
// editor can accept it; grid 8's editor does, and both grids change in
// one change set that names the proposal, with bob's reason.
func TestProposal_acceptedByTheNeighbour(t *testing.T) {
	env := newStaffEnv(t, httpapi.AuthConfig{})
	ed8 := env.tokenFor(t, "ed8", "XY08")
	ed12 := env.tokenFor(t, "ed12", "XY12")

	r := env.reshape7(t, env.editor7, grid7East, commentQuery)
	var refusal struct {
		DetailZh string           `json:"detail_zh"`
		Grids    []geo.FeatureRef `json:"grids"`
	}
	json.Unmarshal(r.body, &refusal)
	if r.status != http.StatusForbidden || len(refusal.Grids) != 1 || refusal.Grids[0].Key != "XY08" || !strings.Contains(refusal.DetailZh, "提案") {
		t.Fatalf("bob reshapes into XY08: got %d %s, want 403 naming XY08 and the proposal", r.status, r.body)
	}
	if r := env.propose7(t, env.editor7, ""); r.status != http.StatusBadRequest {
		t.Errorf("a proposal without a comment: got %d %s, want 400", r.status, r.body)
	}
	if r := env.propose7(t, env.editor, commentQuery); r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "直接保存") {
		t.Errorf("alice (every grid) proposes: got %d %s, want 400: save it directly", r.status, r.body)
	}
	// Its dry run says so without refusing: valid, needing nobody.
	if r := env.propose7(t, env.editor, "dry_run=true"); r.status != http.StatusOK || !strings.Contains(string(r.body), `"needs":[]`) {
		t.Errorf("alice's dry run of a proposal: got %d %s, want 200 needing nobody", r.status, r.body)
	}
	dry := env.propose7(t, env.editor7, "dry_run=true")
	if dry.status != http.StatusOK || !strings.Contains(string(dry.body), `"valid":true`) {
		t.Fatalf("dry run of the proposal: %d %s", dry.status, dry.body)
	}
	if n := len(env.desk(t, env.admin, "")); n != 0 {
		t.Fatalf("the dry run kept a proposal: %d open", n)
	}
	r = env.propose7(t, env.editor7, commentQuery)
	if r.status != http.StatusCreated {
		t.Fatalf("propose: %d %s", r.status, r.body)
	}
	p := decodeProposal(t, r)
	if p.State != "open" || p.Grid.Key != "XY07" || strings.Join(p.Needs, ",") != "XY08" || p.Comment != "按街道办12月通知调整" || !p.Mine || p.CanAccept {
		t.Errorf("the proposal: got %+v", p)
	}
	gains := map[string][2]float64{}
	for _, it := range p.Preview {
		if it.Feature.Layer == "grids" {
			gains[it.Feature.Key] = [2]float64{it.Gained, it.Lost}
			if len(it.Before) < 10 || len(it.After) < 10 {
				t.Errorf("preview of %s lacks its outlines: %s / %s", it.Feature.Key, it.Before, it.After)
			}
		}
	}
	if g7, g8 := gains["XY07"], gains["XY08"]; g7[0] < 100 || g8[1] < 100 || g7[1] > 1 || g8[0] > 1 || g7[0]-g8[1] > 1 || g8[1]-g7[0] > 1 {
		t.Errorf("areas moved: grid 7 gains/loses %v, grid 8 %v; want 7 to gain what 8 loses", g7, g8)
	}
	if env.etagOf(t, "grids", 8) != `"grids-8-v1"` {
		t.Fatal("a proposal changed grid 8")
	}

	desk8 := env.desk(t, ed8, "")
	if len(desk8) != 1 || desk8[0].ID != p.ID || !desk8[0].CanAccept || desk8[0].Mine {
		t.Errorf("ed8's desk: got %+v, want the proposal, acceptable", desk8)
	}
	if n := len(env.desk(t, ed12, "")); n != 0 {
		t.Errorf("ed12's desk: %d proposals, want none", n)
	}
	accept := func(token string) response {
		return env.call(t, http.MethodPost, fmt.Sprintf("/api/proposals/%d/accept", p.ID), "", bearer(token)...)
	}
	if r := accept(env.editor7); r.status != http.StatusForbidden || !strings.Contains(string(r.body), "提案人不能同意自己的提案") {
		t.Errorf("bob accepts his own proposal: got %d %s, want 403", r.status, r.body)
	}
	if r := accept(ed12); r.status != http.StatusForbidden || !strings.Contains(string(r.body), "第八网格") {
		t.Errorf("ed12 accepts: got %d %s, want 403 naming 第八网格", r.status, r.body)
	}
	r = accept(ed8)
	if r.status != http.StatusOK {
		t.Fatalf("ed8 accepts: %d %s", r.status, r.body)
	}
	id := changeSetOf(t, r)
	if env.etagOf(t, "grids", 7) != `"grids-7-v2"` || env.etagOf(t, "grids", 8) != `"grids-8-v2"` {
		t.Errorf("after the acceptance: grids at %s and %s, want both at version 2", env.etagOf(t, "grids", 7), env.etagOf(t, "grids", 8))
	}
	assertCoverage(t, env)
	cs, _ := env.changeSet(t, id)
	if cs.Proposal != p.ID || cs.Who != "ed8" || cs.Comment != p.Comment || cs.Reason != "reshape" {
		t.Errorf("the change set: got %+v, want proposal %d by ed8 with bob's reason", cs, p.ID)
	}
	all := env.desk(t, env.editor7, "?state=all")
	if len(all) != 1 || all[0].State != "accepted" || all[0].DecidedBy != "ed8" || all[0].ChangeSet != id {
		t.Errorf("bob's proposals: got %+v, want it accepted by ed8 in change set %d", all, id)
	}
	if r := accept(ed8); r.status != http.StatusConflict {
		t.Errorf("accepting it again: got %d, want 409", r.status)
	}
}

// A proposal whose grids changed since it was drawn is stale: the desk
// says so and what changed, and accepting it is refused with 409 and
// changes nothing. Declining needs a reason, which the proposer reads;
// only the proposer withdraws.
func TestProposal_staleAndDeclined(t *testing.T) {
	env := newStaffEnv(t, httpapi.AuthConfig{})
	ed8 := env.tokenFor(t, "ed8", "XY08")
	r := env.propose7(t, env.editor7, commentQuery)
	if r.status != http.StatusCreated {
		t.Fatalf("propose: %d %s", r.status, r.body)
	}
	stale := decodeProposal(t, r)
	if r := env.patch(t, env.admin, "grids", 8, env.etagOf(t, "grids", 8), `{"properties":{"leader_zh":"黄淑芬"}}`); r.status != http.StatusOK {
		t.Fatalf("admin changes grid 8: %d %s", r.status, r.body)
	}
	desk := env.desk(t, ed8, "")
	if len(desk) != 1 || !desk[0].Stale || desk[0].CanAccept || len(desk[0].Later) != 1 || desk[0].Later[0].Feature.Key != "XY08" || desk[0].Later[0].Who != "admin" {
		t.Fatalf("ed8's desk after grid 8 changed: got %+v, want the proposal stale, naming the change", desk)
	}
	v7, v8 := env.etagOf(t, "grids", 7), env.etagOf(t, "grids", 8)
	r = env.call(t, http.MethodPost, fmt.Sprintf("/api/proposals/%d/accept", stale.ID), "", bearer(ed8)...)
	if r.status != http.StatusConflict || !strings.Contains(string(r.body), "已过期") || !strings.Contains(string(r.body), `"later"`) {
		t.Errorf("accepting the stale proposal: got %d %s, want 409 saying it is stale", r.status, r.body)
	}
	if env.etagOf(t, "grids", 7) != v7 || env.etagOf(t, "grids", 8) != v8 {
		t.Error("the refused acceptance wrote")
	}

	decline := func(token string, id int64, reason string) response {
		return env.call(t, http.MethodPost, fmt.Sprintf("/api/proposals/%d/decline?reason=%s", id, url.QueryEscape(reason)), "", bearer(token)...)
	}
	if r := decline(ed8, stale.ID, ""); r.status != http.StatusBadRequest {
		t.Errorf("declining without a reason: got %d, want 400", r.status)
	}
	if r := decline(env.editor7, stale.ID, "算了"); r.status != http.StatusForbidden {
		t.Errorf("the proposer declines: got %d, want 403", r.status)
	}
	if r := decline(ed8, stale.ID, "边界按老规矩不动"); r.status != http.StatusOK {
		t.Fatalf("ed8 declines: %d %s", r.status, r.body)
	}
	mine := env.desk(t, env.editor7, "?state=all")
	if len(mine) != 1 || mine[0].State != "declined" || mine[0].Note != "边界按老规矩不动" || mine[0].DecidedBy != "ed8" {
		t.Errorf("bob's proposals: got %+v, want it declined by ed8 with the reason", mine)
	}

	r = env.propose7(t, env.editor7, commentQuery)
	again := decodeProposal(t, r)
	if r := env.call(t, http.MethodPost, fmt.Sprintf("/api/proposals/%d/withdraw", again.ID), "", bearer(ed8)...); r.status != http.StatusForbidden {
		t.Errorf("ed8 withdraws bob's proposal: got %d, want 403", r.status)
	}
	if r := env.call(t, http.MethodPost, fmt.Sprintf("/api/proposals/%d/withdraw", again.ID), "", bearer(env.editor7)...); r.status != http.StatusOK || decodeProposal(t, r).State != "withdrawn" {
		t.Errorf("bob withdraws: got %d %s", r.status, r.body)
	}
}

// A proposal made, accepted and declined is announced on the event stream
// as {id, state, grids}, without anyone's name.
func TestProposal_events(t *testing.T) {
	hub := changes.NewHub()
	env := newStaffEnvWith(t, httpapi.Config{Changes: hub})
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan struct{}), make(chan struct{})
	go func() { env.db.Listen(ctx, hub, ready); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("the change listener did not start")
	}
	srv := httptest.NewServer(env.h)
	t.Cleanup(srv.Close)
	stream := openStream(t, srv.URL, "")
	stream.next(t, "ready", 5*time.Second)
	ed8 := env.tokenFor(t, "ed8", "XY08")

	r := env.propose7(t, env.editor7, commentQuery)
	p := decodeProposal(t, r)
	ev := stream.next(t, "proposal", 5*time.Second)
	if ev.id != "" || ev.data != fmt.Sprintf(`{"id":%d,"state":"open","grids":["XY07","XY08"]}`, p.ID) {
		t.Errorf("proposal event: got id %q data %s", ev.id, ev.data)
	}
	if r := env.call(t, http.MethodPost, fmt.Sprintf("/api/proposals/%d/accept", p.ID), "", bearer(ed8)...); r.status != http.StatusOK {
		t.Fatalf("accept: %d %s", r.status, r.body)
	}
	// The grids' changes come as change events, with their ids, then the
	// proposal's new state (written last in the same transaction).
	if ch := stream.next(t, "change", 5*time.Second); ch.id == "" || !strings.Contains(ch.data, `"layer":"grids"`) {
		t.Errorf("change event of the acceptance: got %+v", ch)
	}
	ev = stream.next(t, "proposal", 5*time.Second)
	if !strings.Contains(ev.data, `"state":"accepted"`) || strings.Contains(ev.data, "bob") || strings.Contains(ev.data, "ed8") {
		t.Errorf("acceptance event: got %s", ev.data)
	}
}
