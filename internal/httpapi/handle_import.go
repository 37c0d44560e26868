package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"partymap/internal/geo"
	"partymap/internal/kml"
)

// mediaKML is the media type of KML, for import and export.
const mediaKML = "application/vnd.google-earth.kml+xml"

// importAnswer is what an import did (or, in a dry run, would do).
type importAnswer struct {
	geo.ImportPlan
	Changes []changeJSON `json:"changes,omitempty"`
}

// handleImport upserts a GeoJSON or KML file into an editable layer: first
// with dry_run=true, which answers what would change (per feature: insert,
// update with the fields that change, or unchanged) and an ETag naming that
// plan; then again with If-Match carrying it, which applies exactly that
// plan, or answers 412 when the map or the file changed in between.
// Coordinates in GCJ-02 (Amap, Tencent) or BD-09 (Baidu) are converted to
// WGS 84 first (crs=gcj02|bd09; wgs84 and cgcs2000 are taken as they are).
func (s *Server) handleImport(c echo.Context) error {
	if err := checkParams(c, "layer", "crs", "format", "dry_run"); err != nil {
		return err
	}
	if c.QueryParam("layer") == "" {
		return geo.Errorf(geo.EINVALID, "Say which layer to import into with ?layer=grids (or compounds, buildings, parking, posts, organizations).")
	}
	l, err := s.editableLayer(c, c.QueryParam("layer"))
	if err != nil {
		return err
	}
	if err := authOf(c).user.MayWrite(l); err != nil {
		return err
	}
	crs := geo.WGS84
	if v := c.QueryParam("crs"); v != "" {
		if crs, err = geo.ParseCRS(v); err != nil {
			return err
		}
	}
	o, err := s.editOptions(c, geo.ReasonImport)
	if err != nil {
		return err
	}
	tag := strings.Trim(strings.TrimSpace(c.Request().Header.Get("If-Match")), `"`)
	if !o.DryRun && !strings.HasPrefix(tag, "import-") {
		return geo.Errorf(geo.EPRECONDITION, "Run the import with dry_run=true first, check what it would change, then send the same file again with If-Match set to the dry run's ETag.")
	}
	data, name, err := importFile(c)
	if err != nil {
		return err
	}
	items, err := decodeImport(l, data, name, c.QueryParam("format"), crs)
	if err != nil {
		return err
	}
	if o.DryRun {
		tag = ""
	}
	plans, res, err := s.cfg.Edits.Import(c.Request().Context(), []geo.ImportFile{{Layer: l.Name, Items: items}}, tag, o)
	if err != nil {
		return err
	}
	ans := importAnswer{ImportPlan: plans[0]}
	if o.DryRun {
		c.Response().Header().Set("ETag", `"`+plans[0].Tag+`"`)
	} else {
		ans.Changes = s.changesJSON(res)
		s.invalidate(res)
	}
	return writeJSON(c, http.StatusOK, mediaJSON, ans)
}

