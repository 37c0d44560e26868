package pglocal

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// account is the OS user the PostgreSQL processes run as.
type account struct {
	// name is the user name, for messages.
	name string
	// uid and gid are the user's ids.
	uid, gid uint32
	// self is true when the processes run as the current user, who is not
	// root; no credentials are switched and no directories changed.
	self bool
}

// chooseAccount returns the current user when it is not root, else the
// "postgres" user, else "nobody": PostgreSQL refuses to run as root.
func chooseAccount() (account, error) {
	if os.Geteuid() != 0 {
		return account{name: "current user", uid: uint32(os.Geteuid()), gid: uint32(os.Getegid()), self: true}, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, errU := strconv.ParseUint(u.Uid, 10, 32)
		gid, errG := strconv.ParseUint(u.Gid, 10, 32)
		if errU != nil || errG != nil || uid == 0 {
			continue
		}
		return account{name: name, uid: uint32(uid), gid: uint32(gid)}, nil
	}
	return account{}, errors.New("PostgreSQL refuses to run as root, and neither a postgres nor a nobody user exists to run it as; create one with: useradd --system postgres")
}

// procAttr returns the process attributes of a PostgreSQL child: its own
// process group, so that Ctrl-C on the terminal reaches only us and we shut
// it down in order, and the account's credentials when switching user.
func (a account) procAttr() *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Setpgid: true}
	setParentDeathSignal(attr)
	if !a.self {
		attr.Credential = &syscall.Credential{Uid: a.uid, Gid: a.gid, Groups: []uint32{}}
	}
	return attr
}

// prepareDirs creates the data, cluster, socket and log directories and,
// when switching user, hands the cluster and socket directories to the
// account. It changes no directory it did not make but those three: the
// data directory and every one above it must already let the account
// through (checkReachable).
func prepareDirs(o Options, a account) error {
	if err := checkReachable(o.DataDir, a); err != nil {
		return err
	}
	if err := os.MkdirAll(o.DataDir, 0o755); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	for _, d := range []struct {
		path  string
		mode  os.FileMode
		owned bool // handed to the account
	}{
		{o.pgdataDir(), 0o700, true},
		{o.runDir(), 0o750, true},
		{o.logDir(), 0o750, false},
	} {
		if err := os.Mkdir(d.path, d.mode); err != nil && !errors.Is(err, os.ErrExist) {
			return fmt.Errorf("create %s: %w", d.path, err)
		}
		if d.owned && !a.self {
			if err := chownTree(d.path, a, o.Logger); err != nil {
				return err
			}
		}
	}
	// postgres refuses a cluster directory that others may read.
	if fi, err := os.Stat(o.pgdataDir()); err == nil && fi.Mode().Perm()&^0o750 != 0 {
		if err := os.Chmod(o.pgdataDir(), 0o700); err != nil {
			return fmt.Errorf("restrict permissions of %s: %w", o.pgdataDir(), err)
		}
	}
	return nil
}

// UnreachableError reports that the OS account PostgreSQL runs as (when
// this process is root) cannot pass through a directory on the way to the
// data directory. Its message is one sentence saying what to do.
type UnreachableError struct {
	// DataDir is the data directory; Blocked the directory in the way,
	// with its mode and owner; Account the OS user PostgreSQL runs as.
	DataDir, Blocked, Account, Owner string
	Mode                             os.FileMode
}

// Error says which directory is in the way and what to do instead.
func (e *UnreachableError) Error() string {
	return fmt.Sprintf("PostgreSQL refuses to run as root, so it would run as user %s, which cannot enter %s (mode %04o, owner %s) on the way to the data directory %s; choose a data directory that %s can reach, such as one under /var/lib or /srv, or run as an ordinary user (partymap does not loosen the permissions of your directories)",
		e.Account, e.Blocked, e.Mode.Perm(), e.Owner, e.DataDir, e.Account)
}

// CheckReachable reports, as an *UnreachableError, whether the account
// PostgreSQL would run as could not reach dir; nil when this process is not
// root (the server runs as the current user) or it can. Directories that do
// not exist yet count as reachable: they are made 0755.
func CheckReachable(dir string) error {
	a, err := chooseAccount()
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	return checkReachable(abs, a)
}

// checkReachable is CheckReachable for an absolute directory and an account.
func checkReachable(dir string, a account) error {
	if a.self {
		return nil
	}
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return fmt.Errorf("inspect %s: %w", d, err)
		case !canTraverse(fi, a):
			owner := "?"
			if st, ok := fi.Sys().(*syscall.Stat_t); ok {
				owner = strconv.FormatUint(uint64(st.Uid), 10)
				if u, err := user.LookupId(owner); err == nil {
					owner = u.Username
				}
			}
			return &UnreachableError{DataDir: dir, Blocked: d, Account: a.name, Owner: owner, Mode: fi.Mode()}
		}
		if parent := filepath.Dir(d); parent == d {
			return nil
		}
	}
}

// chownTree gives dir to the account; when dir was owned by someone else
// (a cluster made by another user), everything in it too.
func chownTree(dir string, a account, log *slog.Logger) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("inspect %s: %w", dir, err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if ok && st.Uid == a.uid && st.Gid == a.gid {
		return nil
	}
	log.Info("giving directory to the PostgreSQL user", "dir", dir, "user", a.name)
	return filepath.Walk(dir, func(path string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if err := os.Lchown(path, int(a.uid), int(a.gid)); err != nil {
			return fmt.Errorf("give %s to user %s: %w", path, a.name, err)
		}
		return nil
	})
}

// canTraverse reports whether the account may search the directory fi.
func canTraverse(fi os.FileInfo, a account) bool {
	perm := fi.Mode().Perm()
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case !ok:
		return true
	case st.Uid == a.uid:
		return perm&0o100 != 0
	case st.Gid == a.gid:
		return perm&0o010 != 0
	default:
		return perm&0o001 != 0
	}
}
