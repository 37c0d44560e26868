package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"partymap/internal/geo"
)

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	// DetailZh is the same sentence in Chinese, when the server has it: a
	// page in Chinese shows it, one in English shows Detail.
	DetailZh   string          `json:"detail_zh,omitempty"`
	Instance   string          `json:"instance,omitempty"`
	Code       string          `json:"code"`
	Violations []geo.Violation `json:"violations,omitempty"`
	// CurrentVersion and CurrentETag say, on a stale write (412), where
	// the item is now, so that an editor can show the colleague's version
	// and apply its change again: 0 and no tag when it was deleted.
	// Current is the item as it is now, with who saved it and when.
	CurrentVersion *int64       `json:"current_version,omitempty"`
	CurrentETag    string       `json:"current_etag,omitempty"`
	Current        *featureJSON `json:"current,omitempty"`
	CurrentBy      string       `json:"current_by,omitempty"`
	CurrentAt      *time.Time   `json:"current_at,omitempty"`
	// Later lists, on a 409, the changes that stand in the way: made
	// since the change set to be undone, or since a proposal was drawn.
	Later []geo.LaterChange `json:"later,omitempty"`
	// Grids names, on a 403 for a restricted editor, the grids the change
	// touches that the editor does not look after: what a proposal of it
	// would wait for.
	Grids []geo.FeatureRef `json:"grids,omitempty"`
	// Taken names, on a 409 for a venue's slot, the confirmed booking
	// that holds it: when, and which activity, if one does.
	Taken *takenJSON `json:"taken,omitempty"`
}

// takenJSON is the slot that stands in the way of a booking: no requester,
// no purpose.
type takenJSON struct {
	Venue    int64     `json:"venue_id"`
	Booking  int64     `json:"booking_id"`
	Activity int64     `json:"activity_id,omitempty"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
}

// mediaProblem is the media type of problem details (RFC 9457).
const mediaProblem = "application/problem+json"

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
	case geo.ESUPERSEDED, geo.ETAKEN, geo.ESTATE:
		return http.StatusConflict
	case geo.EPRECONDITION:
		return http.StatusPreconditionRequired
	case geo.EUNPROCESSABLE:
		return http.StatusUnprocessableEntity
	case geo.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case geo.EFORBIDDEN:
		return http.StatusForbidden
	case geo.EUNAVAILABLE, geo.EUNKNOWN:
		return http.StatusServiceUnavailable
	case geo.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case geo.EDISKFULL:
		return http.StatusInsufficientStorage
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
	if s.cfg.DiskFull != nil && geo.ErrorCode(err) == geo.EUNAVAILABLE && s.cfg.DiskFull() {
		err = geo.WrapError(geo.EDISKFULL, err, "%s", geo.DiskFullMessage)
	}
	p := problemFor(err)
	p.Instance = c.Request().URL.Path
	// What a handler set for the answer it did not give goes: the problem
	// is another representation.
	h := c.Response().Header()
	for _, name := range [...]string{headerContentLength, headerContentEncode, headerETag} {
		delete(h, name)
	}
	if p.CurrentETag != "" {
		h[headerETag] = []string{p.CurrentETag}
	}
	h[headerNoSniff] = s.hdr.noSniff
	if errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil {
		// The client went away and reads no answer: a vanished client is
		// not a failure of the server, so it is logged at debug level and
		// counted as 499, nginx's "client closed request".
		p.Status, p.Title = statusClientClosed, "Client Closed Request"
	}
	attrs := []any{"status", p.Status, "path", c.Request().URL.Path, "request_id", c.Response().Header().Get(headerRequestID), "err", err}
	switch {
	case p.Status == statusClientClosed:
		s.log.Debug("request cancelled by the client", attrs...)
	case p.Status >= 500:
		s.log.Error("request failed", attrs...)
	}
	if p.Status == http.StatusServiceUnavailable {
		if h.Get("Retry-After") == "" {
			h.Set("Retry-After", "5")
		}
		if h[headerAllowOrigin] != nil {
			h[headerExposeHeaders] = s.hdr.exposeRetryAfter
		}
	}
	if err := writeJSON(c, p.Status, mediaProblem, p); err != nil {
		s.log.Debug("write error response", slog.Any("err", err))
	}
}

// problemFor turns an error into its problem. An *echo.HTTPError keeps the
// sentence a handler gave it; the router's own (an unknown address, a
// method the address does not take) carry only the status text, which is
// replaced by a sentence that says what to do.
func problemFor(err error) Problem {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		p := Problem{Type: "about:blank", Status: he.Code, Title: http.StatusText(he.Code), Code: codeOfStatus(he.Code)}
		msg, _ := he.Message.(string)
		if msg == "" || msg == http.StatusText(he.Code) {
			msg = defaultDetail(he.Code)
		}
		if p.Status >= 500 {
			msg = geo.InternalMessage
		}
		p.Detail = msg
		if p.Status < 500 {
			// A handler's own refusal may carry its sentence in Chinese.
			p.DetailZh = geo.ErrorMessageZh(he.Internal)
		}
		return p
	}
	// A domain error keeps its code and sentence whatever its cause: one
	// whose outcome is unknown may wrap a deadline, and must say so.
	var domain *geo.Error
	if !errors.As(err, &domain) {
		if errors.Is(err, context.DeadlineExceeded) {
			err = geo.WrapError(geo.EUNAVAILABLE, err, "The request took too long; please try again in a moment.")
		}
		if errors.Is(err, context.Canceled) {
			err = geo.WrapError(geo.EUNAVAILABLE, err, "The request was cancelled.")
		}
	}
	code := geo.ErrorCode(err)
	status := statusOf(code)
	p := Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Code: code, Detail: geo.ErrorMessage(err)}
	if code == geo.EINTERNAL {
		p.Detail = geo.InternalMessage
	} else {
		p.DetailZh = geo.ErrorMessageZh(err)
	}
	var ge *geo.Error
	if errors.As(err, &ge) {
		p.Violations = ge.Violations
	}
	var vc *geo.VersionConflict
	if code == geo.ECONFLICT && errors.As(err, &vc) {
		p.CurrentVersion = &vc.Current
		if vc.Current > 0 {
			p.CurrentETag = featureETag(geo.Feature{Layer: vc.Layer, ID: vc.ID, Version: vc.Current})
		}
		if f := vc.Feature; f != nil {
			j := toFeatureJSON(*f)
			at := f.UpdatedAt
			p.Current, p.CurrentBy, p.CurrentAt = &j, f.UpdatedBy, &at
		}
	}
	var sup *geo.Superseded
	if code == geo.ESUPERSEDED && errors.As(err, &sup) {
		p.Later = sup.Later
	}
	var st *geo.SlotTaken
	if code == geo.ETAKEN && errors.As(err, &st) {
		cst := geo.ChinaStandardTime()
		p.Taken = &takenJSON{Venue: st.Venue, Booking: st.Booking, Activity: st.Activity, Start: st.Taken.Start.In(cst), End: st.Taken.End.In(cst)}
	}
	var sr *geo.ScopeRefusal
	if code == geo.EFORBIDDEN && errors.As(err, &sr) {
		p.Grids = sr.Grids
	}
	return p
}

// defaultDetail is the sentence of an HTTP error raised without one.
func defaultDetail(status int) string {
	switch status {
	case http.StatusNotFound:
		return "There is nothing at this address; start from / to see what the map serves."
	case http.StatusMethodNotAllowed:
		return "This address does not accept that method; see /api for what each address accepts."
	case http.StatusRequestEntityTooLarge:
		return "The request body is too large."
	}
	return http.StatusText(status) + "."
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
