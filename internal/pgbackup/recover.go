package pgbackup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"partymap/internal/pglocal"
)

// RecoverOptions say what to bring back, from where, to where.
type RecoverOptions struct {
	// DataDir is the new data directory: absent or empty.
	DataDir string
	// BackupDir holds the base backups, Archive the archived WAL.
	BackupDir, Archive string
	// Target is the moment to bring the map back to: every transaction
	// committed up to it is there, none after.
	Target time.Time
	// Source, when set, is the data directory of the cluster the backups
	// come from. If it is running, its current WAL segment is archived
	// first, so that the last minutes are not missing from the archive.
	Source string
	// BinDir is the PostgreSQL bin directory; empty: found by pglocal.
	BinDir string
	Logger *slog.Logger
}

// RecoverResult says what a recovery did.
type RecoverResult struct {
	// Base is the base backup it started from.
	Base BaseBackup
	// Took is how long it took in all.
	Took time.Duration
}

// maxRecoveryTime bounds the replay of the archive.
const maxRecoveryTime = 2 * time.Hour

// Recover makes a new cluster in o.DataDir that holds the map as it was at
// o.Target (point-in-time recovery): the newest base backup completed
// before the target, then PostgreSQL replays the archived WAL up to the
// target (restore_command, recovery_target_time) and promotes the result to
// a cluster of its own, on a new timeline. The cluster is stopped again
// when done; a server started on the directory serves it. The cluster the
// backups came from is not touched.
func Recover(ctx context.Context, o RecoverOptions) (res RecoverResult, err error) {
	began := time.Now()
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if err := mustBeNew(o.DataDir); err != nil {
		return RecoverResult{}, err
	}
	// A recovery that fails leaves the directory as empty as it found it,
	// so that it can be tried again (with another moment, say).
	defer func() {
		if err != nil {
			entries, _ := os.ReadDir(o.DataDir)
			for _, e := range entries {
				_ = os.RemoveAll(filepath.Join(o.DataDir, e.Name()))
			}
		}
	}()
	if o.Target.After(time.Now()) {
		return RecoverResult{}, fmt.Errorf("the moment to restore to, %s, is in the future", o.Target.Format(time.RFC3339))
	}
	if o.Source != "" && pglocal.Running(o.Source) {
		if err := archiveCurrent(ctx, o.Source, o.Logger); err != nil {
			return RecoverResult{}, err
		}
	}
	bases, err := BaseBackups(o.BackupDir)
	if err != nil {
		return RecoverResult{}, err
	}
	var base *BaseBackup
	for i := range bases {
		if !bases[i].Completed.After(o.Target) {
			base = &bases[i]
		}
	}
	switch {
	case len(bases) == 0:
		return RecoverResult{}, fmt.Errorf("there is no base backup in %s; the server takes one when it starts with the embedded database", filepath.Join(o.BackupDir, baseDir))
	case base == nil:
		return RecoverResult{}, fmt.Errorf("the oldest base backup in %s completed at %s, after %s: the map cannot be brought back to before it (an older daily dump may hold it: mapserver restore FILE)",
			o.BackupDir, bases[0].Completed.Local().Format(time.RFC3339), o.Target.Format(time.RFC3339))
	}
	o.Logger.Info("restoring the base backup", "base", base.Dir, "completed", base.Completed.Local().Format(time.RFC3339))

	pgdata := filepath.Join(o.DataDir, "pgdata")
	if err := os.MkdirAll(pgdata, 0o700); err != nil {
		return RecoverResult{}, err
	}
	if err := os.Chmod(o.DataDir, 0o755); err != nil {
		return RecoverResult{}, err
	}
	if err := untar(filepath.Join(base.Dir, baseTar), pgdata); err != nil {
		return RecoverResult{}, fmt.Errorf("unpack the base backup: %w", err)
	}
	if err := untar(filepath.Join(base.Dir, walTar), filepath.Join(pgdata, "pg_wal")); err != nil {
		return RecoverResult{}, fmt.Errorf("unpack the base backup's WAL: %w", err)
	}
	if err := copyFile(filepath.Join(base.Dir, basePgpass), filepath.Join(o.DataDir, "pgpass"), 0o600); err != nil {
		return RecoverResult{}, fmt.Errorf("restore the cluster's passwords: %w", err)
	}
	if err := os.WriteFile(filepath.Join(pgdata, "recovery.signal"), nil, 0o600); err != nil {
		return RecoverResult{}, err
	}
	// The replay runs as the server's start: with no connections during
	// recovery (hot_standby off), postmaster.pid says "ready" only once the
	// target is reached and the cluster promoted.
	c, err := pglocal.Start(ctx, pglocal.Options{
		DataDir: o.DataDir, BinDir: o.BinDir, Durable: true, Logger: o.Logger,
		StartTimeout: maxRecoveryTime,
		Settings: map[string]string{
			"restore_command":        pglocal.RestoreCommand(o.Archive),
			"recovery_target_time":   o.Target.UTC().Format("2006-01-02 15:04:05.999999+00"),
			"recovery_target_action": "promote",
			"archive_mode":           "off",
			"hot_standby":            "off",
		},
	})
	if err != nil {
		if strings.Contains(err.Error(), "recovery ended before configured recovery target was reached") {
			return RecoverResult{}, fmt.Errorf("the WAL archive %s ends before %s: the map can be brought back only to the last change archived (is the archive the one of this server, and was its newest WAL archived?): %w",
				o.Archive, o.Target.Format(time.RFC3339), err)
		}
		return RecoverResult{}, fmt.Errorf("replay the WAL archive up to %s: %w", o.Target.Format(time.RFC3339), err)
	}
	if err := c.Stop(ctx); err != nil {
		return RecoverResult{}, err
	}
	return RecoverResult{Base: *base, Took: time.Since(began)}, nil
}

