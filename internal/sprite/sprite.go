// Package sprite draws the map's icons (the party flags by level, the car
// parks, the service posts by kind) and packs them into a MapLibre sprite:
// a PNG sheet and the JSON index of where each icon lies, at 1× and 2×
// pixel ratio. It draws with anti-aliased vector paths, in Go, once when
// the server starts: the style's icons come from the server like its tiles,
// so the style renders the same map in any MapLibre, and the page draws
// nothing.
package sprite

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"slices"
)

// Sheet is a sprite at one pixel ratio: the PNG and its JSON index.
type Sheet struct {
	PNG, JSON []byte
}

// entry is one icon's place in the sheet (the MapLibre sprite index).
type entry struct {
	X          int `json:"x"`
	Y          int `json:"y"`
	Width      int `json:"width"`
	Height     int `json:"height"`
	PixelRatio int `json:"pixelRatio"`
}

// Sprite holds the sheets and each icon's own PNG (for the page's panel
// and cards), at both pixel ratios.
type Sprite struct {
	sheets [3]Sheet
	icons  map[string][]byte // the 2× PNG of each icon
}

// icon is one drawing: its size in CSS pixels and how to draw it.
type icon struct {
	name string
	w, h float64
	draw func(c *canvas)
}

// New draws every icon and packs the sheets.
func New() (*Sprite, error) {
	s := &Sprite{icons: map[string][]byte{}}
	for _, ratio := range []int{1, 2} {
		sheet, err := pack(icons(), ratio, s.icons)
		if err != nil {
			return nil, err
		}
		s.sheets[ratio] = sheet
	}
	return s, nil
}

// Sheet returns the sheet of pixel ratio 1 or 2.
func (s *Sprite) Sheet(ratio int) Sheet { return s.sheets[ratio] }

// Icon returns one icon's PNG at 2× pixel ratio.
func (s *Sprite) Icon(name string) ([]byte, bool) {
	b, ok := s.icons[name]
	return b, ok
}

// Names lists the icons, sorted.
func (s *Sprite) Names() []string {
	var out []string
	for n := range s.icons {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// pack draws the icons at ratio and lays them out in shelves; at ratio 2
// it also keeps each icon's own PNG.
func pack(list []icon, ratio int, own map[string][]byte) (Sheet, error) {
	const width = 512
	type placed struct {
		img  *image.RGBA
		x, y int
	}
	index := map[string]entry{}
	var all []placed
	x, y, shelf := 0, 0, 0
	for _, ic := range list {
		c := newCanvas(ic.w, ic.h, float64(ratio))
		ic.draw(c)
		b := c.img.Bounds()
		if x+b.Dx() > width*ratio {
			x, y, shelf = 0, y+shelf+ratio, 0
		}
		all = append(all, placed{c.img, x, y})
		index[ic.name] = entry{X: x, Y: y, Width: b.Dx(), Height: b.Dy(), PixelRatio: ratio}
		if ratio == 2 {
			var buf bytes.Buffer
			if err := png.Encode(&buf, c.img); err != nil {
				return Sheet{}, err
			}
			own[ic.name] = buf.Bytes()
		}
		x += b.Dx() + ratio
		shelf = max(shelf, b.Dy())
	}
	sheet := image.NewRGBA(image.Rect(0, 0, width*ratio, y+shelf))
	for _, p := range all {
		b := p.img.Bounds()
		for yy := 0; yy < b.Dy(); yy++ {
			copy(sheet.Pix[sheet.PixOffset(p.x, p.y+yy):], p.img.Pix[p.img.PixOffset(0, yy):p.img.PixOffset(b.Dx(), yy)])
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, sheet); err != nil {
		return Sheet{}, err
	}
	js, err := json.Marshal(index)
	if err != nil {
		return Sheet{}, err
	}
	return Sheet{PNG: buf.Bytes(), JSON: js}, nil
}

// icons lists every icon the style names, with its drawing.
func icons() []icon {
	var out []icon
	// Party flags, by level: the city committee's (level 0) largest, the
	// city's and the street committee's with a gold fringe; the icon's
	// top-left corner is the pole's top.
	for _, f := range []struct {
		name   string
		w, h   float64
		fringe bool
	}{{"flag-0", 52, 35, true}, {"flag-1", 46, 31, true}, {"flag-2", 40, 27, true}, {"flag-3", 30, 20, false}, {"flag-unit", 25, 17, false}, {"flag-4", 20, 14, false}} {
		f := f
		out = append(out, icon{f.name, f.w + 4, f.h + 8, func(c *canvas) { drawFlag(c, f.w, f.h, f.fringe) }})
	}
	out = append(out,
		icon{"parking", 32, 32, func(c *canvas) { drawParking(c, rgb(0x1f5fc8)) }},
		icon{"parking-full", 32, 32, func(c *canvas) { drawParking(c, rgb(0x8a8a8a)) }},
	)
	for _, p := range []struct {
		kind  string
		color color.RGBA
		glyph func(c *canvas)
	}{
		{"cabin", rgb(0x00897b), glyphHouse}, {"service_hall", rgb(0x1565c0), glyphHall}, {"rep_studio", rgb(0x6a1b9a), glyphPerson},
		{"activity_room", rgb(0xef6c00), glyphPeople}, {"cultural_space", rgb(0xad1457), glyphNote}, {"library", rgb(0x2e7d32), glyphBook},
	} {
		p := p
		out = append(out, icon{"post-" + p.kind, 34, 34, func(c *canvas) { drawBadge(c, p.color, p.glyph) }})
	}
	return out
}

func rgb(v uint32) color.RGBA {
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 255}
}

// String names the sprite's icons, for logs.
func (s *Sprite) String() string { return fmt.Sprintf("sprite of %d icons", len(s.icons)) }
