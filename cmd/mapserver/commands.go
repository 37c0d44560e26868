package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

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

// runImport upserts the GeoJSON files of a directory. Every feature is
// checked first; a bad one is reported by file, index and reason and
// nothing is written.
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
	counts, err := d.db.Import(ctx, files, "import:"+*who)
	if err != nil {
		return describeError(err)
	}
	for _, c := range counts {
		fmt.Fprintf(stdout, "%-14s %5d inserted %5d updated %5d unchanged\n", c.Layer, c.Inserted, c.Updated, c.Unchanged)
	}
	return nil
}

// describeError spells out every violation of a domain error.
func describeError(err error) error {
	ge, ok := err.(*geo.Error)
	if !ok || len(ge.Violations) == 0 {
		return err
	}
	msg := ge.Message
	for _, v := range ge.Violations {
		msg += "\n  " + v.MessageEn
	}
	return fmt.Errorf("%s", msg)
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
