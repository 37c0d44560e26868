package pgbackup

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// baseDir is the subdirectory of a backup directory holding base backups.
const baseDir = "base"

// Files of a base backup directory.
const (
	baseTar      = "base.tar.gz"
	walTar       = "pg_wal.tar.gz"
	basePgpass   = "pgpass"
	baseStartWAL = "start-wal"
)

// BaseBackup is a base backup on disk.
type BaseBackup struct {
	// Dir is its directory; Completed when pg_basebackup finished, from
	// its name.
	Dir       string
	Completed time.Time
	// StartWAL is the first WAL segment a recovery from it reads: older
	// archived segments are needed only by older base backups.
	StartWAL string
}

// TakeBaseBackup copies the running cluster that connString (a superuser's,
// over the cluster's socket) names into a new directory under
// <backupDir>/base with pg_basebackup, compressed, with the WAL it needs to
// be consistent, and a copy of the cluster's password file (passfile),
// without which a restored cluster could not be logged into. The WAL
// written after it is in the archive; together they recover any moment
// after it completed.
func (t Tools) TakeBaseBackup(ctx context.Context, connString, passfile, backupDir string) (BaseBackup, Result, error) {
	began := time.Now()
	root := filepath.Join(backupDir, baseDir)
	if err := os.MkdirAll(root, 0o700); err != nil {
		return BaseBackup{}, Result{}, err
	}
	var suffix [6]byte
	_, _ = rand.Read(suffix[:])
	part := filepath.Join(root, ".part-"+hex.EncodeToString(suffix[:]))
	defer os.RemoveAll(part)

	startWAL, err := currentWALFile(ctx, connString)
	if err != nil {
		return BaseBackup{}, Result{}, fmt.Errorf("base backup: %w", err)
	}
	if err := t.run(ctx, "pg_basebackup", "--dbname="+connString, "--pgdata="+part,
		"--format=tar", "--gzip", "--wal-method=stream", "--checkpoint=fast"); err != nil {
		return BaseBackup{}, Result{}, fmt.Errorf("base backup: %w", err)
	}
	if err := copyFile(passfile, filepath.Join(part, basePgpass), 0o600); err != nil {
		return BaseBackup{}, Result{}, fmt.Errorf("base backup: keep the cluster's passwords with it: %w", err)
	}
	if err := os.WriteFile(filepath.Join(part, baseStartWAL), []byte(startWAL+"\n"), 0o600); err != nil {
		return BaseBackup{}, Result{}, err
	}
	var size int64
	entries, err := os.ReadDir(part)
	if err != nil {
		return BaseBackup{}, Result{}, err
	}
	for _, e := range entries {
		p := filepath.Join(part, e.Name())
		if err := syncPath(p); err != nil {
			return BaseBackup{}, Result{}, fmt.Errorf("flush %s to disk: %w", p, err)
		}
		if fi, err := e.Info(); err == nil {
			size += fi.Size()
		}
	}
	completed := time.Now().Truncate(time.Second)
	final := filepath.Join(root, stamp(completed))
	if err := os.Rename(part, final); err != nil {
		return BaseBackup{}, Result{}, err
	}
	if err := syncPath(root); err != nil {
		return BaseBackup{}, Result{}, err
	}
	b := BaseBackup{Dir: final, Completed: completed, StartWAL: startWAL}
	return b, Result{Path: final, Bytes: size, Took: time.Since(began)}, nil
}

// currentWALFile names the WAL segment being written now: a base backup
// started after this needs no older one.
func currentWALFile(ctx context.Context, connString string) (string, error) {
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var name string
	err = conn.QueryRow(ctx, "SELECT pg_walfile_name(pg_current_wal_lsn())").Scan(&name)
	return name, err
}

// BaseBackups lists the complete base backups in backupDir, oldest first.
func BaseBackups(backupDir string) ([]BaseBackup, error) {
	root := filepath.Join(backupDir, baseDir)
	entries, err := os.ReadDir(root)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []BaseBackup
	for _, e := range entries {
		t, err := time.Parse(stampLayout, e.Name())
		if err != nil || !e.IsDir() {
			continue
		}
		dir := filepath.Join(root, e.Name())
		wal, err := os.ReadFile(filepath.Join(dir, baseStartWAL))
		if err != nil {
			continue
		}
		out = append(out, BaseBackup{Dir: dir, Completed: t, StartWAL: strings.TrimSpace(string(wal))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Completed.Before(out[j].Completed) })
	return out, nil
}

// dumpPrefix and dumpSuffix frame the names of the daily dumps.
const (
	dumpPrefix = "partymap-"
	dumpSuffix = ".dump"
)

// DumpName is the file name of a daily dump completed at t.
func DumpName(t time.Time) string { return dumpPrefix + stamp(t) + dumpSuffix }

// Dumps lists the daily dumps in backupDir, oldest first.
func Dumps(backupDir string) ([]string, error) {
	entries, err := os.ReadDir(backupDir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, dumpPrefix) || !strings.HasSuffix(name, dumpSuffix) {
			continue
		}
		if _, err := time.Parse(stampLayout, strings.TrimSuffix(strings.TrimPrefix(name, dumpPrefix), dumpSuffix)); err == nil {
			out = append(out, filepath.Join(backupDir, name))
		}
	}
	sort.Strings(out)
	return out, nil
}

// Prune keeps the newest keepDumps dumps and keepBases base backups in
// backupDir and removes the rest; then, when archive is set, the archived
// WAL segments older than the oldest base backup kept, which no recovery
// can use any more (pg_archivecleanup). It returns what it removed.
func (t Tools) Prune(ctx context.Context, backupDir, archive string, keepDumps, keepBases int) ([]string, error) {
	var removed []string
	dumps, err := Dumps(backupDir)
	if err != nil {
		return nil, err
	}
	for len(dumps) > max(keepDumps, 1) {
		if err := os.Remove(dumps[0]); err != nil {
			return removed, err
		}
		removed = append(removed, dumps[0])
		dumps = dumps[1:]
	}
	bases, err := BaseBackups(backupDir)
	if err != nil {
		return removed, err
	}
	for len(bases) > max(keepBases, 1) {
		if err := os.RemoveAll(bases[0].Dir); err != nil {
			return removed, err
		}
		removed = append(removed, bases[0].Dir)
		bases = bases[1:]
	}
	if archive != "" && len(bases) > 0 {
		if err := t.run(ctx, "pg_archivecleanup", archive, bases[0].StartWAL); err != nil {
			return removed, fmt.Errorf("remove WAL older than the oldest base backup: %w", err)
		}
	}
	return removed, nil
}

// copyFile copies src to dst with the given mode, flushed to disk.
func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
