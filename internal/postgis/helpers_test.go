package postgis_test

import (
	"fmt"
	"math/big"
	"time"

	"partymap/internal/geo"
	"partymap/internal/postgis"

	"github.com/jackc/pgx/v5/pgtype"
)

// fmtNum prints a count or a numeric result of a query.
func fmtNum(v any) string {
	switch n := v.(type) {
	case pgtype.Numeric:
		f, _ := n.Float64Value()
		return fmt.Sprint(f.Float64)
	case *big.Int:
		return n.String()
	case nil:
		return "NULL"
	}
	return fmt.Sprint(v)
}

// byLayer maps each layer to its features, without the bookkeeping that an
// import legitimately changes (version, who, when).
func byLayer(lfs []postgis.LayerFile) map[string][]geo.Feature {
	out := map[string][]geo.Feature{}
	for _, lf := range lfs {
		for _, f := range lf.Features {
			f.Version, f.UpdatedAt, f.UpdatedBy = 0, time.Time{}, ""
			out[lf.Layer.Name] = append(out[lf.Layer.Name], f)
		}
	}
	return out
}
