// Command gencity writes a synthetic, deterministic city of the map's
// layers into a database, to measure the server as a whole city's
// communities share it: by default 2 subdistricts and 6 towns, 60
// communities (6 across, 10 down) of 15 grids each, 900 grids, about 7,000
// compounds and 106,000 buildings, 9,000 party organizations from the city
// committee down, 1,350 posts, 900 car parks, 100 landmarks and 496 street
// segments around Huayin, with the same properties as the Xiyue data (and
// every feature's community). The same flags always write the same
// features.
//
// Usage:
//
//	gencity -data-dir var/city            an embedded PostgreSQL there (created when missing)
//	gencity -database-url postgres://…    an existing database
//
// Then serve it with `mapserver -data-dir var/city` (or DATABASE_URL). The
// load turns the layer triggers off (session_replication_role = replica):
// no history, no change notifications; restart running servers afterwards.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"partymap/internal/geo"
	"partymap/internal/pglocal"
	"partymap/internal/postgis"
)

// embeddedDatabase is the database mapserver uses inside its data directory.
const embeddedDatabase = "partymap"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gencity:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	databaseURL string
	dataDir     string
	sz          size
	seed        uint64
	load        loadOptions
}

// run parses the flags, generates the city and writes it.
func run(ctx context.Context, args []string, stderr io.Writer) error {
	var o options
	fs := flag.NewFlagSet("gencity", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.databaseURL, "database-url", os.Getenv("DATABASE_URL"), "PostgreSQL URL to write into (env DATABASE_URL); empty: an embedded PostgreSQL in -data-dir")
	fs.StringVar(&o.dataDir, "data-dir", "var/city", "directory of the embedded database, as mapserver -data-dir")
	fs.IntVar(&o.sz.cols, "cols", 6, "communities across (5 grids of 450 m each)")
	fs.IntVar(&o.sz.rows, "rows", 10, "communities down (3 grids of 450 m each)")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed; the same seed writes the same city")
	fs.BoolVar(&o.load.Replace, "replace", false, "delete the map features already in the database first")
	fs.BoolVar(&o.load.KeepTriggers, "keep-triggers", false, "keep the history and change triggers on during the load (slower; for a non-superuser)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "gencity writes a synthetic city of the map's layers into a database.\n\nUsage: gencity [flags]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q; see gencity -h", fs.Arg(0))
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	started := time.Now()
	c, err := build(o.sz, o.seed)
	if err != nil {
		return err
	}
	log.Info("generated the city", "subdistricts", c.count("subdistricts"), "communities", c.count("communities"), "grids", c.count("grids"), "compounds", c.count("compounds"), "buildings", c.count("buildings"),
		"organizations", c.count("organizations"), "posts", c.count("posts"), "parking", c.count("parking"),
		"bounds", fmt.Sprintf("%.5f,%.5f,%.5f,%.5f", c.bound.Min[0], c.bound.Min[1], c.bound.Max[0], c.bound.Max[1]),
		"took", time.Since(started).Round(time.Millisecond))

	connString, stopDB, err := openDatabase(ctx, o, log)
	if err != nil {
		return err
	}
	defer stopDB()
	db, err := migrate(ctx, connString)
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if err := load(ctx, conn, db, c, o.load, log); err != nil {
		return err
	}
	log.Info("city written", "took", time.Since(started).Round(time.Millisecond))
	return nil
}

// openDatabase returns the connection string to write into, starting the
// embedded PostgreSQL when no URL is given, and a function that stops it.
func openDatabase(ctx context.Context, o options, log *slog.Logger) (string, func(), error) {
	if o.databaseURL != "" {
		return o.databaseURL, func() {}, nil
	}
	dir, err := filepath.Abs(o.dataDir)
	if err != nil {
		return "", nil, err
	}
	cluster, err := pglocal.Start(ctx, pglocal.Options{DataDir: dir, Durable: true, Logger: log})
	if err != nil {
		return "", nil, err
	}
	stop := func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := cluster.Stop(stopCtx); err != nil {
			log.Error("stop embedded PostgreSQL", "err", err)
		}
	}
	if err := cluster.CreateDatabase(ctx, embeddedDatabase, ""); err != nil {
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42P04" { // duplicate_database
			stop()
			return "", nil, err
		}
	}
	return cluster.ConnString(embeddedDatabase), stop, nil
}

// migrate opens the store and brings the schema up to date, as mapserver
// does at start.
func migrate(ctx context.Context, connString string) (*postgis.DB, error) {
	db, err := postgis.Open(ctx, connString, geo.NewCatalogue(), postgis.Options{})
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate the database: %w", err)
	}
	return db, nil
}
