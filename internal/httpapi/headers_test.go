package httpapi_test

import (
	"strings"
	"testing"
)

// Every kind of answer carries the security headers; CORS is open to public
// GET reads only.
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
		{"unknown route", "/etc/passwd", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, h, tt.url)
			for _, name := range []string{"X-Content-Type-Options", "Referrer-Policy", "Content-Security-Policy", "X-Request-Id"} {
				if r.header.Get(name) == "" {
					t.Errorf("%s: no %s header", tt.url, name)
				}
			}
			if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("CSP: got %q", csp)
			}
			if got := r.header.Get("Access-Control-Allow-Origin") == "*"; got != tt.cors {
				t.Errorf("CORS open: got %v, want %v", got, tt.cors)
			}
		})
	}
}
