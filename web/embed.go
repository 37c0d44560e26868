// Package web holds partymap's browser viewer: the public map (phone and
// kiosk modes), the staff editor, their modules and styles, the MapLibre
// style, and the vendored browser libraries (MapLibre GL JS, a QR-code
// encoder), embedded in the binary so that the server needs nothing else
// on disk and a plain `go build` serves a working map.
package web

import (
	"bytes"
	"embed"
	"io/fs"
)

// static is the viewer's files. static/vendor holds the browser libraries,
// committed and checked byte for byte against web/node_modules (TestVendor).
//
//go:embed static
var static embed.FS

// style is the map's MapLibre style as a cartographer edits it (in Maputnik,
// say); the server fills in its own URLs when it serves it.
//
//go:embed style/style.json
var style []byte

// Files returns the viewer's files rooted at web/static: edit.html,
// index.html, vendor.txt, css/, js/ and vendor/.
func Files() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		// fs.Sub fails only for an invalid path name, and "static" is valid.
		return static
	}
	return sub
}

// Style returns the map's MapLibre style (version 8) as written in
// web/style/style.json.
func Style() []byte { return bytes.Clone(style) }
