package postgis

import (
	"context"
	"fmt"
)

// ReadAll returns every feature of every layer, the community outline
// first, ordered by id: what an export writes.
func (db *DB) ReadAll(ctx context.Context) ([]LayerFile, error) {
	var out []LayerFile
	for _, l := range db.importLayers() {
		rows, err := db.pool.Query(ctx, fmt.Sprintf(`SELECT %s FROM %s ORDER BY id`, selectList(l), l.Name))
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