// mustBeNew refuses a data directory that holds anything: a recovery
// never overwrites a map.
func mustBeNew(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return os.MkdirAll(dir, 0o755)
	case err != nil:
		return err
	case len(entries) > 0:
		return fmt.Errorf("%s is not empty: a point-in-time restore goes into a new data directory (give another -data-dir), so that the map it came from stays as it is", dir)
	}
	return nil
}

// archiveCurrent makes the running cluster of dataDir switch to a new WAL
// segment and waits until the one it finished is in the archive.
func archiveCurrent(ctx context.Context, dataDir string, log *slog.Logger) error {
	connString, err := pglocal.ConnString(dataDir, "postgres", pglocal.Superuser)
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		return fmt.Errorf("ask the running server of %s to archive its newest WAL: %w", dataDir, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var segment string
	if err := conn.QueryRow(ctx, "SELECT pg_walfile_name(pg_switch_wal())").Scan(&segment); err != nil {
		return fmt.Errorf("switch to a new WAL segment: %w", err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		var archived string
		var failed string
		err := conn.QueryRow(ctx, "SELECT coalesce(last_archived_wal, ''), coalesce(last_failed_wal, '') FROM pg_stat_archiver").Scan(&archived, &failed)
		if err != nil {
			return err
		}
		if archived >= segment {
			log.Info("the running server archived its newest WAL", "segment", segment)
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the running server of %s did not archive WAL segment %s within a minute (last failed: %q); see its log/postgres.log", dataDir, segment, failed)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// untar unpacks a gzip-compressed tar file into dir.
func untar(file, dir string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.Clean(h.Name)
		if filepath.IsAbs(name) || name == ".." || strings.HasPrefix(name, "../") {
			return fmt.Errorf("%s: entry %q lies outside the directory", file, h.Name)
		}
		path := filepath.Join(dir, name)
		mode := os.FileMode(h.Mode).Perm()
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(path, 0o700); err != nil {
				return err
			}
			if err := os.Chmod(path, mode); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				return err
			}
			out, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
			if err != nil {
				return err
			}
			if _, err := io.Copy(out, tr); err != nil {
				out.Close()
				return err
			}
			if err := out.Close(); err != nil {
				return err
			}
		case tar.TypeSymlink:
			if err := os.Symlink(h.Linkname, path); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: entry %q of a kind a base backup does not hold (%c)", file, h.Name, h.Typeflag)
		}
	}
}

// ParseTime reads the moment to restore to: "2026-12-01 15:04:05+08",
// with the offset as +08 or +08:00, or RFC 3339; without an offset it is
// the machine's local time.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02 15:04:05Z07", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999Z07", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a moment like \"2026-12-01 15:04:05+08\" (date, time and the offset from UTC)", s)
}
