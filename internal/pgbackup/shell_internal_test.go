package pgbackup

import (
	"os/exec"
	"path/filepath"
	"strings"

	"partymap/internal/pglocal"
)

// archiveCommandFor is pglocal.ArchiveCommand with PostgreSQL's
// placeholders filled in as PostgreSQL fills them (%p the segment's path,
// %f its name, %% a percent sign).
func archiveCommandFor(archive, segment string) string {
	cmd := pglocal.ArchiveCommand(archive)
	var b strings.Builder
	for i := 0; i < len(cmd); i++ {
		if cmd[i] == '%' && i+1 < len(cmd) {
			switch cmd[i+1] {
			case 'p':
				b.WriteString(segment)
			case 'f':
				b.WriteString(filepath.Base(segment))
			case '%':
				b.WriteByte('%')
			}
			i++
			continue
		}
		b.WriteByte(cmd[i])
	}
	return b.String()
}

// runShell runs a command line with /bin/sh, as PostgreSQL does.
func runShell(cmd string) error { return exec.Command("/bin/sh", "-c", cmd).Run() }
