package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"
)

// pageTemplate renders any OGC document for a browser: its links as
// anchors and the document itself, so a person can walk the API by clicking.
const pageTemplate = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · partymap</title>
<style>
body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}
h1{color:#b71c1c}a{color:#0b57d0}pre{background:#f6f6f6;padding:1rem;overflow:auto;font-size:.85rem}
li{margin:.2rem 0}.rel{color:#777;font-size:.85rem}
</style></head><body>
<p><a href="/?f=html">partymap</a> · <a href="/collections?f=html">collections</a> · <a href="/api">API</a></p>
<h1>{{.Title}}</h1>
{{if .Links}}<ul>{{range .Links}}<li><a href="{{.Href}}">{{if .Title}}{{.Title}}{{else}}{{.Href}}{{end}}</a> <span class="rel">{{.Rel}} {{.Type}}</span></li>{{end}}</ul>{{end}}
{{range .Sub}}<h2>{{.Title}}</h2><ul>{{range .Links}}<li><a href="{{.Href}}">{{if .Title}}{{.Title}}{{else}}{{.Href}}{{end}}</a> <span class="rel">{{.Rel}} {{.Type}}</span></li>{{end}}</ul>{{end}}
<pre>{{.JSON}}</pre>
</body></html>`

type htmlSection struct {
	Title string
	Links []Link
}

type htmlPage struct {
	Title string
	Links []Link
	Sub   []htmlSection
	JSON  string
}

// renderHTML answers body as an HTML page.
func (s *Server) renderHTML(c echo.Context, title string, body any) error {
	page, err := s.htmlBytes(title, body)
	if err != nil {
		return err
	}
	s.setDocumentHeaders(c.Response().Header())
	return c.HTMLBlob(http.StatusOK, page)
}

// htmlBytes renders body as an HTML page.
func (s *Server) htmlBytes(title string, body any) ([]byte, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Links       []Link `json:"links"`
		Collections []struct {
			Title string `json:"title"`
			Links []Link `json:"links"`
		} `json:"collections"`
	}
	_ = json.Unmarshal(raw, &doc)
	var pretty bytes.Buffer
	_ = json.Indent(&pretty, raw, "", "  ")
	page := htmlPage{Title: title, Links: doc.Links, JSON: pretty.String()}
	for _, col := range doc.Collections {
		page.Sub = append(page.Sub, htmlSection{Title: col.Title, Links: col.Links})
	}
	var out bytes.Buffer
	if err := s.page.Execute(&out, page); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// renderBody renders an OGC document as HTML or as JSON of the media type.
// An entity tag given for the JSON names the HTML apart: a strong tag names
// one representation.
func (s *Server) renderBody(html bool, title, mediaType, etag string, body any) (rendered, error) {
	if html {
		if etag != "" {
			etag = tagged(etag, "html")
		}
		b, err := s.htmlBytes(title, body)
		return rendered{contentType: "text/html; charset=UTF-8", etag: etag, body: b}, err
	}
	b, err := jsonBytes(body)
	return rendered{contentType: mediaType, etag: etag, body: b}, err
}

// jsonEncode writes v as JSON without escaping <, > and &.
func jsonEncode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
