package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The account commands work on the embedded database, take passwords only
// from standard input (never echoed, never an argument) and show a token
// once.
func TestUserAndTokenCommands(t *testing.T) {
	bin := buildServer(t)
	dataDir := filepath.Join(reachableDir(t), "var")
	const password = "a long enough password"
	mapserver := func(stdin string, args ...string) (string, string, error) {
		t.Helper()
		cmd := exec.Command(bin, append(args[:2:2], append([]string{"-data-dir", dataDir, "-log-level", "warn"}, args[2:]...)...)...)
		cmd.Env = append(os.Environ(), "DATABASE_URL=")
		cmd.Stdin = strings.NewReader(stdin)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		if strings.Contains(out.String()+errOut.String(), password) {
			t.Errorf("mapserver %v printed the password", args)
		}
		return out.String(), errOut.String(), err
	}
	tests := []struct {
		name    string
		stdin   string
		args    []string
		wantErr bool
		want    string
	}{
		{"first admin", password + "\n", []string{"user", "add", "-role", "admin", "-password-stdin", "Root"}, false, "user root added (admin)"},
		{"same name again", password + "\n", []string{"user", "add", "-password-stdin", "root"}, true, "already a user"},
		{"short password", "short\n", []string{"user", "add", "-password-stdin", "alice"}, true, "at least 10"},
		{"no terminal", password + "\n", []string{"user", "add", "alice"}, true, "-password-stdin"},
		{"unknown grid", password + "\n", []string{"user", "add", "-grids", "XY99", "-password-stdin", "alice"}, true, "XY99"},
		{"unknown community", password + "\n", []string{"user", "add", "-communities", "HS", "-password-stdin", "alice"}, true, "no community with code HS"},
		{"token", "", []string{"token", "add", "-user", "root", "qgis"}, false, "pm_"},
		{"token list", "", []string{"token", "list"}, false, "qgis"},
		{"revoke", "", []string{"token", "revoke", "1"}, false, "token 1 revoked"},
		{"revoked listed", "", []string{"token", "list", "-user", "root"}, false, "revoked"},
		{"passwd", "another long password\n", []string{"user", "passwd", "-password-stdin", "root"}, false, "password of root changed"},
		{"disable", "", []string{"user", "disable", "root"}, false, "user root disabled"},
		{"list", "", []string{"user", "list"}, false, "root  admin  all          all    disabled"},
	}
	var token string
	for _, tt := range tests {
		out, errOut, err := mapserver(tt.stdin, tt.args...)
		if (err != nil) != tt.wantErr || !strings.Contains(out+errOut, tt.want) {
			t.Errorf("%s: got err=%v\n%s%s\nwant err=%v and %q", tt.name, err, out, errOut, tt.wantErr, tt.want)
		}
		if tt.name == "token" {
			token = strings.TrimSpace(out)
		}
		if tt.name == "token list" && (token == "" || strings.Contains(out, token)) {
			t.Errorf("token list shows the secret token: %s", out)
		}
	}
}
