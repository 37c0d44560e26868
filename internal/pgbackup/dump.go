package pgbackup

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
)

// Result describes a backup that was written.
type Result struct {
	// Path is the file or directory; Bytes its size.
	Path  string
	Bytes int64
	// Took is how long it took.
	Took time.Duration
}

// Dump writes a consistent backup of the database that connString names
// into file, in pg_dump's custom format: one snapshot of every table, the
// history and the accounts with the rest, taken while the map keeps
// serving and editing (pg_dump reads in a repeatable-read transaction and
// blocks no writer). The file appears under its name only when complete
// and read back (pg_restore --list); an existing file is replaced.
func (t Tools) Dump(ctx context.Context, connString, file string) (Result, error) {
	began := time.Now()
	part := file + ".part"
	defer os.Remove(part)
	if err := t.run(ctx, "pg_dump", "--format=custom", "--file="+part, "--dbname="+connString); err != nil {
		return Result{}, fmt.Errorf("back up the database: %w", err)
	}
	// It holds the accounts' password hashes and residents' contacts.
	if err := os.Chmod(part, 0o600); err != nil {
		return Result{}, err
	}
	if err := t.check(ctx, part); err != nil {
		return Result{}, fmt.Errorf("the backup just written does not read back: %w", err)
	}
	if err := syncPath(part); err != nil {
		return Result{}, fmt.Errorf("flush the backup to disk: %w", err)
	}
	if err := os.Rename(part, file); err != nil {
		return Result{}, err
	}
	if err := syncPath(filepath.Dir(file)); err != nil {
		return Result{}, fmt.Errorf("flush the backup's directory to disk: %w", err)
	}
	fi, err := os.Stat(file)
	if err != nil {
		return Result{}, err
	}
	return Result{Path: file, Bytes: fi.Size(), Took: time.Since(began)}, nil
}

// check lists the contents of a custom-format dump, which fails on a file
// that is not one or is cut short.
func (t Tools) check(ctx context.Context, file string) error {
	return t.run(ctx, "pg_restore", "--list", "--file=/dev/null", file)
}

// RestoreOptions say how to restore a dump.
type RestoreOptions struct {
	// KeepOwners restores each object with the owner it had, which must
	// exist as a role (the embedded cluster's owner role does); restoring
	// as a superuser needs it. Otherwise every object belongs to the user
	// that restores, as into a database an administrator made for the map.
	KeepOwners bool
	// Clean drops the objects the dump holds before making them again,
	// replacing a map already in the database.
	Clean bool
}

// Restore reads a dump made by Dump into the database that connString
// names, in one transaction: on any error nothing of it stays. The caller
// decides whether the database may already hold tables (IsEmpty).
func (t Tools) Restore(ctx context.Context, connString, file string, o RestoreOptions) (Result, error) {
	began := time.Now()
	fi, err := os.Stat(file)
	if err != nil {
		return Result{}, fmt.Errorf("read the backup: %w", err)
	}
	if err := t.check(ctx, file); err != nil {
		return Result{}, fmt.Errorf("%s is not a backup made by mapserver backup (pg_dump's custom format), or it is damaged: %w", file, err)
	}
	args := []string{"--exit-on-error", "--single-transaction", "--dbname=" + connString}
	if !o.KeepOwners {
		args = append(args, "--no-owner", "--no-privileges")
	}
	if o.Clean {
		args = append(args, "--clean", "--if-exists")
	}
	if err := t.run(ctx, "pg_restore", append(args, file)...); err != nil {
		return Result{}, fmt.Errorf("restore %s: %w", file, err)
	}
	return Result{Path: file, Bytes: fi.Size(), Took: time.Since(began)}, nil
}

// userRelationsSQL counts the tables, views and sequences outside the
// system schemas that no extension owns: PostGIS's own spatial_ref_sys does
// not make a database non-empty.
const userRelationsSQL = `
SELECT count(*) FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname NOT LIKE 'pg_temp%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')`

// IsEmpty reports whether the database holds no table, view or sequence of
// its own.
func IsEmpty(ctx context.Context, connString string) (bool, error) {
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		return false, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var n int
	if err := conn.QueryRow(ctx, userRelationsSQL).Scan(&n); err != nil {
		return false, err
	}
	return n == 0, nil
}
