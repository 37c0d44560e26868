package httpapi

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"partymap/internal/geo"
)

// limitBody bounds the request body of a route by limit, the bound of the
// route's kind of request (a write, an import, a login: see the route
// table): a body announced larger is refused at once (413) without being
// read, a body that turns out larger stops being read at the limit; and a
// JSON body must be UTF-8 (RFC 8259), or decoding would quietly store
// U+FFFD in its place. The checks run as the handler reads the body, after
// the route's login check, so a request refused for its credentials is
// never read. Handlers read the body as it is (readBody): there is no
// second limit.
func (s *Server) limitBody(limit int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if r.ContentLength > limit {
				return tooLarge(limit)
			}
			body := &checkedBody{r: http.MaxBytesReader(c.Response(), r.Body, limit), closer: r.Body, utf8: isJSONMedia(r.Header.Get(echo.HeaderContentType))}
			r.Body = body
			err := next(c)
			switch {
			case err == nil:
				return nil
			case body.tooLarge:
				return tooLarge(limit)
			case body.invalidUTF8:
				return geo.Errorf(geo.EINVALID, "The body is not valid UTF-8 text (byte %d); send JSON encoded as UTF-8.", body.badAt)
			}
			return err
		}
	}
}

func tooLarge(limit int64) error {
	return geo.Errorf(geo.ETOOLARGE, "The body is larger than the %s this server accepts here.", byteSize(limit))
}

// isJSONMedia reports whether a Content-Type is JSON or a +json type.
func isJSONMedia(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == mediaJSON || strings.HasSuffix(mt, "+json"))
}

// errInvalidUTF8 ends the reading of a JSON body that is not UTF-8.
var errInvalidUTF8 = errors.New("request body is not valid UTF-8")

// checkedBody reads a request body through its size limit and, for JSON,
// checks it is UTF-8 as it goes.
type checkedBody struct {
	r      io.Reader
	closer io.Closer
	utf8   bool
	// tail is the start of a character split between two reads.
	tail []byte
	read int64

	tooLarge    bool
	invalidUTF8 bool
	badAt       int64
}

func (b *checkedBody) Read(p []byte) (int, error) {
	if b.invalidUTF8 {
		return 0, errInvalidUTF8
	}
	n, err := b.r.Read(p)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		b.tooLarge = true
	}
	if b.utf8 && n > 0 {
		if at, ok := b.check(p[:n], err == io.EOF); !ok {
			b.invalidUTF8, b.badAt = true, at
			return 0, errInvalidUTF8
		}
	} else if b.utf8 && err == io.EOF && len(b.tail) > 0 {
		b.invalidUTF8, b.badAt = true, b.read-int64(len(b.tail))
		return 0, errInvalidUTF8
	}
	return n, err
}

// check validates the next chunk; a character cut at the chunk's end is
// kept for the next one unless this is the last.
func (b *checkedBody) check(chunk []byte, last bool) (int64, bool) {
	start := b.read - int64(len(b.tail))
	buf := append(b.tail, chunk...)
	b.read += int64(len(chunk))
	b.tail = nil
	for i := 0; i < len(buf); {
		if buf[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(buf[i:])
		if r == utf8.RuneError && size <= 1 {
			if !last && !utf8.FullRune(buf[i:]) {
				b.tail = append([]byte(nil), buf[i:]...)
				return 0, true
			}
			return start + int64(i), false
		}
		i += size
	}
	return 0, true
}

func (b *checkedBody) Close() error { return b.closer.Close() }
