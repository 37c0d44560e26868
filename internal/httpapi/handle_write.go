package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"partymap/internal/geo"
)

// mediaMergePatch is the media type of a PATCH body (RFC 7396).
const mediaMergePatch = "application/merge-patch+json"

// changeJSON is one row a write changed, for the answer, named as staff
// name it (a grid's code and name).
type changeJSON struct {
	Layer      string    `json:"layer"`
	ID         int64     `json:"id"`
	Key        string    `json:"key,omitempty"`
	Name       geo.Label `json:"name"`
	Op         geo.Op    `json:"op"`
	OldVersion int64     `json:"old_version,omitempty"`
	Version    int64     `json:"version"`
	ETag       string    `json:"etag,omitempty"`
	NoteZh     string    `json:"note_zh,omitempty"`
	NoteEn     string    `json:"note_en,omitempty"`
}

func (s *Server) changesJSON(res geo.EditResult) []changeJSON {
	out := make([]changeJSON, 0, len(res.Changes))
	for _, ch := range res.Changes {
		c := changeJSON{Layer: ch.Layer, ID: ch.ID, Op: ch.Op, OldVersion: ch.OldVersion, Version: ch.Version, NoteZh: ch.NoteZh, NoteEn: ch.NoteEn}
		if ch.Op != geo.Delete {
			c.ETag = featureETag(geo.Feature{Layer: ch.Layer, ID: ch.ID, Version: ch.Version})
		}
		if l, ok := s.cat.Layer(ch.Layer); ok && ch.Feature != nil {
			ref := l.Ref(ch.ID, ch.Feature.Properties)
			c.Key, c.Name = ref.Key, ref.Name
		}
		out = append(out, c)
	}
	return out
}

// writeAnswer is a written feature with what else the write changed, and
// the change set it was recorded as.
type writeAnswer struct {
	featureJSON
	Changes   []changeJSON `json:"changes,omitempty"`
	ChangeSet int64        `json:"change_set,omitempty"`
	// Conflicts are the changes of others an unconditional write undid.
	Conflicts []geo.Conflict `json:"conflicts,omitempty"`
}

// dryRunAnswer reports a dry run that found nothing wrong.
type dryRunAnswer struct {
	DryRun  bool         `json:"dry_run"`
	Valid   bool         `json:"valid"`
	Changes []changeJSON `json:"changes"`
	Feature *featureJSON `json:"feature,omitempty"`
}

// editableLayer returns the layer of the path, or 405 naming what the layer
// allows when it is base map.
func (s *Server) editableLayer(c echo.Context, name string) (geo.Layer, error) {
	l, err := s.cat.LayerOrError(name)
	if err != nil {
		return l, err
	}
	if !l.Editable {
		c.Response().Header().Set("Allow", "GET, HEAD, OPTIONS")
		if l.Workflow != "" {
			return l, echo.NewHTTPError(http.StatusMethodNotAllowed, l.Workflow)
		}
		return l, echo.NewHTTPError(http.StatusMethodNotAllowed, fmt.Sprintf("Layer %q is part of the base map and cannot be edited.", l.Name))
	}
	return l, nil
}

// parseDryRun reads ?dry_run=true|false.
func parseDryRun(c echo.Context) (bool, error) {
	switch v := c.QueryParam("dry_run"); v {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	default:
		return false, geo.Errorf(geo.EINVALID, "The dry_run parameter must be true or false; got %q.", clipText(v))
	}
}

