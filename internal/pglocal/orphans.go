package pglocal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clearOrphans ends the server processes a killed earlier run left behind.
// When a postmaster dies by SIGKILL, its backends live on until they next
// wait for something (a busy query can run for hours), holding the shared
// memory, and postgres refuses to start ("pre-existing shared memory block
// is still in use"). They are found, when postmaster.pid names a dead
// process, as the postgres processes whose working directory is this
// cluster's; each backend is its own process group, so the postmaster's
// group does not reach them.
func clearOrphans(o Options) error {
	pid, _, err := readPidFile(o.pgdataDir())
	if err != nil || pid <= 0 {
		return nil
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		// Alive. The postmaster of a server that was just killed is
		// still going down by its parent-death signal: wait for it. One
		// still there after that with init as its parent was orphaned
		// and is ended with its backends below. Any other is a running
		// server: postgres itself refuses to start and says why.
		if !waitGone(pid, forceWait) && parentOf(pid) != 1 {
			return nil
		}
	}
	orphans := findOrphans(o.pgdataDir())
	if len(orphans) == 0 {
		return nil
	}
	o.Logger.Info("ending processes left by an earlier PostgreSQL run", "pids", orphans)
	for _, p := range orphans {
		_ = syscall.Kill(p, syscall.SIGKILL)
	}
	deadline := time.Now().Add(forceWait)
	for len(findOrphans(o.pgdataDir())) > 0 {
		if time.Now().After(deadline) {
			return fmt.Errorf("processes %v of an earlier PostgreSQL run on %s did not end; end them and start again", orphans, o.pgdataDir())
		}
		time.Sleep(pollInterval)
	}
	return nil
}

// findOrphans lists the live postgres processes whose working directory is
// pgdata, from /proc (none where there is no /proc).
func findOrphans(pgdata string) []int {
	if real, err := filepath.EvalSymlinks(pgdata); err == nil {
		pgdata = real
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		dir := filepath.Join("/proc", e.Name())
		// A zombie has neither, and holds no shared memory.
		cwd, errC := os.Readlink(filepath.Join(dir, "cwd"))
		exe, errE := os.Readlink(filepath.Join(dir, "exe"))
		if errC != nil || errE != nil || cwd != pgdata {
			continue
		}
		if filepath.Base(strings.TrimSuffix(exe, " (deleted)")) == "postgres" {
			pids = append(pids, pid)
		}
	}
	return pids
}

// waitGone waits up to limit for the process to end; it reports whether it
// did.
func waitGone(pid int, limit time.Duration) bool {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(pollInterval) {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return true
		}
	}
	return false
}

// parentOf returns the parent process id of pid from /proc, or -1.
func parentOf(pid int) int {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return -1
	}
	// pid (comm) state ppid …; comm may hold spaces and parentheses.
	rest := string(b[strings.LastIndexByte(string(b), ')')+1:])
	fields := strings.Fields(rest)
	if len(fields) < 2 {
		return -1
	}
	ppid, err := strconv.Atoi(fields[1])
	if err != nil {
		return -1
	}
	return ppid
}
