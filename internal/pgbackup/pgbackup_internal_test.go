package pgbackup

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	beijing := time.FixedZone("", 8*3600)
	tests := []struct {
		name, in string
		want     time.Time
		wantErr  bool
	}{
		{name: "the issue's form", in: "2026-12-01 15:04:05+08", want: time.Date(2026, 12, 1, 15, 4, 5, 0, beijing)},
		{name: "offset with minutes", in: "2026-12-01 15:04:05+08:00", want: time.Date(2026, 12, 1, 15, 4, 5, 0, beijing)},
		{name: "RFC 3339", in: "2026-12-01T07:04:05Z", want: time.Date(2026, 12, 1, 7, 4, 5, 0, time.UTC)},
		{name: "fractions", in: "2026-12-01 15:04:05.25+08", want: time.Date(2026, 12, 1, 15, 4, 5, 250e6, beijing)},
		{name: "local time", in: "2026-12-01 15:04", want: time.Date(2026, 12, 1, 15, 4, 0, 0, time.Local)},
		{name: "words", in: "an hour ago", wantErr: true},
		{name: "no time", in: "2026-12-01", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTime(tt.in)
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), "2026-12-01 15:04:05+08") {
					t.Errorf("ParseTime(%q) = %v, %v; want an error showing the form", tt.in, got, err)
				}
				return
			}
			if err != nil || !got.Equal(tt.want) {
				t.Errorf("ParseTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestNextAt(t *testing.T) {
	loc := time.FixedZone("", 8*3600)
	tests := []struct {
		name string
		now  time.Time
		want time.Time
	}{
		{name: "later today", now: time.Date(2026, 12, 1, 1, 0, 0, 0, loc), want: time.Date(2026, 12, 1, 3, 30, 0, 0, loc)},
		{name: "tomorrow", now: time.Date(2026, 12, 1, 4, 0, 0, 0, loc), want: time.Date(2026, 12, 2, 3, 30, 0, 0, loc)},
		{name: "on the minute", now: time.Date(2026, 12, 1, 3, 30, 0, 0, loc), want: time.Date(2026, 12, 2, 3, 30, 0, 0, loc)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nextAt(tt.now, 3, 30); !got.Equal(tt.want) {
				t.Errorf("nextAt(%v) = %v, want %v", tt.now, got, tt.want)
			}
		})
	}
	for _, bad := range []string{"3:30pm", "24:00", "03:60", "", "0330"} {
		if _, _, err := ParseTimeOfDay(bad); err == nil {
			t.Errorf("ParseTimeOfDay(%q): no error", bad)
		}
	}
}

// Prune keeps the newest dumps and base backups and leaves other files.
func TestPrune(t *testing.T) {
	dir := t.TempDir()
	day := time.Date(2026, 12, 1, 19, 30, 0, 0, time.UTC)
	for i := range 5 {
		if err := os.WriteFile(filepath.Join(dir, DumpName(day.AddDate(0, 0, i))), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		b := filepath.Join(dir, baseDir, stamp(day.AddDate(0, 0, i)))
		if err := os.MkdirAll(b, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(b, baseStartWAL), []byte("00000001000000000000000"+string(rune('1'+i))+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	other := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(other, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	removed, err := Tools{}.Prune(context.Background(), dir, "", 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 5 {
		t.Errorf("removed %v, want 2 dumps and 3 base backups", removed)
	}
	dumps, _ := Dumps(dir)
	bases, _ := BaseBackups(dir)
	if len(dumps) != 3 || !strings.HasSuffix(dumps[2], DumpName(day.AddDate(0, 0, 4))) || len(bases) != 2 || bases[0].StartWAL != "000000010000000000000004" {
		t.Errorf("kept dumps %v and base backups %v; want the 3 and 2 newest", dumps, bases)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("a file that is no backup was removed: %v", err)
	}
}

// The archive command, run by the shell as PostgreSQL runs it, copies a
// segment whole into a directory whose name needs quoting, accepts the
// same segment again and refuses a different one under the same name.
func TestArchiveCommand(t *testing.T) {
	// Imported here to keep the test next to what it checks.
	archive := filepath.Join(t.TempDir(), "it's a 100% archive")
	if err := os.Mkdir(archive, 0o700); err != nil {
		t.Fatal(err)
	}
	seg := filepath.Join(t.TempDir(), "000000010000000000000001")
	if err := os.WriteFile(seg, []byte("wal"), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func() error {
		cmd := archiveCommandFor(archive, seg)
		return runShell(cmd)
	}
	if err := run(); err != nil {
		t.Fatalf("archive: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(archive, filepath.Base(seg))); err != nil || string(b) != "wal" {
		t.Fatalf("archived copy: %q %v", b, err)
	}
	if err := run(); err != nil {
		t.Errorf("archiving the same segment again: %v, want success", err)
	}
	if err := os.WriteFile(seg, []byte("other"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(); err == nil {
		t.Error("archiving a different segment under an archived name succeeded, want it refused")
	}
	if entries, _ := os.ReadDir(archive); len(entries) != 1 {
		t.Errorf("archive holds %d files, want 1 (no .part left)", len(entries))
	}
}
