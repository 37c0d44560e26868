package sprite

import (
	"image"
	"image/color"
	"math"

	"golang.org/x/image/vector"
)

// canvas draws filled anti-aliased paths in CSS pixels on an image of
// ratio device pixels per CSS pixel, optionally translated and rotated.
type canvas struct {
	img       *image.RGBA
	ratio     float64
	ox, oy    float64 // origin, CSS pixels
	cos, sin  float64 // rotation
	transform bool
}

func newCanvas(w, h, ratio float64) *canvas {
	return &canvas{img: image.NewRGBA(image.Rect(0, 0, int(math.Ceil(w*ratio)), int(math.Ceil(h*ratio)))), ratio: ratio, cos: 1}
}

// at maps a point of the drawing to device pixels.
func (c *canvas) at(x, y float64) (float32, float32) {
	x, y = x*c.cos-y*c.sin+c.ox, x*c.sin+y*c.cos+c.oy
	return float32(x * c.ratio), float32(y * c.ratio)
}

// fill fills the polygons (each a list of x, y pairs) with col, non-zero
// winding, so that holes are drawn reversed.
func (c *canvas) fill(col color.RGBA, polys ...[]float64) {
	b := c.img.Bounds()
	r := vector.NewRasterizer(b.Dx(), b.Dy())
	for _, p := range polys {
		if len(p) < 6 {
			continue
		}
		r.MoveTo(c.at(p[0], p[1]))
		for i := 2; i+1 < len(p); i += 2 {
			r.LineTo(c.at(p[i], p[i+1]))
		}
		r.ClosePath()
	}
	r.Draw(c.img, b, image.NewUniform(col), image.Point{})
}

// circle is a polygon of a circle (or an arc from a0 to a1, radians).
func circle(cx, cy, rad float64) []float64 { return arc(cx, cy, rad, 0, 2*math.Pi) }

func arc(cx, cy, rad, a0, a1 float64) []float64 {
	n := max(12, int(math.Abs(a1-a0)*rad*2))
	out := make([]float64, 0, 2*(n+1))
	for i := 0; i <= n; i++ {
		a := a0 + (a1-a0)*float64(i)/float64(n)
		out = append(out, cx+rad*math.Cos(a), cy+rad*math.Sin(a))
	}
	return out
}

// thickArc is a ring sector of width w around radius rad.
func thickArc(cx, cy, rad, w, a0, a1 float64) []float64 {
	outer := arc(cx, cy, rad+w/2, a0, a1)
	inner := arc(cx, cy, rad-w/2, a1, a0)
	return append(outer, inner...)
}

// line is a segment drawn w wide, as a polygon.
func line(x0, y0, x1, y1, w float64) []float64 {
	dx, dy := x1-x0, y1-y0
	l := math.Hypot(dx, dy)
	if l == 0 {
		return nil
	}
	nx, ny := -dy/l*w/2, dx/l*w/2
	return []float64{x0 + nx, y0 + ny, x1 + nx, y1 + ny, x1 - nx, y1 - ny, x0 - nx, y0 - ny}
}

// roundRect is a rectangle with rounded corners.
func roundRect(x, y, w, h, r float64) []float64 {
	var out []float64
	corners := [][3]float64{{x + w - r, y + r, -math.Pi / 2}, {x + w - r, y + h - r, 0}, {x + r, y + h - r, math.Pi / 2}, {x + r, y + r, math.Pi}}
	for _, k := range corners {
		out = append(out, arc(k[0], k[1], r, k[2], k[2]+math.Pi/2)...)
	}
	return out
}

// rect is a rectangle.
func rect(x, y, w, h float64) []float64 { return []float64{x, y, x + w, y, x + w, y + h, x, y + h} }

// reverse reverses a polygon's direction (a hole under non-zero winding).
func reverse(p []float64) []float64 {
	out := make([]float64, 0, len(p))
	for i := len(p) - 2; i >= 0; i -= 2 {
		out = append(out, p[i], p[i+1])
	}
	return out
}

var (
	white  = color.RGBA{255, 255, 255, 255}
	gold   = color.RGBA{0xf7, 0xc9, 0x48, 255}
	shadow = color.RGBA{0, 0, 0, 70}
)

