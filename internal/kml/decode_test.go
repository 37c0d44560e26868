package kml_test

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/paulmach/orb"
	"golang.org/x/text/encoding/simplifiedchinese"

	"partymap/internal/geo"
	"partymap/internal/kml"
)

// doc wraps placemarks in a KML 2.2 document.
func doc(placemarks ...string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>` + strings.Join(placemarks, "\n") + `</Document></kml>`
}

func point(lonLat string) string {
	return `<Point><coordinates>` + lonLat + `</coordinates></Point>`
}

func TestDecode_ovital(t *testing.T) {
	// A file as 奥维地图 exports it: styles, nested Folders, placemarks with
	// only a name, altitudes, a LookAt, a MultiGeometry of one point and an
	// id attribute that is not a number.
	data, err := os.ReadFile(filepath.Join("testdata", "ovital.kml"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := kml.Decode(bytes.NewReader(data), mustLayer(t, "posts"))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	want := []geo.Feature{
		{Layer: "posts", Geometry: orb.Point{110.0912, 34.5712}, Properties: map[string]any{"name_zh": "岳庙街党建驿站"}},
		{Layer: "posts", Geometry: orb.Point{110.0931, 34.5698}, Properties: map[string]any{"name_zh": "党群服务中心"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Decode(ovital.kml) differs (-want +got):\n%s", diff)
	}
}

func TestDecode(t *testing.T) {
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(`<?xml version="1.0" encoding="GBK"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>西岳庙</name>` + point("110.1,34.5") + `</Placemark></kml>`)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		layer string
		in    string
		want  []geo.Feature
	}{
		{
			name: "extended data of every type", layer: "parking",
			in: doc(`<Placemark><name>文化馆停车场</name>
				<ExtendedData>
					<Data name="name_en"><value> Cultural Centre parking </value></Data>
					<Data name="capacity"><displayName>车位</displayName><value>60</value></Data>
					<Data name="free"><value>12.0</value></Data>
					<Data name="entrance"><value>110.0946, 34.5721</value></Data>
					<Data name="colour"><value>red</value></Data>
					<Data name="id"><value>2</value></Data>
				</ExtendedData>
				<Polygon><outerBoundaryIs><LinearRing><coordinates>
					110.0941,34.5721,0 110.0952,34.5721,0 110.0952,34.5729,0 110.0941,34.5729,0
				</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>`),
			want: []geo.Feature{{Layer: "parking", ID: 2,
				Geometry: orb.Polygon{{{110.0941, 34.5721}, {110.0952, 34.5721}, {110.0952, 34.5729}, {110.0941, 34.5729}, {110.0941, 34.5721}}},
				Properties: map[string]any{"name_zh": "文化馆停车场", "name_en": "Cultural Centre parking",
					"capacity": int64(60), "free": int64(12), "entrance": orb.Point{110.0946, 34.5721}}}},
		},
		{
			name: "schema data, Chinese list separators, empty number", layer: "buildings",
			in: doc(`<Placemark id="buildings.31"><name>3号楼</name>
				<ExtendedData><SchemaData schemaUrl="#b">
					<SimpleData name="name_zh">三号楼</SimpleData>
					<SimpleData name="height_m">18.75</SimpleData>
					<SimpleData name="floors"></SimpleData>
				</SchemaData></ExtendedData>
				<Polygon><outerBoundaryIs><LinearRing><coordinates>110.1,34.5 110.2,34.5 110.2,34.6 110.1,34.5</coordinates></LinearRing></outerBoundaryIs></Polygon>
				</Placemark>`),
			want: []geo.Feature{{Layer: "buildings", ID: 31,
				Geometry:   orb.Polygon{{{110.1, 34.5}, {110.2, 34.5}, {110.2, 34.6}, {110.1, 34.5}}},
				Properties: map[string]any{"name_zh": "三号楼", "height_m": 18.75}}},
		},
		{
			name: "text list", layer: "posts",
			in: doc(`<Placemark id="9"><ExtendedData><Data name="services"><value>water，charging、 wifi,,</value></Data></ExtendedData>` + point("110.1,34.5") + `</Placemark>`),
			want: []geo.Feature{{Layer: "posts", ID: 9, Geometry: orb.Point{110.1, 34.5},
				Properties: map[string]any{"services": []string{"water", "charging", "wifi"}}}},
		},
		{
			name: "id attribute of another layer is not an id", layer: "posts",
			in:   doc(`<Placemark id="grids.5">` + point("110.1,34.5") + `</Placemark>`),
			want: []geo.Feature{{Layer: "posts", Geometry: orb.Point{110.1, 34.5}, Properties: map[string]any{}}},
		},
		{
			name: "line string in a KML 2.1 document", layer: "streets",
			in: `<kml xmlns="http://earth.google.com/kml/2.1"><Folder><Placemark><name>岳庙步行街</name>
				<LineString><tessellate>1</tessellate><coordinates>110.09,34.57 110.1,34.571</coordinates></LineString></Placemark></Folder></kml>`,
			want: []geo.Feature{{Layer: "streets", Geometry: orb.LineString{{110.09, 34.57}, {110.1, 34.571}},
				Properties: map[string]any{"name_zh": "岳庙步行街"}}},
		},
		{
			name: "GBK encoding", layer: "posts", in: gbk,
			want: []geo.Feature{{Layer: "posts", Geometry: orb.Point{110.1, 34.5}, Properties: map[string]any{"name_zh": "西岳庙"}}},
		},
		{name: "no placemarks", layer: "posts", in: `<kml xmlns="http://www.opengis.net/kml/2.2"/>`, want: []geo.Feature{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := kml.Decode(strings.NewReader(tt.in), mustLayer(t, tt.layer))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Decode differs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecode_errors(t *testing.T) {
	polygon := func(outer, inner string) string {
		s := `<Polygon><outerBoundaryIs><LinearRing><coordinates>` + outer + `</coordinates></LinearRing></outerBoundaryIs>`
		if inner != "" {
			s += `<innerBoundaryIs><LinearRing><coordinates>` + inner + `</coordinates></LinearRing></innerBoundaryIs>`
		}
		return s + `</Polygon>`
	}
	deep := `<kml>` + strings.Repeat(`<Folder>`, kml.MaxDepth) + strings.Repeat(`</Folder>`, kml.MaxDepth) + `</kml>`
	tests := []struct {
		name     string
		layer    string
		in       string
		wantCode string
		wantText []string
	}{
		{name: "bad coordinates", layer: "posts",
			in:       doc(`<Placemark><name>一</name>`+point("110.1,34.5")+`</Placemark>`, `<Placemark><name>第二</name>`+point("110.1;34.5")+`</Placemark>`),
			wantText: []string{`Placemark 2 ("第二")`, `position 1 of its Point is "110.1;34.5"`, `want "lon,lat"`}},
		{name: "NaN", layer: "posts", in: doc(`<Placemark>` + point("NaN,34.5") + `</Placemark>`),
			wantText: []string{`Placemark 1:`, `"NaN,34.5"`}},
		{name: "latitude off the globe", layer: "posts", in: doc(`<Placemark>` + point("110,95") + `</Placemark>`),
			wantText: []string{`"110,95"`, "WGS 84 degrees"}},
		{name: "bad altitude", layer: "posts", in: doc(`<Placemark>` + point("110,34,high") + `</Placemark>`),
			wantText: []string{`"110,34,high"`}},
		{name: "unclosed tags", layer: "posts", in: `<kml><Document><Placemark><name>x</name>` + point("110,34"),
			wantText: []string{"not well-formed XML", "line 1", "unexpected EOF"}},
		{name: "mismatched tags", layer: "posts", in: "<kml>\n<Placemark><Point></Placemark></kml>",
			wantText: []string{"not well-formed XML", "line 2"}},
		{name: "wrong geometry type", layer: "posts",
			in:       doc(`<Placemark><name>步行街</name><LineString><coordinates>110,34 110.1,34</coordinates></LineString></Placemark>`),
			wantText: []string{`Placemark 1 ("步行街")`, `its geometry is a LineString; layer "posts" holds Points`}},
		{name: "hole", layer: "grids",
			in:       doc(`<Placemark>` + polygon("110,34 111,34 111,35 110,34", "110.2,34.1 110.3,34.1 110.3,34.2 110.2,34.1") + `</Placemark>`),
			wantText: []string{"1 hole (innerBoundaryIs)", "not supported"}},
		{name: "polygon of two positions", layer: "grids", in: doc(`<Placemark>` + polygon("110,34 111,34", "") + `</Placemark>`),
			wantText: []string{"2 distinct positions; want at least 3"}},
		{name: "polygon without outer ring", layer: "grids", in: doc(`<Placemark><Polygon/></Placemark>`),
			wantText: []string{"0 outer rings (outerBoundaryIs/LinearRing); want exactly 1"}},
		{name: "line of one position", layer: "streets", in: doc(`<Placemark><LineString><coordinates>110,34</coordinates></LineString></Placemark>`),
			wantText: []string{"LineString has 1 position; want at least 2"}},
		{name: "point of two positions", layer: "posts", in: doc(`<Placemark>` + point("110,34 111,34") + `</Placemark>`),
			wantText: []string{"Point has 2 positions; want 1"}},
		{name: "no geometry", layer: "posts", in: doc(`<Placemark><name>空</name></Placemark>`),
			wantText: []string{"no geometry"}},
		{name: "two geometries", layer: "posts", in: doc(`<Placemark>` + point("110,34") + point("111,34") + `</Placemark>`),
			wantText: []string{"2 geometries; want exactly one"}},
		{name: "multi geometry of two", layer: "posts", in: doc(`<Placemark><MultiGeometry>` + point("110,34") + point("111,34") + `</MultiGeometry></Placemark>`),
			wantText: []string{"MultiGeometry holds 2 geometries; want exactly one"}},
		{name: "bad integer", layer: "parking",
			in:       doc(`<Placemark><ExtendedData><Data name="capacity"><value>六十</value></Data></ExtendedData>` + polygon("110,34 111,34 111,35 110,34", "") + `</Placemark>`),
			wantText: []string{`field "capacity" is "六十"; want a whole number`}},
		{name: "NaN number", layer: "buildings",
			in:       doc(`<Placemark><ExtendedData><Data name="height_m"><value>NaN</value></Data></ExtendedData>` + polygon("110,34 111,34 111,35 110,34", "") + `</Placemark>`),
			wantText: []string{`field "height_m" is "NaN"; want a number`}},
		{name: "bad position", layer: "parking",
			in:       doc(`<Placemark><ExtendedData><Data name="entrance"><value>110</value></Data></ExtendedData>` + polygon("110,34 111,34 111,35 110,34", "") + `</Placemark>`),
			wantText: []string{`field "entrance" is "110"; want a position "lon,lat"`}},
		{name: "field given twice", layer: "posts",
			in:       doc(`<Placemark><ExtendedData><Data name="hours"><value>1</value></Data><Data name="hours"><value>2</value></Data></ExtendedData>` + point("110,34") + `</Placemark>`),
			wantText: []string{`ExtendedData gives "hours" twice`}},
		{name: "duplicate id", layer: "posts",
			in:       doc(`<Placemark id="posts.4">`+point("110,34")+`</Placemark>`, `<Placemark id="4">`+point("110,34")+`</Placemark>`),
			wantText: []string{"Placemark 2: its id 4 is already used by placemark 1"}},
		{name: "not KML", layer: "posts", in: `<gpx><wpt lat="34" lon="110"/></gpx>`,
			wantText: []string{"root element is <gpx>; want <kml>"}},
		{name: "empty", layer: "posts", in: "", wantText: []string{"empty"}},
		{name: "KMZ", layer: "posts", in: "PK\x03\x04rest of a zip", wantText: []string{"KMZ", "doc.kml"}},
		{name: "unknown charset", layer: "posts", in: `<?xml version="1.0" encoding="x-martian"?><kml/>`,
			wantText: []string{`encoding "x-martian"`, "UTF-8"}},
		{name: "too deep", layer: "posts", in: deep, wantText: []string{fmt.Sprintf("more than %d deep", kml.MaxDepth)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := kml.Decode(strings.NewReader(tt.in), mustLayer(t, tt.layer))
			wantCode := tt.wantCode
			if wantCode == "" {
				wantCode = geo.EINVALID
			}
			if code := geo.ErrorCode(err); code != wantCode {
				t.Fatalf("Decode = %v, %v; want an %q error", got, err, wantCode)
			}
			msg := geo.ErrorMessage(err)
			for _, want := range tt.wantText {
				if !strings.Contains(msg, want) {
					t.Errorf("Decode error message %q lacks %q", msg, want)
				}
			}
		})
	}
}

func TestDecode_depthLimit(t *testing.T) {
	// MaxDepth levels in all, counting <kml>, are fine.
	inner := strings.Repeat(`<Folder>`, kml.MaxDepth-4) + `<Placemark>` + point("110,34") + `</Placemark>` + strings.Repeat(`</Folder>`, kml.MaxDepth-4)
	// kml > Folder… > Placemark > Point > coordinates
	in := `<kml>` + inner + `</kml>`
	if _, err := kml.Decode(strings.NewReader(in), mustLayer(t, "posts")); err != nil {
		t.Errorf("Decode of a document exactly %d deep: %v, want no error", kml.MaxDepth, err)
	}
	in = `<kml><Folder>` + inner + `</Folder></kml>`
	if _, err := kml.Decode(strings.NewReader(in), mustLayer(t, "posts")); geo.ErrorCode(err) != geo.EINVALID {
		t.Errorf("Decode of a document %d deep: %v, want an %q error", kml.MaxDepth+1, err, geo.EINVALID)
	}
}

func TestDecode_placemarkLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<kml><Document>`)
	pm := `<Placemark>` + point("110,34") + `</Placemark>`
	for range kml.MaxPlacemarks {
		b.WriteString(pm)
	}
	atLimit := b.String() + `</Document></kml>`
	got, err := kml.Decode(strings.NewReader(atLimit), mustLayer(t, "posts"))
	if err != nil || len(got) != kml.MaxPlacemarks {
		t.Fatalf("Decode of %d placemarks = %d features, %v; want %d, nil", kml.MaxPlacemarks, len(got), err, kml.MaxPlacemarks)
	}
	over := b.String() + pm + `</Document></kml>`
	_, err = kml.Decode(strings.NewReader(over), mustLayer(t, "posts"))
	if geo.ErrorCode(err) != geo.ETOOLARGE || !strings.Contains(err.Error(), "more than 50000 placemarks") {
		t.Errorf("Decode of %d placemarks: %v; want an %q error saying there are more than %d", kml.MaxPlacemarks+1, err, geo.ETOOLARGE, kml.MaxPlacemarks)
	}
}

