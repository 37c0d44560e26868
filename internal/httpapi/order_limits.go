package httpapi

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"partymap/internal/geo"
)

// OrderLimits bound what the public may do with orders, per instance: the
// submissions of one client address (with the trusted-proxy rule, as
// RealIP reads it) and of one device (its cookie) in Window, and the
// tracking look-ups (GET /api/track, confirm, reopen) of one address in
// LookupWindow: a tracking code lets its holder confirm or reopen an order,
// so guessing them must be slow.
type OrderLimits struct {
	PerAddress, PerDevice int
	Window                time.Duration
	Lookups               int
	LookupWindow          time.Duration
	// MaxBodyBytes bounds the body of a submission or an action.
	MaxBodyBytes int64
}

// The default limits of orders.
const (
	DefaultOrdersPerAddress = 20
	DefaultOrdersPerDevice  = 5
	DefaultOrdersWindow     = time.Hour
	DefaultOrderLookups     = 30
	DefaultOrderLookupTime  = 10 * time.Minute
	DefaultOrderBodyBytes   = 64 << 10
)

func (l OrderLimits) withDefaults() OrderLimits {
	if l.PerAddress <= 0 {
		l.PerAddress = DefaultOrdersPerAddress
	}
	if l.PerDevice <= 0 {
		l.PerDevice = DefaultOrdersPerDevice
	}
	if l.Window <= 0 {
		l.Window = DefaultOrdersWindow
	}
	if l.Lookups <= 0 {
		l.Lookups = DefaultOrderLookups
	}
	if l.LookupWindow <= 0 {
		l.LookupWindow = DefaultOrderLookupTime
	}
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = DefaultOrderBodyBytes
	}
	return l
}

// orderLimiters are the counters of OrderLimits.
type orderLimiters struct {
	address, device, lookup *slidingLimit
}

func newOrderLimiters(l OrderLimits, now func() time.Time) orderLimiters {
	return orderLimiters{
		address: newSlidingLimit(l.PerAddress, l.Window, now),
		device:  newSlidingLimit(l.PerDevice, l.Window, now),
		lookup:  newSlidingLimit(l.Lookups, l.LookupWindow, now),
	}
}

// maxLimitKeys bounds the keys a limit remembers: beyond, after the
// forgotten are dropped, a new key is refused rather than memory grown
// without end by a flood of addresses.
const maxLimitKeys = 100_000

// slidingLimit allows n events per key in any window of that length.
type slidingLimit struct {
	n      int
	window time.Duration
	now    func() time.Time
	mu     sync.Mutex
	hits   map[string][]time.Time
}

func newSlidingLimit(n int, window time.Duration, now func() time.Time) *slidingLimit {
	return &slidingLimit{n: n, window: window, now: now, hits: map[string][]time.Time{}}
}

// allow counts an event of key and reports whether it is within the
// limit, or how long until it would be.
func (l *slidingLimit) allow(key string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	hs := l.hits[key]
	for len(hs) > 0 && now.Sub(hs[0]) >= l.window {
		hs = hs[1:]
	}
	if len(hs) >= l.n {
		l.hits[key] = hs
		return false, l.window - now.Sub(hs[0])
	}
	if hs == nil && len(l.hits) >= maxLimitKeys {
		for k, v := range l.hits {
			if len(v) == 0 || now.Sub(v[len(v)-1]) >= l.window {
				delete(l.hits, k)
			}
		}
		if len(l.hits) >= maxLimitKeys {
			return false, l.window
		}
	}
	l.hits[key] = append(hs, now)
	return true, 0
}

// tooMany is the 429 of a limit, with when to try again.
func tooMany(c echo.Context, wait time.Duration, msg geo.Label) error {
	secs := int(wait.Seconds()) + 1
	c.Response().Header().Set("Retry-After", fmt.Sprint(secs))
	return echo.NewHTTPError(http.StatusTooManyRequests, fmt.Sprintf("%s Try again in %d seconds.", msg.En, secs)).
		SetInternal(geo.Say(geo.EINVALID, geo.Label{Zh: fmt.Sprintf("%s请 %d 秒后再试。", msg.Zh, secs), En: msg.En}))
}

// checkSubmission counts a submission of the client and device.
func (s *Server) checkSubmission(c echo.Context, device string) error {
	if ok, wait := s.orderLimits.address.allow(c.RealIP()); !ok {
		return tooMany(c, wait, geo.Label{Zh: "此网络提交的诉求过多。", En: "Too many orders were placed from this address."})
	}
	if ok, wait := s.orderLimits.device.allow(device); !ok {
		return tooMany(c, wait, geo.Label{Zh: "此设备提交的诉求过多。", En: "Too many orders were placed from this device."})
	}
	return nil
}

// checkLookup counts a look-up by tracking code of the client.
func (s *Server) checkLookup(c echo.Context) error {
	if ok, wait := s.orderLimits.lookup.allow(c.RealIP()); !ok {
		return tooMany(c, wait, geo.Label{Zh: "查询次数过多。", En: "Too many tracking codes were tried from this address."})
	}
	return nil
}
