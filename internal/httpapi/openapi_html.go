package httpapi

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"
)

// The API definition as a page to read (/api?f=html, and what a browser
// opening /api gets): every address with its operations, parameters,
// answers and how to authenticate, rendered here from the same document
// /api answers, by a template of ours (no script, nothing fetched).

const apiPageTemplate = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · API</title>
<style>
body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:1.5rem auto;max-width:64rem;padding:0 1rem;color:#222;line-height:1.4}
h1{color:#b71c1c}h2{margin-top:2rem;border-bottom:2px solid #eee}a{color:#0b57d0}
.op{border:1px solid #e3e3e3;border-radius:6px;margin:.6rem 0;padding:.5rem .8rem}
.m{display:inline-block;min-width:4.2rem;font-weight:700;font-family:monospace;text-transform:uppercase}
.get{color:#1565c0}.post{color:#2e7d32}.put{color:#ef6c00}.patch{color:#6a1b9a}.delete{color:#c62828}.options,.head{color:#777}
code,.path{font-family:monospace}table{border-collapse:collapse;font-size:.85rem;margin:.3rem 0}td,th{border-bottom:1px solid #eee;padding:.15rem .5rem;text-align:left;vertical-align:top}
.muted{color:#777;font-size:.85rem}.lock{color:#b71c1c;font-size:.85rem}
</style></head><body>
<p><a href="/?f=html">partymap</a> · <a href="/collections?f=html">collections</a> · <a href="/api?f=json">this definition as OpenAPI 3.0 JSON</a></p>
<h1>{{.Title}} API</h1>
<p>{{.Description}} Version {{.Version}}. Server: <code>{{.Server}}</code>.</p>
<h2 id="security">Authentication</h2>
<table><tr><th>scheme</th><th>how</th><th>what</th></tr>
{{range .Security}}<tr><td><code>{{.Name}}</code></td><td>{{.How}}</td><td>{{.Description}}</td></tr>{{end}}</table>
{{range .Groups}}<h2 id="{{.Name}}">{{.Name}}</h2>
{{range .Ops}}<div class="op" id="{{.ID}}"><span class="m {{.Method}}">{{.Method}}</span> <span class="path">{{.Path}}</span> — {{.Summary}}
{{if .Security}}<div class="lock">needs {{.Security}}</div>{{end}}
{{if .Description}}<p>{{.Description}}</p>{{end}}
{{if .Params}}<table><tr><th>parameter</th><th>in</th><th>type</th><th>description</th></tr>
{{range .Params}}<tr><td><code>{{.Name}}</code>{{if .Required}} *{{end}}</td><td>{{.In}}</td><td>{{.Type}}</td><td>{{.Description}}</td></tr>{{end}}</table>{{end}}
<div class="muted">answers: {{range .Responses}}<code>{{.Code}}</code> {{.Description}}; {{end}}</div>
</div>{{end}}{{end}}
</body></html>`

type apiPage struct {
	Title, Description, Version, Server string
	Security                            []apiScheme
	Groups                              []apiGroup
}

type apiScheme struct{ Name, How, Description string }

type apiGroup struct {
	Name string
	Ops  []apiOp
}

type apiOp struct {
	ID, Method, Path, Summary, Description, Security string
	Params                                           []apiParam
	Responses                                        []apiResponse
}

type apiParam struct {
	Name, In, Type, Description string
	Required                    bool
}

type apiResponse struct{ Code, Description string }

// apiHTML answers the OpenAPI document as a page.
func (s *Server) apiHTML(c echo.Context, doc obj) error {
	info := doc["info"].(obj)
	page := apiPage{Title: fmt.Sprint(info["title"]), Description: fmt.Sprint(info["description"]), Version: fmt.Sprint(info["version"])}
	if servers, ok := doc["servers"].([]obj); ok && len(servers) > 0 {
		page.Server = fmt.Sprint(servers[0]["url"])
	}
	schemes := doc["components"].(obj)["securitySchemes"].(obj)
	for _, name := range sortedKeys(schemes) {
		sc := schemes[name].(obj)
		how := fmt.Sprintf("%v", sc["type"])
		if in, ok := sc["in"]; ok {
			how = fmt.Sprintf("%v %v", in, sc["name"])
		} else if scheme, ok := sc["scheme"]; ok {
			how = fmt.Sprintf("Authorization: %v", scheme)
		}
		page.Security = append(page.Security, apiScheme{Name: name, How: how, Description: fmt.Sprint(sc["description"])})
	}
	groups := map[string][]apiOp{}
	paths := doc["paths"].(obj)
	for _, p := range sortedKeys(paths) {
		item := paths[p].(obj)
		for _, m := range []string{"get", "post", "put", "patch", "delete", "options"} {
			raw, ok := item[m].(obj)
			if !ok {
				continue
			}
			op := apiOp{ID: fmt.Sprint(raw["operationId"]), Method: m, Path: p, Summary: str(raw["summary"]), Description: str(raw["description"])}
			if sec, ok := raw["security"].([]obj); ok {
				var alts []string
				for _, alt := range sec {
					alts = append(alts, strings.Join(sortedKeys(alt), " + "))
				}
				op.Security = strings.Join(alts, " or ")
			}
			params, _ := raw["parameters"].([]obj)
			for _, prm := range params {
				typ := ""
				if sch, ok := prm["schema"].(obj); ok {
					typ = str(sch["type"])
					if e, ok := sch["enum"]; ok {
						typ += fmt.Sprintf(" %v", e)
					}
				}
				req, _ := prm["required"].(bool)
				op.Params = append(op.Params, apiParam{Name: str(prm["name"]), In: str(prm["in"]), Type: typ, Description: str(prm["description"]), Required: req})
			}
			responses, _ := raw["responses"].(obj)
			for _, code := range sortedKeys(responses) {
				r, _ := responses[code].(obj)
				op.Responses = append(op.Responses, apiResponse{Code: code, Description: str(r["description"])})
			}
			group := "OGC API"
			if tags, ok := raw["tags"].([]string); ok && len(tags) > 0 {
				group = tags[0]
			}
			groups[group] = append(groups[group], op)
		}
	}
	for _, g := range sortedKeys(groups) {
		page.Groups = append(page.Groups, apiGroup{Name: g, Ops: groups[g]})
	}
	slices.SortStableFunc(page.Groups, func(a, b apiGroup) int {
		return map[bool]int{true: -1, false: 0}[a.Name == "OGC API"] - map[bool]int{true: -1, false: 0}[b.Name == "OGC API"]
	})
	var out bytes.Buffer
	if err := s.apiPage.Execute(&out, page); err != nil {
		return err
	}
	s.setDocumentHeaders(c.Response().Header())
	return c.HTMLBlob(http.StatusOK, out.Bytes())
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// parseAPIPage parses the API page's template once.
func parseAPIPage() (*template.Template, error) {
	return template.New("api").Parse(apiPageTemplate)
}
