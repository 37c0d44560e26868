package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
)

// Every kind of answer carries nosniff and a request id, pages the document
// headers; CORS is open to public GET reads only.
func TestHeaders(t *testing.T) {
	h := newServer(t)
	tests := []struct {
		name string
		url  string
		cors bool
	}{
		{"landing", "/", true},
		{"items", "/collections/grids/items", true},
		{"item", "/collections/grids/items/1", true},
		{"problem", "/collections/nothing", true},
		{"HTML", "/collections?f=html", true},
		{"health", "/healthz", false},
		{"metrics", "/metrics", false},
		{"unknown route", "/etc/passwd", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, h, tt.url)
			checkSecurityHeaders(t, tt.url, r.header, tt.cors)
		})
	}
}

func TestMetrics(t *testing.T) {
	h := newServer(t)
	get(t, h, "/collections/grids/items/1")
	get(t, h, "/collections/grids/items/2")
	get(t, h, "/no/such/path")
	r := get(t, h, "/metrics")
	if r.status != http.StatusOK {
		t.Fatalf("got %d", r.status)
	}
	body := string(r.body)
	for _, want := range []string{
		`partymap_http_requests_total{method="GET",route="/collections/:layer/items/:id",status="200"} 2`,
		`partymap_http_request_duration_seconds_bucket{method="GET",route="/collections/:layer/items/:id"`,
		`status="404"`,
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(body, "/no/such/path") {
		t.Error("an unmatched path became a label: unbounded series")
	}
}
