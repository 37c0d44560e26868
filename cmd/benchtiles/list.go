package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"partymap/internal/geo"
)

// runList lists the tiles to measure and fetches their bytes.
func runList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("benchtiles list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", "http://127.0.0.1:18080", "the tile server")
	out := fs.String("out", "", "directory to write the tile lists and bytes into")
	zoomList := fs.String("zooms", "12,14,16", "zooms to list, comma-separated")
	limit := fs.Int("max", 256, "most tiles per zoom, nearest the centre of the bounds")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("-out is required")
	}
	zooms, err := parseZooms(*zoomList)
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{DisableCompression: true}}
	bounds, err := fetchBounds(ctx, client, *base)
	if err != nil {
		return err
	}
	for _, z := range zooms {
		tiles := middleTiles(bounds, z, *limit)
		var paths []string
		var bytes int
		for _, t := range tiles {
			path := fmt.Sprintf("/tiles/%d/%d/%d.mvt", t.Z, t.X, t.Y)
			body, status, err := fetchTile(ctx, client, *base+path)
			if err != nil {
				return err
			}
			if status == http.StatusNoContent {
				continue
			}
			file := filepath.Join(*out, "static", filepath.FromSlash(path))
			if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(file, body, 0o644); err != nil {
				return err
			}
			paths = append(paths, path)
			bytes += len(body)
		}
		if len(paths) == 0 {
			return fmt.Errorf("no tile at zoom %d over %v has anything in it", z, bounds)
		}
		list := filepath.Join(*out, fmt.Sprintf("urls-z%d.txt", z))
		if err := os.WriteFile(list, []byte(strings.Join(paths, "\n")+"\n"), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "z%d: %d tiles with features of %d listed, %d gzip bytes on average\n", z, len(paths), len(tiles), bytes/len(paths))
	}
	return nil
}

// parseZooms reads "12,14,16".
func parseZooms(s string) ([]maptile.Zoom, error) {
	var zooms []maptile.Zoom
	for _, part := range strings.Split(s, ",") {
		z, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || z < 0 || z > geo.TileMaxZoom {
			return nil, fmt.Errorf("zoom %q: want whole numbers from 0 to %d", part, geo.TileMaxZoom)
		}
		zooms = append(zooms, maptile.Zoom(z))
	}
	return zooms, nil
}

// fetchBounds reads the bounds of the server's TileJSON.
func fetchBounds(ctx context.Context, client *http.Client, base string) (orb.Bound, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/tiles.json", nil)
	if err != nil {
		return orb.Bound{}, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return orb.Bound{}, err
	}
	defer resp.Body.Close()
	var doc struct {
		Bounds []float64 `json:"bounds"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || len(doc.Bounds) != 4 {
		return orb.Bound{}, fmt.Errorf("%s/tiles.json: got status %d and no bounds (%v)", base, resp.StatusCode, err)
	}
	return orb.Bound{Min: orb.Point{doc.Bounds[0], doc.Bounds[1]}, Max: orb.Point{doc.Bounds[2], doc.Bounds[3]}}, nil
}

// fetchTile gets one tile's gzip bytes.
func fetchTile(ctx context.Context, client *http.Client, url string) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, 0, err
	}
	switch {
	case resp.StatusCode == http.StatusNoContent:
		return nil, resp.StatusCode, nil
	case resp.StatusCode != http.StatusOK:
		return nil, 0, fmt.Errorf("GET %s: got %d %s", url, resp.StatusCode, body)
	case resp.Header.Get("Content-Encoding") != "gzip":
		return nil, 0, fmt.Errorf("GET %s: the tile is not gzip-encoded", url)
	}
	return body, resp.StatusCode, nil
}

// middleTiles returns up to n tiles of zoom z covering bound, nearest its
// centre first.
func middleTiles(bound orb.Bound, z maptile.Zoom, n int) []maptile.Tile {
	tiles := geo.TilesCovering(bound, z)
	centre := maptile.At(bound.Center(), z)
	dist := func(t maptile.Tile) int64 {
		dx, dy := int64(t.X)-int64(centre.X), int64(t.Y)-int64(centre.Y)
		return dx*dx + dy*dy
	}
	slices.SortStableFunc(tiles, func(a, b maptile.Tile) int { return int(dist(a) - dist(b)) })
	return tiles[:min(n, len(tiles))]
}
