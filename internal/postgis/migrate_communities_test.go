package postgis_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"partymap/data"
	"partymap/internal/geo"
	"partymap/internal/postgis"
	"partymap/migrations"
)

// A database made before the map knew many communities (migrations up to
// 006, one community outline, grids XY01 … XY15) is migrated in place: the
// outline becomes the community XY, every feature gets its community from
// where it lies (a co-building unit outside the outline the nearest), and
// the history says so.
func TestMigrate_oneCommunityBecomesARowOfCommunities(t *testing.T) {
	ctx := context.Background()
	const name = "migrate_communities"
	if err := harness.Cluster().CreateDatabase(ctx, name, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = harness.Cluster().DropDatabase(context.Background(), name) })
	connString := harness.ConnString(name)
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)

	// The schema of the earlier version, as its migrations left it.
	entries, err := fs.Glob(migrations.Files, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		v, _ := strconv.Atoi(strings.SplitN(e, "_", 2)[0])
		if v > 6 {
			continue
		}
		body, _ := fs.ReadFile(migrations.Files, e)
		if _, err := conn.Exec(ctx, string(body)); err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		if _, err := conn.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, v, e); err != nil {
			t.Fatal(err)
		}
	}
	// Its data: the outline, the grids, the posts and the organizations of
	// the Xiyue data set, written as that version's import would have.
	load := func(layer, table string, columns ...string) int {
		t.Helper()
		raw, err := fs.ReadFile(data.GeoJSON, "geojson/"+layer+".geojson")
		if err != nil {
			t.Fatal(err)
		}
		var fc struct {
			Features []struct {
				ID         int64           `json:"id"`
				Geometry   json.RawMessage `json:"geometry"`
				Properties map[string]any  `json:"properties"`
			} `json:"features"`
		}
		if err := json.Unmarshal(raw, &fc); err != nil {
			t.Fatal(err)
		}
		for _, f := range fc.Features {
			cols := append([]string{"id", "geom"}, columns...)
			args := []any{f.ID, string(f.Geometry)}
			ph := []string{"$1", "ST_SetSRID(ST_GeomFromGeoJSON($2), 4326)"}
			for i, c := range columns {
				args = append(args, f.Properties[c])
				ph = append(ph, fmt.Sprintf("$%d", i+3))
			}
			sql := fmt.Sprintf(`INSERT INTO %s (%s) VALUES (%s)`, table, strings.Join(cols, ", "), strings.Join(ph, ", "))
			if _, err := conn.Exec(ctx, sql, args...); err != nil {
				t.Fatalf("%s %d: %v", table, f.ID, err)
			}
		}
		return len(fc.Features)
	}
	load("communities", "community", "name_zh", "name_en")
	load("grids", "grids", "name_zh", "name_en", "code", "leader_zh", "leader_en", "leader_phone", "branch_zh", "branch_en", "color", "households")
	posts := load("posts", "posts", "name_zh", "name_en", "kind", "services", "hours", "phone")
	orgs := load("organizations", "organizations", "name_zh", "name_en", "kind", "level", "parent_id", "members")
	conn.Close(ctx)

	db, err := postgis.Open(ctx, connString, geo.NewCatalogue(), postgis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	// Everything after 006 is applied, in order, 020 among it.
	if !slices.Contains(applied, "020_communities.sql") || !slices.IsSorted(applied) || !strings.HasPrefix(applied[0], "010_") {
		t.Errorf("applied %v, want every migration after 006 in order, 020_communities.sql among them", applied)
	}
	page, err := db.FindFeatures(ctx, geo.Filter{Layer: geo.CommunityLayer, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Features) != 1 {
		t.Fatalf("got %d communities, want the one outline", len(page.Features))
	}
	c := page.Features[0]
	if c.ID != 1 || c.Properties["code"] != "XY" || c.Properties["name_zh"] != "西岳社区" {
		t.Errorf("community: got %d %v, want 1, code XY (what its grid codes start with), 西岳社区", c.ID, c.Properties)
	}
	count := func(sql string) int {
		t.Helper()
		var n int
		if err := db.Pool().QueryRow(ctx, sql).Scan(&n); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return n
	}
	for _, tt := range []struct {
		sql  string
		want int
	}{
		{`SELECT count(*) FROM posts WHERE community = 'XY'`, posts},
		{`SELECT count(*) FROM organizations WHERE community = 'XY'`, orgs},
		{`SELECT count(*) FROM grids WHERE community = 'XY'`, 15},
		{`SELECT count(*) FROM history WHERE layer = 'communities' AND reason = 'migrate' AND who = 'migration'`, 1},
		{`SELECT count(*) FROM pg_tables WHERE tablename = 'community'`, 0},
	} {
		if got := count(tt.sql); got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.sql, got, tt.want)
		}
	}
	// The temple's co-building unit stands outside the outline: the
	// nearest community is still its own.
	if got := count(`SELECT count(*) FROM organizations WHERE community = 'XY' AND NOT ST_Covers((SELECT geom FROM communities), geom)`); got < 1 {
		t.Errorf("organizations outside the outline with community XY: got %d, want some", got)
	}
	if err := db.Ping(ctx); err != nil {
		t.Errorf("after migrating: %v", err)
	}
}
