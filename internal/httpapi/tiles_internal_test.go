package httpapi

import (
	"testing"

	"github.com/paulmach/orb/maptile"

	"partymap/internal/geo"
)

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

func TestParseTile(t *testing.T) {
	tests := []struct {
		name    string
		z, x, y string
		want    maptile.Tile
		wantErr bool
	}{
		{"world", "0", "0", "0.mvt", maptile.New(0, 0, 0), false},
		{"community z14", "14", "13202", "6513.mvt", maptile.New(13202, 6513, 14), false},
		{"deepest corner", "22", "4194303", "4194303.mvt", maptile.New(4194303, 4194303, 22), false},
		{"zoom 23", "23", "0", "0.mvt", maptile.Tile{}, true},
		{"x past the edge", "1", "2", "0.mvt", maptile.Tile{}, true},
		{"y past the edge", "1", "0", "2.mvt", maptile.Tile{}, true},
		{"leading zero", "1", "01", "0.mvt", maptile.Tile{}, true},
		{"empty y", "1", "0", ".mvt", maptile.Tile{}, true},
		{"hex", "1", "0x1", "0.mvt", maptile.Tile{}, true},
		{"pbf", "1", "0", "0.pbf", maptile.Tile{}, true},
		{"double suffix", "1", "0", "0.mvt.mvt", maptile.Tile{}, true},
		{"huge", "22", "99999999999999999999", "0.mvt", maptile.Tile{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseTile(tt.z, tt.x, tt.y)
			if tt.wantErr {
				if geo.ErrorCode(err) != geo.EINVALID {
					t.Errorf("got %v, %v; want an %s error", got, err, geo.EINVALID)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}
