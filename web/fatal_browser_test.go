package web_test

import (
	"io/fs"
	"strings"
	"testing"
	"time"

	"partymap/internal/httpapi"
	"partymap/internal/testdb"
	"partymap/web"
)

// without is the viewer's files less some.
type without struct {
	fs.FS
	names map[string]bool
}

func (w without) Open(name string) (fs.File, error) {
	if w.names[name] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return w.FS.Open(name)
}

// A page whose library the server lacks says, in the page's language, that
// the map could not start, rather than showing an empty map.
func TestViewer_saysWhenItCannotStart(t *testing.T) {
	db, _ := testdb.Open(t, harness)
	srv := startServerOn(t, db, func(c *httpapi.Config) {
		c.Viewer = without{web.Files(), map[string]bool{"vendor/maplibre-gl/maplibre-gl.mjs": true}}
	}, nil)
	bctx := startBrowser(t)
	for _, tc := range []struct{ path, want string }{
		{path: "/map/", want: "地图加载失败"},
		{path: "/kiosk?lang=en", want: "The map could not start"},
	} {
		p := openPage(t, bctx, srv, tc.path, 1024, 768, false)
		p.waitFor("the error", `!document.getElementById('fatal').hidden`, 15*time.Second)
		if got := eval[string](p, `document.getElementById('fatal').textContent`); !strings.Contains(got, tc.want) {
			t.Errorf("%s says %q, want %q", tc.path, got, tc.want)
		}
	}
}
