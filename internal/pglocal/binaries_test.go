package pglocal_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"partymap/internal/pglocal"
)

// assertOneSentence fails unless err is a *NotInstalledError whose message
// is one line, one sentence, and contains want.
func assertOneSentence(t *testing.T, err error, want string) {
	t.Helper()
	var nie *pglocal.NotInstalledError
	if !errors.As(err, &nie) {
		t.Fatalf("got error %v (%T), want a *pglocal.NotInstalledError", err, err)
	}
	msg := err.Error()
	if !strings.Contains(msg, want) {
		t.Errorf("error %q does not contain %q", msg, want)
	}
	if strings.Contains(msg, "\n") || strings.Contains(msg, ". ") {
		t.Errorf("error %q is not one sentence on one line", msg)
	}
}

func TestFindBinaries(t *testing.T) {
	bogus := filepath.Join(t.TempDir(), "no-postgres-here")
	tests := []struct {
		name    string
		binDir  string
		wantErr string // empty: want success
	}{
		{name: "found on the machine", binDir: ""},
		{name: "bogus directory", binDir: bogus, wantErr: "install them with: apt-get install postgresql"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, err := pglocal.FindBinaries(tt.binDir)
			if tt.wantErr != "" {
				assertOneSentence(t, err, tt.wantErr)
				if !strings.Contains(err.Error(), tt.binDir) {
					t.Errorf("error %q does not name the directory %s", err, tt.binDir)
				}
				return
			}
			if err != nil {
				t.Fatalf("FindBinaries(%q): %v", tt.binDir, err)
			}
			for _, prog := range []string{"postgres", "initdb"} {
				if _, err := os.Stat(filepath.Join(dir, prog)); err != nil {
					t.Errorf("FindBinaries returned %s, which has no %s: %v", dir, prog, err)
				}
			}
		})
	}
}

func TestCheckPostGIS(t *testing.T) {
	real, err := pglocal.FindBinaries("")
	if err != nil {
		t.Fatalf("FindBinaries: %v", err)
	}
	major := filepath.Base(filepath.Dir(real))

	// A copy of the real pg_config in a tree of the Debian shape computes
	// its share directory relative to itself: one without PostGIS.
	lonely := filepath.Join(t.TempDir(), "lib", "postgresql", major, "bin")
	if err := os.MkdirAll(lonely, 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, filepath.Join(real, "pg_config"), filepath.Join(lonely, "pg_config"))

	tests := []struct {
		name    string
		binDir  string
		wantErr string // empty: want success
	}{
		{name: "installed here", binDir: ""},
		{name: "installed for the found binaries", binDir: real},
		{name: "bogus directory", binDir: filepath.Join(t.TempDir(), "nothing"), wantErr: "install them with: apt-get install postgresql"},
		{name: "PostgreSQL without PostGIS", binDir: lonely, wantErr: "install it with: apt-get install postgresql-" + major + "-postgis-3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := pglocal.CheckPostGIS(tt.binDir)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("CheckPostGIS(%q): got %v, want nil", tt.binDir, err)
				}
				return
			}
			assertOneSentence(t, err, tt.wantErr)
		})
	}
}

// copyFile copies src to dst, keeping it executable.
func copyFile(t *testing.T, src, dst string) {
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
