package httpapi

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb/geojson"

	"partymap/internal/geo"
)

// historyEntryJSON is one change of an item.
type historyEntryJSON struct {
	Seq     int64     `json:"seq"`
	Layer   string    `json:"layer"`
	ID      int64     `json:"id"`
	Version int64     `json:"version"`
	Op      geo.Op    `json:"op"`
	Reason  string    `json:"reason"`
	Who     string    `json:"who"`
	At      time.Time `json:"at"`
	Changed []string  `json:"changed,omitempty"`
	// Note says what an unconditional write overwrote.
	Note    map[string]any   `json:"note,omitempty"`
	Feature *geojson.Feature `json:"feature,omitempty"`
	// ChangeSet is the edit the change was part of (GET
	// /api/changesets/{id}), Comment its reason in the staff member's
	// words, With the other features it changed.
	ChangeSet int64            `json:"change_set,omitempty"`
	Comment   string           `json:"comment,omitempty"`
	With      []geo.FeatureRef `json:"with,omitempty"`
	WithCount int              `json:"with_count,omitempty"`
}

func toHistoryJSON(h geo.HistoryEntry, withFeature bool) historyEntryJSON {
	out := historyEntryJSON{Seq: h.Seq, Layer: h.Layer, ID: h.ID, Version: h.Version, Op: h.Op, Reason: h.Reason, Who: h.Who, At: h.At, Changed: h.Changed,
		Note: h.Note, ChangeSet: h.ChangeSet, Comment: h.Comment, With: h.With, WithCount: h.WithCount}
	if withFeature {
		out.Feature = h.GeoJSONFeature()
	}
	return out
}

// handleHistory lists an item's changes, oldest first, each with the state
// it left (the state it removed, for a delete).
func (s *Server) handleHistory(c echo.Context) error {
	if err := checkParams(c); err != nil {
		return err
	}
	l, err := s.cat.LayerOrError(c.Param("layer"))
	if err != nil {
		return err
	}
	id, err := parseID(c.Param("id"))
	if err != nil {
		return err
	}
	hs, err := s.cfg.Edits.History(c.Request().Context(), l.Name, id)
	if err != nil {
		return err
	}
	out := struct {
		Layer   string             `json:"layer"`
		ID      int64              `json:"id"`
		Entries []historyEntryJSON `json:"entries"`
	}{Layer: l.Name, ID: id, Entries: make([]historyEntryJSON, len(hs))}
	for i, h := range hs {
		out.Entries[i] = toHistoryJSON(h, true)
	}
	return writeJSON(c, http.StatusOK, mediaJSON, out)
}

// handleRevert makes a past version of an item its next version; If-Match
// carries the version being replaced.
func (s *Server) handleRevert(c echo.Context) error {
	if err := checkParams(c, "version", "dry_run", "comment"); err != nil {
		return err
	}
	l, err := s.editableLayer(c, c.Param("layer"))
	if err != nil {
		return err
	}
	id, err := parseID(c.Param("id"))
	if err != nil {
		return err
	}
	target, err := strconv.ParseInt(c.QueryParam("version"), 10, 64)
	if err != nil || target < 1 {
		return geo.Errorf(geo.EINVALID, "Say which version to revert to with ?version=N (a whole number from 1); see the item's history.")
	}
	ifVersion, err := ifMatchVersion(c, l.Name, id)
	if err != nil {
		return err
	}
	o, err := s.editOptions(c, geo.ReasonRevert)
	if err != nil {
		return err
	}
	res, err := s.cfg.Edits.Revert(c.Request().Context(), l.Name, id, target, ifVersion, o)
	if err != nil {
		return err
	}
	return s.answerWrite(c, res, l.Name, id, http.StatusOK, nil)
}

// handleDeleted lists a layer's deleted items, newest deletion first.
func (s *Server) handleDeleted(c echo.Context) error {
	if err := checkParams(c, "limit", "offset"); err != nil {
		return err
	}
	l, err := s.cat.LayerOrError(c.Param("layer"))
	if err != nil {
		return err
	}
	limit, offset, err := parsePaging(c, 100)
	if err != nil {
		return err
	}
	hs, n, err := s.cfg.Edits.Deleted(c.Request().Context(), l.Name, limit, offset)
	if err != nil {
		return err
	}
	out := struct {
		Layer          string             `json:"layer"`
		Items          []historyEntryJSON `json:"items"`
		NumberMatched  int64              `json:"numberMatched"`
		NumberReturned int                `json:"numberReturned"`
		Links          []Link             `json:"links"`
	}{Layer: l.Name, Items: make([]historyEntryJSON, len(hs)), NumberMatched: n, NumberReturned: len(hs)}
	for i, h := range hs {
		out.Items[i] = toHistoryJSON(h, true)
	}
	out.Links = pageLinks(c, limit, offset, n)
	return writeJSON(c, http.StatusOK, mediaJSON, out)
}

