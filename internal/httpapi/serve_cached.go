package httpapi

import (
	"bytes"
	"context"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// rendered is an answer ready to send and to cache.
type rendered struct {
	contentType string
	// etag is the answer's strong entity tag when it has one of its own
	// (an item's version); empty: a hash of the bytes.
	etag string
	body []byte
	// crs is the URI of the coordinates' CRS, sent as Content-Crs
	// (Features Part 2); empty for answers without coordinates.
	crs string
	// stampAt, when above 0, is where in body the placeholder of the
	// answer's timeStamp starts: each sending writes its own time there.
	stampAt int
}

// readKeyOf names the answer to a request for the item id of layer (0 for
// pages and descriptions, "" for every layer).
func readKeyOf(c echo.Context, layer string, id int64) readKey {
	req := c.Request()
	return readKey{
		group:       readGroup{layer: layer, id: id},
		acceptsHTML: acceptsHTML(headerValue(req.Header, "Accept")),
		url:         baseURL(req) + req.URL.RequestURI(),
	}
}

// answerFromCache answers a public read from memory when it is there, and
// reports whether it did. It comes first in a cached read's handler,
// before the request is checked: an address in the cache was valid when
// its answer was rendered, and will be again.
func (s *Server) answerFromCache(c echo.Context, key readKey) (bool, error) {
	r, ok := s.reads.mem.Lookup(key)
	if !ok {
		return false, nil
	}
	return true, s.writeCached(c, r, true)
}

// serveCached answers a public read that answerFromCache did not: it
// renders it (once, however many ask at the same time), keeps it, and
// sends it. render must not use the echo.Context: it may run after the
// request has ended. During a database outage nothing is rendered: 503.
func (s *Server) serveCached(c echo.Context, key readKey, render func(ctx context.Context) (rendered, error)) error {
	if s.health.down.Load() {
		if r, ok := s.reads.mem.Peek(key); ok {
			return s.writeCached(c, r, true)
		}
		return errDatabaseDown()
	}
	r, hit, err := s.reads.mem.Get(c.Request().Context(), key, func(ctx context.Context) (*cachedRead, error) {
		out, err := render(ctx)
		if err != nil {
			return nil, err
		}
		return s.reads.encode(out), nil
	})
	if err != nil {
		s.health.note(err)
		return err
	}
	return s.writeCached(c, r, hit)
}

// writeCached sends a cached answer, gzip-compressed when the client
// accepts it and the answer has a compressed form; 304 when the client
// holds the representation already.
func (s *Server) writeCached(c echo.Context, r *cachedRead, hit bool) error {
	req, res := c.Request(), c.Response()
	h := res.Header()
	if hit {
		h[headerXCache] = s.hdr.hit
	} else {
		h[headerXCache] = s.hdr.miss
	}
	h[headerVary] = s.hdr.varyAcceptEncoding
	rep := &r.identity
	gz := r.gzip.body != nil && acceptsGzip(headerValue(req.Header, "Accept-Encoding"))
	if gz {
		rep = &r.gzip
	}
	h[headerETag] = rep.etag
	if ifNoneMatch(headerValue(req.Header, "If-None-Match"), rep.etag[0]) {
		res.WriteHeader(http.StatusNotModified)
		return nil
	}
	if gz {
		h[headerContentEncode] = s.hdr.gzip
	}
	h[headerContentType] = r.contentType
	if r.crs != nil {
		h[headerContentCrs] = r.crs
	}
	if r.html {
		s.setDocumentHeaders(h)
	}
	if r.stamp != nil {
		return r.stamp.write(res, gz, s.reads.stamps.text(s.now()), &s.reads.stamps.tails)
	}
	if len(rep.body) > smallBody {
		h[headerContentLength] = rep.length
	}
	res.WriteHeader(http.StatusOK)
	_, err := res.Write(rep.body)
	return err
}

// headerContentCrs names the CRS of an answer's coordinates (OGC API –
// Features Part 2).
const headerContentCrs = "Content-Crs"

// smallBody is the largest body net/http gives a Content-Length by itself
// (its response buffer, documented at http.ResponseWriter.Write): written
// whole, it needs no entry in the header map, whose ninth entry costs a
// hot answer a larger table, and a copy of it.
const smallBody = 2048

// jsonBytes renders body as JSON.
func jsonBytes(body any) ([]byte, error) {
	var b bytes.Buffer
	if err := jsonEncode(&b, body); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// ifNoneMatch reports whether an If-None-Match header names etag, by the
// weak comparison RFC 9110 prescribes for it.
func ifNoneMatch(header, etag string) bool {
	for header != "" {
		var t string
		t, header, _ = strings.Cut(header, ",")
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == strings.TrimPrefix(etag, "W/") {
			return true
		}
	}
	return false
}
