package pgtest

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"partymap/internal/pglocal"
)

// WithoutPostGIS returns the bin directory of a copy of the machine's
// PostgreSQL that lacks PostGIS, removed when the test ends: for tests of
// what a machine without PostGIS is told. The programs are copied into a
// tree of the Debian shape (…/lib/postgresql/NN/bin), which PostgreSQL
// resolves its share and library directories against, and the share
// directory links every file of the real one but PostGIS's. The tree can be
// reached by the account PostgreSQL runs as when the test runs as root.
func WithoutPostGIS(t testing.TB) string {
	t.Helper()
	realBin, err := pglocal.FindBinaries("")
	if err != nil {
		t.Fatal(err)
	}
	major := filepath.Base(filepath.Dir(realBin))
	out, err := exec.Command(filepath.Join(realBin, "pg_config"), "--sharedir").Output()
	if err != nil {
		t.Fatalf("ask pg_config for the share directory: %v", err)
	}
	realShare := strings.TrimSpace(string(out))
	root, err := os.MkdirTemp("", "pgtest-nopostgis-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(root, "lib", "postgresql", major, "bin")
	share := filepath.Join(root, "share", "postgresql", major)
	for _, d := range []string{bin, filepath.Join(share, "extension")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, prog := range []string{"postgres", "initdb", "pg_config"} {
		copyExecutable(t, filepath.Join(realBin, prog), filepath.Join(bin, prog))
	}
	link := func(target, name string) {
		if err := os.Symlink(target, name); err != nil {
			t.Fatal(err)
		}
	}
	link(filepath.Join(filepath.Dir(realBin), "lib"), filepath.Join(filepath.Dir(bin), "lib"))
	entries, err := os.ReadDir(realShare)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "extension" {
			link(filepath.Join(realShare, e.Name()), filepath.Join(share, e.Name()))
		}
	}
	exts, err := os.ReadDir(filepath.Join(realShare, "extension"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range exts {
		if !strings.HasPrefix(e.Name(), "postgis") {
			link(filepath.Join(realShare, "extension", e.Name()), filepath.Join(share, "extension", e.Name()))
		}
	}
	return bin
}

// copyExecutable copies src to dst, mode 0755.
func copyExecutable(t testing.TB, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
