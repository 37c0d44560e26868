package postgis

import (
	"context"

	"partymap/internal/geo"
)

// LayerFile is one layer of an export: its file name and features.
type LayerFile struct {
	File     string
	Layer    geo.Layer
	Features []geo.Feature
}

// ReadAll returns every feature of every stored layer, ordered by id, the
// layers in the order an import writes them: what an export writes.
func (db *DB) ReadAll(ctx context.Context) ([]LayerFile, error) {
	var out []LayerFile
	for _, l := range db.cat.WriteOrder() {
		rows, err := db.pool.Query(ctx, db.sql.layer(l.Name).all)
		if err != nil {
			return nil, storeError(err)
		}
		fs, err := collectFeatures(l, rows)
		if err != nil {
			return nil, storeError(err)
		}
		out = append(out, LayerFile{File: l.Name + ".geojson", Layer: l, Features: fs})
	}
	return out, nil
}
