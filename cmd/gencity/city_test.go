package main

import (
	"bytes"
	"testing"
)

func TestBuild_deterministic(t *testing.T) {
	a, err := build(size{3, 2}, 1)
	if err != nil {
		t.Fatal(err)
	}
	b, err := build(size{3, 2}, 1)
	if err != nil {
		t.Fatal(err)
	}
	other, err := build(size{3, 2}, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a.tables {
		if !bytes.Equal(a.tables[i].buf.Bytes(), b.tables[i].buf.Bytes()) {
			t.Errorf("table %s differs between two builds with the same seed", a.tables[i].name)
		}
	}
	if bytes.Equal(a.tables[3].buf.Bytes(), other.tables[3].buf.Bytes()) {
		t.Errorf("table %s is the same with another seed", a.tables[3].name)
	}
}

func TestBuild_defaultSize(t *testing.T) {
	c, err := build(size{16, 14}, 1)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		layer    string
		min, max int
	}{
		{"community", 1, 1},
		{"grids", 200, 224},
		{"compounds", 5000, 6000},
		{"buildings", 100000, 120000},
		{"organizations", 5000, 7000},
		{"posts", 800, 1000},
		{"parking", 200, 300},
		{"streets", 30, 40},
		{"landmarks", 20, 30},
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
	for _, sz := range []size{{0, 1}, {1, 0}, {201, 1}, {-1, -1}} {
		if _, err := build(sz, 1); err == nil {
			t.Errorf("size %v: got no error, want one", sz)
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
