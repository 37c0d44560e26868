package main

import (
	"bytes"
	"fmt"
	"time"
)

// readme is data/geojson/README.md: what each file holds and how the data
// came to be, with the counts taken from the data set itself.
func readme(ds *dataset) []byte {
	n := func(layer string) int { return len(ds.layers[layer]) }
	kinds := func(layer string) string {
		var order []string
		count := map[string]int{}
		for _, f := range ds.layers[layer] {
			k := f.props["kind"].(string)
			if count[k] == 0 {
				order = append(order, k)
			}
			count[k]++
		}
		var b bytes.Buffer
		for i, k := range order {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%d %s", count[k], k)
		}
		return b.String()
	}
	bound := ds.layers["communities"][0].geometry.Bound()
	var b bytes.Buffer
	fmt.Fprintf(&b, `# Map data: Xiyue community (西岳社区)

The GeoJSON files here are the map's data: one file per layer, each a
FeatureCollection in WGS 84 longitude/latitude (RFC 7946), one feature per
line. Every feature has an integer id, unique in its file and counted from 1,
and bilingual names, name_zh and name_en. Properties follow the layer
catalogue in internal/geo/layer.go exactly.

**The data is illustrative.** Positions are approximate, drawn for a
demonstration around Xiyue Temple (西岳庙) and the Yuemiao pedestrian street
(岳庙步行街) in 岳庙街道, 华阴市, Shaanxi; they are not a survey. The compounds,
units and businesses are plausible inventions. People's names and all phone
numbers are invented (grid leaders' phones are 1380000xxxx, posts' phones
0913-0000xxx); do not call them.

| file | geometry | what it holds |
|---|---|---|
| subdistricts.geojson | Polygon | %d: the Yuemiao subdistrict (岳庙街道, code YM) as far as this data set knows it: its outline is the one community's |
| communities.geojson | Polygon | %d: the Xiyue community (code XY), its outline exactly the union of the grids |
| grids.geojson | Polygon | %d management grids (网格) XY01–XY15 (the community's code and a number) that tile the community with shared edges, no gaps and no overlaps; leader, phone, party branch, colour, households |
| compounds.geojson | Polygon | %d residential compounds (小区), each inside one grid; households and number of buildings |
| buildings.geojson | Polygon | %d building footprints inside the compounds, with floors and height_m for 3D extrusion |
| organizations.geojson | Point | %d party organizations: %s |
| posts.geojson | Point | %d service posts: %s; services, opening hours (China Standard Time), phone |
| parking.geojson | Polygon | %d shared car parks with capacity, free spaces, hours, fee and entrance |
| streets.geojson | LineString | %d streets: %s |
| landmarks.geojson | Polygon | %d landmarks: %s |
| paths.geojson | LineString | %d footpaths the streets do not draw: %s (the temple's axis, the ring path round its walls, the closed west gate's passage, the gated compounds' lanes) |
| gates.geojson | Point | %d gates: %s; the walls of compounds and temples are crossed only at one |
| resources.geojson | Point | %d shared resources (资源单) the co-building units lend the community, at the unit: rooms, parking, volunteers, equipment, and when |
| activities.geojson | Point | %d activities of the activities column (活动), at their venues: the programme starting on %s (times in China Standard Time) |

The community's bounding box is longitude %.5f–%.5f, latitude %.5f–%.5f.
A kiosk on the pedestrian street near its middle would stand at about
%.6f, %.6f.

## Where the data comes from

The files are written by a deterministic program; from the repository root:

    go run ./cmd/gendata            # writes data/geojson
    go run ./cmd/gendata -out DIR   # writes elsewhere
    go run ./cmd/gendata -today 2026-12-03   # the programme from that day

The activities' programme starts on the day the program is run for (today
by default), so that the kiosk has something on tonight: run it again to
move the programme on.

and checked by go test ./cmd/gendata. Running the program again writes the
same bytes (for the same -today).

Once written, these GeoJSON files are the source of truth: the server loads
them into an empty database, and staff edits happen in the database from then
on. Another community uses the map by replacing these files with its own, with
the same file names and the same properties; a city puts all its communities
(and subdistricts) in the same files. Every feature's community, like a
post's grid_code, is derived by the server from where it lies.
`,
		n("subdistricts"), n("communities"), n("grids"), n("compounds"), n("buildings"),
		n("organizations"), kinds("organizations"),
		n("posts"), kinds("posts"),
		n("parking"),
		n("streets"), kinds("streets"),
		n("landmarks"), kinds("landmarks"),
		n("paths"), kinds("paths"),
		n("gates"), kinds("gates"),
		n("resources"), n("activities"), ds.today.Format(time.DateOnly),
		bound.Min[0], bound.Max[0], bound.Min[1], bound.Max[1],
		ds.kiosk[0], ds.kiosk[1],
	)
	return b.Bytes()
}
