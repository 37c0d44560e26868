package httpapi_test

import "testing"

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
		{"unknown route", "/etc/passwd", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, h, tt.url)
			checkSecurityHeaders(t, tt.url, r.header, tt.cors)
		})
	}
}
