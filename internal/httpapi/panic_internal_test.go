package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// A handler that panics, or fails with an error that is not the domain's,
// answers a 500 problem that shows none of it: no panic text, no stack, no
// source path. The log has the details, with the request id.
func TestInternalErrorsStayInternal(t *testing.T) {
	var log bytes.Buffer
	s := newInternal(t, Config{Logger: slog.New(slog.NewJSONHandler(&log, nil))})
	const secret = "pgx: SQLSTATE 42P01 at /work/main/internal/postgis/features.go:42"
	s.echo.GET("/test/boom", func(echo.Context) error { panic(secret) })
	s.echo.GET("/test/error", func(echo.Context) error { return errors.New(secret) })
	s.echo.GET("/test/nil-map", func(echo.Context) error {
		var m map[string]int
		m["x"]++
		return nil
	})
	for _, path := range []string{"/test/boom", "/test/error", "/test/nil-map"} {
		t.Run(path, func(t *testing.T) {
			log.Reset()
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			if rec.Code != 500 || rec.Header().Get("Content-Type") != "application/problem+json" {
				t.Fatalf("got %d %s, want a 500 problem", rec.Code, rec.Header().Get("Content-Type"))
			}
			var p Problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Detail == "" {
				t.Fatalf("problem %s: %v", rec.Body, err)
			}
			for _, leak := range []string{"pgx", "SQLSTATE", "/work/", ".go:", "panic", "goroutine", "runtime error", "nil map"} {
				if strings.Contains(rec.Body.String(), leak) {
					t.Errorf("the answer shows %q: %s", leak, rec.Body)
				}
			}
			id := rec.Header().Get("X-Request-Id")
			if !strings.Contains(log.String(), id) || !strings.Contains(log.String(), `"status":500`) {
				t.Errorf("the log lacks the failure with request id %s:\n%s", id, log.String())
			}
		})
	}
}
