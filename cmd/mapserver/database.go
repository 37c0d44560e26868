package main

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"time"

	"partymap/data"
	"partymap/internal/geo"
	"partymap/internal/pgbackup"
	"partymap/internal/pglocal"
	"partymap/internal/postgis"
)

// embeddedDatabase is the database name inside the embedded cluster, and
// embeddedOwner the role the map connects as, which owns its tables.
const (
	embeddedDatabase = "partymap"
	embeddedOwner    = "partymap"
)

// database is an open store and, with no DATABASE_URL, the embedded
// PostgreSQL that holds it.
type database struct {
	db      *postgis.DB
	cluster *pglocal.Cluster
	log     *slog.Logger
	// stopSupervisor ends the goroutine that restarts the embedded
	// PostgreSQL when it dies; close calls it before stopping the cluster.
	stopSupervisor context.CancelFunc
}

// openDatabase connects to DATABASE_URL, or starts the embedded PostgreSQL
// in the data directory, then applies the migrations.
func openDatabase(ctx context.Context, cfg Config, cat *geo.Catalogue, log *slog.Logger) (*database, error) {
	d := &database{log: log}
	connString := cfg.DatabaseURL
	if connString == "" {
		dir, err := embeddedDataDir(cfg.DataDir, rootDataDir, log)
		if err != nil {
			return nil, err
		}
		started := time.Now()
		cluster, err := pglocal.Start(ctx, cfg.clusterOptions(dir, log))
		if err != nil {
			return nil, err
		}
		d.cluster = cluster
		// The map connects as the owner of its tables, not as the
		// superuser, which only creates PostGIS (security L6).
		connString, err = cluster.OwnedDatabase(ctx, embeddedDatabase, embeddedOwner, "postgis", "pgrouting")
		if err != nil {
			d.close()
			return nil, err
		}
		log.Info("embedded PostgreSQL started", "data_dir", dir, "user", embeddedOwner, "took", time.Since(started).Round(time.Millisecond))
	}
	db, err := postgis.Open(ctx, connString, cat, postgis.Options{
		MaxConns: int32(cfg.MaxConns), StatementTimeout: cfg.StatementTimeout, Logger: log,
		ReadURLs: cfg.ReadURLs, ReplicaWait: cfg.ReplicaWait, MaxReplicaLag: cfg.MaxReplicaLag,
	})
	if err != nil {
		d.close()
		return nil, err
	}
	d.db = db
	applied, err := db.Migrate(ctx)
	if err != nil {
		d.close()
		return nil, fmt.Errorf("migrate the database: %w", err)
	}
	for _, m := range applied {
		log.Info("migration applied", "name", m)
	}
	return d, nil
}

// clusterOptions are the options of the embedded cluster in dataDir: every
// command that starts it archives its WAL, so that the archive has no gap.
func (c Config) clusterOptions(dataDir string, log *slog.Logger) pglocal.Options {
	return pglocal.Options{DataDir: dataDir, Durable: true, Logger: log,
		WALArchive: c.walArchiveDir(dataDir), ArchiveTimeout: c.ArchiveTimeout}
}

// backupScheduler returns the daily backup of the embedded database, nil
// when -backup-time is off.
func (d *database) backupScheduler(cfg Config, log *slog.Logger) (*pgbackup.Scheduler, error) {
	if cfg.BackupAt == "off" {
		log.Warn("daily backups are off (-backup-time off)")
		return nil, nil
	}
	tools, err := pgbackup.FindTools(d.cluster.BinDir())
	if err != nil {
		return nil, err
	}
	s := pgbackup.Schedule{
		Tools:    tools,
		Database: d.cluster.ConnString(embeddedDatabase),
		Dir:      cfg.backupDir(d.cluster.DataDir()),
		Keep:     cfg.BackupKeep,
		At:       cfg.BackupAt,
		Logger:   log,
	}
	if archive := d.cluster.WALArchive(); archive != "" {
		s.Cluster, s.Passfile, s.Archive = d.cluster.ConnString("postgres"), d.cluster.PassfilePath(), archive
	}
	return pgbackup.NewScheduler(s)
}

// seed loads the community's data into an empty database: from the seed
// directory when one is set, else the built-in Xiyue data set. It is an
// import like any other (postgis.DB.Import), by the system actor "seed":
// validated as a whole, with "import" in the history.
func (d *database) seed(ctx context.Context, seedDir string) error {
	empty, err := d.db.IsEmpty(ctx)
	if err != nil || !empty {
		return err
	}
	var src fs.FS
	if seedDir != "" {
		src = os.DirFS(seedDir)
	} else {
		src, err = fs.Sub(data.GeoJSON, "geojson")
		if err != nil {
			return err
		}
	}
	files, err := d.db.ReadDir(src)
	if err != nil {
		return err
	}
	started := time.Now()
	plans, _, err := d.db.Import(ctx, files, "", geo.EditOptions{Actor: geo.SystemUser("seed")})
	if err != nil {
		return describeError(err)
	}
	for _, p := range plans {
		d.log.Info("seeded layer", "layer", p.Layer, "features", p.Inserted)
	}
	d.log.Info("seeded the map", "took", time.Since(started).Round(time.Millisecond))
	return nil
}

// supervise restarts the embedded PostgreSQL whenever its process dies,
// with backoff, until close is called. Clients see 503s meanwhile and
// recover by themselves when it is back.
func (d *database) supervise() {
	if d.cluster == nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.stopSupervisor = cancel
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-d.cluster.Exited():
			}
			backoff := 200 * time.Millisecond
			for ctx.Err() == nil {
				d.log.Warn("embedded PostgreSQL exited; restarting it", "log", d.cluster.LogPath())
				err := d.cluster.Restart(ctx)
				if err == nil {
					d.log.Info("embedded PostgreSQL restarted")
					break
				}
				d.log.Error("restart embedded PostgreSQL", "err", err, "retry_in", backoff)
				select {
				case <-ctx.Done():
					return
				case <-time.After(backoff):
				}
				backoff = min(2*backoff, 10*time.Second)
			}
		}
	}()
}

// close closes the pool and stops the embedded PostgreSQL, if any.
func (d *database) close() {
	if d.stopSupervisor != nil {
		d.stopSupervisor()
	}
	if d.db != nil {
		d.db.Close()
	}
	if d.cluster != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := d.cluster.Stop(ctx); err != nil {
			d.log.Error("stop embedded PostgreSQL", "err", err)
			return
		}
		d.log.Info("embedded PostgreSQL stopped")
	}
}
