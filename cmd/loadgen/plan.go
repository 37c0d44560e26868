package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// plan is what the readers and editors may ask for, learned from the
// server at the start: the area, its tiles, every layer's ids, the car
// parks and posts the editors change, and which endpoints exist.
type plan struct {
	base    string
	area    orb.Bound
	tiles   []maptile.Tile
	layers  []layerIDs
	parking []parkingLot
	posts   []int64
	enabled map[string]bool
	// notes says what was skipped, and why.
	notes []string
}

type layerIDs struct {
	name string
	ids  []int64
}

type parkingLot struct {
	id       int64
	capacity int
}

// Zooms the readers ask tiles at.
const minTileZoom, maxTileZoom = 12, 16

// getJSON fetches a JSON document; a 404 is reported as found=false.
func getJSON(ctx context.Context, c *http.Client, u string, v any) (found bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return false, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return false, err
	}
	if resp.StatusCode == http.StatusNotFound {
		return false, nil
	}
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("GET %s: %d %s", u, resp.StatusCode, clip(body))
	}
	return true, json.Unmarshal(body, v)
}

func clip(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}

// discover reads the plan from the server.
func discover(ctx context.Context, c *http.Client, base string) (*plan, error) {
	p := &plan{base: base, enabled: map[string]bool{kindPage: true, kindItem: true}}
	var cols struct {
		Collections []struct {
			ID string `json:"id"`
		} `json:"collections"`
	}
	if _, err := getJSON(ctx, c, base+"/collections", &cols); err != nil {
		return nil, err
	}
	for _, col := range cols.Collections {
		var page struct {
			Features []struct {
				ID         int64          `json:"id"`
				Properties map[string]any `json:"properties"`
			} `json:"features"`
		}
		if _, err := getJSON(ctx, c, base+"/collections/"+col.ID+"/items?limit=10000", &page); err != nil {
			return nil, err
		}
		l := layerIDs{name: col.ID}
		for _, f := range page.Features {
			l.ids = append(l.ids, f.ID)
			switch col.ID {
			case "parking":
				capacity, _ := f.Properties["capacity"].(float64)
				p.parking = append(p.parking, parkingLot{id: f.ID, capacity: int(capacity)})
			case "posts":
				p.posts = append(p.posts, f.ID)
			}
		}
		if len(l.ids) > 0 {
			p.layers = append(p.layers, l)
		}
	}
	if len(p.layers) == 0 {
		return nil, fmt.Errorf("the server at %s has no features to read", base)
	}

	var tj struct {
		Bounds *[4]float64 `json:"bounds"`
	}
	found, err := getJSON(ctx, c, base+"/tiles.json", &tj)
	if err != nil {
		return nil, err
	}
	var grids struct {
		Extent struct {
			Spatial struct {
				BBox [][4]float64 `json:"bbox"`
			} `json:"spatial"`
		} `json:"extent"`
	}
	if _, err := getJSON(ctx, c, base+"/collections/grids", &grids); err != nil {
		return nil, err
	}
	if bb := grids.Extent.Spatial.BBox; len(bb) > 0 {
		p.area = orb.Bound{Min: orb.Point{bb[0][0], bb[0][1]}, Max: orb.Point{bb[0][2], bb[0][3]}}
	} else if tj.Bounds != nil {
		p.area = orb.Bound{Min: orb.Point{tj.Bounds[0], tj.Bounds[1]}, Max: orb.Point{tj.Bounds[2], tj.Bounds[3]}}
	}
	if found {
		p.enabled[kindTile] = true
		p.tiles = tilesOver(p.area, minTileZoom, maxTileZoom)
	} else {
		p.notes = append(p.notes, "tiles skipped: /tiles.json answers 404")
	}
	centre := p.area.Center()
	for kind, path := range map[string]string{
		kindNearest: fmt.Sprintf("/api/nearest?lon=%.6f&lat=%.6f", centre.Lon(), centre.Lat()),
		kindLocate:  fmt.Sprintf("/api/locate?lon=%.6f&lat=%.6f", centre.Lon(), centre.Lat()),
		kindSearch:  "/api/search?q=" + url.QueryEscape("驿站"),
	} {
		var doc map[string]any
		found, err := getJSON(ctx, c, base+path, &doc)
		if err != nil {
			return nil, err
		}
		if found {
			p.enabled[kind] = true
		} else {
			p.notes = append(p.notes, fmt.Sprintf("%s skipped: %s answers 404", kind, path))
		}
	}
	return p, nil
}

