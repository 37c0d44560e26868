package httpapi

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// A client that goes away mid-request is not a failure of the server: it
// is counted as 499 (not 503) and logged at debug level, not as an error.
func TestVanishedClient_is499NotError(t *testing.T) {
	log := &syncBuffer{}
	s := newInternal(t, Config{Logger: slog.New(slog.NewJSONHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	started := make(chan struct{})
	s.echo.GET("/test/slow", func(c echo.Context) error {
		close(started)
		<-c.Request().Context().Done()
		return c.Request().Context().Err()
	})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	metricsSrv := httptest.NewServer(s.MetricsHandler())
	defer metricsSrv.Close()

	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/test/slow", nil)
	done := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	<-started
	cancel()
	if err := <-done; err == nil {
		t.Fatal("the request was answered; it should have been cut off")
	}
	var metrics string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get(metricsSrv.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if metrics = string(b); strings.Contains(metrics, `route="/test/slow",status="499"`) {
			break
		}
	}
	if !strings.Contains(metrics, `partymap_http_requests_total{method="GET",route="/test/slow",status="499"} 1`) {
		t.Errorf("metrics do not count the vanished client as 499:\n%s", grepLines(metrics, "/test/slow"))
	}
	if strings.Contains(log.String(), `"level":"ERROR"`) || !strings.Contains(log.String(), "request cancelled by the client") {
		t.Errorf("log: want the cancelled request at debug level and no error:\n%s", log.String())
	}
}

// syncBuffer is a log sink the server's goroutines and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
