package httpapi

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// accessLog writes one line per request (method, path, status, bytes, time
// taken, request id) at info level, in the shape log/slog's text or JSON
// handler gives the same record, so that the access log reads like the
// rest of the log. It formats the common line itself: slog's general
// formatting cost a cached tile more than everything else the server does
// for it. A line whose strings need quoting (an unusual path) goes through
// slog itself. The writer should not wait for the disk or the terminal
// (main gives it internal/logbuf's): a request never waits for its line.
type accessLog struct {
	out  io.Writer
	json bool
	// slow writes the lines the fast path does not take.
	slow *slog.Logger
	bufs sync.Pool // of *[]byte
	// stamp is the text time of the latest millisecond logged: the lines
	// of one millisecond share it.
	stamp atomic.Pointer[stamp]
}

// stamp is a millisecond in a time zone and its text, as slog's text
// handler writes it.
type stamp struct {
	ms   int64
	loc  *time.Location
	text []byte
}

// newAccessLog returns the access log to out in format "json" or (any
// other) text; a nil out logs nothing.
func newAccessLog(out io.Writer, format string) *accessLog {
	if out == nil {
		return nil
	}
	a := &accessLog{out: out, json: format == "json"}
	if a.json {
		a.slow = slog.New(slog.NewJSONHandler(out, nil))
	} else {
		a.slow = slog.New(slog.NewTextHandler(out, nil))
	}
	a.bufs.New = func() any { b := make([]byte, 0, 256); return &b }
	return a
}

// log writes the line of one request answered at t.
func (a *accessLog) log(t time.Time, method, path string, status int, size int64, took time.Duration, id string) {
	if a == nil {
		return
	}
	if !plain(method) || !plain(path) || !plain(id) {
		a.slow.LogAttrs(context.Background(), slog.LevelInfo, "request",
			slog.String("method", method),
			slog.String("path", path),
			slog.Int("status", status),
			slog.Int64("bytes", size),
			slog.Duration("took", took),
			slog.String("request_id", id),
		)
		return
	}
	bp := a.bufs.Get().(*[]byte)
	b := (*bp)[:0]
	if a.json {
		b = append(b, `{"time":"`...)
		b = t.AppendFormat(b, time.RFC3339Nano)
		b = append(b, `","level":"INFO","msg":"request","method":"`...)
		b = append(b, method...)
		b = append(b, `","path":"`...)
		b = append(b, path...)
		b = append(b, `","status":`...)
		b = strconv.AppendInt(b, int64(status), 10)
		b = append(b, `,"bytes":`...)
		b = strconv.AppendInt(b, size, 10)
		b = append(b, `,"took":`...)
		b = strconv.AppendInt(b, int64(took), 10)
		b = append(b, `,"request_id":"`...)
		b = append(b, id...)
		b = append(b, "\"}\n"...)
	} else {
		b = append(b, "time="...)
		b = a.appendTime(b, t)
		b = append(b, " level=INFO msg=request method="...)
		b = append(b, method...)
		b = append(b, " path="...)
		b = append(b, path...)
		b = append(b, " status="...)
		b = strconv.AppendInt(b, int64(status), 10)
		b = append(b, " bytes="...)
		b = strconv.AppendInt(b, size, 10)
		b = append(b, " took="...)
		b = append(b, took.String()...)
		b = append(b, " request_id="...)
		b = append(b, id...)
		b = append(b, '\n')
	}
	_, _ = a.out.Write(b)
	*bp = b
	a.bufs.Put(bp)
}

// appendTime appends t as slog's text handler writes it, formatting it
// once per millisecond.
func (a *accessLog) appendTime(b []byte, t time.Time) []byte {
	ms, loc := t.UnixMilli(), t.Location()
	if st := a.stamp.Load(); st != nil && st.ms == ms && st.loc == loc {
		return append(b, st.text...)
	}
	n := len(b)
	b = appendRFC3339Millis(b, t)
	a.stamp.Store(&stamp{ms: ms, loc: loc, text: bytes.Clone(b[n:])})
	return b
}

// plain reports whether s goes into a text line without quotes and into a
// JSON string without escapes: printable ASCII but space, '=', '"' and
// '\\'.
func plain(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '=' || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// appendRFC3339Millis appends t as slog's text handler writes times: RFC
// 3339 with exactly three digits of milliseconds.
func appendRFC3339Millis(b []byte, t time.Time) []byte {
	// RFC3339Nano trims trailing zeros; a tenth of a millisecond added to
	// the truncated time keeps four digits, and the fourth is dropped.
	const prefixLen = len("2006-01-02T15:04:05.000")
	n := len(b)
	t = t.Truncate(time.Millisecond).Add(time.Millisecond / 10)
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b[:n+prefixLen], b[n+prefixLen+1:]...)
}
