package httpapi

import (
	"bytes"
	"compress/gzip"
	binenc "encoding/binary"
	"hash/crc32"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
)

// A page of items says when it was sent (timeStamp, OGC API – Features
// 7.15.6), yet is rendered once and kept. So the cached bytes hold a
// placeholder, the page's last member, and each sending writes the time
// over it: the identity bytes around it as they are; the gzip bytes as the
// page up to the placeholder, compressed once and flushed to a byte
// boundary (not finished), then at each sending one stored (uncompressed)
// final deflate block holding the time and the page's last few bytes, and
// the gzip trailer, whose CRC-32 continues from the one of the kept part.

// stampPlaceholder stands for the time in a rendered page: as long as
// every time written over it (RFC 3339, UTC, whole seconds).
const stampPlaceholder = "0000-00-00T00:00:00Z"

// stampKey is what precedes the placeholder in a page's JSON.
const stampKey = `"timeStamp":"`

// stampOffset returns where the placeholder of a page's timeStamp starts,
// or 0 when the body has none.
func stampOffset(body []byte) int {
	i := bytes.LastIndex(body, []byte(stampKey+stampPlaceholder+`"`))
	if i < 0 {
		return 0
	}
	return i + len(stampKey)
}

// stamped is a page whose time is written at each sending.
type stamped struct {
	body []byte
	at   int
	// gzipPrefix is the gzip header and body[:at] deflated, flushed to a
	// byte boundary; crc is the CRC-32 of body[:at].
	gzipPrefix []byte
	crc        uint32
	// lengths are the Content-Length of the identity and gzip answers.
	identityLength, gzipLength []string
}

// newStamped compresses the part of body before its placeholder once.
func (c *readCache) newStamped(body []byte, at int) *stamped {
	st := &stamped{body: body, at: at, crc: crc32.ChecksumIEEE(body[:at])}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	_, _ = zw.Write(body[:at])
	_ = zw.Flush() // a sync flush: the stream ends on a byte boundary
	st.gzipPrefix = bytes.Clone(buf.Bytes())
	tail := len(body) - at
	st.identityLength = []string{strconv.Itoa(len(body))}
	st.gzipLength = []string{strconv.Itoa(len(st.gzipPrefix) + 5 + tail + 8)}
	return st
}

// stampClock formats the times of pages and lends the buffers of their
// last bytes.
type stampClock struct {
	// last is the text of the current second, shared by every sending
	// within it.
	last atomic.Pointer[stampCache]
	// tails holds the buffers of the gzip answers' last bytes.
	tails sync.Pool
}

// write sends the page with ts as its timeStamp.
func (st *stamped) write(res *echo.Response, gz bool, ts []byte, tails *sync.Pool) error {
	rest := st.body[st.at+len(stampPlaceholder):]
	h := res.Header()
	if !gz {
		h[headerContentLength] = st.identityLength
		res.WriteHeader(http.StatusOK)
		for _, part := range [][]byte{st.body[:st.at], ts, rest} {
			if _, err := res.Write(part); err != nil {
				return err
			}
		}
		return nil
	}
	h[headerContentLength] = st.gzipLength
	res.WriteHeader(http.StatusOK)
	if _, err := res.Write(st.gzipPrefix); err != nil {
		return err
	}
	bp, _ := tails.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	defer tails.Put(bp)
	n := len(ts) + len(rest)
	b := append((*bp)[:0], 1, byte(n), byte(n>>8), byte(^n), byte(^n>>8)) // BFINAL, stored; LEN, NLEN
	b = append(b, ts...)
	b = append(b, rest...)
	crc := crc32.Update(st.crc, crc32.IEEETable, ts)
	crc = crc32.Update(crc, crc32.IEEETable, rest)
	b = binenc.LittleEndian.AppendUint32(b, crc)
	b = binenc.LittleEndian.AppendUint32(b, uint32(len(st.body)))
	*bp = b
	_, err := res.Write(b)
	return err
}

// stampCache keeps the text of the current second, shared by every
// sending within it.
type stampCache struct {
	unix int64
	text []byte
}

// text returns now as RFC 3339 in UTC, whole seconds.
func (sc *stampClock) text(now time.Time) []byte {
	sec := now.Unix()
	if c := sc.last.Load(); c != nil && c.unix == sec {
		return c.text
	}
	c := &stampCache{unix: sec, text: now.UTC().AppendFormat(make([]byte, 0, len(stampPlaceholder)), time.RFC3339)}
	sc.last.Store(c)
	return c.text
}