// ifMatchVersion reads the version the writer holds from If-Match, which
// must carry the item's strong ETag, "<layer>-<id>-v<version>", or the tag
// of its gzip representation (a browser reads the item compressed and
// sends back the tag it got), "<layer>-<id>-v<version>-gzip".
func ifMatchVersion(c echo.Context, layer string, id int64) (int64, error) {
	h := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	etagOf := fmt.Sprintf("GET /collections/%s/items/%d", layer, id)
	switch {
	case h == "":
		return 0, geo.Errorf(geo.EPRECONDITION, "A write needs an If-Match header with the item's ETag (from %s), so that it cannot overwrite a colleague's newer edit.", etagOf)
	case h == "*":
		return 0, geo.Errorf(geo.EPRECONDITION, "If-Match: * would overwrite any version; send the item's ETag (from %s).", etagOf)
	case strings.HasPrefix(h, "W/"):
		return 0, geo.Errorf(geo.EPRECONDITION, "If-Match needs the item's strong ETag, not a weak one (W/…); see %s.", etagOf)
	}
	prefix := fmt.Sprintf(`"%s-%d-v`, layer, id)
	for _, t := range strings.Split(h, ",") {
		t = strings.TrimSpace(t)
		if strings.HasPrefix(t, prefix) && strings.HasSuffix(t, `"`) {
			v, err := strconv.ParseInt(strings.TrimSuffix(t[len(prefix):len(t)-1], "-gzip"), 10, 64)
			if err == nil && v > 0 {
				return v, nil
			}
		}
	}
	return 0, geo.Errorf(geo.ECONFLICT, "If-Match %s is not an ETag of %s %d; GET the item for its current ETag.", clipText(h), layer, id)
}

// decodeFeatureBody reads a GeoJSON feature for the layer, its geometry
// in the CRS of the Content-Crs header (Features Part 4 with Part 2).
func (s *Server) decodeFeatureBody(c echo.Context, l geo.Layer, body []byte) (geo.Feature, error) {
	crs, err := s.contentCRS(c)
	if err != nil {
		return geo.Feature{}, err
	}
	var f geo.Feature
	if crs.IsCRS84() {
		f, err = geo.DecodeFeature(l, body)
	} else {
		var gf *geojson.Feature
		if gf, err = decodeGeoJSONFeature(body); err == nil {
			if gf.Geometry, err = s.toStorage(c.Request().Context(), crs, gf.Geometry); err == nil {
				f, err = geo.FeatureFromGeoJSON(l, gf)
			}
		}
	}
	if err != nil {
		return geo.Feature{}, err
	}
	if vs := l.CheckRules(f); len(vs) > 0 {
		return geo.Feature{}, geo.Unprocessable(vs)
	}
	return f, nil
}

// decodeGeoJSONFeature reads a GeoJSON Feature without checking it
// against a layer.
func decodeGeoJSONFeature(body []byte) (*geojson.Feature, error) {
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(body, &head); err != nil || head.Type != "Feature" {
		return nil, geo.Errorf(geo.EINVALID, "The body must be a GeoJSON Feature (\"type\": \"Feature\").")
	}
	gf, err := geojson.UnmarshalFeature(body)
	if err != nil {
		return nil, geo.WrapError(geo.EINVALID, err, "The body is not a valid GeoJSON Feature.")
	}
	return gf, nil
}

// contentCRS reads the Content-Crs header of a write: the CRS of the
// body's coordinates, CRS84 when absent.
func (s *Server) contentCRS(c echo.Context) (geo.CRSRef, error) {
	h := c.Request().Header.Get(headerContentCrs)
	if h == "" {
		return geo.CRS84, nil
	}
	crs, err := geo.ParseCRSRef(h, s.crs)
	if err != nil {
		return crs, geo.WrapError(geo.EINVALID, err, "The Content-Crs header: %s", geo.ErrorMessage(err))
	}
	return crs, nil
}

// toStorage turns a geometry written in crs (its axis order) into the
// stored WGS 84 longitude, latitude: PostGIS transforms it.
func (s *Server) toStorage(ctx context.Context, crs geo.CRSRef, g orb.Geometry) (orb.Geometry, error) {
	if g == nil || crs.IsCRS84() {
		return g, nil
	}
	g = crs.ToPostGIS(g)
	if crs.SRID == 4326 {
		return g, nil
	}
	tr, ok := s.store.(geo.GeometryTransformer)
	if !ok {
		return nil, geo.Errorf(geo.EINVALID, "This server cannot take coordinates in %s; send CRS84.", crs.URI)
	}
	return tr.TransformGeometry(ctx, g, crs.SRID, 4326)
}

