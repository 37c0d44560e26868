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

// runPick prints the tile whose gzip answer is nearest a size: the bench
// measures a small and a large tile of the real data.
func runPick(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("benchtiles pick", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", "http://127.0.0.1:18080", "the tile server")
	zoomList := fs.String("zooms", "13,14,15,16", "zooms to look at, comma-separated")
	near := fs.Int("near", 5000, "gzip size wanted, in bytes")
	limit := fs.Int("max", 64, "most tiles per zoom, nearest the centre of the bounds")
	if err := fs.Parse(args); err != nil {
		return err
	}
	zooms, err := parseZooms(*zoomList)
	if err != nil {
		return err
	}
	client := newClient()
	bounds, err := fetchBounds(ctx, client, *base)
	if err != nil {
		return err
	}
	best, bestSize := "", -1
	for _, z := range zooms {
		for _, t := range middleTiles(bounds, z, *limit) {
			path := fmt.Sprintf("/tiles/%d/%d/%d.mvt", t.Z, t.X, t.Y)
			body, enc, status, err := fetch(ctx, client, *base+path, true)
			if err != nil {
				return err
			}
			if status != http.StatusOK || enc != "gzip" {
				continue
			}
			if bestSize < 0 || abs(len(body)-*near) < abs(bestSize-*near) {
				best, bestSize = path, len(body)
			}
		}
	}
	if best == "" {
		return fmt.Errorf("no tile with features at zooms %s over %v", *zoomList, bounds)
	}
	fmt.Fprintf(stdout, "%s\t%d\n", best, bestSize)
	return nil
}

// runFetch writes the answers to the given paths, as the server sends
// them, under DIR: the identity bytes at DIR/path, the gzip bytes (when the
// server compresses the answer) at DIR/path.gz, where nginx's gzip_static
// and benchtiles serve find them.
func runFetch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("benchtiles fetch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", "http://127.0.0.1:18080", "the server")
	out := fs.String("out", "", "directory to write the answers into")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() == 0 {
		return fmt.Errorf("want -out DIR and the paths to fetch")
	}
	client := newClient()
	for _, path := range fs.Args() {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, "?#") || strings.Contains(path, "..") {
			return fmt.Errorf("%q: want an absolute path without a query", path)
		}
		file := filepath.Join(*out, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			return err
		}
		plain, enc, status, err := fetch(ctx, client, *base+path, false)
		if err != nil {
			return err
		}
		if status != http.StatusOK || enc != "" {
			return fmt.Errorf("GET %s without gzip: got %d, Content-Encoding %q", path, status, enc)
		}
		if err := os.WriteFile(file, plain, 0o644); err != nil {
			return err
		}
		gz, enc, status, err := fetch(ctx, client, *base+path, true)
		if err != nil {
			return err
		}
		if status != http.StatusOK {
			return fmt.Errorf("GET %s with gzip: got %d", path, status)
		}
		if enc == "gzip" {
			if err := os.WriteFile(file+".gz", gz, 0o644); err != nil {
				return err
			}
		}
		fmt.Fprintf(stdout, "%s\t%d\t%d\n", path, len(plain), len(gz))
	}
	return nil
}

func newClient() *http.Client {
	return &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{DisableCompression: true}}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
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

// fetch gets one answer's bytes as sent, asking for gzip or not, with its
// Content-Encoding and status.
func fetch(ctx context.Context, client *http.Client, url string, gzip bool) ([]byte, string, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, "", 0, err
	}
	if gzip {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, "", 0, err
	}
	return body, resp.Header.Get("Content-Encoding"), resp.StatusCode, nil
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

// runBBox prints the bounds of a tile path, /tiles/z/x/y.mvt, as a bbox
// parameter: minLon,minLat,maxLon,maxLat.
func runBBox(args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return fmt.Errorf("want one tile path, /tiles/z/x/y.mvt")
	}
	parts := strings.Split(strings.TrimSuffix(strings.TrimPrefix(args[0], "/tiles/"), ".mvt"), "/")
	if len(parts) != 3 {
		return fmt.Errorf("%q is not a tile path /tiles/z/x/y.mvt", args[0])
	}
	id, err := geo.ParseTileID(parts[0], parts[1], parts[2])
	if err != nil {
		return err
	}
	b := id.Tile().Bound()
	fmt.Fprintf(stdout, "%.6f,%.6f,%.6f,%.6f\n", b.Min[0], b.Min[1], b.Max[0], b.Max[1])
	return nil
}
