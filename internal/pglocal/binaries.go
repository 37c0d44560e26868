package pglocal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// debianBinGlob is where Debian and Ubuntu install the server binaries of
// each PostgreSQL major version.
const debianBinGlob = "/usr/lib/postgresql/*/bin"

// NotInstalledError reports that software this package needs is missing
// from the machine. Its message is one sentence naming what to install, fit
// to be shown to a person as it is.
type NotInstalledError struct {
	// What is the missing software, e.g. "PostgreSQL server binaries".
	What string
	// Looked says where it was looked for.
	Looked string
	// Hint says how to install it, e.g. "install it with: apt-get install …".
	Hint string
}

// Error returns the sentence, e.g. "PostGIS for PostgreSQL 15 not found
// (looked for …); install it with: apt-get install postgresql-15-postgis-3".
func (e *NotInstalledError) Error() string {
	return fmt.Sprintf("%s not found (looked %s); %s", e.What, e.Looked, e.Hint)
}

// FindBinaries returns the directory holding the PostgreSQL server binaries
// (postgres and initdb). When binDir is not empty only that directory is
// checked; otherwise the postgres on PATH is used, and failing that the
// newest /usr/lib/postgresql/*/bin. Symbolic links are resolved, because
// postgres finds its share directory relative to its real location. The
// error, a *NotInstalledError, is one sentence saying what to install.
func FindBinaries(binDir string) (string, error) {
	if binDir != "" {
		abs, err := filepath.Abs(binDir)
		if err != nil {
			return "", fmt.Errorf("resolve PostgreSQL bin directory %q: %w", binDir, err)
		}
		if hasServerBinaries(abs) {
			return resolveDir(abs), nil
		}
		return "", &NotInstalledError{
			What:   "PostgreSQL server binaries (postgres, initdb)",
			Looked: "in " + abs,
			Hint:   "install them with: apt-get install postgresql, or name the directory that holds them",
		}
	}
	if p, err := exec.LookPath("postgres"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil && hasServerBinaries(filepath.Dir(real)) {
			return filepath.Dir(real), nil
		}
	}
	dirs, _ := filepath.Glob(debianBinGlob)
	sort.Slice(dirs, func(i, j int) bool {
		return versionLess(filepath.Base(filepath.Dir(dirs[j])), filepath.Base(filepath.Dir(dirs[i])))
	})
	for _, d := range dirs {
		if hasServerBinaries(d) {
			return resolveDir(d), nil
		}
	}
	return "", &NotInstalledError{
		What:   "PostgreSQL server binaries",
		Looked: "on PATH and in " + debianBinGlob,
		Hint:   "install them with: apt-get install postgresql",
	}
}

// CheckPostGIS reports whether PostGIS is installed for the PostgreSQL in
// binDir (found with FindBinaries when empty): postgis.control must be in
// the extension directory of its share directory. The error, a
// *NotInstalledError, names the package to install.
func CheckPostGIS(binDir string) error {
	if binDir == "" {
		d, err := FindBinaries("")
		if err != nil {
			return err
		}
		binDir = d
	}
	major, err := majorVersion(binDir)
	if err != nil {
		return err
	}
	shares := shareDirs(binDir, major)
	for _, s := range shares {
		if _, err := os.Stat(filepath.Join(s, "extension", "postgis.control")); err == nil {
			return nil
		}
	}
	return &NotInstalledError{
		What:   "PostGIS for PostgreSQL " + major,
		Looked: "for extension/postgis.control in " + strings.Join(shares, ", "),
		Hint:   "install it with: apt-get install postgresql-" + major + "-postgis-3",
	}
}

// hasServerBinaries reports whether dir holds the programs Start runs.
func hasServerBinaries(dir string) bool {
	for _, name := range []string{"postgres", "initdb"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// resolveDir returns the real directory of the postgres binary in dir.
func resolveDir(dir string) string {
	real, err := filepath.EvalSymlinks(filepath.Join(dir, "postgres"))
	if err != nil {
		return dir
	}
	return filepath.Dir(real)
}

// majorVersion asks pg_config, else postgres, in binDir for the major
// version: "15", or "9.6" before PostgreSQL 10.
func majorVersion(binDir string) (string, error) {
	for _, prog := range []string{"pg_config", "postgres"} {
		out, err := runQuiet(filepath.Join(binDir, prog), "--version")
		if err != nil {
			continue
		}
		if v, ok := parseMajor(out); ok {
			return v, nil
		}
	}
	// Neither program ran: report what FindBinaries reports for the directory.
	if _, err := FindBinaries(binDir); err != nil {
		return "", err
	}
	return "", fmt.Errorf("find PostgreSQL version in %s: neither pg_config --version nor postgres --version printed one", binDir)
}

// parseMajor returns the major version in a --version line:
// "PostgreSQL 15.18 (Debian …)" and "postgres (PostgreSQL) 16.4" give 15
// and 16, "… 9.6.24" gives 9.6.
func parseMajor(out string) (string, bool) {
	fields := strings.Fields(out)
	for i := 0; i+1 < len(fields); i++ {
		if fields[i] != "PostgreSQL" && fields[i] != "(PostgreSQL)" {
			continue
		}
		parts := strings.SplitN(fields[i+1], ".", 3)
		major := leadingDigits(parts[0])
		if major == "" {
			return "", false
		}
		if n, _ := strconv.Atoi(major); n < 10 && len(parts) > 1 && leadingDigits(parts[1]) != "" {
			return major + "." + leadingDigits(parts[1]), true
		}
		return major, true
	}
	return "", false
}

// leadingDigits returns the digits s starts with: "18devel" gives "18".
func leadingDigits(s string) string {
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	return s[:end]
}

// shareDirs lists the candidate share directories of the PostgreSQL in
// binDir, pg_config's answer first.
func shareDirs(binDir, major string) []string {
	var dirs []string
	if out, err := runQuiet(filepath.Join(binDir, "pg_config"), "--sharedir"); err == nil {
		dirs = append(dirs, strings.TrimSpace(out))
	}
	prefix := filepath.Dir(binDir)
	dirs = append(dirs,
		filepath.Join(prefix, "share", "postgresql"),
		filepath.Join(prefix, "share"),
		// Debian: /usr/lib/postgresql/15/bin → /usr/share/postgresql/15.
		filepath.Join(prefix, "..", "..", "..", "share", "postgresql", major),
	)
	seen := map[string]bool{}
	out := dirs[:0]
	for _, d := range dirs {
		d = filepath.Clean(d)
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}

// runQuiet runs a short informational command and returns its output.
func runQuiet(prog string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, prog, args...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && len(ee.Stderr) > 0 {
			return "", fmt.Errorf("%s %s: %w: %s", prog, strings.Join(args, " "), err, strings.TrimSpace(string(ee.Stderr)))
		}
		return "", fmt.Errorf("%s %s: %w", prog, strings.Join(args, " "), err)
	}
	return string(out), nil
}

// versionLess orders version strings such as "9.6" < "15" < "16".
func versionLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, errx := strconv.Atoi(as[i])
		y, erry := strconv.Atoi(bs[i])
		if errx != nil || erry != nil {
			if as[i] != bs[i] {
				return as[i] < bs[i]
			}
			continue
		}
		if x != y {
			return x < y
		}
	}
	return len(as) < len(bs)
}
