package httpapi

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"
)

// An access line reads exactly as slog's handler writes the same record,
// in text and in JSON, whether the line takes the fast path or not, and
// whatever line came before (the text time is formatted once per
// millisecond).
func TestAccessLog_likeSlog(t *testing.T) {
	at := time.Date(2026, 12, 2, 16, 34, 8, 120_450_000, time.UTC)
	local := at.In(time.FixedZone("CST", 8*3600))
	tests := []struct {
		name       string
		t          time.Time
		method     string
		path       string
		status     int
		size       int64
		took       time.Duration
		id         string
		wantPlain  bool
		wantInLine string
	}{
		{"tile", at, "GET", "/tiles/14/13202/6513.mvt", 200, 3682, 83*time.Microsecond + 400, "3fa2c1d0e9b8-1k", true, "path=/tiles/14/13202/6513.mvt"},
		{"local time, whole millisecond", local.Truncate(time.Millisecond), "HEAD", "/collections/posts/items", 304, 0, 2 * time.Millisecond, "a", true, "status=304"},
		{"unmatched", at, "PROPFIND", "/etc/passwd", 405, 187, time.Second, "x:y.z_1", true, "method=PROPFIND"},
		{"space in the path", at, "GET", "/static/a b.js", 404, 150, time.Millisecond, "b", false, `path="/static/a b.js"`},
		{"Chinese path", at, "GET", "/collections/西岳", 404, 150, time.Millisecond, "c", false, "西岳"},
		{"quote", at, "GET", `/x"y`, 404, 150, time.Millisecond, "d", false, `x\"y`},
		{"equals", at, "GET", "/a=b", 404, 150, time.Millisecond, "e", false, `"/a=b"`},
		{"same millisecond", at.Add(300 * time.Microsecond), "GET", "/tiles/1/0/0.mvt", 204, 0, time.Microsecond, "f", true, "status=204"},
		{"next millisecond", at.Add(time.Millisecond), "GET", "/tiles/1/0/0.mvt", 204, 0, time.Microsecond, "g", true, ".121Z"},
		{"same instant elsewhere", at.Add(time.Millisecond).In(time.FixedZone("CST", 8*3600)), "GET", "/", 200, 1, time.Microsecond, "h", true, "+08:00"},
	}
	for _, format := range []string{"text", "json"} {
		var got bytes.Buffer
		log := newAccessLog(&got, format)
		for _, tt := range tests {
			t.Run(format+"/"+tt.name, func(t *testing.T) {
				if got := plain(tt.method) && plain(tt.path) && plain(tt.id); got != tt.wantPlain {
					t.Errorf("fast path: %v, want %v", got, tt.wantPlain)
				}
				got.Reset()
				var want bytes.Buffer
				log.log(tt.t, tt.method, tt.path, tt.status, tt.size, tt.took, tt.id)
				var h slog.Handler = slog.NewTextHandler(&want, nil)
				if format == "json" {
					h = slog.NewJSONHandler(&want, nil)
				}
				r := slog.NewRecord(tt.t, slog.LevelInfo, "request", 0)
				r.AddAttrs(slog.String("method", tt.method), slog.String("path", tt.path), slog.Int("status", tt.status),
					slog.Int64("bytes", tt.size), slog.Duration("took", tt.took), slog.String("request_id", tt.id))
				if err := h.Handle(context.Background(), r); err != nil {
					t.Fatal(err)
				}
				if tt.wantPlain && got.String() != want.String() {
					t.Errorf("line:\n got %q\nwant %q", got.String(), want.String())
				}
				if !tt.wantPlain && !bytes.Contains(got.Bytes(), []byte("request_id")) {
					t.Errorf("no line through slog: %q", got.String())
				}
				if format == "text" && !bytes.Contains(got.Bytes(), []byte(tt.wantInLine)) {
					t.Errorf("line %q lacks %q", got.String(), tt.wantInLine)
				}
			})
		}
	}
	if newAccessLog(nil, "text") != nil {
		t.Error("an access log without a writer is not off")
	}
	var off *accessLog
	off.log(at, "GET", "/", 200, 1, 1, "x") // must not panic
}
