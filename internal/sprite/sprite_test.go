package sprite_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"partymap/internal/sprite"
)

var update = flag.Bool("update", false, "write testdata/sprite@2x.png to look at")

// Every icon the style names is in both sheets, at the place the index
// says, drawn (neither empty nor a solid block), and the 2× sheet is the
// 1× one at twice the size.
func TestSprite_sheets(t *testing.T) {
	s, err := sprite.New()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"flag-0", "flag-1", "flag-2", "flag-3", "flag-4", "flag-unit", "parking", "parking-full",
		"post-activity_room", "post-cabin", "post-cultural_space", "post-library", "post-rep_studio", "post-service_hall"}
	sizes := map[int]map[string][2]int{}
	for _, ratio := range []int{1, 2} {
		sheet := s.Sheet(ratio)
		var index map[string]struct{ X, Y, Width, Height, PixelRatio int }
		if err := json.Unmarshal(sheet.JSON, &index); err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(sheet.PNG))
		if err != nil {
			t.Fatal(err)
		}
		sizes[ratio] = map[string][2]int{}
		for _, name := range want {
			e, ok := index[name]
			if !ok || e.PixelRatio != ratio {
				t.Errorf("@%dx: %s missing or of ratio %d", ratio, name, e.PixelRatio)
				continue
			}
			sizes[ratio][name] = [2]int{e.Width, e.Height}
			opaque, total := 0, e.Width*e.Height
			for y := e.Y; y < e.Y+e.Height; y++ {
				for x := e.X; x < e.X+e.Width; x++ {
					if _, _, _, a := img.At(x, y).RGBA(); a > 0x8000 {
						opaque++
					}
				}
			}
			if opaque < total/8 || opaque == total {
				t.Errorf("@%dx %s: %d of %d pixels opaque; want a drawing", ratio, name, opaque, total)
			}
		}
		if len(index) != len(want) {
			t.Errorf("@%dx: %d icons, want %d", ratio, len(index), len(want))
		}
	}
	for _, name := range want {
		if a, b := sizes[1][name], sizes[2][name]; b[0] < 2*a[0]-1 || b[0] > 2*a[0]+1 || b[1] < 2*a[1]-1 || b[1] > 2*a[1]+1 {
			t.Errorf("%s: %v at 1×, %v at 2×", name, a, b)
		}
		own, ok := s.Icon(name)
		if !ok {
			t.Errorf("%s: no PNG of its own", name)
			continue
		}
		if cfg, err := png.DecodeConfig(bytes.NewReader(own)); err != nil || cfg.Width != sizes[2][name][0] {
			t.Errorf("%s: own PNG %v, %v", name, cfg, err)
		}
	}
	if *update {
		_ = os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(filepath.Join("testdata", "sprite@2x.png"), s.Sheet(2).PNG, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_ = image.Point{}
}
