package pglocal

import "syscall"

// setParentDeathSignal makes the kernel send SIGQUIT (PostgreSQL's
// immediate shutdown) to the child if this process dies without stopping
// it, e.g. when killed or when a test binary times out, so that no orphaned
// server holds the data directory.
func setParentDeathSignal(attr *syscall.SysProcAttr) {
	attr.Pdeathsig = syscall.SIGQUIT
}
