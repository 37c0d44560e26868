package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"partymap/internal/pgbackup"
	"partymap/internal/pglocal"
)

// runBackup writes a backup of the map's database into one file, in
// pg_dump's custom format, while the server may be running.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("backup", &cfg, stderr)
	out := fs.String("o", "", "the backup file to write (required)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mapserver backup -o FILE [flags]\n\nWrites a consistent backup of the map's database (pg_dump's custom format: every layer, the history, accounts and tokens) into FILE, while the server keeps running. Restore it with: mapserver restore FILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() != 0 {
		fs.Usage()
		return errors.New("backup needs -o FILE and no other argument")
	}
	log := cfg.logger(stderr)
	tools, err := pgbackup.FindTools("")
	if err != nil {
		return err
	}
	file, err := filepath.Abs(*out)
	if err != nil {
		return err
	}
	var res pgbackup.Result
	if cfg.DatabaseURL != "" {
		res, err = tools.Dump(ctx, cfg.DatabaseURL, file)
	} else {
		err = withEmbeddedCluster(ctx, cfg, log, false, func(dir string, _ *pglocal.Cluster) error {
			conn, err := pglocal.ConnString(dir, embeddedDatabase, pglocal.Superuser)
			if err != nil {
				return err
			}
			res, err = tools.Dump(ctx, conn, file)
			return err
		})
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written: %s (%d bytes, took %v)\n", res.Path, res.Bytes, res.Took.Round(time.Millisecond))
	return nil
}

// withEmbeddedCluster runs fn with the embedded cluster of the data
// directory: the one a running server serves when there is one, else one
// started for fn and stopped after it (cluster is nil in the first case).
// mustBeStopped refuses a running server's, and lets a cluster be made
// where there is none (for a restore); otherwise there must be one.
func withEmbeddedCluster(ctx context.Context, cfg Config, log *slog.Logger, mustBeStopped bool, fn func(dir string, cluster *pglocal.Cluster) error) error {
	dir, err := embeddedDataDir(cfg.DataDir, rootDataDir, log)
	if err != nil {
		return err
	}
	if pglocal.Running(dir) {
		if mustBeStopped {
			return fmt.Errorf("the map's server is running on %s; stop it first (a restore replaces the map it serves)", dir)
		}
		return fn(dir, nil)
	}
	if !mustBeStopped && !pglocal.HasCluster(dir) {
		return fmt.Errorf("there is no map database in %s to back up; give the -data-dir the server uses", dir)
	}
	cluster, err := pglocal.Start(ctx, cfg.clusterOptions(dir, log))
	if err != nil {
		return err
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := cluster.Stop(stopCtx); err != nil {
			log.Error("stop embedded PostgreSQL", "err", err)
		}
	}()
	return fn(dir, cluster)
}

// runRestore brings a backup back: a file written by mapserver backup (or
// by the daily backup) into an empty database, or, with -to-time, the map
// as it was at a moment, into a new data directory.
func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("restore", &cfg, stderr)
	force := fs.Bool("force", false, "replace the map already in the database (its tables are dropped first)")
	toTime := fs.String("to-time", "", `bring the map back to this moment, e.g. "2026-12-01 15:04:05+08", into a new -data-dir, from the base backups and WAL archive of -from`)
	from := fs.String("from", defaultDataDir, "with -to-time: the data directory of the map to go back in (its backups and WAL archive, unless -backup-dir and -wal-archive-dir say otherwise)")
	backupDir := fs.String("backup-dir", "", "with -to-time: where the base backups are; empty: <from>/backups")
	fs.Usage = func() {
		fmt.Fprintln(stderr, `usage: mapserver restore [flags] FILE
       mapserver restore -to-time "2026-12-01 15:04:05+08" -data-dir NEWDIR [flags]

Restores a backup FILE (mapserver backup, or one of <data-dir>/backups) into the
embedded database of -data-dir (or DATABASE_URL), which must be empty unless
-force; the server must be stopped. With -to-time, makes a new data directory
holding the map as it was at that moment.`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := cfg.logger(stderr)
	if *toTime != "" {
		if fs.NArg() != 0 {
			fs.Usage()
			return errors.New("restore -to-time takes no file: it reads the base backups and the WAL archive")
		}
		return restoreToTime(ctx, cfg, *toTime, *from, *backupDir, log, stdout)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("restore needs one backup file; got %d arguments", fs.NArg())
	}
	tools, err := pgbackup.FindTools("")
	if err != nil {
		return err
	}
	file := fs.Arg(0)
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("read the backup: %w", err)
	}
	var res pgbackup.Result
	if cfg.DatabaseURL != "" {
		empty, err := pgbackup.IsEmpty(ctx, cfg.DatabaseURL)
		if err != nil {
			return err
		}
		if !empty && !*force {
			return fmt.Errorf("the database %s already holds tables; restore into an empty database, or give -force to replace them", describeDatabase(cfg.DatabaseURL))
		}
		res, err = tools.Restore(ctx, cfg.DatabaseURL, file, pgbackup.RestoreOptions{Clean: !empty})
		if err != nil {
			return err
		}
	} else {
		err = withEmbeddedCluster(ctx, cfg, log, true, func(dir string, cluster *pglocal.Cluster) error {
			res, err = restoreEmbedded(ctx, tools, cluster, file, *force)
			return err
		})
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "restored %s (took %v); start the server to serve it\n", file, res.Took.Round(time.Millisecond))
	return nil
}

