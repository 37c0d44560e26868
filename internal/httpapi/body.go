package httpapi

import (
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/labstack/echo/v4"

	"partymap/internal/geo"
)

// requireJSON refuses a body that is not JSON (415). A cross-site form
// cannot send JSON without the browser asking first, so this also keeps
// other sites from logging a browser in.
func requireJSON(c echo.Context, extra ...string) error {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil {
		for _, want := range append([]string{mediaJSON}, extra...) {
			if mt == want {
				return nil
			}
		}
	}
	want := append([]string{mediaJSON}, extra...)
	return echo.NewHTTPError(http.StatusUnsupportedMediaType, fmt.Sprintf("The body must be sent as %v; got Content-Type %q.", want, clipText(ct)))
}

// readBody reads the request body. Its bound is the route's (limitBody),
// which turns a body past it into 413 and one that is not UTF-8 into 400.
func readBody(c echo.Context) ([]byte, error) {
	b, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return nil, geo.WrapError(geo.EINVALID, err, "The body could not be read.")
	}
	return b, nil
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
