package geo

import (
	"fmt"
	"strings"

	"github.com/paulmach/orb"
)

// MayPlace answers EFORBIDDEN unless a restricted editor looks after every
// grid that covers a position the change writes (a point's geometry, a
// position property such as a car park's entrance, before and after):
// covering lists their codes. A point on an edge or a corner that several
// grids share lies in each of them, so it needs all of them; a point in no
// grid needs an editor of every grid.
func (u User) MayPlace(what Label, at orb.Point, covering []string) error {
	if !u.Restricted() {
		return nil
	}
	if len(covering) == 0 {
		return Errorf(EFORBIDDEN, "%s may edit only grids %s; %s at %s lies in no grid.",
			u.Name, strings.Join(u.Grids, ", "), what.En, formatPoint(at))
	}
	return u.MayEditGrids(covering)
}

func formatPoint(p orb.Point) string { return fmt.Sprintf("%.7f, %.7f", p[0], p[1]) }
