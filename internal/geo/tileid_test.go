package geo

import (
	"testing"

	"github.com/paulmach/orb/maptile"
)

func TestParseTileID(t *testing.T) {
	tests := []struct {
		name    string
		z, x, y string
		want    maptile.Tile
		wantErr bool
	}{
		{"world", "0", "0", "0", maptile.New(0, 0, 0), false},
		{"community z14", "14", "13202", "6513", maptile.New(13202, 6513, 14), false},
		{"deepest corner", "22", "4194303", "4194303", maptile.New(4194303, 4194303, 22), false},
		{"zoom 23", "23", "0", "0", maptile.Tile{}, true},
		{"x past the edge", "1", "2", "0", maptile.Tile{}, true},
		{"y past the edge", "1", "0", "2", maptile.Tile{}, true},
		{"leading zero", "1", "01", "0", maptile.Tile{}, true},
		{"empty y", "1", "0", "", maptile.Tile{}, true},
		{"hex", "1", "0x1", "0", maptile.Tile{}, true},
		{"sign", "1", "+1", "0", maptile.Tile{}, true},
		{"huge", "22", "99999999999999999999", "0", maptile.Tile{}, true},
		{"not UTF-8", "\xff", "0", "0", maptile.Tile{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTileID(tt.z, tt.x, tt.y)
			if tt.wantErr {
				if ErrorCode(err) != EINVALID {
					t.Errorf("got %v, %v; want an %s error", got, err, EINVALID)
				}
				return
			}
			if err != nil || got.Tile() != tt.want {
				t.Errorf("got %v, %v; want %v", got.Tile(), err, tt.want)
			}
			if s := got.String(); s != tt.z+"/"+tt.x+"/"+tt.y {
				t.Errorf("String() = %q, want %s/%s/%s", s, tt.z, tt.x, tt.y)
			}
		})
	}
}

func TestNewTileID(t *testing.T) {
	tests := []struct {
		name string
		tile maptile.Tile
		ok   bool
	}{
		{"world", maptile.New(0, 0, 0), true},
		{"deepest", maptile.New(1<<22-1, 0, 22), true},
		{"x outside zoom 2", maptile.New(5, 0, 2), false},
		{"y outside zoom 2", maptile.New(0, 4, 2), false},
		{"zoom 23", maptile.New(0, 0, 23), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := NewTileID(tt.tile)
			if !tt.ok {
				if ErrorCode(err) != EINVALID {
					t.Errorf("got %v, %v; want an %s error", id, err, EINVALID)
				}
				return
			}
			if err != nil || id.Tile() != tt.tile || id.Z() != tt.tile.Z || id.X() != tt.tile.X || id.Y() != tt.tile.Y {
				t.Errorf("got %v (%d/%d/%d), %v; want %v", id.Tile(), id.Z(), id.X(), id.Y(), err, tt.tile)
			}
		})
	}
}
