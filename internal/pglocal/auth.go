package pglocal

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Logins to the cluster. The server listens only on its Unix socket, and
// every role logs in with a password (SCRAM): the socket directory keeps
// other OS users out, and the password keeps out the processes of the OS
// account that runs PostgreSQL (the shared "postgres" account when this
// process is root), which may reach the socket but cannot read the
// passwords. They are kept, random, in a libpq password file in the data
// directory, mode 0600, owned by the user running this process; every
// connection string names it (passfile=…), so that no string carries a
// secret. Clusters made by older versions, which trusted the socket, are
// given passwords and this pg_hba.conf when they start.

// managedHBA is the pg_hba.conf of every cluster.
const managedHBA = `# Written by partymap (internal/pglocal); rewritten at every start.
# The server listens only on its Unix socket (listen_addresses is empty),
# and every role logs in with its password (SCRAM), which the map keeps in
# the data directory's pgpass file, readable only by the user running it.
# Streaming replicas (pglocal.StartReplica) and base backups (mapserver
# backup) open replication connections the same way.
local all all scram-sha-256
local replication all scram-sha-256
`

// passfilePath is the libpq password file of the cluster's roles.
func (o Options) passfilePath() string { return filepath.Join(o.DataDir, "pgpass") }

// hbaPath is the cluster's client authentication file.
func (o Options) hbaPath() string { return filepath.Join(o.pgdataDir(), "pg_hba.conf") }

// PassfilePath returns the password file that the connection strings name;
// with it a person can connect too:
//
//	psql "$(mapserver …)" or psql "host=… user=postgres dbname=… passfile=…"
func (c *Cluster) PassfilePath() string { return c.opts.passfilePath() }

// password returns the password of role from the password file, making
// and saving a new one when it has none.
func password(o Options, role string) (string, error) {
	pw, err := readPassword(o, role)
	if err != nil || pw != "" {
		return pw, err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	// base64url holds neither ':' nor '\', which the file format escapes,
	// nor a quote, so it goes into SQL and the file as it is.
	pw = base64.RawURLEncoding.EncodeToString(b)
	f, err := os.OpenFile(o.passfilePath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return "", fmt.Errorf("save the PostgreSQL password of %s: %w", role, err)
	}
	if _, err := fmt.Fprintf(f, "*:*:*:%s:%s\n", role, pw); err != nil {
		f.Close()
		return "", fmt.Errorf("save the PostgreSQL password of %s: %w", role, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("save the PostgreSQL password of %s: %w", role, err)
	}
	return pw, nil
}

// readPassword returns the password of role in the password file, "" when
// it has none. It insists on mode 0600: a file others may read is no
// secret.
func readPassword(o Options, role string) (string, error) {
	f, err := os.Open(o.passfilePath())
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the PostgreSQL passwords: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(o.passfilePath(), 0o600); err != nil {
			return "", fmt.Errorf("%s may be read by others (mode %04o) and could not be restricted: %w", o.passfilePath(), fi.Mode().Perm(), err)
		}
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) == 5 && fields[3] == role {
			return fields[4], nil
		}
	}
	return "", sc.Err()
}

// writePwfile writes the superuser's password where initdb, running as the
// account, can read it, and returns the file and a function removing it.
func writePwfile(o Options, a account, pw string) (string, func(), error) {
	path := filepath.Join(o.runDir(), "initdb.pw")
	if err := os.WriteFile(path, []byte(pw+"\n"), 0o600); err != nil {
		return "", nil, fmt.Errorf("write the superuser password for initdb: %w", err)
	}
	remove := func() { _ = os.Remove(path) }
	if !a.self {
		if err := os.Chown(path, int(a.uid), int(a.gid)); err != nil {
			remove()
			return "", nil, fmt.Errorf("give the superuser password file to %s: %w", a.name, err)
		}
	}
	return path, remove, nil
}

// secure makes the running cluster ask every role for its password: the
// superuser's password is set from the password file (made when missing)
// and pg_hba.conf becomes managedHBA. A cluster that already has it is left
// alone. It then checks that a login without the password is refused.
func (c *Cluster) secure(ctx context.Context) error {
	o := c.opts
	have, err := os.ReadFile(o.hbaPath())
	if err != nil {
		return fmt.Errorf("read %s: %w", o.hbaPath(), err)
	}
	if string(have) == managedHBA {
		return nil
	}
	legacy := hbaTrusts(string(have))
	pw, err := password(o, Superuser)
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, connString(o, "postgres", Superuser))
	if err != nil {
		if !legacy {
			return fmt.Errorf("log in as the PostgreSQL superuser with the password in %s (restore that file if it was lost): %w", o.passfilePath(), err)
		}
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "SET password_encryption = 'scram-sha-256'"); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "ALTER ROLE "+pgx.Identifier{Superuser}.Sanitize()+" PASSWORD '"+pw+"'"); err != nil {
		return fmt.Errorf("set the superuser's password: %w", err)
	}
	if err := replaceFile(o.hbaPath(), []byte(managedHBA), c.acct); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "SELECT pg_reload_conf()"); err != nil {
		return fmt.Errorf("reload pg_hba.conf: %w", err)
	}
	if legacy {
		o.Logger.Info("the PostgreSQL socket no longer trusts every local login: roles log in with passwords kept in the data directory",
			"passfile", o.passfilePath())
	}
	return c.checkPasswordNeeded(ctx)
}

// hbaTrusts reports whether a pg_hba.conf lets any login in without a
// password.
func hbaTrusts(hba string) bool {
	for _, line := range strings.Split(hba, "\n") {
		fields := strings.Fields(line)
		if len(fields) > 0 && !strings.HasPrefix(fields[0], "#") && fields[len(fields)-1] == "trust" {
			return true
		}
	}
	return false
}

// checkPasswordNeeded waits until the reloaded configuration refuses a
// superuser login without its password (the postmaster reloads a moment
// after pg_reload_conf), or fails.
func (c *Cluster) checkPasswordNeeded(ctx context.Context) error {
	noPassword := fmt.Sprintf("host=%s port=%d user=%s dbname=postgres sslmode=disable passfile=/dev/null",
		quoteConnValue(c.opts.runDir()), c.opts.Port, Superuser)
	deadline := time.Now().Add(5 * time.Second)
	for {
		conn, err := pgx.Connect(ctx, noPassword)
		if err != nil {
			return nil
		}
		conn.Close(ctx)
		if time.Now().After(deadline) {
			return fmt.Errorf("PostgreSQL still lets the superuser in without a password after pg_hba.conf was rewritten; see %s", c.opts.hbaPath())
		}
		time.Sleep(pollInterval)
	}
}

// replaceFile writes data to path through a temporary file and a rename,
// so that a crash leaves the old file or the new one; the file keeps the
// account as its owner and mode 0600.
func replaceFile(path string, data []byte, a account) error {
	tmp := path + ".new"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if !a.self {
		if err := os.Chown(tmp, int(a.uid), int(a.gid)); err != nil {
			_ = os.Remove(tmp)
			return fmt.Errorf("give %s to %s: %w", tmp, a.name, err)
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("replace %s: %w", path, err)
	}
	return nil
}
