package pglocal

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// pollInterval is how often Start looks whether the server is ready.
const pollInterval = 20 * time.Millisecond

// process is one run of the postgres server.
type process struct {
	cmd *exec.Cmd
	pid int
	// logOffset is the size of the server log when this run began, so that
	// errors quote only this run's lines.
	logOffset int64
	logPath   string
	// done is closed when the process has exited and err is set.
	done chan struct{}
	err  error
	// stopping is set by Stop, so that the exit is not reported as a crash.
	stopping atomic.Bool
}

// launch starts postgres in the foreground with the server log as its
// output, and a goroutine that waits for it.
func launch(o Options, bin string, a account) (*process, error) {
	logf, err := openLog(o)
	if err != nil {
		return nil, err
	}
	// The child keeps its own copy of the descriptor.
	defer logf.Close()
	var offset int64
	if fi, err := logf.Stat(); err == nil {
		offset = fi.Size()
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), o.serverArgs()...)
	cmd.Dir = o.DataDir
	cmd.Env = childEnv()
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = a.procAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	p := &process{cmd: cmd, pid: cmd.Process.Pid, logOffset: offset, logPath: o.logPath(), done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
		if !p.stopping.Load() {
			o.Logger.Warn("PostgreSQL exited", "pid", p.pid, "status", fmt.Sprint(p.err), "log", p.logTail())
		}
	}()
	return p, nil
}

// exited reports whether the process has ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitReady returns once postmaster.pid names this process and says
// "ready", and a connection succeeds; or an error quoting the server log
// when the process exits, ctx ends or o.StartTimeout passes.
func (p *process) waitReady(ctx context.Context, o Options) error {
	ctx, cancel := context.WithTimeout(ctx, o.StartTimeout)
	defer cancel()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		select {
		case <-p.done:
			return fmt.Errorf("PostgreSQL exited while starting (%v); server log %s: %s", p.err, p.logPath, p.logTail())
		case <-ctx.Done():
			return fmt.Errorf("PostgreSQL did not accept connections (%w); server log %s: %s", ctx.Err(), p.logPath, p.logTail())
		case <-tick.C:
		}
		pid, status, err := readPidFile(o.pgdataDir())
		if err != nil || pid != p.pid || status != "ready" {
			continue
		}
		conn, err := pgx.Connect(ctx, connString(o, "postgres", Superuser))
		if err != nil {
			return fmt.Errorf("PostgreSQL is ready but refuses connections: %w; server log %s: %s", err, p.logPath, p.logTail())
		}
		return conn.Close(ctx)
	}
}

// kill forces the server down: an immediate shutdown (SIGQUIT), then, if
// it is still there after forceWait, SIGKILL to its whole process group.
func (p *process) kill() {
	p.stopping.Store(true)
	_ = p.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-p.done:
	case <-time.After(forceWait):
		_ = syscall.Kill(-p.pid, syscall.SIGKILL)
		<-p.done
	}
}

// logTail returns the last lines this run wrote to the server log.
func (p *process) logTail() string {
	f, err := os.Open(p.logPath)
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	defer f.Close()
	const most = 4096
	start := p.logOffset
	if fi, err := f.Stat(); err == nil && fi.Size()-start > most {
		start = fi.Size() - most
	}
	b, err := io.ReadAll(io.NewSectionReader(f, start, most))
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	return tail(string(b), 15)
}

// readPidFile returns the process id and status lines of
// <pgdata>/postmaster.pid ("starting", "stopping", "ready", "standby").
func readPidFile(pgdata string) (pid int, status string, err error) {
	b, err := os.ReadFile(filepath.Join(pgdata, "postmaster.pid"))
	if err != nil {
		return 0, "", err
	}
	return parsePidFile(string(b))
}

// parsePidFile parses the contents of postmaster.pid: line 1 is the pid,
// line 8 the status (written once the server is up).
func parsePidFile(s string) (pid int, status string, err error) {
	lines := strings.Split(s, "\n")
	pid, err = strconv.Atoi(strings.TrimSpace(lines[0]))
	if err != nil {
		return 0, "", fmt.Errorf("postmaster.pid: first line %q is not a process id", lines[0])
	}
	if len(lines) >= 8 {
		status = strings.TrimSpace(lines[7])
	}
	return pid, status, nil
}

// connString is the connection string of database dbname as role user,
// over the Unix socket, with the role's password in the password file.
func connString(o Options, dbname, user string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable passfile=%s",
		quoteConnValue(o.runDir()), o.Port, quoteConnValue(user), quoteConnValue(dbname), quoteConnValue(o.passfilePath()))
}
