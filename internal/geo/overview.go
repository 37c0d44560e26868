package geo

import (
	"context"

	"github.com/paulmach/orb"
)

// Overview is the city at a glance, what its overview map shows at low
// zoom: its subdistricts, and its communities with the catalogue's counts
// (posts, car parks, open orders once orders exist).
type Overview struct {
	// Counts are the counts each community has, in order (Catalogue.Counts).
	Counts       []Count
	Subdistricts []Area
	Communities  []Area
}

// Area is a subdistrict or a community in the overview.
type Area struct {
	Code  string
	Name  Label
	Bound orb.Bound
	// Point lies inside it, where its label goes.
	Point orb.Point
	// Kind is a subdistrict's kind (street or town); Subdistrict a
	// community's subdistrict.
	Kind, Subdistrict string
	// Counts are a community's counts, by Count.Name.
	Counts map[string]int64
}

// Community returns the community with the code, if there is one.
func (o Overview) Community(code string) (Area, bool) {
	for _, c := range o.Communities {
		if c.Code == code {
			return c, true
		}
	}
	return Area{}, false
}

// OverviewStore answers the city's overview (the PostGIS store does).
type OverviewStore interface {
	Overview(ctx context.Context) (Overview, error)
}