// restoreEmbedded restores file into the embedded cluster's map database,
// made anew, owned by the map's role, as the superuser.
func restoreEmbedded(ctx context.Context, tools pgbackup.Tools, cluster *pglocal.Cluster, file string, force bool) (pgbackup.Result, error) {
	conn := cluster.ConnString(embeddedDatabase)
	empty, err := pgbackup.IsEmpty(ctx, conn)
	if err != nil && !databaseMissing(err) {
		return pgbackup.Result{}, err
	}
	if err == nil && !empty {
		if !force {
			return pgbackup.Result{}, fmt.Errorf("the data directory %s already holds a map; restore into a new or empty data directory, or give -force to replace it", cluster.DataDir())
		}
		if err := cluster.DropDatabase(ctx, embeddedDatabase); err != nil {
			return pgbackup.Result{}, err
		}
	}
	if _, err := cluster.OwnedDatabase(ctx, embeddedDatabase, embeddedOwner, "postgis", "pgrouting"); err != nil {
		return pgbackup.Result{}, err
	}
	res, err := tools.Restore(ctx, conn, file, pgbackup.RestoreOptions{KeepOwners: true})
	if err != nil {
		return pgbackup.Result{}, err
	}
	// What the dump made as the superuser goes to the map's role.
	if _, err := cluster.OwnedDatabase(ctx, embeddedDatabase, embeddedOwner, "postgis", "pgrouting"); err != nil {
		return pgbackup.Result{}, err
	}
	return res, nil
}

// restoreToTime is restore -to-time.
func restoreToTime(ctx context.Context, cfg Config, at, from, backupDir string, log *slog.Logger, stdout io.Writer) error {
	target, err := pgbackup.ParseTime(at)
	if err != nil {
		return fmt.Errorf("-to-time: %w", err)
	}
	if cfg.DatabaseURL != "" {
		return errors.New("restore -to-time works on the embedded database's backups and WAL archive; with DATABASE_URL, use your PostgreSQL's own point-in-time recovery")
	}
	src, err := filepath.Abs(from)
	if err != nil {
		return err
	}
	dir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return err
	}
	if dir == src {
		return fmt.Errorf("restore -to-time goes into a new data directory: give -data-dir another directory than %s, e.g. %s-restored", src, src)
	}
	if err := pglocal.CheckReachable(dir); err != nil {
		return fmt.Errorf("-data-dir %s: %w", cfg.DataDir, err)
	}
	if backupDir == "" {
		backupDir = filepath.Join(src, "backups")
	}
	archive := cfg.walArchiveDir(src)
	if archive == "" {
		return errors.New("restore -to-time needs the WAL archive; give -wal-archive-dir")
	}
	res, err := pgbackup.Recover(ctx, pgbackup.RecoverOptions{
		DataDir: dir, BackupDir: backupDir, Archive: archive, Target: target, Source: src, Logger: log,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored the map as it was at %s into %s (from the base backup of %s; took %v)\nserve it with: mapserver -data-dir %s -addr :8081\n",
		target.Format(time.RFC3339), dir, res.Base.Completed.Local().Format(time.RFC3339), res.Took.Round(time.Millisecond), dir)
	return nil
}

// databaseMissing reports whether err says the database does not exist
// (SQLSTATE 3D000): a data directory whose map was never made.
func databaseMissing(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "3D000"
}