// FuzzDecode checks that any input either decodes to features of the
// layer's geometry with finite coordinates that survive Encode and Decode
// again unchanged, or fails with an EINVALID or ETOOLARGE error; never a
// panic or another error.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"ovital.kml", "posts.golden.kml", "parking.golden.kml", "streets.golden.kml"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	catalogue := geo.NewCatalogue()
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, layerName := range []string{"posts", "parking", "streets"} {
			layer, _ := catalogue.Layer(layerName)
			features, err := kml.Decode(bytes.NewReader(data), layer)
			if err != nil {
				if code := geo.ErrorCode(err); code != geo.EINVALID && code != geo.ETOOLARGE {
					t.Fatalf("Decode error %v has code %q, want %q or %q", err, code, geo.EINVALID, geo.ETOOLARGE)
				}
				continue
			}
			for i, ft := range features {
				if got := geo.GeometryType(ft.Geometry.GeoJSONType()); got != layer.Geometry {
					t.Fatalf("feature %d is a %s, want a %s", i, got, layer.Geometry)
				}
				for _, p := range allPoints(ft.Geometry) {
					if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) {
						t.Fatalf("feature %d has the position %v, want finite numbers", i, p)
					}
				}
			}
			var buf bytes.Buffer
			if err := kml.Encode(&buf, layer, features); err != nil {
				t.Fatalf("Encode of decoded features: %v", err)
			}
			again, err := kml.Decode(&buf, layer)
			if err != nil {
				t.Fatalf("Decode(Encode(Decode(data))): %v\n%s", err, buf.String())
			}
			if diff := cmp.Diff(features, again, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("Decode(Encode(features)) differs (-want +got):\n%s", diff)
			}
		}
	})
}

func allPoints(g orb.Geometry) []orb.Point {
	switch g := g.(type) {
	case orb.Point:
		return []orb.Point{g}
	case orb.LineString:
		return g
	case orb.Polygon:
		var ps []orb.Point
		for _, r := range g {
			ps = append(ps, r...)
		}
		return ps
	}
	return nil
}
