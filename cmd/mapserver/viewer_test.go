package main

import (
	"strings"
	"testing"
)

func TestParseHomeView(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr string
		zoom    float64
	}{
		{name: "the Xiyue home", in: "110.0995,34.5733,15.6,37,58", zoom: 15.6},
		{name: "spaces", in: " 110.0995, 34.5733, 16, -20, 0 ", zoom: 16},
		{name: "four numbers", in: "110.0995,34.5733,15.6,37", wantErr: "lon,lat,zoom,bearing,pitch"},
		{name: "not a number", in: "110.0995,north,15.6,37,58", wantErr: `"north" is not a number`},
		{name: "latitude out of range", in: "110,95,15,0,0", wantErr: "centre"},
		{name: "zoom out of range", in: "110,34,30,0,0", wantErr: "zoom must be between 1 and 22; got 30"},
		{name: "pitch out of range", in: "110,34,15,0,80", wantErr: "pitch must be between 0 and 70"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := parseHomeView(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got error %v, want one saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if v.Zoom != tc.zoom {
				t.Errorf("zoom: got %v, want %v", v.Zoom, tc.zoom)
			}
		})
	}
}