// patchInStorageCRS turns the geometry of a merge patch written in the
// Content-Crs into the stored one.
func (s *Server) patchInStorageCRS(c echo.Context, body []byte) ([]byte, error) {
	crs, err := s.contentCRS(c)
	if err != nil || crs.IsCRS84() {
		return body, err
	}
	var patch map[string]json.RawMessage
	if err := json.Unmarshal(body, &patch); err != nil {
		return body, nil // PatchFeature says what is wrong with it
	}
	raw, ok := patch["geometry"]
	if !ok || string(raw) == "null" {
		return body, nil
	}
	g, err := geojson.UnmarshalGeometry(raw)
	if err != nil {
		return nil, geo.WrapError(geo.EINVALID, err, "The patch's geometry is not valid GeoJSON.")
	}
	stored, err := s.toStorage(c.Request().Context(), crs, g.Geometry())
	if err != nil {
		return nil, err
	}
	if patch["geometry"], err = json.Marshal(geojson.NewGeometry(stored)); err != nil {
		return nil, err
	}
	return json.Marshal(patch)
}

// patchNames lists what a merge patch sets: its properties' names, and
// "geometry".
func patchNames(body []byte) []string {
	var patch struct {
		Geometry   json.RawMessage            `json:"geometry"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	_ = json.Unmarshal(body, &patch)
	var names []string
	for k := range patch.Properties {
		names = append(names, k)
	}
	if patch.Geometry != nil {
		names = append(names, geo.PropGeometry)
	}
	return names
}

// editOptions are the caller's options for a write: who, why (the reason,
// and the comment parameter in the staff member's words), and whether it
// is a dry run.
func (s *Server) editOptions(c echo.Context, reason string) (geo.EditOptions, error) {
	dry, err := parseDryRun(c)
	if err != nil {
		return geo.EditOptions{}, err
	}
	comment, err := geo.CheckComment(c.QueryParam("comment"))
	return geo.EditOptions{Actor: authOf(c).user, Reason: reason, DryRun: dry, Comment: comment}, err
}

// handleCreateItem adds a feature (OGC API – Features Part 4): 201 with
// Location and ETag. The server assigns the id.
func (s *Server) handleCreateItem(c echo.Context) error {
	if err := checkParams(c, "dry_run", "comment"); err != nil {
		return err
	}
	l, err := s.editableLayer(c, c.Param("layer"))
	if err != nil {
		return err
	}
	o, err := s.editOptions(c, geo.ReasonEdit)
	if err != nil {
		return err
	}
	if err := requireJSON(c, mediaGeoJSON); err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	f, err := s.decodeFeatureBody(c, l, body)
	if err != nil {
		return err
	}
	f.ID = 0
	res, err := s.cfg.Edits.ApplyWrites(c.Request().Context(), []geo.Write{{Op: geo.Insert, Feature: f}}, o)
	if err != nil {
		return err
	}
	return s.answerWrite(c, res, l.Name, res.Changes[0].ID, http.StatusCreated, nil)
}

// handleReplaceItem replaces a feature (PUT) at the version of If-Match.
func (s *Server) handleReplaceItem(c echo.Context) error {
	if err := requireJSON(c, mediaGeoJSON); err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	return s.updateItem(c, func(l geo.Layer, _ geo.Feature) (geo.Feature, []string, error) {
		f, err := s.decodeFeatureBody(c, l, body)
		// A replacement sets every property and the geometry.
		return f, append(l.FieldNames(), geo.PropGeometry), err
	})
}

// handlePatchItem applies a JSON merge patch (RFC 7396) of properties and/or
// geometry to the version of If-Match.
func (s *Server) handlePatchItem(c echo.Context) error {
	if err := requireJSON(c, mediaMergePatch); err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	if body, err = s.patchInStorageCRS(c, body); err != nil {
		return err
	}
	return s.updateItem(c, func(l geo.Layer, current geo.Feature) (geo.Feature, []string, error) {
		f, err := geo.PatchFeature(l, current, body)
		if err != nil {
			return geo.Feature{}, nil, err
		}
		if vs := l.CheckRules(f); len(vs) > 0 {
			return geo.Feature{}, nil, geo.Unprocessable(vs)
		}
		return f, patchNames(body), nil
	})
}

// editTarget reads what every write on one item starts with: no query
// parameter but dry_run, an editable layer, the item's id, and the edit's
// options (who, why, whether it is a dry run).
func (s *Server) editTarget(c echo.Context, reason string) (geo.Layer, int64, geo.EditOptions, error) {
	if err := checkParams(c, "dry_run", "comment"); err != nil {
		return geo.Layer{}, 0, geo.EditOptions{}, err
	}
	l, err := s.editableLayer(c, c.Param("layer"))
	if err != nil {
		return geo.Layer{}, 0, geo.EditOptions{}, err
	}
	id, err := parseID(c.Param("id"))
	if err != nil {
		return geo.Layer{}, 0, geo.EditOptions{}, err
	}
	o, err := s.editOptions(c, reason)
	return l, id, o, err
}

// updateItem runs a PUT or PATCH: the item must be at the If-Match version;
// build turns the request into the new state of the item and names what
// the request sets. A client with an unconditional token may leave If-Match
// out: the write then applies to the item as it is, noting in the history
// the changes of others it undoes (geo.UnconditionalNote).
func (s *Server) updateItem(c echo.Context, build func(geo.Layer, geo.Feature) (geo.Feature, []string, error)) error {
	l, id, o, err := s.editTarget(c, geo.ReasonEdit)
	if err != nil {
		return err
	}
	if err := authOf(c).user.MayWrite(l); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if s.unconditional(c) {
		// Another write may land between the read and this one: read
		// again, a few times, rather than answer 412 to a client that
		// cannot handle it.
		for attempt := 0; ; attempt++ {
			current, err := s.store.FindFeature(ctx, l.Name, id)
			if err != nil {
				return err
			}
			f, names, err := build(l, current)
			if err != nil {
				return err
			}
			if f.ID != 0 && f.ID != id {
				return geo.Errorf(geo.EINVALID, "The body's id %d is not the id of the address (%d).", f.ID, id)
			}
			f.ID = id
			hist, err := s.cfg.Edits.History(ctx, l.Name, id)
			if err != nil {
				return err
			}
			o.Note = geo.UnconditionalNote(l, current, f, names, hist, o.Actor.Name)
			res, err := s.cfg.Edits.ApplyWrites(ctx, []geo.Write{{Op: geo.Update, Feature: f, IfVersion: current.Version}}, o)
			if geo.ErrorCode(err) == geo.ECONFLICT && attempt < 3 {
				continue
			}
			if err != nil {
				return err
			}
			return s.answerWrite(c, res, l.Name, id, http.StatusOK, o.Note)
		}
	}
	version, err := ifMatchVersion(c, l.Name, id)
	if err != nil {
		return err
	}
	current, err := s.store.FindFeature(ctx, l.Name, id)
	if err != nil {
		return err
	}
	if current.Version != version {
		return geo.ConflictWith(version, current)
	}
	f, _, err := build(l, current)
	if err != nil {
		return err
	}
	if f.ID != 0 && f.ID != id {
		return geo.Errorf(geo.EINVALID, "The body's id %d is not the id of the address (%d).", f.ID, id)
	}
	f.ID = id
	res, err := s.cfg.Edits.ApplyWrites(ctx, []geo.Write{{Op: geo.Update, Feature: f, IfVersion: version}}, o)
	if err != nil {
		return err
	}
	return s.answerWrite(c, res, l.Name, id, http.StatusOK, nil)
}

// unconditional reports whether a write comes without If-Match from a
// client whose token may leave it out.
func (s *Server) unconditional(c echo.Context) bool {
	return authOf(c).user.Unconditional && strings.TrimSpace(c.Request().Header.Get("If-Match")) == ""
}

// handleDeleteItem deletes a feature at the version of If-Match; it stays
// in the history and can be restored.
func (s *Server) handleDeleteItem(c echo.Context) error {
	l, id, o, err := s.editTarget(c, geo.ReasonEdit)
	if err != nil {
		return err
	}
	var version int64
	if s.unconditional(c) {
		current, err := s.store.FindFeature(c.Request().Context(), l.Name, id)
		if err != nil {
			return err
		}
		version = current.Version
		o.Note = &geo.WriteNote{Layer: l.Name, ID: id, Unconditional: true}
	} else if version, err = ifMatchVersion(c, l.Name, id); err != nil {
		return err
	}
	res, err := s.cfg.Edits.ApplyWrites(c.Request().Context(), []geo.Write{{Op: geo.Delete, Feature: geo.Feature{Layer: l.Name, ID: id}, IfVersion: version}}, o)
	if err != nil {
		return err
	}
	if res.DryRun {
		return writeJSON(c, http.StatusOK, mediaJSON, dryRunAnswer{DryRun: true, Valid: true, Changes: s.changesJSON(res)})
	}
	s.invalidate(res)
	return c.NoContent(http.StatusNoContent)
}

// handleItemsOptions says what the items of a layer accept.
func (s *Server) handleItemsOptions(c echo.Context) error {
	l, err := s.cat.LayerOrError(c.Param("layer"))
	if err != nil {
		return err
	}
	allow := "GET, HEAD, OPTIONS"
	if l.Editable && s.cfg.Edits != nil {
		allow = "GET, HEAD, POST, OPTIONS"
	}
	c.Response().Header().Set("Allow", allow)
	return c.NoContent(http.StatusNoContent)
}

// handleItemOptions says what one item accepts.
func (s *Server) handleItemOptions(c echo.Context) error {
	l, err := s.cat.LayerOrError(c.Param("layer"))
	if err != nil {
		return err
	}
	allow := "GET, HEAD, OPTIONS"
	if l.Editable && s.cfg.Edits != nil {
		allow = "GET, HEAD, PUT, PATCH, DELETE, OPTIONS"
		c.Response().Header().Set("Accept-Patch", mediaMergePatch)
	}
	c.Response().Header().Set("Allow", allow)
	return c.NoContent(http.StatusNoContent)
}

// answerWrite answers a successful write (or dry run) of the item id, with
// what an unconditional write overwrote.
func (s *Server) answerWrite(c echo.Context, res geo.EditResult, layer string, id int64, status int, note *geo.WriteNote) error {
	ch, _ := res.Change(layer, id)
	var fj *featureJSON
	if ch.Feature != nil {
		j := toFeatureJSON(*ch.Feature)
		fj = &j
	}
	if res.DryRun {
		return writeJSON(c, http.StatusOK, mediaJSON, dryRunAnswer{DryRun: true, Valid: true, Changes: s.changesJSON(res), Feature: fj})
	}
	s.invalidate(res)
	if fj == nil {
		return c.NoContent(http.StatusNoContent)
	}
	self := fmt.Sprintf("%s/collections/%s/items/%d", baseURL(c.Request()), layer, ch.ID)
	fj.Links = []Link{{Href: self, Rel: relSelf, Type: mediaGeoJSON, Title: "this feature"}}
	h := c.Response().Header()
	h.Set("ETag", featureETag(*ch.Feature))
	h.Set("Last-Modified", ch.Feature.UpdatedAt.UTC().Format(http.TimeFormat))
	if status == http.StatusCreated {
		h.Set("Location", self)
	}
	ans := writeAnswer{featureJSON: *fj, Changes: s.changesJSON(res), ChangeSet: res.ChangeSet}
	if note != nil {
		ans.Conflicts = note.Conflicts
	}
	h[headerContentCrs] = []string{"<" + geo.CRS84URI + ">"}
	return writeJSON(c, status, mediaGeoJSON, ans)
}

// invalidate drops, on this instance, the cached answers and tiles a
// committed write made stale, at once: the database's notification does the
// same for every instance a moment later.
func (s *Server) invalidate(res geo.EditResult) {
	for _, ch := range res.Changes {
		c := geo.Change{Layer: ch.Layer, ID: ch.ID, Version: ch.Version, Op: string(ch.Op), BBox: ch.Bound}
		s.reads.apply(c)
		s.invalidateTiles(c)
	}
}
