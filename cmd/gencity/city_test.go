package main

import (
	"bytes"
	"testing"
)

func TestBuild_deterministic(t *testing.T) {
	a, err := build(size{2, 2}, 1)
	if err != nil {
		t.Fatal(err)
	}
	b, err := build(size{2, 2}, 1)
	if err != nil {
		t.Fatal(err)
	}
	other, err := build(size{2, 2}, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a.tables {
		if !bytes.Equal(a.tables[i].buf.Bytes(), b.tables[i].buf.Bytes()) {
			t.Errorf("table %s differs between two builds with the same seed", a.tables[i].name)
		}
	}
	if bytes.Equal(a.tables[4].buf.Bytes(), other.tables[4].buf.Bytes()) {
		t.Errorf("table %s is the same with another seed", a.tables[4].name)
	}
}

func TestBuild_defaultSize(t *testing.T) {
	c, err := build(size{6, 10}, 1)
	if err != nil {
		t.Fatal(err)
	}
	// What the issue asks of a believable city: 2 subdistricts and 6
	// towns, about 60 communities, 900 grids and 100,000 buildings.
	tests := []struct {
		layer    string
		min, max int
	}{
		{"subdistricts", 8, 8},
		{"communities", 60, 60},
		{"grids", 900, 900},
		{"compounds", 6000, 7500},
		{"buildings", 95000, 110000},
		{"organizations", 8000, 10000},
		{"posts", 1300, 1400},
		{"parking", 900, 900},
		{"streets", 450, 550},
		{"landmarks", 90, 110},
	}
	for _, tt := range tests {
		t.Run(tt.layer, func(t *testing.T) {
			if got := c.count(tt.layer); got < tt.min || got > tt.max {
				t.Errorf("got %d %s, want %d to %d", got, tt.layer, tt.min, tt.max)
			}
		})
	}
}

func TestBuild_badSize(t *testing.T) {
	for _, sz := range []size{{0, 1}, {1, 0}, {41, 1}, {-1, -1}} {
		if _, err := build(sz, 1); err == nil {
			t.Errorf("size %v: got no error, want one", sz)
		}
	}
}

// The subdistricts are two of the city proper (街道) and six towns (镇),
// and every community's code starts with its subdistrict's.
func TestBuild_subdistricts(t *testing.T) {
	b := &builder{sz: size{6, 10}}
	b.planSubdistricts()
	kinds := map[string]int{}
	for _, s := range b.subdistricts {
		kinds[s.kind]++
	}
	if kinds["street"] != 2 || kinds["town"] != 6 {
		t.Errorf("subdistricts by kind: got %v, want 2 street and 6 town", kinds)
	}
	for cr := range 10 {
		for cc := range 6 {
			s := b.subdistricts[b.of[b.communityIndex(cc, cr)]]
			if code := b.communityCode(cc, cr); code[:2] != s.code || cc < s.c0 || cc >= s.c1 || cr < s.r0 || cr >= s.r1 {
				t.Errorf("community (%d, %d) %s: in subdistrict %s %v, want it to hold it and its code to start with it", cc, cr, code, s.code, s)
			}
		}
	}
}

func TestCopyField(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"null", nil, `\N`},
		{"text", "第1网格", "第1网格"},
		{"escapes", "a\tb\\c\nd", `a\tb\\c\nd`},
		{"int", 42, "42"},
		{"float", 22.5, "22.5"},
		{"array", []string{"water", "rest"}, "{water,rest}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := copyField(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	if _, err := copyField(struct{}{}); err == nil {
		t.Error("a struct: got no error, want one")
	}
}