// drawFlag draws a red flag flying from the top of its pole, the gold
// hammer and sickle in its canton.
func drawFlag(c *canvas, w, h float64, fringe bool) {
	const pad = 2.0
	x0, y0 := pad, pad+1
	c.fill(color.RGBA{0x4e, 0x3b, 0x2c, 255}, line(x0+0.8, y0, x0+0.8, y0+h+3, 1.6))
	cx := x0 + 1.6
	right := w + pad - 0.5
	wave := h * 0.09
	var top, bottom []float64
	for i := 0; i <= 16; i++ {
		t := float64(i) / 16
		off := math.Sin(t*2*math.Pi) * wave * -1
		top = append(top, cx+(right-cx)*t, y0+off)
	}
	for i := 16; i >= 0; i-- {
		t := float64(i) / 16
		off := math.Sin(t*2*math.Pi) * wave * -1
		bottom = append(bottom, cx+(right-cx)*t, y0+h-1+off)
	}
	cloth := append(top, bottom...)
	if fringe {
		// The gold fringe: the cloth drawn a little larger in gold below.
		var big []float64
		for i := 0; i < len(cloth); i += 2 {
			gx, gy := cloth[i], cloth[i+1]
			midY := y0 + (h-1)/2
			big = append(big, gx+0.7*math.Copysign(1, gx-(cx+right)/2), gy+0.7*math.Copysign(1, gy-midY))
		}
		c.fill(gold, big)
	}
	c.fill(color.RGBA{0xe0, 0x10, 0x1c, 255}, cloth)
	drawEmblem(c, cx+h*0.14, y0+h*0.1, h*0.42)
	c.fill(gold, circle(x0+0.8, y0-0.4, 1.8))
}

// drawEmblem draws the hammer and sickle in a box of size s.
func drawEmblem(c *canvas, x, y, s float64) {
	yellow := color.RGBA{0xff, 0xd7, 0x00, 255}
	mx, my := x+s/2, y+s/2
	c.fill(yellow, thickArc(mx+s*0.02, my-s*0.04, s*0.34, s*0.14, math.Pi*0.95, math.Pi*2.45))
	c.fill(yellow, line(mx-s*0.2, my+s*0.26, mx-s*0.38, my+s*0.44, s*0.14))
	c.fill(yellow, line(mx-s*0.3, my-s*0.3, mx+s*0.32, my+s*0.34, s*0.12))
	// The hammer's head, across the handle's top.
	hx, hy := mx-s*0.23, my-s*0.2
	c.fill(yellow, line(hx-s*0.16, hy+s*0.16, hx+s*0.16, hy-s*0.16, s*0.16))
}

// drawParking draws a rounded square with a white P.
func drawParking(c *canvas, col color.RGBA) {
	const s = 28.0
	c.fill(shadow, roundRect(2, 3, s, s, 6))
	c.fill(white, roundRect(1, 1, s+2, s+2, 7))
	c.fill(col, roundRect(2, 2, s, s, 6))
	// The P: a stem and a bowl with a hole.
	c.fill(white, rect(10.5, 8, 3.6, 16))
	bowl := thickArc(15.2, 12.8, 3.9, 3.4, -math.Pi/2, math.Pi/2)
	c.fill(white, bowl, rect(12, 7.2, 3.4, 3.4), rect(12, 15.2, 3.4, 3.4))
}

// drawBadge draws a round badge in the post's colour with a white
// pictogram, centred on 0, 0 in a 30-pixel circle.
func drawBadge(c *canvas, col color.RGBA, glyph func(*canvas)) {
	const s = 30.0
	c.fill(shadow, circle(2+s/2, 3+s/2, s/2-1))
	c.fill(white, circle(2+s/2, 2+s/2, s/2+0.1))
	c.fill(col, circle(2+s/2, 2+s/2, s/2-1.1))
	c.ox, c.oy = 2+s/2, 2+s/2
	glyph(c)
	c.ox, c.oy = 0, 0
}

func glyphHouse(c *canvas) {
	c.fill(white, []float64{-8, -1, 0, -8, 8, -1}, rect(-6, -1, 12, 8))
	c.fill(color.RGBA{0, 0x5b, 0x4f, 255}, rect(-1.5, 2, 3, 5))
}

func glyphHall(c *canvas) {
	c.fill(white, []float64{-9, -4, 0, -9, 9, -4}, rect(-9, 6, 18, 2.2))
	for _, x := range []float64{-7, -2.5, 2, 6.5} {
		c.fill(white, rect(x, -3, 2, 8))
	}
}

func glyphPerson(c *canvas) {
	c.fill(white, circle(-2, -4, 3.4))
	c.fill(white, append(arc(-2, 8, 6, math.Pi, 2*math.Pi), -2, 8))
	c.fill(white, arc(6, -6, 3.5, 0, 2*math.Pi))
}

func glyphPeople(c *canvas) {
	for _, x := range []float64{-5, 5} {
		c.fill(white, circle(x, -4, 3))
		c.fill(white, append(arc(x, 8, 5, math.Pi, 2*math.Pi), x, 8))
	}
	c.fill(white, circle(0, -1, 2.6), append(arc(0, 9, 4, math.Pi, 2*math.Pi), 0, 9))
}

func glyphNote(c *canvas) {
	c.fill(white, line(3, -8, 3, 5, 2), line(3, -8, 8, -5, 2))
	c.fill(white, circle(0, 5, 3.2))
	c.fill(white, line(-7, -8, -7, 3, 1.6), circle(-9, 3, 2.2))
}

func glyphBook(c *canvas) {
	c.fill(white, []float64{-9, -6, -1, -4, -1, 8, -9, 6}, []float64{1, -4, 9, -6, 9, 6, 1, 8})
}
