package pglocal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// ArchiveCommand is the archive_command that copies a finished WAL segment
// into dir, as PostgreSQL's documentation shows, made safe against a crash
// half-way: the copy is written under a temporary name, flushed to disk and
// renamed, so that the archive never holds a partial segment under a real
// name. A segment already archived is accepted again only when identical
// (PostgreSQL retries a segment whose success it did not record) and is
// never overwritten.
func ArchiveCommand(dir string) string {
	d := shellQuote(dir)
	return fmt.Sprintf(`if test -f %[1]s/%%f; then cmp -s %%p %[1]s/%%f; else cp %%p %[1]s/%%f.part && sync %[1]s/%%f.part && mv %[1]s/%%f.part %[1]s/%%f; fi`, d)
}

// RestoreCommand is the restore_command that reads WAL segments back from
// an archive that ArchiveCommand filled.
func RestoreCommand(dir string) string {
	return fmt.Sprintf(`cp %s/%%f %%p`, shellQuote(dir))
}

// shellQuote quotes s for /bin/sh: PostgreSQL runs the archive and restore
// commands through the shell. A percent sign, which PostgreSQL would take
// for one of its own placeholders, is doubled.
func shellQuote(s string) string {
	s = strings.ReplaceAll(s, "%", "%%")
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// prepareArchive creates the WAL archive directory (mode 0750) and, when
// switching user, gives it to the account, which writes into it.
func prepareArchive(o Options, a account) error {
	if o.WALArchive == "" {
		return nil
	}
	if err := checkReachable(o.WALArchive, a); err != nil {
		return fmt.Errorf("WAL archive: %w", err)
	}
	if err := os.MkdirAll(o.WALArchive, 0o750); err != nil {
		return fmt.Errorf("create WAL archive directory: %w", err)
	}
	if !a.self {
		return chownTree(o.WALArchive, a, o.Logger)
	}
	return nil
}

// Running reports whether a server started by another process (a running
// mapserver) serves the cluster in dataDir: its postmaster.pid names a live
// process and its socket is there.
func Running(dataDir string) bool {
	o, err := Options{DataDir: dataDir}.withDefaults()
	if err != nil {
		return false
	}
	pid, _, err := readPidFile(o.pgdataDir())
	if err != nil || pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	_, err = os.Stat(o.socketPath())
	return err == nil
}

// ConnString returns the connection string of database dbname as role user
// in the cluster of dataDir on the default port, for reaching a cluster that
// another process runs (see Running). Like Cluster.ConnString it names the
// password file rather than carry a password.
func ConnString(dataDir, dbname, user string) (string, error) {
	o, err := Options{DataDir: dataDir}.withDefaults()
	if err != nil {
		return "", err
	}
	return connString(o, dbname, user), nil
}

// HasCluster reports whether dataDir holds an initialised cluster.
func HasCluster(dataDir string) bool {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return false
	}
	return hasCluster(Options{DataDir: abs})
}

// BinDir returns the directory of the PostgreSQL programs the cluster runs,
// where its client programs (pg_dump, pg_basebackup) of the same version are.
func (c *Cluster) BinDir() string { return c.bin }

// WALArchive returns the WAL archive directory, "" when the cluster does
// not archive.
func (c *Cluster) WALArchive() string { return c.opts.WALArchive }
