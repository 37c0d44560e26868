package web_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"partymap/web"
)

// vendored is one line of static/vendor.txt.
type vendored struct {
	// Served is the file under web/static, From the one under
	// web/node_modules it is a copy of.
	Served, From string
}

// vendorList reads static/vendor.txt, the list of vendored libraries.
func vendorList(t *testing.T) []vendored {
	t.Helper()
	b, err := fs.ReadFile(web.Files(), "vendor.txt")
	if err != nil {
		t.Fatalf("the viewer has no vendor.txt: %v", err)
	}
	var out []vendored
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			t.Fatalf("vendor.txt: %q is not \"served-path node_modules-path\"", line)
		}
		out = append(out, vendored{Served: f[0], From: f[1]})
	}
	if len(out) == 0 {
		t.Fatal("vendor.txt lists no file")
	}
	return out
}

// needNodeModules fails the test, saying what to run, when web/node_modules
// has not been installed.
func needNodeModules(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join("node_modules", ".package-lock.json")); err != nil {
		t.Fatalf("web/node_modules is not installed: run `make web` (npm ci from web/package-lock.json) first (%v)", err)
	}
}

// The browser libraries the server embeds are, byte for byte, the files
// that npm ci installs from the lockfile: the committed copies cannot drift
// from web/package-lock.json. And web/static/vendor holds nothing else,
// since go:embed would put it in the binary.
func TestVendor(t *testing.T) {
	needNodeModules(t)
	var lock struct {
		Packages map[string]struct {
			Version string `json:"version"`
		} `json:"packages"`
	}
	lockBytes, err := os.ReadFile("package-lock.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(lockBytes, &lock); err != nil {
		t.Fatalf("package-lock.json: %v", err)
	}
	listed := map[string]bool{"vendor/README.md": true}
	for _, v := range vendorList(t) {
		listed[v.Served] = true
		// the installed package is the one the lockfile names
		pkg := packageOf(v.From)
		want, ok := lock.Packages["node_modules/"+pkg]
		if !ok {
			t.Errorf("%s comes from %s, which package-lock.json does not install", v.Served, pkg)
			continue
		}
		var installed struct {
			Version string `json:"version"`
		}
		if b, err := os.ReadFile(filepath.Join("node_modules", pkg, "package.json")); err != nil || json.Unmarshal(b, &installed) != nil {
			t.Errorf("web/node_modules/%s is not installed: run `make web`", pkg)
			continue
		}
		if installed.Version != want.Version {
			t.Errorf("web/node_modules holds %s %s, the lockfile %s: run `make web`", pkg, installed.Version, want.Version)
			continue
		}
		src, err := os.ReadFile(filepath.Join("node_modules", v.From))
		if err != nil {
			t.Errorf("web/node_modules/%s: %v", v.From, err)
			continue
		}
		served, err := fs.ReadFile(web.Files(), v.Served)
		if err != nil {
			t.Errorf("the viewer does not embed %s: run `make web` and commit it (%v)", v.Served, err)
			continue
		}
		if !bytes.Equal(served, src) {
			t.Errorf("web/static/%s (%d bytes) differs from web/node_modules/%s (%d bytes) of %s %s: run `make web` and commit the copy",
				v.Served, len(served), v.From, len(src), pkg, want.Version)
		}
	}
	err = fs.WalkDir(web.Files(), "vendor", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !listed[path] {
			t.Errorf("web/static/%s is embedded but vendor.txt does not list it: remove it (make web does)", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// packageOf names the npm package a node_modules path is in:
// "maplibre-gl/dist/x.mjs" → "maplibre-gl", "@scope/name/x" → "@scope/name".
func packageOf(path string) string {
	parts := strings.SplitN(path, "/", 3)
	if strings.HasPrefix(parts[0], "@") && len(parts) > 1 {
		return parts[0] + "/" + parts[1]
	}
	return parts[0]
}
