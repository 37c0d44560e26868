package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"partymap/internal/pmtiles"
	"partymap/internal/testdb"
)

// TestPMTiles_sameTilesAsTheServer writes the offline bundle (as
// `mapserver export-tiles` does) and reads it back with the pmtiles npm
// package, an independent reader: every tile it holds is the tile the
// server serves, byte for byte after decompression, and every tile the
// server serves with something in it is there.
func TestPMTiles_sameTilesAsTheServer(t *testing.T) {
	db, _ := testdb.Open(t, harness)
	srv := startServerOn(t, db, nil, nil)
	ctx := context.Background()
	bounds, ok, err := db.TileBounds(ctx)
	if err != nil || !ok {
		t.Fatalf("tile bounds: %v %v", ok, err)
	}
	const minZoom, maxZoom = 10, 18
	path := filepath.Join(t.TempDir(), "xiyue.pmtiles")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := pmtiles.Write(ctx, f, db, pmtiles.Options{MinZoom: minZoom, MaxZoom: maxZoom, Bounds: bounds, Metadata: map[string]any{"name": "Xiyue"}})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("archive: %d tiles, %d empty, %d bytes", st.Tiles, st.Empty, st.Bytes)

	var tiles [][3]uint32
	for z := minZoom; z <= maxZoom; z++ {
		lo := maptile.At(orb.Point{bounds.Min[0], bounds.Max[1]}, maptile.Zoom(z))
		hi := maptile.At(orb.Point{bounds.Max[0], bounds.Min[1]}, maptile.Zoom(z))
		for x := lo.X; x <= hi.X; x++ {
			for y := lo.Y; y <= hi.Y; y++ {
				tiles = append(tiles, [3]uint32{uint32(z), x, y})
			}
		}
	}
	list, _ := json.Marshal(tiles)
	script := `
import { PMTiles } from 'pmtiles';
import { openSync, readSync, readFileSync } from 'node:fs';
const [file, listFile] = process.argv.slice(1);
const fd = openSync(file, 'r');
const source = {
  getKey: () => file,
  getBytes: async (offset, length) => {
    const buf = Buffer.alloc(length);
    const n = readSync(fd, buf, 0, length, offset);
    return { data: buf.buffer.slice(buf.byteOffset, buf.byteOffset + n) };
  },
};
const p = new PMTiles(source);
const header = await p.getHeader();
const out = { header: { minZoom: header.minZoom, maxZoom: header.maxZoom, tiles: header.numAddressedTiles, tileType: header.tileType, metadata: await p.getMetadata() }, tiles: {} };
for (const [z, x, y] of JSON.parse(readFileSync(listFile, 'utf8'))) {
  const t = await p.getZxy(z, x, y);
  out.tiles[z + '/' + x + '/' + y] = t ? Buffer.from(t.data).toString('base64') : null;
}
process.stdout.write(JSON.stringify(out));
`
	listPath := filepath.Join(t.TempDir(), "tiles.json")
	if err := os.WriteFile(listPath, list, 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, err := node(t, "--input-type=module", "-e", script, path, listPath)
	if err != nil {
		t.Fatalf("the pmtiles reader: %v\n%s", err, stderr)
	}
	var got struct {
		Header struct {
			MinZoom, MaxZoom, Tiles, TileType int
			Metadata                          map[string]any
		}
		Tiles map[string]*string
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	if got.Header.MinZoom != minZoom || got.Header.MaxZoom != maxZoom || got.Header.Tiles != st.Tiles || got.Header.TileType != 1 || got.Header.Metadata["name"] != "Xiyue" {
		t.Errorf("header as the reader sees it: %+v; want zooms %d–%d, %d MVT tiles, the metadata", got.Header, minZoom, maxZoom, st.Tiles)
	}
	found := 0
	for _, tl := range tiles {
		key := fmt.Sprintf("%d/%d/%d", tl[0], tl[1], tl[2])
		res, err := http.Get(srv.URL + "/tiles/" + key + ".mvt")
		if err != nil {
			t.Fatal(err)
		}
		served, err := io.ReadAll(res.Body) // the client undoes the gzip it asked for
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		archived := []byte(nil)
		if b := got.Tiles[key]; b != nil {
			found++
			if archived, err = base64.StdEncoding.DecodeString(*b); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(served, archived) {
			t.Errorf("tile %s: the archive holds %d bytes, the server serves %d (status %d)", key, len(archived), len(served), res.StatusCode)
		}
	}
	if found != st.Tiles || found < maxZoom-minZoom+1 {
		t.Errorf("the reader found %d tiles, the writer wrote %d", found, st.Tiles)
	}
}
