package pglocal

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// Streaming replicas of an embedded cluster: a copy made with
// pg_basebackup over the primary's Unix socket, started as a hot standby
// (standby.signal, primary_conninfo written by pg_basebackup -R) on a
// socket of its own, replaying the primary's log as it is written. A
// deployment beyond one machine runs its replicas as PostgreSQL documents
// (docs/DEPLOY.md); the embedded ones are for the tests of read replicas
// and for trying them on one machine.

// ReplicationSettings are the settings a primary needs to feed streaming
// replicas (and that each replica needs as well: a standby must allow at
// least as many senders as its primary), for Options.Settings. They
// override what Durable false turns off for speed.
func ReplicationSettings() map[string]string {
	return map[string]string{
		"wal_level":       "replica",
		"max_wal_senders": "10",
		"hot_standby":     "on",
		// Each change is on disk, and so sendable, when it commits: a
		// replica is asked to have replayed it a moment later.
		"synchronous_commit": "on",
	}
}

// StartReplica makes a streaming replica of the running cluster c in
// o.DataDir (which must hold no cluster yet) and starts it; it returns
// once the replica accepts connections. The primary must run with
// ReplicationSettings, and so must the replica (o.Settings). The
// replica's superuser has the primary's password, copied into o.DataDir's
// password file; a copy the replica's own server can read tells it how to
// log in to the primary.
func (c *Cluster) StartReplica(ctx context.Context, o Options) (*Cluster, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	if o.DataDir == c.opts.DataDir {
		return nil, fmt.Errorf("pglocal: a replica needs a data directory of its own, not the primary's %s", o.DataDir)
	}
	if hasCluster(o) {
		return nil, fmt.Errorf("pglocal: %s holds a cluster already; a replica is made in an empty data directory", o.pgdataDir())
	}
	r := &Cluster{opts: o, bin: c.bin, acct: c.acct}
	r.lifecycle.Lock()
	defer r.lifecycle.Unlock()
	if err := prepareDirs(o, c.acct); err != nil {
		return nil, err
	}
	pw, err := readPassword(c.opts, Superuser)
	if err != nil {
		return nil, err
	}
	if pw == "" {
		return nil, fmt.Errorf("pglocal: the primary's password file %s has no password of %s", c.opts.passfilePath(), Superuser)
	}
	line := []byte(fmt.Sprintf("*:*:*:%s:%s\n", Superuser, pw))
	if err := os.WriteFile(o.passfilePath(), line, 0o600); err != nil {
		return nil, fmt.Errorf("write the replica's password file: %w", err)
	}
	// The replica's server runs as the account and must read how to log
	// in to the primary: a copy of its own, in its socket directory.
	upstream := filepath.Join(o.runDir(), "primary.pgpass")
	if err := os.WriteFile(upstream, line, 0o600); err != nil {
		return nil, fmt.Errorf("write the replica's password for the primary: %w", err)
	}
	if !c.acct.self {
		if err := os.Chown(upstream, int(c.acct.uid), int(c.acct.gid)); err != nil {
			return nil, fmt.Errorf("give %s to %s: %w", upstream, c.acct.name, err)
		}
	}
	conninfo := fmt.Sprintf("host=%s port=%d user=%s passfile=%s application_name=%s",
		quoteConnValue(c.opts.runDir()), c.opts.Port, Superuser, quoteConnValue(upstream), quoteConnValue("partymap-"+filepath.Base(o.DataDir)))
	args := []string{"-D", o.pgdataDir(), "-d", conninfo, "-X", "stream", "-R", "-c", "fast"}
	if !o.Durable {
		args = append(args, "--no-sync")
	}
	o.Logger.Info("copying the primary for a streaming replica", "primary", c.opts.DataDir, "replica", o.DataDir)
	if out, err := runLogged(ctx, o, c.acct, filepath.Join(c.bin, "pg_basebackup"), args...); err != nil {
		return nil, fmt.Errorf("pg_basebackup: %w: %s", err, tail(out, 3))
	}
	if err := r.start(ctx); err != nil {
		return nil, err
	}
	return r, nil
}
