package pglocal

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Superuser is the name of the cluster's superuser, made by initdb.
const Superuser = "postgres"

// hasCluster reports whether the cluster directory holds an initialised
// cluster.
func hasCluster(o Options) bool {
	_, err := os.Stat(filepath.Join(o.pgdataDir(), "PG_VERSION"))
	return err == nil
}

// initCluster runs initdb on the empty cluster directory: superuser
// "postgres" with the password from the password file (made now), logins
// only with passwords (SCRAM), UTF8. Its output goes to the server log.
func initCluster(ctx context.Context, o Options, bin string, a account) error {
	start := time.Now()
	pw, err := password(o, Superuser)
	if err != nil {
		return err
	}
	pwfile, remove, err := writePwfile(o, a, pw)
	if err != nil {
		return err
	}
	defer remove()
	var lastErr error
	// C.UTF-8 gives character classes and case mapping beyond ASCII; plain
	// C exists everywhere.
	for _, locale := range []string{"C.UTF-8", "C"} {
		args := []string{
			"-D", o.pgdataDir(),
			"-U", Superuser,
			"--auth=scram-sha-256",
			"--pwfile=" + pwfile,
			"--encoding=UTF8",
			"--locale=" + locale,
		}
		if !o.Durable {
			args = append(args, "--no-sync")
		}
		out, err := runLogged(ctx, o, a, filepath.Join(bin, "initdb"), args...)
		if err == nil {
			o.Logger.Info("initialised PostgreSQL cluster", "dir", o.pgdataDir(), "locale", locale, "took", time.Since(start).Round(time.Millisecond))
			return nil
		}
		lastErr = fmt.Errorf("initdb in %s failed: %w: %s", o.pgdataDir(), err, tail(out, 10))
		// Only a missing locale is worth another try.
		if !strings.Contains(out, "invalid locale") || ctx.Err() != nil {
			break
		}
	}
	return lastErr
}

// runLogged runs prog as the account in the data directory, appends its
// output to the server log and returns that output too.
func runLogged(ctx context.Context, o Options, a account, prog string, args ...string) (string, error) {
	logf, err := openLog(o)
	if err != nil {
		return "", err
	}
	defer logf.Close()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, prog, args...)
	// On cancellation initdb, interrupted rather than killed, removes what
	// it made, so that a half-made cluster is not taken for a cluster.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = forceWait
	cmd.Dir = o.DataDir
	cmd.Env = childEnv()
	cmd.Stdout = io.MultiWriter(&out, logf)
	cmd.Stderr = cmd.Stdout
	cmd.SysProcAttr = a.procAttr()
	err = cmd.Run()
	return out.String(), err
}

// openLog opens the server log for appending.
func openLog(o Options) (*os.File, error) {
	f, err := os.OpenFile(o.logPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL log: %w", err)
	}
	return f, nil
}

// childEnv is the environment of PostgreSQL children: ours without the
// libpq variables (PGDATA, PGHOST, …) and locale variables, which would
// otherwise change what initdb and postgres do.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "PG") || strings.HasPrefix(name, "LC_") || name == "LANG" || name == "LANGUAGE" {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// tail returns the last n non-empty lines of s, joined by " | " so that an
// error stays on one line.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	var kept []string
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			kept = append(kept, l)
		}
	}
	if len(kept) == 0 {
		return "(no output)"
	}
	return strings.Join(kept, " | ")
}
