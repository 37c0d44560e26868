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
// account and makes every ancestor of the data directory traversable by it.
func prepareDirs(o Options, a account) error {
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
	if a.self {
		return nil
	}
	return makeTraversable(o.DataDir, a, o.Logger)
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

// makeTraversable adds the search (o+x) bit to dir and each of its
// ancestors that the account could not otherwise pass through, as with the
// 0700 directories of t.TempDir or a checkout under /root.
func makeTraversable(dir string, a account, log *slog.Logger) error {
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("inspect %s: %w", d, err)
		}
		if !canTraverse(fi, a) {
			mode := fi.Mode().Perm() | 0o001
			if err := os.Chmod(d, mode); err != nil {
				return fmt.Errorf("make %s traversable by user %s: %w", d, a.name, err)
			}
			log.Info("made directory traversable for the PostgreSQL user (added o+x)", "dir", d, "user", a.name)
		}
		if parent := filepath.Dir(d); parent == d {
			return nil
		}
	}
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
