// Package web holds partymap's browser viewer: the public map (phone and
// kiosk modes), its modules, styles and the vendored MapLibre GL JS, embedded
// in the binary so that the server needs nothing else on disk.
package web

import (
	"embed"
	"io/fs"
)

// static is the viewer's files; vendor/ is filled by `make web`.
//
//go:embed static
var static embed.FS

// Files returns the viewer's files rooted at web/static: index.html,
// css/, js/ and vendor/.
func Files() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		// fs.Sub fails only for an invalid path name, and "static" is valid.
		return static
	}
	return sub
}