// handleRestore brings a deleted item back as its next version: 201.
func (s *Server) handleRestore(c echo.Context) error {
	l, id, o, err := s.editTarget(c, geo.ReasonRestore)
	if err != nil {
		return err
	}
	res, err := s.cfg.Edits.Restore(c.Request().Context(), l.Name, id, o)
	if err != nil {
		return err
	}
	return s.answerWrite(c, res, l.Name, id, http.StatusCreated, nil)
}

// handleAudit answers a page of the whole history for administrators,
// newest first, filtered by user, layer and time: a city admin's all of
// it, a community admin's that of its communities.
func (s *Server) handleAudit(c echo.Context) error {
	if err := checkParams(c, "user", "layer", "since", "until", "limit", "offset"); err != nil {
		return err
	}
	f := geo.AuditFilter{Who: c.QueryParam("user"), Layer: c.QueryParam("layer"), Communities: authOf(c).user.Communities}
	if f.Layer != "" {
		if _, err := s.cat.LayerOrError(f.Layer); err != nil {
			return geo.Errorf(geo.EINVALID, "%s", geo.ErrorMessage(err))
		}
	}
	var err error
	if f.Since, err = parseTime(c.QueryParam("since"), "since"); err != nil {
		return err
	}
	if f.Until, err = parseTime(c.QueryParam("until"), "until"); err != nil {
		return err
	}
	if f.Limit, f.Offset, err = parsePaging(c, 100); err != nil {
		return err
	}
	page, err := s.cfg.Edits.Audit(c.Request().Context(), f)
	if err != nil {
		return err
	}
	out := struct {
		Entries        []historyEntryJSON `json:"entries"`
		NumberMatched  int64              `json:"numberMatched"`
		NumberReturned int                `json:"numberReturned"`
		Links          []Link             `json:"links"`
	}{Entries: make([]historyEntryJSON, len(page.Entries)), NumberMatched: page.Matched, NumberReturned: len(page.Entries)}
	for i, h := range page.Entries {
		out.Entries[i] = toHistoryJSON(h, false)
	}
	out.Links = pageLinks(c, f.Limit, f.Offset, page.Matched)
	return writeJSON(c, http.StatusOK, mediaJSON, out)
}

// parsePaging reads limit (1 to 1000, default def) and offset.
func parsePaging(c echo.Context, def int) (int, int, error) {
	limit, offset := def, 0
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return 0, 0, geo.Errorf(geo.EINVALID, "The limit parameter must be a whole number from 1 to 1000; got %q.", clipText(v))
		}
		limit = n
	}
	if v := c.QueryParam("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 100_000_000 {
			return 0, 0, geo.Errorf(geo.EINVALID, "The offset parameter must be a whole number of 0 or more; got %q.", clipText(v))
		}
		offset = n
	}
	return limit, offset, nil
}

// parseTime reads an RFC 3339 time or a date (YYYY-MM-DD, China Standard
// Time); empty is the zero time.
func parseTime(v, name string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", v, time.FixedZone("CST", 8*3600)); err == nil {
		return t, nil
	}
	return time.Time{}, geo.Errorf(geo.EINVALID, "The %s parameter must be a date (2025-06-01) or a time (2025-06-01T08:00:00+08:00); got %q.", name, clipText(v))
}

// pageLinks are self, next and prev links that keep the other parameters.
func pageLinks(c echo.Context, limit, offset int, matched int64) []Link {
	at := func(off int) string {
		q := url.Values{}
		for k, v := range c.QueryParams() {
			if k != "offset" {
				q[k] = v
			}
		}
		if off > 0 {
			q.Set("offset", strconv.Itoa(off))
		}
		u := baseURL(c.Request()) + c.Request().URL.Path
		if enc := q.Encode(); enc != "" {
			u += "?" + enc
		}
		return u
	}
	links := []Link{{Href: at(offset), Rel: relSelf, Type: mediaJSON}}
	if int64(offset+limit) < matched {
		links = append(links, Link{Href: at(offset + limit), Rel: relNext, Type: mediaJSON})
	}
	if offset > 0 {
		links = append(links, Link{Href: at(max(offset-limit, 0)), Rel: relPrev, Type: mediaJSON})
	}
	return links
}
