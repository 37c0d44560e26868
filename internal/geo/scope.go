package geo

import (
	"fmt"
	"strings"

	"github.com/paulmach/orb"
)

// Cover is what covers a position: the codes of the grids and of the
// communities whose outlines hold it, edges and corners included.
type Cover struct {
	Grids, Communities []string
}

// MayPlace answers EFORBIDDEN unless a restricted user looks after every
// grid and community that covers a position the change writes (a point's
// geometry, a position property such as a car park's entrance, before and
// after). A point on an edge or a corner that several grids (or
// communities) share lies in each of them, so it needs all of them; a
// point in no grid needs an editor of every grid, one in no community
// a user of the whole city.
func (u User) MayPlace(what Label, at orb.Point, covering Cover) error {
	if !u.Restricted() {
		return nil
	}
	if len(u.Communities) > 0 && len(covering.Communities) == 0 {
		return Errorf(EFORBIDDEN, "%s may edit only communities %s; %s at %s lies in no community.",
			u.Name, strings.Join(u.Communities, ", "), what.En, formatPoint(at))
	}
	if err := u.MayEditCommunities(covering.Communities); err != nil {
		return err
	}
	if u.gridLimited() && len(covering.Grids) == 0 {
		return Errorf(EFORBIDDEN, "%s may edit only grids %s; %s at %s lies in no grid.",
			u.Name, strings.Join(u.Grids, ", "), what.En, formatPoint(at))
	}
	return u.MayEditGrids(covering.Grids)
}

func formatPoint(p orb.Point) string { return fmt.Sprintf("%.7f, %.7f", p[0], p[1]) }
