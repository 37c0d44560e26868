package geo

import (
	"errors"
	"fmt"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Error codes, each mapped to one HTTP status by the HTTP adapter.
const (
	EINVALID       = "invalid"         // the request is malformed: 400
	ENOTFOUND      = "not_found"       // no such layer or feature: 404
	ECONFLICT      = "conflict"        // the item changed since it was read: 412
	ESUPERSEDED    = "superseded"      // a later change stands in the way (a change set's revert, a stale proposal): 409
	ETAKEN         = "slot_taken"      // a shared venue's slot is booked already: 409
	EPRECONDITION  = "precondition"    // a required precondition (If-Match) is missing: 428
	EUNPROCESSABLE = "unprocessable"   // well-formed but breaks a rule of the map: 422
	EUNAUTHORIZED  = "unauthorized"    // not logged in: 401
	EFORBIDDEN     = "forbidden"       // logged in, not allowed: 403
	EUNAVAILABLE   = "unavailable"     // the database cannot be reached: 503
	ETOOLARGE      = "too_large"       // the body is larger than allowed: 413
	EDISKFULL      = "disk_full"       // the database's disk is full, nothing was written: 507
	EUNKNOWN       = "outcome_unknown" // the link broke at COMMIT; whether it was saved is not known: 503
	EINTERNAL      = "internal"        // a bug or an unexpected failure: 500
	ESTATE         = "wrong_state"     // the item's state does not allow the action (an order already claimed): 409
)

// Violation is one broken rule, in words a staff member understands, and
// where on the map it is broken (a gap, an overlap, a split compound), for
// the editor to draw.
type Violation struct {
	Rule      string `json:"rule"`
	MessageZh string `json:"message_zh"`
	MessageEn string `json:"message_en"`
	// Geometry is where the rule is broken, as GeoJSON in WGS 84; nil when
	// the rule has no place (a property out of range).
	Geometry *geojson.Geometry `json:"geometry,omitempty"`
}

// At returns the violation with where it is broken; nil leaves it without.
func (v Violation) At(g orb.Geometry) Violation {
	if g != nil {
		v.Geometry = geojson.NewGeometry(g)
	}
	return v
}

// Error is a domain error: a code and a sentence a person can act on. Only
// Message, MessageZh and Violations are ever shown to a client.
type Error struct {
	Code    string
	Message string
	// MessageZh is the same sentence in Chinese, when it has been written
	// in both: a page in Chinese shows it instead of Message.
	MessageZh  string
	Violations []Violation
	// Err is the underlying cause, for logs only.
	Err error
}

// Error returns the message, with the cause for logs.
func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Say returns an Error with the code and its sentence in both languages.
func Say(code string, msg Label) *Error {
	return &Error{Code: code, Message: msg.En, MessageZh: msg.Zh}
}

// WrapError returns an Error with the code and message that keeps err as its
// cause for the logs.
func WrapError(code string, err error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// ErrorCode returns the code of err, EINTERNAL when err is not a domain error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// InternalMessage is what a client is told of an error that is not a
// domain error (EINTERNAL): nothing of its cause.
const InternalMessage = "Internal error: the server could not answer; please try again later."

// UnknownOutcomeMessage is what a client is told when the connection to
// the database broke while a change was being committed and the database
// could not be asked since: the change may or may not be saved.
const UnknownOutcomeMessage = "The connection to the map database broke while your change was being saved, so it is not known whether it was saved; reload the item (its version tells) before trying again. 保存时与数据库的连接中断，无法确定修改是否已保存；请重新加载该项目查看后再试。"

// DiskFullMessage is what a client is told when the database's disk is
// full: the change was not saved, and someone must free space.
const DiskFullMessage = "The server's disk is full, so the change was not saved; ask the person who runs the map to free disk space, then try again. 服务器磁盘已满，修改未保存；请联系管理员清理磁盘空间后重试。"

// ErrorMessage returns the message that may be shown to a client.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return InternalMessage
}

// ErrorMessageZh returns the Chinese sentence of a domain error, "" when it
// has none.
func ErrorMessageZh(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.MessageZh
	}
	return ""
}

func joinQuoted(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

func asError[T error](err error, target *T) bool { return errors.As(err, target) }
