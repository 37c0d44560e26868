package httpapi_test

import (
	"context"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"partymap/internal/geo"
)

func TestRoute_fromTheKioskToAPost(t *testing.T) {
	s := newFinderServer(t, nil)
	r := get(t, s.handler, "/api/route?to=posts/10")
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/geo+json" {
		t.Fatalf("status %d %s: %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store: the walk changes with every edit", cc)
	}
	doc := r.json(t)
	geom, _ := doc["geometry"].(map[string]any)
	coords, _ := geom["coordinates"].([]any)
	if doc["type"] != "Feature" || geom["type"] != "LineString" || len(coords) < 3 {
		t.Fatalf("want a Feature with a LineString: %s", r.body)
	}
	p := doc["properties"].(map[string]any)
	if p["reachable"] != true {
		t.Fatalf("posts/10 unreachable: %s", r.body)
	}
	from := p["from"].(map[string]any)
	if from["source"] != "kiosk" || coords[0].([]any)[0] != from["lon"] {
		t.Errorf("the walk starts at %v, from %v; want the kiosk", coords[0], from)
	}
	length := p["length_m"].(float64)
	if minutes := p["walking_min"].(float64); minutes != math.Ceil(length/75) {
		t.Errorf("walking_min %v for %v m, want it at 75 m a minute", minutes, length)
	}
	steps := p["steps"].([]any)
	var sum float64
	for _, s := range steps {
		st := s.(map[string]any)
		sum += st["length_m"].(float64)
		if st["text_zh"] == "" || st["text_en"] == "" {
			t.Errorf("a step without both languages: %v", st)
		}
	}
	if math.Abs(sum-length) > float64(len(steps)) {
		t.Errorf("the steps add up to %v m, the walk is %v m", sum, length)
	}
	first := steps[0].(map[string]any)
	if !strings.Contains(first["text_zh"].(string), "岳庙步行街") || !strings.Contains(first["text_en"].(string), "Yuemiao Pedestrian Street") {
		t.Errorf("the first step is %v, want along the pedestrian street", first)
	}
	target := p["target"].(map[string]any)
	if target["layer"] != "posts" || target["id"] != 10.0 || target["name_en"] != "Quanxiang Court Shared Activity Room" {
		t.Errorf("target %v", target)
	}
	if hs, _ := p["handoffs"].([]any); len(hs) != 4 || !strings.HasPrefix(hs[0].(map[string]any)["url"].(string), "https://uri.amap.com/navigation?") {
		t.Errorf("handoffs to the map apps: %v", p["handoffs"])
	}
	if strings.Contains(string(r.body), "phone") {
		t.Errorf("the route carries a phone: %s", r.body)
	}
}

func TestRoute_unreachableAndBadInput(t *testing.T) {
	s := newFinderServer(t, nil)
	// A lane inside Yuemiao New Village, which has no gate in its wall.
	lane := geo.Feature{Layer: "paths", Geometry: orb.LineString{{110.09190, 34.57460}, {110.09200, 34.57460}},
		Properties: map[string]any{"name_zh": "新村内巷", "name_en": "New Village Inner Lane", "kind": "lane"}}
	if _, err := s.db.ApplyWrites(context.Background(), []geo.Write{{Op: geo.Insert, Feature: lane}}, geo.EditOptions{Actor: geo.SystemUser("test")}); err != nil {
		t.Fatal(err)
	}
	r := get(t, s.handler, "/api/route?to=110.09195,34.57460")
	doc := r.json(t)
	p, _ := doc["properties"].(map[string]any)
	if r.status != http.StatusOK || doc["geometry"] != nil || p["reachable"] != false || p["length_m"] != nil ||
		!strings.Contains(p["message_en"].(string), "wall without a gate") || p["message_zh"] == "" {
		t.Errorf("a walled-off lane: status %d %s, want 200, reachable false, no geometry and a sentence", r.status, r.body)
	}
	for _, tc := range []struct {
		target, want string
		status       int
	}{
		{"/api/route?to=posts/99999", "no service post with id 99999", http.StatusNotFound},
		{"/api/route?to=nowhere/1", "layer one of", http.StatusBadRequest},
		{"/api/route?to=posts/x", "whole number", http.StatusBadRequest},
		{"/api/route?to=110.1", "lon,lat", http.StatusBadRequest},
		{"/api/route?to=posts/1&from=200,34", "from parameter", http.StatusBadRequest},
		{"/api/route", "to=layer/id", http.StatusBadRequest},
		{"/api/route?to=posts/1&via=x", "via", http.StatusBadRequest},
	} {
		r := get(t, s.handler, tc.target)
		if r.status != tc.status || r.header.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(r.body), tc.want) {
			t.Errorf("%s: status %d %s, want %d problem saying %q: %s", tc.target, r.status, r.header.Get("Content-Type"), tc.status, tc.want, r.body)
		}
	}
}

func TestNearest_byWalking(t *testing.T) {
	s := newFinderServer(t, nil)
	r := get(t, s.handler, "/api/nearest?lon=110.0935&lat=34.57223&limit=3&by=walking")
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	doc := r.json(t)
	if doc["by"] != "walking" {
		t.Errorf("by = %v, want walking", doc["by"])
	}
	fs := features(t, doc)
	var last float64
	for i, f := range fs {
		p := f["properties"].(map[string]any)
		w, ok := p["walking_m"].(float64)
		if !ok || w < last {
			t.Errorf("answer %d: walking_m %v after %v, want ascending walks", i, p["walking_m"], last)
		}
		if p["walking_min"].(float64) != math.Max(1, math.Ceil(w/75)) {
			t.Errorf("answer %d: walking_min %v for a walk of %v m", i, p["walking_min"], w)
		}
		last = w
	}
	if id := fs[0]["id"]; id == 9.0 {
		t.Errorf("by walking the first answer is post 9, behind Dongguan Compound's wall")
	}
	if r := get(t, s.handler, "/api/nearest?by=car"); r.status != http.StatusBadRequest {
		t.Errorf("by=car: status %d, want 400", r.status)
	}
}
