package pglocal

import (
	"slices"
	"strings"
	"testing"
)

func TestParsePidFile(t *testing.T) {
	tests := []struct {
		name       string
		contents   string
		wantPID    int
		wantStatus string
		wantErr    bool
	}{
		{
			name:       "ready",
			contents:   "4242\n/srv/var/pgdata\n1700000000\n5432\n/srv/var/run\n\n  9993852        63\nready   \n",
			wantPID:    4242,
			wantStatus: "ready",
		},
		{name: "starting, status not yet written", contents: "4242\n/srv/var/pgdata\n1700000000\n5432\n", wantPID: 4242},
		{name: "garbage", contents: "not a pid\n", wantErr: true},
		{name: "empty", contents: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pid, status, err := parsePidFile(tt.contents)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parsePidFile: got error %v, want error %v", err, tt.wantErr)
			}
			if pid != tt.wantPID || status != tt.wantStatus {
				t.Errorf("parsePidFile: got (%d, %q), want (%d, %q)", pid, status, tt.wantPID, tt.wantStatus)
			}
		})
	}
}

func TestQuoteConnValue(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{name: "plain", in: "/srv/var/run", want: "/srv/var/run"},
		{name: "empty", in: "", want: "''"},
		{name: "space", in: "/home/me/my maps/run", want: `'/home/me/my maps/run'`},
		{name: "quote and backslash", in: `it's\here`, want: `'it\'s\\here'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := quoteConnValue(tt.in); got != tt.want {
				t.Errorf("quoteConnValue(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseMajor(t *testing.T) {
	tests := []struct {
		name, in, want string
		wantOK         bool
	}{
		{name: "pg_config", in: "PostgreSQL 15.18 (Debian 15.18-0+deb12u1)\n", want: "15", wantOK: true},
		{name: "postgres", in: "postgres (PostgreSQL) 16.4\n", want: "16", wantOK: true},
		{name: "development", in: "postgres (PostgreSQL) 18devel\n", want: "18", wantOK: true},
		{name: "before 10", in: "PostgreSQL 9.6.24\n", want: "9.6", wantOK: true},
		{name: "nonsense", in: "bash: pg_config: command not found", wantOK: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseMajor(tt.in)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("parseMajor(%q) = (%q, %v), want (%q, %v)", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestVersionLess(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{name: "numeric, not lexical", a: "9.6", b: "15", want: true},
		{name: "greater", a: "16", b: "15", want: false},
		{name: "equal", a: "15", b: "15", want: false},
		{name: "minor", a: "9.5", b: "9.6", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := versionLess(tt.a, tt.b); got != tt.want {
				t.Errorf("versionLess(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestOptions_serverArgs(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		want    []string
		notWant []string
	}{
		{
			name: "tests",
			opts: Options{DataDir: "/d"},
			want: []string{"-D /d/pgdata", "-c fsync=off", "-c listen_addresses=", "-c unix_socket_directories=/d/run", "-c port=5432", "-c max_connections=100"},
		},
		{
			name:    "durable, with settings",
			opts:    Options{DataDir: "/d", Durable: true, Port: 6000, Settings: map[string]string{"max_connections": "20", "work_mem": "8MB"}},
			want:    []string{"-c max_connections=20", "-c work_mem=8MB", "-c port=6000"},
			notWant: []string{"-c fsync=off", "-c max_connections=100"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := tt.opts.withDefaults()
			if err != nil {
				t.Fatal(err)
			}
			args := o.serverArgs()
			var pairs []string
			for i := 0; i+1 < len(args); i += 2 {
				pairs = append(pairs, args[i]+" "+args[i+1])
			}
			for _, w := range tt.want {
				if !slices.Contains(pairs, w) {
					t.Errorf("serverArgs() = %s, want it to contain %q", strings.Join(args, " "), w)
				}
			}
			for _, w := range tt.notWant {
				if slices.Contains(pairs, w) {
					t.Errorf("serverArgs() = %s, want it without %q", strings.Join(args, " "), w)
				}
			}
		})
	}
}

func TestOptions_withDefaults(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		wantErr string
	}{
		{name: "no data directory", opts: Options{}, wantErr: "no data directory"},
		{name: "port out of range", opts: Options{DataDir: "/d", Port: 70000}, wantErr: "port 70000 out of range"},
		{name: "fine", opts: Options{DataDir: "d"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := tt.opts.withDefaults()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("withDefaults: got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("withDefaults: %v", err)
			}
			if !strings.HasPrefix(o.DataDir, "/") || o.Port != DefaultPort || o.Logger == nil {
				t.Errorf("withDefaults = %+v, want an absolute DataDir, port %d and a logger", o, DefaultPort)
			}
		})
	}
}
