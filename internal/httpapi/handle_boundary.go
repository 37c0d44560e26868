package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"partymap/internal/geo"
)

// handleReshapeGrid redraws a grid and the boundaries it shares, as one
// edit: POST /api/grids/{id}/reshape with the grid's new outline (a GeoJSON
// Polygon, or a Feature holding one) and If-Match with the grid's ETag. The
// neighbours lose what the new outline takes and gain what it gives up, in
// one transaction, each with a new version and history row; the answer is
// the grid with the list of every grid (and compound) that changed.
func (s *Server) handleReshapeGrid(c echo.Context) error {
	r, err := s.readReshape(c)
	if err != nil {
		return err
	}
	res, err := s.cfg.Edits.ReshapeGrid(c.Request().Context(), r.id, r.version, r.shape, r.options)
	if err != nil {
		return err
	}
	return s.answerWrite(c, res, "grids", r.id, http.StatusOK, nil)
}

// reshapeRequest is a grid's new outline as a reshape or a proposal sends
// it: the grid, the version it was drawn on, the outline and the options.
type reshapeRequest struct {
	id, version int64
	shape       orb.Polygon
	options     geo.EditOptions
}

// readReshape reads and checks a reshape's (or a proposal's) request: the
// parameters, the writer's right to edit grids, If-Match and the outline.
func (s *Server) readReshape(c echo.Context) (reshapeRequest, error) {
	var r reshapeRequest
	if err := checkParams(c, "dry_run", "comment"); err != nil {
		return r, err
	}
	grids, _ := s.cat.Layer("grids")
	id, err := parseID(c.Param("id"))
	if err != nil {
		return r, err
	}
	if err := authOf(c).user.MayWrite(grids); err != nil {
		return r, err
	}
	if r.options, err = s.editOptions(c, geo.ReasonReshape); err != nil {
		return r, err
	}
	if r.version, err = ifMatchVersion(c, grids.Name, id); err != nil {
		return r, err
	}
	if err := requireJSON(c, mediaGeoJSON); err != nil {
		return r, err
	}
	body, err := readBody(c)
	if err != nil {
		return r, err
	}
	if r.shape, err = decodeOutline(body); err != nil {
		return r, err
	}
	r.id = id
	return r, nil
}

// decodeOutline reads a GeoJSON Polygon, or a Feature whose geometry is one.
func decodeOutline(body []byte) (orb.Polygon, error) {
	var g orb.Geometry
	if f, err := geojson.UnmarshalFeature(body); err == nil && f.Geometry != nil && f.Type == "Feature" {
		g = f.Geometry
	} else if gg, err := geojson.UnmarshalGeometry(body); err == nil && gg.Coordinates != nil {
		g = gg.Coordinates
	}
	p, ok := g.(orb.Polygon)
	if !ok {
		got := "something else"
		if g != nil {
			got = "a " + g.GeoJSONType()
		}
		return nil, geo.Errorf(geo.EINVALID, "The body must be the grid's new outline as a GeoJSON Polygon (or a Feature holding one); got %s.", got)
	}
	return p, nil
}
