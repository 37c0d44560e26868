package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"partymap/internal/geo"
)

// maxOpenNowIDs bounds how many features one /api/open-now question names.
const maxOpenNowIDs = 20

// openNowJSON is whether one feature is open at the answer's time.
type openNowJSON struct {
	Layer string `json:"layer"`
	ID    int64  `json:"id"`
	Hours string `json:"hours"`
	// OpenNow is null when the hours cannot be read.
	OpenNow *bool `json:"open_now"`
}

// handleOpenNow answers whether features with opening hours (posts,
// parking) are open now, read by the server's one reading of hours
// (geo.ParseHours, China Standard Time). Item answers are cached until an
// edit while "open now" changes with the clock, so the cards ask here,
// and the answer is never cached.
func (s *Server) handleOpenNow(c echo.Context) error {
	if err := checkParams(c, "layer", "id"); err != nil {
		return err
	}
	l, err := s.cat.LayerOrError(c.QueryParam("layer"))
	if err != nil {
		return err
	}
	if _, ok := l.Field("hours"); !ok {
		return geo.Errorf(geo.EINVALID, "Layer %q has no opening hours; ask about %s.", l.Name, strings.Join(s.layersWithHours(), " or "))
	}
	ids, err := parseIDList(c.QueryParam("id"))
	if err != nil {
		return err
	}
	now := s.now()
	answer := struct {
		At       string        `json:"at"`
		Features []openNowJSON `json:"features"`
	}{At: now.In(geo.ChinaStandardTime()).Format(time.RFC3339)}
	for _, id := range ids {
		f, err := s.store.FindFeature(c.Request().Context(), l.Name, id)
		if err != nil {
			s.health.note(err)
			return err
		}
		hours, _ := f.Properties["hours"].(string)
		one := openNowJSON{Layer: l.Name, ID: id, Hours: hours}
		if open, known := geo.OpenNow(hours, now); known {
			one.OpenNow = &open
		}
		answer.Features = append(answer.Features, one)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, answer)
}

// layersWithHours names the collections that have opening hours.
func (s *Server) layersWithHours() []string {
	var out []string
	for _, l := range s.cat.Layers() {
		if _, ok := l.Field("hours"); ok {
			out = append(out, l.Name)
		}
	}
	return out
}

// parseIDList reads "3" or "3,5,8": feature ids, at most maxOpenNowIDs.
func parseIDList(s string) ([]int64, error) {
	if s == "" {
		return nil, geo.Errorf(geo.EINVALID, "Name the features with id, e.g. id=3 or id=3,5.")
	}
	parts := strings.Split(s, ",")
	if len(parts) > maxOpenNowIDs {
		return nil, geo.Errorf(geo.EINVALID, "Ask about at most %d features at once; got %d.", maxOpenNowIDs, len(parts))
	}
	ids := make([]int64, len(parts))
	for i, p := range parts {
		id, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
		if err != nil || id < 1 {
			return nil, geo.Errorf(geo.EINVALID, "Feature ids are positive whole numbers; got %q.", clipText(p))
		}
		ids[i] = id
	}
	return ids, nil
}
