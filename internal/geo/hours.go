package geo

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ChinaStandardTime returns the zone that opening hours are written in:
// UTC+8 all year, with no daylight saving time.
func ChinaStandardTime() *time.Location { return time.FixedZone("CST", 8*60*60) }

// minutesPerDay is the length of a day on the clock of opening hours.
const minutesPerDay = 24 * 60

// Span is one opening span in minutes after midnight, China Standard Time:
// open from Open up to, not including, Close. A span whose Close is not
// after its Open runs past midnight ("20:00-02:00").
type Span struct {
	Open, Close int
}

// Hours are a place's opening hours: one or more spans, every day alike.
type Hours struct {
	Spans []Span
}

// ParseHours reads opening hours written "HH:MM-HH:MM" in China Standard
// Time, or several such spans separated by commas ("08:00-12:00,14:00-18:00").
// "00:00-24:00" is open all day; a span that closes before it opens runs past
// midnight ("20:00-02:00"); 24:00 may only close a span.
func ParseHours(s string) (Hours, error) {
	var h Hours
	if strings.TrimSpace(s) == "" {
		return h, Errorf(EINVALID, "Opening hours are empty; write them HH:MM-HH:MM, e.g. 08:00-20:00.")
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		from, to, ok := strings.Cut(part, "-")
		if !ok {
			return Hours{}, Errorf(EINVALID, "Opening hours %q are not HH:MM-HH:MM, e.g. 08:00-20:00.", clip(part, 30))
		}
		open, err := parseClock(strings.TrimSpace(from), false)
		if err != nil {
			return Hours{}, err
		}
		closing, err := parseClock(strings.TrimSpace(to), true)
		if err != nil {
			return Hours{}, err
		}
		if open == closing {
			return Hours{}, Errorf(EINVALID, "Opening hours %q open and close at the same time; for all day write 00:00-24:00.", clip(part, 30))
		}
		h.Spans = append(h.Spans, Span{Open: open, Close: closing})
	}
	return h, nil
}

// parseClock reads "HH:MM" as minutes after midnight; 24:00 only as a
// closing time.
func parseClock(s string, closing bool) (int, error) {
	hh, mm, ok := strings.Cut(s, ":")
	bad := Errorf(EINVALID, "The time %q is not HH:MM on a 24-hour clock, e.g. 08:30.", clip(s, 10))
	if !ok || len(hh) != 2 || len(mm) != 2 {
		return 0, bad
	}
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if err1 != nil || err2 != nil || h < 0 || m < 0 || m > 59 {
		return 0, bad
	}
	switch {
	case h < 24:
		return h*60 + m, nil
	case h == 24 && m == 0 && closing:
		return minutesPerDay, nil
	}
	return 0, bad
}

// OpenAt reports whether the place is open at t, read on the clock of China
// Standard Time whatever t's own zone.
func (h Hours) OpenAt(t time.Time) bool {
	c := t.In(ChinaStandardTime())
	now := c.Hour()*60 + c.Minute()
	for _, s := range h.Spans {
		if s.Open < s.Close {
			if now >= s.Open && now < s.Close {
				return true
			}
			continue
		}
		// Past midnight: open in the evening and in the small hours.
		if now >= s.Open || now < s.Close {
			return true
		}
	}
	return false
}

// String writes the hours back as "HH:MM-HH:MM[,…]".
func (h Hours) String() string {
	parts := make([]string, len(h.Spans))
	for i, s := range h.Spans {
		parts[i] = fmt.Sprintf("%02d:%02d-%02d:%02d", s.Open/60, s.Open%60, s.Close/60, s.Close%60)
	}
	return strings.Join(parts, ",")
}

// OpenNow reports whether a place with these written hours is open at t.
// known is false when the hours cannot be read: such a place is never
// counted as open.
func OpenNow(hours string, t time.Time) (open, known bool) {
	h, err := ParseHours(hours)
	if err != nil {
		return false, false
	}
	return h.OpenAt(t), true
}
