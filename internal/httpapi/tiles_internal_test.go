package httpapi

import "testing"

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		name, header string
		want         bool
	}{
		{"none", "", false},
		{"browser", "gzip, deflate, br, zstd", true},
		{"only gzip", "gzip", true},
		{"upper case", "GZIP", true},
		{"x-gzip", "x-gzip", true},
		{"refused", "gzip;q=0", false},
		{"refused with spaces", "gzip ; q=0.0, identity", false},
		{"low quality still accepts", "gzip;q=0.1", true},
		{"star", "*", true},
		{"star refused", "*;q=0", false},
		{"gzip refused beats star", "*, gzip;q=0", false},
		{"identity only", "identity", false},
		{"br only", "br", false},
		{"bad quality ignored", "gzip;q=abc", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := acceptsGzip(tt.header); got != tt.want {
				t.Errorf("acceptsGzip(%q): got %v, want %v", tt.header, got, tt.want)
			}
		})
	}
}

func TestIfNoneMatch(t *testing.T) {
	const etag = `"abc"`
	tests := []struct {
		name, header string
		want         bool
	}{
		{"none", "", false},
		{"same", `"abc"`, true},
		{"weak", `W/"abc"`, true},
		{"list", `"x", "abc"`, true},
		{"star", "*", true},
		{"other", `"abd"`, false},
		{"unquoted", `abc`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ifNoneMatch(tt.header, etag); got != tt.want {
				t.Errorf("ifNoneMatch(%q): got %v, want %v", tt.header, got, tt.want)
			}
		})
	}
}
