package geo

import (
	"fmt"

	"github.com/paulmach/orb"
)

// MaxVertices bounds the vertices of one geometry.
const MaxVertices = 20000

// CheckGeometry reports whether g has the layer's geometry type and sane
// coordinates: finite WGS 84 degrees, closed rings of four or more points,
// lines of two or more, at most MaxVertices vertices. Topology (self-
// intersections, overlaps) is checked by the store, in PostGIS.
func (l Layer) CheckGeometry(g orb.Geometry) []Violation {
	if g == nil {
		return []Violation{{Rule: "missing_geometry",
			MessageZh: fmt.Sprintf("要素缺少几何图形；图层“%s”需要 %s。", l.Name, l.Geometry),
			MessageEn: fmt.Sprintf("The feature has no geometry; layer %q needs a %s.", l.Name, l.Geometry)}}
	}
	if string(l.Geometry) != g.GeoJSONType() {
		return []Violation{{Rule: "wrong_geometry_type",
			MessageZh: fmt.Sprintf("图层“%s”需要 %s 几何，收到的是 %s。", l.Name, l.Geometry, g.GeoJSONType()),
			MessageEn: fmt.Sprintf("Layer %q needs a %s geometry; got a %s.", l.Name, l.Geometry, g.GeoJSONType())}}
	}
	var pts []orb.Point
	var vs []Violation
	switch t := g.(type) {
	case orb.Point:
		pts = []orb.Point{t}
	case orb.LineString:
		pts = t
		if len(t) < 2 {
			vs = append(vs, Violation{Rule: "too_few_points", MessageZh: "线至少需要两个点。", MessageEn: "A line needs at least two points."})
		}
	case orb.Polygon:
		if len(t) == 0 {
			vs = append(vs, Violation{Rule: "too_few_points", MessageZh: "多边形没有外环。", MessageEn: "The polygon has no outer ring."})
		}
		if len(t) > 1 {
			vs = append(vs, Violation{Rule: "holes", MessageZh: "多边形不能有内环（洞）。", MessageEn: "The polygon must not have holes (inner rings)."})
		}
		for _, r := range t {
			pts = append(pts, r...)
			if len(r) < 4 {
				vs = append(vs, Violation{Rule: "too_few_points", MessageZh: "多边形的环至少需要四个点（首尾相同）。", MessageEn: "A polygon ring needs at least four points, the last equal to the first."})
			} else if r[0] != r[len(r)-1] {
				vs = append(vs, Violation{Rule: "ring_not_closed", MessageZh: "多边形的环没有闭合：最后一个点必须与第一个点相同。", MessageEn: "The polygon ring is not closed: its last point must equal its first."})
			}
		}
	}
	if len(pts) > MaxVertices {
		vs = append(vs, Violation{Rule: "too_many_vertices",
			MessageZh: fmt.Sprintf("几何图形有 %d 个顶点，最多允许 %d 个。", len(pts), MaxVertices),
			MessageEn: fmt.Sprintf("The geometry has %d vertices; at most %d are allowed.", len(pts), MaxVertices)})
	}
	for _, p := range pts {
		if !validLonLat(p[0], p[1]) {
			vs = append(vs, Violation{Rule: "bad_coordinate",
				MessageZh: fmt.Sprintf("坐标 %v 不是有效的 WGS 84 经纬度（经度 -180 到 180，纬度 -90 到 90）。", p),
				MessageEn: fmt.Sprintf("Coordinate %v is not a WGS 84 longitude/latitude (lon -180 to 180, lat -90 to 90).", p)})
			break
		}
	}
	return vs
}
