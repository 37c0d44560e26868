package httpapi

import (
	"context"
	"sync"

	"github.com/labstack/echo/v4"

	"partymap/internal/geo"
)

// The city's overview (/api/communities): what the map shows at low zoom
// over the communities' fields, and how it steps from a community up to
// its subdistrict and the city. Its counts change with every post or car
// park (or, once they exist, order): the answer is kept in the read cache
// with the list of collections, which every change drops.

// countJSON names one of the counts.
type countJSON struct {
	Name  string    `json:"name"`
	Title geo.Label `json:"title"`
}

// areaJSON is a subdistrict or a community.
type areaJSON struct {
	Code        string           `json:"code"`
	Name        geo.Label        `json:"name"`
	Kind        string           `json:"kind,omitempty"`
	Subdistrict string           `json:"subdistrict,omitempty"`
	Bounds      [4]float64       `json:"bounds"`
	Point       [2]float64       `json:"point"`
	Counts      map[string]int64 `json:"counts,omitempty"`
}

// overviewJSON is the answer of /api/communities.
type overviewJSON struct {
	Counts       []countJSON `json:"counts"`
	Subdistricts []areaJSON  `json:"subdistricts"`
	Communities  []areaJSON  `json:"communities"`
}

func toAreaJSON(a geo.Area) areaJSON {
	return areaJSON{
		Code: a.Code, Name: a.Name, Kind: a.Kind, Subdistrict: a.Subdistrict, Counts: a.Counts,
		Bounds: [4]float64{a.Bound.Min[0], a.Bound.Min[1], a.Bound.Max[0], a.Bound.Max[1]},
		Point:  [2]float64{a.Point[0], a.Point[1]},
	}
}

// overviewStore returns the store's overview, when it has one.
func (s *Server) overviewStore() (geo.OverviewStore, error) {
	if o, ok := s.store.(geo.OverviewStore); ok {
		return o, nil
	}
	return nil, geo.Errorf(geo.ENOTFOUND, "This server's store has no overview of communities.")
}

// handleCommunities answers the city's subdistricts and communities with
// their bounds, a point for their label and their counts.
func (s *Server) handleCommunities(c echo.Context) error {
	key := readKeyOf(c, "", 0)
	if done, err := s.answerFromCache(c, key); done {
		return err
	}
	if err := checkParams(c); err != nil {
		return err
	}
	store, err := s.overviewStore()
	if err != nil {
		return err
	}
	return s.serveCached(c, key, func(ctx context.Context) (rendered, error) {
		o, err := store.Overview(ctx)
		if err != nil {
			return rendered{}, err
		}
		body := overviewJSON{Counts: []countJSON{}, Subdistricts: []areaJSON{}, Communities: []areaJSON{}}
		for _, n := range o.Counts {
			body.Counts = append(body.Counts, countJSON{Name: n.Name, Title: n.Title})
		}
		for _, a := range o.Subdistricts {
			body.Subdistricts = append(body.Subdistricts, toAreaJSON(a))
		}
		for _, a := range o.Communities {
			body.Communities = append(body.Communities, toAreaJSON(a))
		}
		b, err := jsonBytes(body)
		return rendered{contentType: mediaJSON, body: b}, err
	})
}

// overviewMemory remembers the city's overview, so that the viewer still
// starts while the database is unreachable (as titleMemory does for the
// title).
type overviewMemory struct {
	mu    sync.Mutex
	known bool
	o     geo.Overview
}

// cityOverview reads the overview, or, while the database is away, the
// last one read.
func (s *Server) cityOverview(ctx context.Context, store geo.OverviewStore) (geo.Overview, error) {
	m := &s.overview
	m.mu.Lock()
	last, known := m.o, m.known
	m.mu.Unlock()
	if known && s.health.down.Load() {
		return last, nil
	}
	o, err := store.Overview(ctx)
	if err != nil {
		s.health.note(err)
		if known && geo.ErrorCode(err) == geo.EUNAVAILABLE {
			return last, nil
		}
		return geo.Overview{}, err
	}
	m.mu.Lock()
	m.o, m.known = o, true
	m.mu.Unlock()
	return o, nil
}