// importFile returns the uploaded file: the "file" part of a multipart form
// (what a browser's file input sends), or else the body itself.
func importFile(c echo.Context) ([]byte, string, error) {
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if mt != "multipart/form-data" {
		b, err := readBody(c)
		return b, "", err
	}
	// The body is bounded by the route (limitBody), which answers 413 for
	// a form past the import bound, whatever error the form reader gives.
	fh, err := c.FormFile("file")
	if err != nil {
		return nil, "", geo.WrapError(geo.EINVALID, err, "The form has no file field named \"file\".")
	}
	f, err := fh.Open()
	if err != nil {
		return nil, "", geo.WrapError(geo.EINVALID, err, "The uploaded file could not be read.")
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	return b, fh.Filename, err
}

// decodeImport reads GeoJSON or KML (told by format, the file name, or the
// first character) as import items in WGS 84 with JSON-shaped properties.
func decodeImport(l geo.Layer, data []byte, name, format string, crs geo.CRS) ([]geo.ImportItem, error) {
	if format == "" {
		switch ext := strings.ToLower(path.Ext(name)); {
		case ext == ".kml":
			format = "kml"
		case ext == ".geojson" || ext == ".json":
			format = "geojson"
		case bytes.HasPrefix(bytes.TrimSpace(data), []byte("<")):
			format = "kml"
		default:
			format = "geojson"
		}
	}
	var items []geo.ImportItem
	switch format {
	case "kml":
		fs, err := kml.Decode(bytes.NewReader(data), l)
		if err != nil {
			return nil, err
		}
		for i, f := range fs {
			items = append(items, geo.ImportItem{Index: i, ID: f.ID, Geometry: f.Geometry, Properties: jsonShaped(f.Properties)})
		}
	case "geojson":
		var err error
		if items, err = geo.DecodeGeoJSONImport(data); err != nil {
			return nil, err
		}
	default:
		return nil, geo.Errorf(geo.EINVALID, "The format parameter must be geojson or kml; got %q.", clipText(format))
	}
	if len(items) == 0 {
		return nil, geo.Errorf(geo.EINVALID, "The file holds no features.")
	}
	for i := range items {
		if items[i].Geometry != nil {
			items[i].Geometry = geo.ToWGS84(crs, items[i].Geometry)
		}
		for _, fd := range l.Fields {
			if fd.Type != geo.Position {
				continue
			}
			if p, ok := positionOf(items[i].Properties[fd.Name]); ok {
				q := geo.ToWGS84(crs, p).(orb.Point)
				items[i].Properties[fd.Name] = []any{q[0], q[1]}
			}
		}
	}
	return items, nil
}

// jsonShaped turns decoded KML values into what JSON would have given.
func jsonShaped(props map[string]any) map[string]any {
	out := make(map[string]any, len(props))
	for k, v := range props {
		switch t := v.(type) {
		case orb.Point:
			out[k] = []any{t[0], t[1]}
		case []string:
			list := make([]any, len(t))
			for i, s := range t {
				list[i] = s
			}
			out[k] = list
		case int64:
			out[k] = float64(t)
		case int:
			out[k] = float64(t)
		default:
			out[k] = v
		}
	}
	return out
}

func positionOf(v any) (orb.Point, bool) {
	pair, ok := v.([]any)
	if !ok || len(pair) != 2 {
		return orb.Point{}, false
	}
	x, ok1 := pair[0].(float64)
	y, ok2 := pair[1].(float64)
	return orb.Point{x, y}, ok1 && ok2
}

// handleExport downloads a layer as GeoJSON or KML (for Google Earth and
// 奥维地图), in WGS 84 or converted to gcj02 / bd09 for Chinese map apps.
func (s *Server) handleExport(c echo.Context) error {
	if err := checkParams(c, "layer", "format", "crs"); err != nil {
		return err
	}
	l, err := s.cat.LayerOrError(c.QueryParam("layer"))
	if err != nil {
		return geo.Errorf(geo.EINVALID, "Say which layer to export with ?layer=…: %s", geo.ErrorMessage(err))
	}
	crs := geo.WGS84
	if v := c.QueryParam("crs"); v != "" {
		if crs, err = geo.ParseCRS(v); err != nil {
			return err
		}
	}
	format := c.QueryParam("format")
	if format == "" {
		format = "geojson"
	}
	if format != "geojson" && format != "kml" {
		return geo.Errorf(geo.EINVALID, "The format parameter must be geojson or kml; got %q.", clipText(format))
	}
	var features []geo.Feature
	for offset := 0; ; offset += geo.MaxLimit {
		page, err := s.store.FindFeatures(c.Request().Context(), geo.Filter{Layer: l.Name, Limit: geo.MaxLimit, Offset: offset})
		if err != nil {
			return err
		}
		features = append(features, page.Features...)
		if len(page.Features) < geo.MaxLimit {
			break
		}
	}
	for i, f := range features {
		features[i].Geometry = geo.FromWGS84(crs, f.Geometry)
		for _, fd := range l.Fields {
			if p, ok := f.Properties[fd.Name].(orb.Point); ok && fd.Type == geo.Position {
				features[i].Properties[fd.Name] = geo.FromWGS84(crs, p).(orb.Point)
			}
		}
	}
	name := l.Name
	if crs != geo.WGS84 {
		name += "-" + string(crs)
	}
	var buf bytes.Buffer
	mediaType := mediaGeoJSON
	if format == "kml" {
		mediaType = mediaKML
		name += ".kml"
		colours, err := s.gridColours(c.Request().Context(), l)
		if err != nil {
			return err
		}
		if err := kml.Encode(&buf, l, features, kml.Options{Colours: colours}); err != nil {
			return err
		}
	} else {
		name += ".geojson"
		fc := geojson.NewFeatureCollection()
		for _, f := range features {
			fc.Append(geo.EncodeFeature(f))
		}
		if err := json.NewEncoder(&buf).Encode(fc); err != nil {
			return err
		}
	}
	h := c.Response().Header()
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("Cache-Control", privateNoStore)
	return c.Blob(http.StatusOK, mediaType, buf.Bytes())
}
