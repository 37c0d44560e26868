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
	if err := checkParams(c, "dry_run", "comment"); err != nil {
		return err
	}
	grids, _ := s.cat.Layer("grids")
	id, err := parseID(c.Param("id"))
	if err != nil {
		return err
	}
	if err := authOf(c).user.MayWrite(grids); err != nil {
		return err
	}
	o, err := s.editOptions(c, geo.ReasonReshape)
	if err != nil {
		return err
	}
	ifVersion, err := ifMatchVersion(c, grids.Name, id)
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
	shape, err := decodeOutline(body)
	if err != nil {
		return err
	}
	res, err := s.cfg.Edits.ReshapeGrid(c.Request().Context(), id, ifVersion, shape, o)
	if err != nil {
		return err
	}
	return s.answerWrite(c, res, grids.Name, id, http.StatusOK, nil)
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
