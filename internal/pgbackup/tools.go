package pgbackup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"partymap/internal/pglocal"
)

// Tools runs the client programs of one PostgreSQL installation.
type Tools struct {
	// Bin is the directory of pg_dump, pg_restore, pg_basebackup and
	// pg_archivecleanup.
	Bin string
}

// FindTools returns the tools in binDir, or those of the PostgreSQL that
// pglocal finds on the machine when binDir is empty. A missing program is
// a *pglocal.NotInstalledError saying what to install.
func FindTools(binDir string) (Tools, error) {
	bin, err := pglocal.FindBinaries(binDir)
	if err != nil {
		return Tools{}, err
	}
	for _, prog := range []string{"pg_dump", "pg_restore", "pg_basebackup", "pg_archivecleanup"} {
		if _, err := os.Stat(filepath.Join(bin, prog)); err != nil {
			return Tools{}, &pglocal.NotInstalledError{
				What:   "PostgreSQL's client program " + prog,
				Looked: "in " + bin,
				Hint:   "install it with: apt-get install postgresql-client",
			}
		}
	}
	return Tools{Bin: bin}, nil
}

// run runs one of the programs and returns its error with the last lines
// it printed. The program dies with this process (a killed server leaves
// no backup running) and gets none of the caller's PG* variables, so that
// only the connection string decides where it connects.
func (t Tools) run(ctx context.Context, prog string, args ...string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(t.Bin, prog), args...)
	cmd.Env = cleanEnv()
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", prog, ctx.Err())
		}
		return fmt.Errorf("%s: %w: %s", prog, err, lastLines(out.String(), 6))
	}
	return nil
}

// cleanEnv is this process's environment without the libpq variables.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	return env
}

// lastLines returns the last n non-empty lines of s joined by " | ".
func lastLines(s string, n int) string {
	var kept []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			kept = append(kept, l)
		}
	}
	if len(kept) > n {
		kept = kept[len(kept)-n:]
	}
	if len(kept) == 0 {
		return "(no output)"
	}
	return strings.Join(kept, " | ")
}

// syncPath flushes a file or directory to disk.
func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}

// stamp names a backup by the moment it completed, in UTC, so that names
// sort by time: 20261201T190012Z.
func stamp(t time.Time) string { return t.UTC().Format(stampLayout) }

const stampLayout = "20060102T150405Z"
