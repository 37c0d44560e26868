package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"partymap/internal/geo"
	"partymap/internal/pmtiles"
)

// exportMaxZoom is the deepest zoom written by default: as /tiles.json
// says, from z18 a tile unit is under 4 cm and clients overzoom.
const exportMaxZoom = 18

// runExportTiles writes the map's vector tiles into one PMTiles archive:
// the offline bundle for a kiosk without a server, QGIS or a USB stick.
func runExportTiles(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("export-tiles", &cfg, stderr)
	out := fs.String("o", "", "the archive to write, e.g. xiyue.pmtiles (required)")
	minZoom := fs.Int("minzoom", 10, "first zoom to write")
	maxZoom := fs.Int("maxzoom", exportMaxZoom, "last zoom to write (clients overzoom beyond it)")
	bbox := fs.String("bbox", "", "only the tiles that meet minLon,minLat,maxLon,maxLat (default: everything the tiles draw)")
	code := fs.String("c", "", "only the tiles of the community with this code (when the map has several)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mapserver export-tiles -o FILE.pmtiles [-minzoom N] [-maxzoom N] [-bbox …] [-c CODE] [flags]\n\nWrites every tile of the map (or of one community, or a box) into one PMTiles v3 archive.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() != 0 {
		fs.Usage()
		return fmt.Errorf("export-tiles needs -o FILE.pmtiles and no other arguments")
	}
	if *bbox != "" && *code != "" {
		return fmt.Errorf("give -bbox or -c, not both")
	}
	log := cfg.logger(stderr)
	d, err := openDatabase(ctx, cfg, geo.NewCatalogue(), log)
	if err != nil {
		return err
	}
	defer d.close()
	bounds, name, err := exportBounds(ctx, d, *bbox, *code)
	if err != nil {
		return err
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	st, err := pmtiles.Write(ctx, w, d.db, pmtiles.Options{
		MinZoom: *minZoom, MaxZoom: *maxZoom, Bounds: bounds,
		Metadata: map[string]any{"name": name, "format": "pbf", "attribution": "partymap", "vector_layers": vectorLayers(geo.NewCatalogue())},
	})
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(*out)
		return err
	}
	fmt.Fprintf(stdout, "%d tiles (zoom %d–%d, %d empty left out), %d bytes → %s\n", st.Tiles, *minZoom, *maxZoom, st.Empty, st.Bytes, *out)
	return nil
}

// exportBounds is the box the archive covers: the one given, a community's
// outline, or everything the tiles draw.
func exportBounds(ctx context.Context, d *database, bbox, code string) (orb.Bound, string, error) {
	switch {
	case bbox != "":
		parts := strings.Split(bbox, ",")
		var v [4]float64
		ok := len(parts) == 4
		for i := 0; ok && i < 4; i++ {
			var err error
			v[i], err = strconv.ParseFloat(strings.TrimSpace(parts[i]), 64)
			ok = err == nil
		}
		if !ok || v[0] >= v[2] || v[1] >= v[3] || v[0] < -180 || v[2] > 180 || v[1] < -85 || v[3] > 85 {
			return orb.Bound{}, "", fmt.Errorf("-bbox must be minLon,minLat,maxLon,maxLat in degrees, the minimum below the maximum; got %q", bbox)
		}
		return orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}, "partymap", nil
	case code != "":
		ov, err := d.db.Overview(ctx)
		if err != nil {
			return orb.Bound{}, "", err
		}
		var codes []string
		for _, c := range ov.Communities {
			if c.Code == code {
				return c.Bound, c.Name.Zh, nil
			}
			codes = append(codes, c.Code)
		}
		return orb.Bound{}, "", fmt.Errorf("there is no community with code %q; the communities are %s", code, strings.Join(codes, ", "))
	}
	b, ok, err := d.db.TileBounds(ctx)
	if err != nil {
		return orb.Bound{}, "", err
	}
	if !ok {
		return orb.Bound{}, "", fmt.Errorf("the map is empty: there are no tiles to write")
	}
	return b, "partymap", nil
}

// vectorLayers describes the archive's tile layers for its metadata, as
// TileJSON does: each layer's zooms and the fields its features carry.
func vectorLayers(cat *geo.Catalogue) []map[string]any {
	var out []map[string]any
	for _, tl := range cat.TileLayers() {
		fields := map[string]string{}
		for _, f := range tl.Fields {
			fields[f.Name] = f.Type
		}
		out = append(out, map[string]any{"id": tl.Name, "minzoom": tl.MinZoom, "maxzoom": min(tl.MaxZoom, exportMaxZoom), "fields": fields})
	}
	return out
}
