package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"partymap/internal/geo"
)

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type       string          `json:"type"`
	Title      string          `json:"title"`
	Status     int             `json:"status"`
	Detail     string          `json:"detail"`
	Instance   string          `json:"instance,omitempty"`
	Code       string          `json:"code"`
	Violations []geo.Violation `json:"violations,omitempty"`
}

// statusClientClosed is the status recorded for a request whose client went
// away before the answer.
const statusClientClosed = 499

// statusOf maps a domain error code to its HTTP status: the one table.
func statusOf(code string) int {
	switch code {
	case geo.EINVALID:
		return http.StatusBadRequest
	case geo.ENOTFOUND:
		return http.StatusNotFound
	case geo.ECONFLICT:
		return http.StatusPreconditionFailed
	case geo.EPRECONDITION:
		return http.StatusPreconditionRequired
	case geo.EUNPROCESSABLE:
		return http.StatusUnprocessableEntity
	case geo.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case geo.EFORBIDDEN:
		return http.StatusForbidden
	case geo.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	case geo.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusInternalServerError
}

// handleError is Echo's one error handler: every error becomes an
// application/problem+json answer with a sentence a person can act on.
// Internal details go to the log only.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	p := problemFor(err)
	p.Instance = c.Request().URL.Path
	if errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil {
		// The client went away and reads no answer: a vanished client is
		// not a failure of the server, so it is logged at debug level and
		// counted as 499, nginx's "client closed request".
		p.Status, p.Title = statusClientClosed, "Client Closed Request"
	}
	attrs := []any{"status", p.Status, "path", c.Request().URL.Path, "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "err", err}
	switch {
	case p.Status == statusClientClosed:
		s.log.Debug("request cancelled by the client", attrs...)
	case p.Status >= 500:
		s.log.Error("request failed", attrs...)
	}
	if p.Status == http.StatusServiceUnavailable && c.Response().Header().Get("Retry-After") == "" {
		c.Response().Header().Set("Retry-After", "5")
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	if c.Request().Method == http.MethodHead {
		c.Response().WriteHeader(p.Status)
		return
	}
	if err := c.JSON(p.Status, p); err != nil {
		s.log.Debug("write error response", slog.Any("err", err))
	}
}

func problemFor(err error) Problem {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		p := Problem{Status: he.Code, Title: http.StatusText(he.Code), Code: codeOfStatus(he.Code)}
		switch he.Code {
		case http.StatusNotFound:
			p.Detail = "There is nothing at this address; start from / to see what the map serves."
		case http.StatusMethodNotAllowed:
			p.Detail = "This address does not accept that method; see /api for what each address accepts."
		case http.StatusRequestEntityTooLarge:
			p.Detail = "The request body is too large."
		default:
			p.Detail = fmt.Sprint(he.Message)
			if p.Status >= 500 {
				p.Detail = geo.ErrorMessage(nil)
			}
		}
		p.Type = "about:blank"
		return p
	}
	if errors.Is(err, context.DeadlineExceeded) {
		err = geo.WrapError(geo.EUNAVAILABLE, err, "The request took too long; please try again in a moment.")
	}
	if errors.Is(err, context.Canceled) {
		err = geo.WrapError(geo.EUNAVAILABLE, err, "The request was cancelled.")
	}
	code := geo.ErrorCode(err)
	status := statusOf(code)
	p := Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Code: code, Detail: geo.ErrorMessage(err)}
	if code == geo.EINTERNAL {
		p.Detail = geo.ErrorMessage(errors.New("hidden"))
	}
	var ge *geo.Error
	if errors.As(err, &ge) {
		p.Violations = ge.Violations
	}
	return p
}

func codeOfStatus(status int) string {
	switch status {
	case http.StatusNotFound:
		return geo.ENOTFOUND
	case http.StatusRequestEntityTooLarge:
		return geo.ETOOLARGE
	case http.StatusServiceUnavailable:
		return geo.EUNAVAILABLE
	}
	if status >= 500 {
		return geo.EINTERNAL
	}
	return geo.EINVALID
}
