package httpapi

import (
	"net/http"
	"strings"
)

// Link is an OGC API / RFC 8288 link.
type Link struct {
	Href     string `json:"href"`
	Rel      string `json:"rel"`
	Type     string `json:"type,omitempty"`
	Title    string `json:"title,omitempty"`
	Hreflang string `json:"hreflang,omitempty"`
}

// Media types and link relations, kept together.
const (
	mediaJSON    = "application/json"
	mediaGeoJSON = "application/geo+json"
	mediaHTML    = "text/html"
	mediaOpenAPI = "application/vnd.oai.openapi+json;version=3.0"

	relSelf        = "self"
	relAlternate   = "alternate"
	relServiceDesc = "service-desc"
	relConformance = "conformance"
	relData        = "data"
	relItems       = "items"
	relCollection  = "collection"
	relNext        = "next"
	relPrev        = "prev"

	crs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
)

// baseURL is the scheme, host and path prefix that clients reach the server
// by, from Forwarded (RFC 7239) or X-Forwarded-* when a proxy sets them.
func baseURL(r *http.Request) string {
	scheme, host, prefix := "http", r.Host, ""
	if r.TLS != nil {
		scheme = "https"
	}
	if fwd := r.Header.Get("Forwarded"); fwd != "" {
		first, _, _ := strings.Cut(fwd, ",")
		for _, part := range strings.Split(first, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok {
				continue
			}
			v = strings.Trim(v, `"`)
			switch strings.ToLower(k) {
			case "proto":
				if v == "http" || v == "https" {
					scheme = v
				}
			case "host":
				if validHost(v) {
					host = v
				}
			}
		}
	} else {
		if p := firstValue(r.Header.Get("X-Forwarded-Proto")); p == "http" || p == "https" {
			scheme = p
		}
		if h := firstValue(r.Header.Get("X-Forwarded-Host")); validHost(h) {
			host = h
		}
	}
	if p := firstValue(r.Header.Get("X-Forwarded-Prefix")); strings.HasPrefix(p, "/") && validPath(p) {
		prefix = strings.TrimRight(p, "/")
	}
	return scheme + "://" + host + prefix
}

func firstValue(h string) string {
	v, _, _ := strings.Cut(h, ",")
	return strings.TrimSpace(v)
}

// validHost accepts host[:port] made of the characters a host name, an IPv4
// or a bracketed IPv6 address can have, so a forged header cannot inject
// markup or another URL into our links.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for _, c := range h {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(".-:[]", c)) {
			return false
		}
	}
	return true
}

func validPath(p string) bool {
	if len(p) > 200 || strings.Contains(p, "..") || strings.Contains(p, "//") {
		return false
	}
	for _, c := range p {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("/-_.~", c)) {
			return false
		}
	}
	return true
}
