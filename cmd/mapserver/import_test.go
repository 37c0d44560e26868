package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/internal/pgtest"
	"partymap/internal/postgis"
	"partymap/internal/testdb"
)

var harness *pgtest.Harness

func TestMain(m *testing.M) { os.Exit(testdb.Main(m, &harness)) }

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// sharedServer builds mapserver once for the tests that only run its
// commands.
func sharedServer(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mapserver-bin")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "mapserver")
		if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			binErr = errors.New(string(out))
		}
	})
	if binErr != nil {
		t.Fatalf("build: %v", binErr)
	}
	return binPath
}

// importCLI runs `mapserver import DIR` on the database and returns its
// output and exit code.
func importCLI(t *testing.T, conn, dir string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(sharedServer(t), "import", "-database-url", conn, "-log-level", "warn", "-as", "tester", dir)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

// apiEnv is the real router on a database, with an editor of every grid.
type apiEnv struct {
	h     http.Handler
	token string
}

func newAPI(t *testing.T, db *postgis.DB) apiEnv {
	t.Helper()
	ctx := context.Background()
	if _, err := db.CreateUser(ctx, "importer", geo.Editor, geo.Scope{}, "a long enough password"); err != nil {
		t.Fatal(err)
	}
	tok, _, err := db.CreateToken(ctx, "importer", "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	api, err := httpapi.New(httpapi.Config{Catalogue: geo.NewCatalogue(), Store: db, Accounts: db, Edits: db,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return apiEnv{h: api.Handler(), token: tok}
}

// importAPI posts a file to /api/import: a dry run, then, when it passes
// and apply is set, the same file with the dry run's ETag.
func (a apiEnv) importAPI(t *testing.T, layer string, file []byte, apply bool) (int, []byte) {
	t.Helper()
	send := func(query, etag string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/api/import?layer="+layer+query, strings.NewReader(string(file)))
		req.Header.Set("Authorization", "Bearer "+a.token)
		req.Header.Set("Content-Type", "application/geo+json")
		if etag != "" {
			req.Header.Set("If-Match", etag)
		}
		rec := httptest.NewRecorder()
		a.h.ServeHTTP(rec, req)
		return rec
	}
	r := send("&dry_run=true", "")
	if r.Code != http.StatusOK || !apply {
		return r.Code, r.Body.Bytes()
	}
	r = send("", r.Header().Get("ETag"))
	return r.Code, r.Body.Bytes()
}

// layerFile exports a layer as GeoJSON, changed by edit.
func layerFile(t *testing.T, db *postgis.DB, layer string, edit func(fc *geojson.FeatureCollection)) []byte {
	t.Helper()
	files, err := db.ReadAll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	fc := geojson.NewFeatureCollection()
	for _, lf := range files {
		if lf.Layer.Name == layer {
			for _, f := range lf.Features {
				fc.Append(geo.EncodeFeature(f))
			}
		}
	}
	edit(fc)
	b, err := json.Marshal(fc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeDir(t *testing.T, name string, data []byte) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func count(t *testing.T, db *postgis.DB, sql string) int64 {
	t.Helper()
	var n int64
	if err := db.Pool().QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// `mapserver import` of a grids.geojson in which grid XY07 swallows its
// neighbour XY08 is refused with exactly the violations the API's 422
// gives for the same file, exits non-zero printing them, and writes
// nothing.
func TestImport_CLIRefusesASwallowingGrid(t *testing.T) {
	db, conn := testdb.Open(t, harness)
	file := layerFile(t, db, "grids", func(fc *geojson.FeatureCollection) {
		var g7, g8 orb.Ring
		for _, f := range fc.Features {
			switch f.Properties["code"] {
			case "XY07":
				g7 = f.Geometry.(orb.Polygon)[0]
			case "XY08":
				g8 = f.Geometry.(orb.Polygon)[0]
			}
		}
		// XY07's west half and all of XY08: its ring round both.
		swallow := orb.Polygon{{g7[0], g8[1], g8[2], g8[3], g7[3], g7[0]}}
		for _, f := range fc.Features {
			if f.Properties["code"] == "XY07" {
				f.Geometry = swallow
			}
		}
	})
	history := count(t, db, `SELECT count(*) FROM history`)
	versions := count(t, db, `SELECT sum(version) FROM grids`)

	status, body := newAPI(t, db).importAPI(t, "grids", file, false)
	var problem struct {
		Violations []geo.Violation `json:"violations"`
	}
	if err := json.Unmarshal(body, &problem); err != nil || status != http.StatusUnprocessableEntity {
		t.Fatalf("API: got %d %s, want 422", status, body)
	}
	var overlap bool
	for _, v := range problem.Violations {
		overlap = overlap || v.Rule == "grid_overlap" && strings.Contains(v.MessageEn, "grid XY07") && strings.Contains(v.MessageEn, "grid XY08")
	}
	if !overlap {
		t.Fatalf("API violations %+v, want grid_overlap of XY07 and XY08", problem.Violations)
	}

	stdout, stderr, code := importCLI(t, conn, writeDir(t, "grids.geojson", file))
	if code == 0 {
		t.Fatalf("mapserver import exited 0:\n%s%s", stdout, stderr)
	}
	if got := strings.Count(stderr, "\n  ["); got != len(problem.Violations) {
		t.Errorf("the CLI printed %d violations, the API gave %d:\n%s", got, len(problem.Violations), stderr)
	}
	for _, v := range problem.Violations {
		if !strings.Contains(stderr, "["+v.Rule+"] "+v.MessageEn+"\n") || !strings.Contains(stderr, v.MessageZh) {
			t.Errorf("the CLI's output lacks the API's violation %s: %s / %s\n%s", v.Rule, v.MessageEn, v.MessageZh, stderr)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM history`); n != history {
		t.Errorf("history rows: %d, want %d", n, history)
	}
	if n := count(t, db, `SELECT sum(version) FROM grids`); n != versions {
		t.Errorf("the grids' versions changed: sum %d, want %d", n, versions)
	}
}

// The same file imported by the CLI into one copy of the map and through
// /api/import into another leaves both the same, with the same history.
func TestImport_CLIAndAPIAgree(t *testing.T) {
	cliDB, conn := testdb.Open(t, harness)
	apiDB, _ := testdb.Open(t, harness)
	file := layerFile(t, cliDB, "posts", func(fc *geojson.FeatureCollection) {
		for _, f := range fc.Features {
			switch f.ID {
			case float64(13), int64(13):
				f.Geometry = orb.Point{110.0972, 34.5731} // into XY07; the file still says XY08
			case float64(2), int64(2):
				f.Properties["hours"] = "07:00-21:00"
			}
		}
		fresh := geojson.NewFeature(orb.Point{110.0995, 34.5720})
		fresh.Properties = geojson.Properties{"name_zh": "新驿站", "name_en": "New cabin", "kind": "cabin",
			"services": []any{"water", "wifi"}, "hours": "08:00-18:00", "grid_code": "XY01"}
		fc.Append(fresh)
	})
	since := count(t, cliDB, `SELECT max(id) FROM history`)

	stdout, stderr, code := importCLI(t, conn, writeDir(t, "posts.geojson", file))
	if code != 0 {
		t.Fatalf("mapserver import: exit %d\n%s%s", code, stdout, stderr)
	}
	status, body := newAPI(t, apiDB).importAPI(t, "posts", file, true)
	if status != http.StatusOK {
		t.Fatalf("API import: %d %s", status, body)
	}
	var plan geo.ImportPlan
	if err := json.Unmarshal(body, &plan); err != nil {
		t.Fatal(err)
	}
	if want := regexp.MustCompile(`posts\s+1 inserted\s+2 updated\s+11 unchanged`); !want.MatchString(stdout) || plan.Inserted != 1 || plan.Updated != 2 || plan.Unchanged != 11 {
		t.Errorf("CLI said %q, API %d/%d/%d; want 1 inserted, 2 updated, 11 unchanged from both", stdout, plan.Inserted, plan.Updated, plan.Unchanged)
	}

	ctx := context.Background()
	read := func(db *postgis.DB) []geo.Feature {
		page, err := db.FindFeatures(ctx, geo.Filter{Layer: "posts", Limit: geo.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		for i, f := range page.Features {
			page.Features[i].UpdatedAt, page.Features[i].UpdatedBy = time.Time{}, ""
			if f.ID > 13 {
				// The new post's id: the API's dry run drew one from the
				// sequence already (a rollback does not give it back).
				page.Features[i].ID = 0
			}
		}
		return page.Features
	}
	if diff := cmp.Diff(read(cliDB), read(apiDB)); diff != "" {
		t.Errorf("the posts differ (-CLI +API):\n%s", diff)
	}
	history := func(db *postgis.DB) []string {
		rows, err := db.Pool().Query(ctx, `SELECT layer || ' ' || CASE WHEN operation = 'insert' THEN 0 ELSE feature_id END || ' v' || version
				|| ' ' || operation || ' ' || reason || ' ' || (new_props - 'id')::text
			FROM history WHERE id > $1 ORDER BY layer, feature_id, version`, since)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		return out
	}
	got, want := history(cliDB), history(apiDB)
	if len(got) != 3 {
		t.Errorf("the CLI import wrote %d history rows, want 3:\n%s", len(got), strings.Join(got, "\n"))
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("the history differs (-CLI +API):\n%s", diff)
	}
	if !strings.Contains(strings.Join(got, "\n"), `"grid_code": "XY07"`) {
		t.Errorf("post 13 moved into XY07 is not recorded there:\n%s", strings.Join(got, "\n"))
	}
}
