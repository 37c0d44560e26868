package main

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"partymap/internal/geo"
)

// validHours reports whether s is an opening time HH:MM-HH:MM that closes
// after it opens (24:00 is midnight at the end of the day).
func validHours(s string) bool {
	m := regexp.MustCompile(`^(([01]\d|2[0-3]):[0-5]\d)-(([01]\d|2[0-3]):[0-5]\d|24:00)$`).FindStringSubmatch(s)
	return m != nil && m[1] < m[3]
}

func TestValidHours(t *testing.T) {
	tests := []struct {
		name, hours string
		want        bool
	}{
		{"day", "08:00-20:00", true},
		{"all day", "00:00-24:00", true},
		{"closes before it opens", "20:00-08:00", false},
		{"hour 24 opening", "24:00-24:00", false},
		{"single digit", "8:00-20:00", false},
		{"minute 60", "08:60-20:00", false},
		{"words", "daytime", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := validHours(tt.hours); got != tt.want {
				t.Errorf("validHours(%q) = %v, want %v", tt.hours, got, tt.want)
			}
		})
	}
}

func TestPosts_Kinds(t *testing.T) {
	want := map[string]int{"cabin": 6, "service_hall": 1, "rep_studio": 1, "activity_room": 2, "cultural_space": 2, "library": 1}
	got := map[string]int{}
	for _, p := range load(t, "posts") {
		got[p.text("kind")]++
	}
	for kind, n := range want {
		if got[kind] != n {
			t.Errorf("%d posts of kind %s, want %d", got[kind], kind, n)
		}
	}
	if len(got) != len(want) {
		t.Errorf("post kinds %v, want %v", got, want)
	}
}

func TestPosts_Services(t *testing.T) {
	offered := map[string]int{}
	var cabins [][]string
	for _, p := range load(t, "posts") {
		s := p.texts("services")
		if len(s) == 0 {
			t.Errorf("post %d offers no service", p.id)
		}
		for _, x := range s {
			offered[x]++
		}
		if p.text("kind") == "cabin" {
			cabins = append(cabins, s)
		}
	}
	for _, s := range geo.Services() {
		if offered[s] < 2 {
			t.Errorf("%d posts offer %s, want at least 2 so the finder has a choice", offered[s], s)
		}
	}
	// A filter on a service must change which cabins are found.
	for _, s := range []string{"charging", "first_aid"} {
		with := 0
		for _, c := range cabins {
			if slices.Contains(c, s) {
				with++
			}
		}
		if with == 0 || with == len(cabins) {
			t.Errorf("%d of %d cabins offer %s, want some but not all", with, len(cabins), s)
		}
	}
}

func TestPosts_HoursAndPhones(t *testing.T) {
	phone := regexp.MustCompile(`^0913-0000\d{3}$`)
	hours := map[string]bool{}
	for _, p := range load(t, "posts") {
		h := p.text("hours")
		if !validHours(h) {
			t.Errorf("post %d: hours %q, want HH:MM-HH:MM", p.id, h)
		}
		hours[h] = true
		if ph, ok := p.props["phone"]; ok && !phone.MatchString(p.text("phone")) {
			t.Errorf("post %d: phone %s, want an invented 0913-0000xxx", p.id, ph)
		}
	}
	if len(hours) < 3 || !hours["00:00-24:00"] {
		t.Errorf("opening hours %v, want varied ones including 00:00-24:00", hours)
	}
}

func TestPosts_Places(t *testing.T) {
	grids := load(t, "grids")
	outline := load(t, "communities")[0].ring()
	var street orb.LineString
	for _, s := range load(t, "streets") {
		if s.text("kind") == "pedestrian" {
			street = s.local.(orb.LineString)
		}
	}
	var temple orb.Ring
	for _, l := range load(t, "landmarks") {
		if l.text("name_zh") == "西岳庙" {
			temple = l.ring()
		}
	}
	if street == nil || temple == nil {
		t.Fatal("the pedestrian street or Xiyue Temple is missing")
	}
	for _, p := range load(t, "posts") {
		at := p.point()
		if !planar.RingContains(outline, at) {
			t.Errorf("post %d stands outside the community", p.id)
		}
		if got, want := p.text("grid_code"), gridAt(grids, at); got != want {
			t.Errorf("post %d: grid_code %q, but it stands in %q", p.id, got, want)
		}
		if p.text("kind") == "cabin" {
			onStreet := gapBetween(street, []orb.Point{at, at}) <= 30
			byTemple := gapBetween(temple, []orb.Point{at, at}) <= 100
			if !onStreet && !byTemple {
				t.Errorf("cabin %d is neither on the pedestrian street nor by the temple", p.id)
			}
			if !strings.HasPrefix(p.text("name_zh"), "党建驿站小屋") || !strings.HasPrefix(p.text("name_en"), "Party Service Cabin") {
				t.Errorf("cabin %d is named %s / %s, want 党建驿站小屋… / Party Service Cabin…", p.id, p.text("name_zh"), p.text("name_en"))
			}
		}
	}
}
