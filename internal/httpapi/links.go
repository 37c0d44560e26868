package httpapi

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
)

// Link is an OGC API / RFC 8288 link.
type Link struct {
	Href     string `json:"href"`
	Rel      string `json:"rel"`
	Type     string `json:"type,omitempty"`
	Title    string `json:"title,omitempty"`
	Hreflang string `json:"hreflang,omitempty"`
	// Templated marks an href with {placeholders} (a tile's address).
	Templated bool `json:"templated,omitempty"`
}

// Media types and link relations, kept together.
const (
	mediaJSON    = "application/json"
	mediaGeoJSON = "application/geo+json"
	mediaHTML    = "text/html"
	mediaOpenAPI = "application/vnd.oai.openapi+json;version=3.0"
	mediaSchema  = "application/schema+json"

	relSelf        = "self"
	relAlternate   = "alternate"
	relServiceDesc = "service-desc"
	relConformance = "conformance"
	relData        = "data"
	relItems       = "items"
	relCollection  = "collection"
	relNext        = "next"
	relPrev        = "prev"
	relServiceDoc  = "service-doc"

	relQueryables     = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
	relSchema         = "http://www.opengis.net/def/rel/ogc/1.0/schema"
	relTilesetsVector = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
	relTilingScheme   = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
	relTileMatrixSets = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"
	relStyles         = "http://www.opengis.net/def/rel/ogc/1.0/styles"

	crs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
)

// Forwarding says whom the server believes about how clients reach it. By
// default nobody: the client is the peer of the connection and absolute URLs
// are built from the request's Host alone, so a forged X-Forwarded-For
// cannot move the login throttle and a forged X-Forwarded-Host cannot put
// another site into tiles.json.
type Forwarding struct {
	// TrustedProxies are the peers whose forwarding headers are believed:
	// X-Forwarded-For and X-Real-IP for the client address; Forwarded and
	// X-Forwarded-Host, -Proto and -Prefix for the URLs. From any other
	// peer these headers are removed before anything reads them.
	TrustedProxies []netip.Prefix
	// PublicURL, when set, is the base of every absolute URL the server
	// writes (scheme, host and path prefix), whatever the request says.
	PublicURL *url.URL
}

// forwardingHeaders are the request headers by which a proxy describes the
// client and the address it used.
var forwardingHeaders = [...]string{"Forwarded", "X-Forwarded-For", "X-Real-Ip", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Prefix"}

// ParseTrustedProxies reads a comma-separated list of CIDR ranges or single
// addresses, e.g. "10.0.0.0/8, 192.0.2.7"; empty is none.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			a, errA := netip.ParseAddr(part)
			if errA != nil {
				return nil, fmt.Errorf("trusted proxies: %q is neither a CIDR range like 10.0.0.0/8 nor an address like 192.0.2.7", part)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// ParsePublicURL reads the address clients use to reach the server, e.g.
// https://map.example.org/xiyue; empty is none.
func ParsePublicURL(s string) (*url.URL, error) {
	if s == "" {
		return nil, nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !validHost(u.Host) || u.User != nil || u.RawQuery != "" || u.Fragment != "" ||
		(u.Path != "" && !validPath(u.Path)) {
		return nil, fmt.Errorf("the public URL must be http(s)://host[:port][/prefix] with nothing else, like https://map.example.org/xiyue; got %q", s)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return u, nil
}

// trusts reports whether the request comes straight from a trusted proxy.
func (f Forwarding) trusts(r *http.Request) bool {
	if len(f.TrustedProxies) == 0 {
		return false
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	for _, p := range f.TrustedProxies {
		if p.Contains(ap.Addr().Unmap()) {
			return true
		}
	}
	return false
}

// ipExtractor returns how Echo's RealIP finds the client: the peer, or
// behind a trusted proxy the nearest untrusted address in X-Forwarded-For
// (else X-Real-IP). Echo trusts loopback and private networks by default;
// here only the configured ranges count.
func (f Forwarding) ipExtractor() echo.IPExtractor {
	if len(f.TrustedProxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range f.TrustedProxies {
		opts = append(opts, echo.TrustIPRange(&net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}))
	}
	xff, realIP := echo.ExtractIPFromXFFHeader(opts...), echo.ExtractIPFromRealIPHeader(opts...)
	return func(r *http.Request) string {
		if r.Header.Get(echo.HeaderXForwardedFor) != "" {
			return xff(r)
		}
		return realIP(r)
	}
}

// forwardRule applies Config.Forwarding to each request, first thing
// (Server.ServeHTTP): it removes the forwarding headers of a request that
// does not come from a trusted proxy and, with a public URL, puts that in
// their place, so that what reads them later (baseURL, the session
// cookie's Secure flag) believes only what may be believed. Over HTTPS it
// adds Strict-Transport-Security. It allocates nothing.
type forwardRule struct {
	f                               Forwarding
	publicHost                      string
	publicProto, publicPrefix, hsts []string
}

func newForwardRule(f Forwarding) forwardRule {
	fr := forwardRule{f: f, hsts: []string{"max-age=31536000"}}
	if u := f.PublicURL; u != nil {
		fr.publicHost, fr.publicProto, fr.publicPrefix = u.Host, []string{u.Scheme}, []string{u.Path}
	}
	return fr
}

// apply makes r's forwarding headers what may be believed.
func (fr forwardRule) apply(w http.ResponseWriter, r *http.Request) {
	trusted := fr.f.trusts(r)
	if !trusted {
		for _, h := range forwardingHeaders {
			if _, ok := r.Header[h]; ok {
				delete(r.Header, h)
			}
		}
	}
	secure := r.TLS != nil
	switch {
	case fr.publicHost != "":
		delete(r.Header, "Forwarded")
		delete(r.Header, "X-Forwarded-Host")
		r.Host = fr.publicHost
		r.Header["X-Forwarded-Proto"] = fr.publicProto
		r.Header["X-Forwarded-Prefix"] = fr.publicPrefix
		secure = fr.publicProto[0] == "https"
	case trusted && !secure:
		secure = secureRequest(r)
	}
	if secure {
		w.Header()["Strict-Transport-Security"] = fr.hsts
	}
}

// baseURL is the scheme, host and path prefix that clients reach the server
// by: the request's Host, or what a trusted proxy or the configured public
// URL says (Forwarded, RFC 7239, or X-Forwarded-*), which the forwarding
// middleware has left in the request only when it may be believed.
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
