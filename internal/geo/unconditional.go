package geo

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"time"

	"github.com/paulmach/orb"
)

// Unconditional writes. An editing client that cannot send If-Match (QGIS
// edits OGC API – Features without it) writes through a token made for it;
// its write is applied to the item as it is now, as a new version, and so
// stays revertable. What it cannot know is whether the values it sends
// are ones it changed, or the ones it read before a colleague changed
// them: a property (or the geometry) sent with the value it had before a
// change made by someone else undoes that change. That is not refused
// (the client could not have done better) but noted on the write's
// history row and shown by the history and the audit: never silent.

// WriteNote is what the history keeps about one write beyond who and why.
type WriteNote struct {
	Layer string `json:"layer"`
	ID    int64  `json:"id"`
	// Unconditional writes came without If-Match.
	Unconditional bool `json:"unconditional"`
	// Conflicts are the changes of others the write undid.
	Conflicts []Conflict `json:"conflicts,omitempty"`
}

// Conflict is one change of someone else that a write undid.
type Conflict struct {
	// Property is the property, or "geometry".
	Property string `json:"property"`
	// Sent is the value the write put back, Overwrote the one it replaced.
	Sent      any `json:"sent"`
	Overwrote any `json:"overwrote"`
	// Version, Who and At say which change the write undid.
	Version int64     `json:"version"`
	Who     string    `json:"who"`
	At      time.Time `json:"at"`
	// MessageZh and MessageEn say so in words.
	MessageZh string `json:"message_zh"`
	MessageEn string `json:"message_en"`
}

// UnconditionalNote compares an unconditional write of the item against
// its history (oldest first): for each property it sends (names; "geometry"
// for the geometry) with a value other than the current one, it looks for
// the latest change of that property by someone other than writer, and
// reports a conflict when the value sent is the one that change replaced.
func UnconditionalNote(l Layer, current, sent Feature, names []string, hist []HistoryEntry, writer string) *WriteNote {
	n := &WriteNote{Layer: l.Name, ID: current.ID, Unconditional: true}
	for _, name := range names {
		var cur, snt any
		if name == PropGeometry {
			cur, snt = current.Geometry, sent.Geometry
			if nearGeometry(cur, snt) {
				continue
			}
		} else {
			cur, snt = jsonValue(current.Properties[name]), jsonValue(sent.Properties[name])
			if reflect.DeepEqual(cur, snt) {
				continue
			}
		}
		for i := len(hist) - 1; i >= 1; i-- {
			e := hist[i]
			if !slices.Contains(e.Changed, name) {
				continue
			}
			if e.Who == writer {
				break // the writer's own change: undoing it is its business
			}
			var before any
			same := false
			if name == PropGeometry {
				before = hist[i-1].Geometry
				same = nearGeometry(before, snt)
			} else {
				before = jsonValue(hist[i-1].Properties[name])
				same = reflect.DeepEqual(before, snt)
			}
			if same {
				item := l.FeatureLabel(current.ID, current.Properties)
				n.Conflicts = append(n.Conflicts, Conflict{Property: name, Sent: shown(snt), Overwrote: shown(cur), Version: e.Version, Who: e.Who, At: e.At,
					MessageZh: fmt.Sprintf("%s的%s被改回 %s 修改前（第 %d 版）的值，%s 的这次修改被覆盖。", item.Zh, name, e.Who, e.Version, e.Who),
					MessageEn: fmt.Sprintf("%s: %s was set back to its value before %s's change (version %d), undoing it.", item.En, name, e.Who, e.Version)})
			}
			break
		}
	}
	return n
}

// jsonValue is a property value as its JSON reads back (numbers as
// float64, lists as []any, positions as [lon, lat]), so that the values
// of a write and of the history compare alike.
func jsonValue(v any) any {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(JSONProperties(map[string]any{"v": v})["v"])
	if err != nil {
		return v
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// shown is a value for the note: geometries by their type only.
func shown(v any) any {
	if g, ok := v.(orb.Geometry); ok && g != nil {
		return g.GeoJSONType()
	}
	return v
}

// nearGeometry reports whether two geometries have the same vertices
// within a centimetre (1e-7°): a client that reads and writes through
// another CRS sends back what it read with rounding.
func nearGeometry(a, b any) bool {
	ga, _ := a.(orb.Geometry)
	gb, _ := b.(orb.Geometry)
	if ga == nil || gb == nil {
		return ga == nil && gb == nil
	}
	pa, pb := vertices(ga), vertices(gb)
	if ga.GeoJSONType() != gb.GeoJSONType() || len(pa) != len(pb) {
		return false
	}
	for i := range pa {
		if math.Abs(pa[i][0]-pb[i][0]) > 1e-7 || math.Abs(pa[i][1]-pb[i][1]) > 1e-7 {
			return false
		}
	}
	return true
}

func vertices(g orb.Geometry) []orb.Point {
	var out []orb.Point
	switch x := g.(type) {
	case orb.Point:
		out = append(out, x)
	case orb.LineString:
		out = append(out, x...)
	case orb.Polygon:
		for _, r := range x {
			out = append(out, r...)
		}
	case orb.MultiPolygon:
		for _, p := range x {
			out = append(out, vertices(p)...)
		}
	case orb.MultiLineString:
		for _, l := range x {
			out = append(out, l...)
		}
	case orb.MultiPoint:
		out = append(out, x...)
	}
	return out
}