// tilesOver lists every tile covering the area from zoom lo to hi.
func tilesOver(area orb.Bound, lo, hi maptile.Zoom) []maptile.Tile {
	var out []maptile.Tile
	for z := lo; z <= hi; z++ {
		nw := maptile.At(orb.Point{area.Min.Lon(), area.Max.Lat()}, z)
		se := maptile.At(orb.Point{area.Max.Lon(), area.Min.Lat()}, z)
		for x := nw.X; x <= se.X; x++ {
			for y := nw.Y; y <= se.Y; y++ {
				out = append(out, maptile.New(x, y, z))
			}
		}
	}
	return out
}

// readWeights is the readers' mix, in parts of 100.
var readWeights = []struct {
	kind   string
	weight int
}{{kindTile, 50}, {kindItem, 20}, {kindPage, 12}, {kindNearest, 8}, {kindLocate, 6}, {kindSearch, 4}}

var searches = []string{"驿站", "停车", "parking", "XY03", "庙", "library"}

// nextRead picks the next read: its kind and path.
func (p *plan) nextRead(rng *rand.Rand) (string, string) {
	total := 0
	for _, w := range readWeights {
		if p.enabled[w.kind] {
			total += w.weight
		}
	}
	n := rng.IntN(total)
	kind := kindItem
	for _, w := range readWeights {
		if !p.enabled[w.kind] {
			continue
		}
		if n < w.weight {
			kind = w.kind
			break
		}
		n -= w.weight
	}
	l := p.layers[rng.IntN(len(p.layers))]
	pt := p.randomPoint(rng)
	switch kind {
	case kindTile:
		t := p.tiles[rng.IntN(len(p.tiles))]
		return kind, fmt.Sprintf("/tiles/%d/%d/%d.mvt", t.Z, t.X, t.Y)
	case kindPage:
		limits := []int{10, 50, 100, 1000}
		q := url.Values{}
		q.Set("limit", fmt.Sprint(limits[rng.IntN(len(limits))]))
		if off := rng.IntN(len(l.ids)); off > 0 && rng.IntN(2) == 0 {
			q.Set("offset", fmt.Sprint(off))
		}
		if rng.IntN(3) == 0 {
			w, h := p.area.Max.Lon()-p.area.Min.Lon(), p.area.Max.Lat()-p.area.Min.Lat()
			q.Set("bbox", fmt.Sprintf("%.6f,%.6f,%.6f,%.6f", pt.Lon(), pt.Lat(), pt.Lon()+w/4, pt.Lat()+h/4))
		}
		return kind, "/collections/" + l.name + "/items?" + q.Encode()
	case kindNearest:
		if rng.IntN(3) == 0 {
			return kind, fmt.Sprintf("/api/nearest?lon=%.6f&lat=%.6f&layer=parking&min_free=1", pt.Lon(), pt.Lat())
		}
		return kind, fmt.Sprintf("/api/nearest?lon=%.6f&lat=%.6f", pt.Lon(), pt.Lat())
	case kindLocate:
		return kind, fmt.Sprintf("/api/locate?lon=%.6f&lat=%.6f", pt.Lon(), pt.Lat())
	case kindSearch:
		return kind, "/api/search?q=" + url.QueryEscape(searches[rng.IntN(len(searches))])
	}
	return kindItem, fmt.Sprintf("/collections/%s/items/%d", l.name, l.ids[rng.IntN(len(l.ids))])
}

func (p *plan) randomPoint(rng *rand.Rand) orb.Point {
	return orb.Point{
		p.area.Min.Lon() + rng.Float64()*(p.area.Max.Lon()-p.area.Min.Lon()),
		p.area.Min.Lat() + rng.Float64()*(p.area.Max.Lat()-p.area.Min.Lat()),
	}
}
