package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"partymap/internal/geo"
)

// runMigrate applies the migrations and exits.
func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("migrate", &cfg, stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := cfg.logger(stderr)
	d, err := openDatabase(ctx, cfg, geo.NewCatalogue(), log)
	if err != nil {
		return err
	}
	d.close()
	fmt.Fprintln(stdout, "migrations applied")
	return nil
}

// runImport upserts the GeoJSON files of a directory, through the same
// import as the API's /api/import (postgis.DB.Import) as the system actor:
// one transaction over every layer, validated as a whole. Any broken rule
// is printed, in English and Chinese, and nothing is written.
func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("import", &cfg, stderr)
	who := fs.String("as", envOr("USER", "import"), "name recorded in the history as who imported")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mapserver import [flags] DIR\n\nUpserts <layer>.geojson files (by feature id) from DIR in one transaction.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("import needs one directory; got %d arguments", fs.NArg())
	}
	log := cfg.logger(stderr)
	d, err := openDatabase(ctx, cfg, geo.NewCatalogue(), log)
	if err != nil {
		return err
	}
	defer d.close()
	files, err := d.db.ReadDir(os.DirFS(fs.Arg(0)))
	if err != nil {
		return describeError(err)
	}
	plans, _, err := d.db.Import(ctx, files, "", geo.EditOptions{Actor: geo.SystemUser("import:" + *who)})
	if err != nil {
		return describeError(err)
	}
	for _, p := range plans {
		fmt.Fprintf(stdout, "%-14s %5d inserted %5d updated %5d unchanged\n", p.Layer, p.Inserted, p.Updated, p.Unchanged)
	}
	return nil
}

// describeError spells out every violation of a domain error, each by its
// rule, in English and Chinese: the words the API's 422 answer has.
func describeError(err error) error {
	var ge *geo.Error
	if !errors.As(err, &ge) || len(ge.Violations) == 0 {
		return err
	}
	var b strings.Builder
	b.WriteString(ge.Message)
	for _, v := range ge.Violations {
		fmt.Fprintf(&b, "\n  [%s] %s\n      %s", v.Rule, v.MessageEn, v.MessageZh)
	}
	return errors.New(b.String())
}

// runExport writes every layer as a GeoJSON file into a directory.
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("export", &cfg, stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mapserver export [flags] DIR\n\nWrites <layer>.geojson for every layer into DIR (created if missing).")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("export needs one directory; got %d arguments", fs.NArg())
	}
	dir := fs.Arg(0)
	log := cfg.logger(stderr)
	d, err := openDatabase(ctx, cfg, geo.NewCatalogue(), log)
	if err != nil {
		return err
	}
	defer d.close()
	files, err := d.db.ReadAll(ctx)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, lf := range files {
		path := filepath.Join(dir, lf.File)
		if err := writeCollection(path, lf.Features); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%-14s %5d features → %s\n", lf.Layer.Name, len(lf.Features), path)
	}
	return nil
}

// writeCollection writes features as a FeatureCollection, one feature a line.
func writeCollection(path string, features []geo.Feature) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.WriteString(f, `{"type":"FeatureCollection","features":[`+"\n"); err != nil {
		return err
	}
	for i, feat := range features {
		b, err := json.Marshal(geo.EncodeFeature(feat))
		if err != nil {
			return err
		}
		sep := ",\n"
		if i == len(features)-1 {
			sep = "\n"
		}
		if _, err := f.Write(append(b, sep...)); err != nil {
			return err
		}
	}
	if _, err := io.WriteString(f, "]}\n"); err != nil {
		return err
	}
	return f.Close()
}
