package httpapi

import (
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"partymap/internal/geo"
)

// wantsHTML reports whether the client asked for HTML: by f=html, or by an
// Accept header that names text/html and no JSON type (what browsers send).
func wantsHTML(c echo.Context) (bool, error) {
	switch f := c.QueryParam("f"); f {
	case "html":
		return true, nil
	case "json", "geojson":
		return false, nil
	case "":
	default:
		return false, geo.Errorf(geo.EINVALID, "The f parameter must be json or html; got %q.", clipText(f))
	}
	return acceptsHTML(c.Request().Header.Get("Accept")), nil
}

// acceptsHTML reports whether an Accept header names text/html and no JSON
// type (what browsers send).
func acceptsHTML(accept string) bool {
	return strings.Contains(accept, "text/html") && !strings.Contains(accept, "json")
}

// checkParams refuses query parameters the endpoint does not know, naming
// the ones it does, so that a typo is not silently ignored.
func checkParams(c echo.Context, allowed ...string) error {
	if c.Request().URL.RawQuery == "" {
		return nil
	}
	q, err := url.ParseQuery(c.Request().URL.RawQuery)
	if err != nil {
		return geo.Errorf(geo.EINVALID, "The query string is malformed; encode special characters as %%XX.")
	}
	for k, v := range q {
		if !slices.Contains(allowed, k) {
			sort.Strings(allowed)
			return geo.Errorf(geo.EINVALID, "Unknown query parameter %q; this address accepts %s.", clipText(k), strings.Join(allowed, ", "))
		}
		if len(v) > 1 {
			return geo.Errorf(geo.EINVALID, "The query parameter %q is given %d times; give it once.", clipText(k), len(v))
		}
	}
	return nil
}

// clipText shortens outside text for an error message and keeps it valid UTF-8.
func clipText(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
