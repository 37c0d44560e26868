//go:build !linux

package pglocal

import "syscall"

// setParentDeathSignal does nothing where the kernel has no parent-death
// signal; an orphaned server is then found by its postmaster.pid.
func setParentDeathSignal(*syscall.SysProcAttr) {}
