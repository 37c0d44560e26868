package pglocal

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"time"
)

// forceWait is how long Stop waits after an immediate shutdown (SIGQUIT)
// before killing the server's process group.
const forceWait = 5 * time.Second

// Cluster is a PostgreSQL server run by this process as a child. Its
// methods are safe for concurrent use.
type Cluster struct {
	opts Options
	bin  string
	acct account

	// lifecycle serialises Start, Stop and Restart.
	lifecycle sync.Mutex
	// mu guards proc.
	mu   sync.Mutex
	proc *process
}

// Start runs the server of o.DataDir and returns once it accepts
// connections. It creates the cluster with initdb when DataDir/pgdata has
// none, and otherwise reuses it. The server is a child process (not
// daemonised), so that this process owns it; it dies with this process.
// Start fails with a *NotInstalledError when the binaries are missing, and
// with the tail of the server log when the server does not come up within
// o.StartTimeout.
func Start(ctx context.Context, o Options) (*Cluster, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	bin, err := FindBinaries(o.BinDir)
	if err != nil {
		return nil, err
	}
	if n := len(o.socketPath()); n > maxSocketPath {
		return nil, fmt.Errorf("pglocal: socket path %s is %d bytes, longer than the %d a Unix socket allows; use a shorter data directory", o.socketPath(), n, maxSocketPath)
	}
	acct, err := chooseAccount()
	if err != nil {
		return nil, err
	}
	c := &Cluster{opts: o, bin: bin, acct: acct}
	c.lifecycle.Lock()
	defer c.lifecycle.Unlock()
	if err := c.start(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// ConnString returns the libpq keyword/value connection string for
// database dbname as the superuser over the Unix socket, e.g.
// "host=/srv/var/run port=5432 user=postgres dbname=partymap
// sslmode=disable passfile=/srv/var/pgpass". It holds no secret: the
// password is in the password file it names.
func (c *Cluster) ConnString(dbname string) string {
	return connString(c.opts, dbname, Superuser)
}

// DataDir returns the absolute data directory.
func (c *Cluster) DataDir() string { return c.opts.DataDir }

// PID returns the process id of the current server process (running or
// not), for logs and for tests that simulate a crash.
func (c *Cluster) PID() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.proc.pid
}

// LogPath returns the server log file.
func (c *Cluster) LogPath() string { return c.opts.logPath() }

// Exited returns a channel closed when the current server process exits,
// whether by Stop or otherwise. After Restart it is a new channel: a
// supervisor calls Exited again after each Restart.
func (c *Cluster) Exited() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.proc.done
}

// Stop shuts the server down: a fast shutdown (SIGINT), which ends open
// sessions and writes a checkpoint. If ctx ends first, it forces an
// immediate shutdown (SIGQUIT) and finally kills the process group, and
// reports that. Stopping a stopped server does nothing.
func (c *Cluster) Stop(ctx context.Context) error {
	c.lifecycle.Lock()
	defer c.lifecycle.Unlock()
	return c.stop(ctx)
}

// Restart stops the server if it is running and starts it again on the
// same data; it returns once the server accepts connections. A supervisor
// calls it after Exited fires; outage tests call Stop, then Restart.
func (c *Cluster) Restart(ctx context.Context) error {
	c.lifecycle.Lock()
	defer c.lifecycle.Unlock()
	if err := c.stop(ctx); err != nil {
		return err
	}
	return c.start(ctx)
}

// start prepares the directories, creates the cluster if needed, launches
// the server and waits until it is ready. The caller holds lifecycle.
func (c *Cluster) start(ctx context.Context) error {
	o := c.opts
	if err := prepareDirs(o, c.acct); err != nil {
		return err
	}
	if err := prepareArchive(o, c.acct); err != nil {
		return err
	}
	if !hasCluster(o) {
		o.Logger.Info("creating PostgreSQL cluster", "dir", o.pgdataDir(), "user", c.acct.name)
		if err := initCluster(ctx, o, c.bin, c.acct); err != nil {
			return err
		}
	}
	if err := clearOrphans(o); err != nil {
		return err
	}
	began := time.Now()
	p, err := launch(o, c.bin, c.acct)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.proc = p
	c.mu.Unlock()
	if err := p.waitReady(ctx, o); err != nil {
		p.kill()
		return err
	}
	if err := c.secure(ctx); err != nil {
		p.kill()
		return err
	}
	o.Logger.Info("PostgreSQL started", "pid", p.pid, "socket", o.socketPath(), "took", time.Since(began).Round(time.Millisecond))
	return nil
}

// stop is Stop for a caller that holds lifecycle.
func (c *Cluster) stop(ctx context.Context) error {
	c.mu.Lock()
	p := c.proc
	c.mu.Unlock()
	if p == nil || p.exited() {
		return nil
	}
	p.stopping.Store(true)
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil && !p.exited() {
		return fmt.Errorf("signal PostgreSQL (pid %d) to stop: %w", p.pid, err)
	}
	select {
	case <-p.done:
		c.opts.Logger.Info("PostgreSQL stopped", "pid", p.pid)
		return nil
	case <-ctx.Done():
	}
	p.kill()
	return fmt.Errorf("PostgreSQL (pid %d) did not shut down in time (%w), so it was forced to stop", p.pid, ctx.Err())
}

// quoteConnValue quotes a value for a keyword/value connection string when
// it is empty or holds spaces, quotes or backslashes.
func quoteConnValue(v string) string {
	if v != "" && !strings.ContainsAny(v, " \t\n'\\") {
		return v
	}
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "'" + r.Replace(v) + "'"
}
