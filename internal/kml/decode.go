package kml

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"

	"partymap/internal/geo"
)

// Limits on what Decode accepts, so that a hostile file cannot exhaust the
// server.
const (
	// MaxDepth is how deeply elements may nest; real KML needs about ten.
	MaxDepth = 32
	// MaxPlacemarks is how many placemarks one file may hold.
	MaxPlacemarks = 50000
)

// Decode reads the placemarks of a KML document as features of the layer,
// wherever they sit under Document and Folder elements.
//
// A placemark's geometry is a Point, LineString or Polygon (without holes),
// or a MultiGeometry holding exactly one of them, and must be the layer's
// geometry type; coordinates are "lon,lat[,alt]" in WGS 84, altitude dropped.
// Open polygon rings are closed. ExtendedData (Data and SchemaData/SimpleData)
// fills the layer's catalogue fields, converted to the field's type: Integer,
// Number, TextList (split on commas, "，" and "、") and Position ("lon,lat");
// an empty Integer, Number or Position value is left out, and names that are
// not in the catalogue are ignored. The placemark's <name> becomes name_zh
// unless ExtendedData gives one. A positive whole number in a Data field "id",
// or an id attribute "<n>" or "<layer>.<n>", becomes the feature's ID.
//
// Decode converts but does not validate: required fields, enums and ranges
// are the catalogue's to check. A malformed document or placemark is an
// EINVALID error naming the placemark (its number from 1 and its name) and
// what was wanted; more than MaxPlacemarks placemarks is ETOOLARGE.
func Decode(r io.Reader, layer geo.Layer) ([]geo.Feature, error) {
	br := bufio.NewReader(r)
	if head, _ := br.Peek(4); bytes.Equal(head, []byte("PK\x03\x04")) {
		return nil, geo.Errorf(geo.EINVALID, "The file is a KMZ (a zip archive); unzip it and import the doc.kml inside.")
	}
	raw := xml.NewDecoder(br)
	raw.CharsetReader = charsetReader
	d := xml.NewTokenDecoder(&depthLimiter{src: raw})

	features := []geo.Feature{}
	ids := map[int64]int{} // feature ID → placemark number
	sawRoot := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, documentError(err)
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if !sawRoot {
			if start.Name.Local != "kml" {
				return nil, geo.Errorf(geo.EINVALID, "The file is not KML: its root element is <%s>; want <kml>.", clip(start.Name.Local))
			}
			sawRoot = true
			continue
		}
		if start.Name.Local != "Placemark" {
			continue
		}
		number := len(features) + 1
		if number > MaxPlacemarks {
			return nil, geo.Errorf(geo.ETOOLARGE, "The KML has more than %d placemarks; split it into smaller files.", MaxPlacemarks)
		}
		var pm placemarkXML
		if err := d.DecodeElement(&pm, &start); err != nil {
			return nil, documentError(err)
		}
		f, err := pm.feature(layer, number)
		if err != nil {
			return nil, err
		}
		if f.ID != 0 {
			if first, dup := ids[f.ID]; dup {
				return nil, placemarkError(number, pm.Name, "its id %d is already used by placemark %d; want every id once", f.ID, first)
			}
			ids[f.ID] = number
		}
		features = append(features, f)
	}
	if !sawRoot {
		return nil, geo.Errorf(geo.EINVALID, "The file is empty; want a KML document (<kml> …).")
	}
	return features, nil
}

// depthLimiter passes tokens through and refuses elements nested deeper than
// MaxDepth.
type depthLimiter struct {
	src   *xml.Decoder
	depth int
}

// Token returns the next token of the underlying decoder.
func (l *depthLimiter) Token() (xml.Token, error) {
	tok, err := l.src.Token()
	switch tok.(type) {
	case xml.StartElement:
		l.depth++
		if l.depth > MaxDepth {
			line, _ := l.src.InputPos()
			return nil, geo.Errorf(geo.EINVALID, "The KML nests elements more than %d deep (line %d); want a flatter document.", MaxDepth, line)
		}
	case xml.EndElement:
		l.depth--
	}
	return tok, err
}

// charsetReader lets Decode read files declared as GBK or GB18030, which some
// Chinese tools still write, and any other encoding the WHATWG knows.
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(label)
	if err != nil {
		return nil, geo.Errorf(geo.EINVALID, "The KML declares the character encoding %q, which is not one partymap knows; save it as UTF-8.", clip(label))
	}
	return enc.NewDecoder().Reader(input), nil
}

// documentError turns an error of the XML decoder into an EINVALID error.
func documentError(err error) error {
	var domain *geo.Error
	if errors.As(err, &domain) {
		return domain
	}
	var syntax *xml.SyntaxError
	if errors.As(err, &syntax) {
		return geo.WrapError(geo.EINVALID, err, "The KML is not well-formed XML: line %d: %s.", syntax.Line, strings.TrimSuffix(syntax.Msg, "."))
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return geo.WrapError(geo.EINVALID, err, "The KML ends in the middle of an element; want a complete document.")
	}
	return geo.WrapError(geo.EINVALID, err, "The KML cannot be read: %s.", clip(err.Error()))
}

// placemarkError is an EINVALID error about one placemark.
func placemarkError(number int, name, format string, args ...any) error {
	label := fmt.Sprintf("Placemark %d", number)
	if name = strings.TrimSpace(name); name != "" {
		label += fmt.Sprintf(" (%q)", clip(name))
	}
	return geo.Errorf(geo.EINVALID, "%s: %s.", label, fmt.Sprintf(format, args...))
}

// plural writes a count and its noun: "1 hole", "2 holes".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// clip shortens text quoted back in a message.
func clip(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max]) + "…"
}

// placemarkXML is the part of a KML Placemark that Decode reads. Tags carry
// no namespace, so KML 2.0–2.2 and extension prefixes all match.
type placemarkXML struct {
	ID           string          `xml:"id,attr"`
	Name         string          `xml:"name"`
	ExtendedData extendedDataXML `xml:"ExtendedData"`
	geometriesXML
}

// geometriesXML is what a Placemark or a MultiGeometry may hold.
type geometriesXML struct {
	Points         []coordinatesXML   `xml:"Point"`
	LineStrings    []coordinatesXML   `xml:"LineString"`
	Polygons       []polygonXML       `xml:"Polygon"`
	MultiGeometrys []multiGeometryXML `xml:"MultiGeometry"`
}

type multiGeometryXML struct {
	geometriesXML
}

type coordinatesXML struct {
	Coordinates string `xml:"coordinates"`
}

type polygonXML struct {
	Outer []string   `xml:"outerBoundaryIs>LinearRing>coordinates"`
	Inner []struct{} `xml:"innerBoundaryIs"`
}

type extendedDataXML struct {
	Data []struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value"`
	} `xml:"Data"`
	SchemaData []struct {
		SimpleData []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:",chardata"`
		} `xml:"SimpleData"`
	} `xml:"SchemaData"`
}
