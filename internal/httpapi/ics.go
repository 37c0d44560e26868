package httpapi

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"partymap/internal/geo"
)

// The iCalendar (RFC 5545) the activities feed writes. Times are local
// times in the zone Asia/Shanghai, which the calendar defines itself
// (VTIMEZONE: UTC+8 all year), so that a phone anywhere shows them at the
// right moment of its own day; a rule's UNTIL is in UTC, as RFC 5545 asks
// when the start has a zone.

// calendarOptions are what the calendar says besides its activities.
type calendarOptions struct {
	lang  string // zh or en: the language of summaries and places
	host  string // for the events' UIDs
	base  string // the server's address, for the events' URLs
	stamp time.Time
}

// icsZone is the calendar's time zone and its definition.
const icsZone = "Asia/Shanghai"

// writeCalendar writes a VCALENDAR with one VEVENT per activity (the
// occurrences' activities, each once).
func writeCalendar(b *bytes.Buffer, occ []geo.Occurrence, o calendarOptions) {
	line := func(s string) { foldLine(b, s) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//partymap//activities//ZH")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	if o.lang == "en" {
		line("X-WR-CALNAME:" + icsText("What's on"))
	} else {
		line("X-WR-CALNAME:" + icsText("今日活动"))
	}
	line("X-WR-TIMEZONE:" + icsZone)
	line("BEGIN:VTIMEZONE")
	line("TZID:" + icsZone)
	line("BEGIN:STANDARD")
	line("DTSTART:19700101T000000")
	line("TZOFFSETFROM:+0800")
	line("TZOFFSETTO:+0800")
	line("TZNAME:CST")
	line("END:STANDARD")
	line("END:VTIMEZONE")
	seen := map[int64]bool{}
	cst := geo.ChinaStandardTime()
	for _, oc := range occ {
		a := oc.Activity
		if seen[a.ID] {
			continue
		}
		seen[a.ID] = true
		p := a.Properties
		text := func(k string) string { v, _ := p[k].(string); return v }
		start, err1 := time.ParseInLocation(geo.TimeLayout, text("starts_at"), cst)
		end, err2 := time.ParseInLocation(geo.TimeLayout, text("ends_at"), cst)
		if err1 != nil || err2 != nil {
			continue // the catalogue checked them when they were written
		}
		summary, description, place := text("name_zh"), text("description_zh"), oc.Place.Zh
		if o.lang == "en" {
			summary, description, place = text("name_en"), text("description_en"), oc.Place.En
		}
		line("BEGIN:VEVENT")
		line(fmt.Sprintf("UID:activity-%d@%s", a.ID, o.host))
		line("DTSTAMP:" + o.stamp.UTC().Format("20060102T150405Z"))
		if !a.UpdatedAt.IsZero() {
			line("LAST-MODIFIED:" + a.UpdatedAt.UTC().Format("20060102T150405Z"))
		}
		line(fmt.Sprintf("SEQUENCE:%d", a.Version))
		line("DTSTART;TZID=" + icsZone + ":" + start.Format("20060102T150405"))
		line("DTEND;TZID=" + icsZone + ":" + end.Format("20060102T150405"))
		if rule := text("repeat"); rule != "" {
			if r, err := geo.ParseRecurrence(rule); err == nil {
				days := make([]string, len(r.Days))
				for i, d := range r.Days {
					days[i] = geo.RRuleDay(d)
				}
				// The last second of the last day, China Standard Time.
				until := r.Until.Add(24*time.Hour - time.Second).UTC()
				line("RRULE:FREQ=WEEKLY;BYDAY=" + strings.Join(days, ",") + ";UNTIL=" + until.Format("20060102T150405Z"))
			}
		}
		line("SUMMARY:" + icsText(summary))
		if description != "" {
			line("DESCRIPTION:" + icsText(description))
		}
		if place != "" {
			line("LOCATION:" + icsText(place))
		}
		if pt, ok := a.Geometry.(orb.Point); ok {
			line(fmt.Sprintf("GEO:%.6f;%.6f", pt[1], pt[0]))
		}
		if text("status") == "cancelled" {
			line("STATUS:CANCELLED")
		} else {
			line("STATUS:CONFIRMED")
		}
		line(fmt.Sprintf("URL:%s/collections/activities/items/%d", o.base, a.ID))
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
}

// icsText escapes a TEXT value (RFC 5545 3.3.11).
func icsText(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// foldLine writes a content line, folded so that no line is longer than
// 75 octets (RFC 5545 3.1), never inside a UTF-8 character, with CRLF.
func foldLine(b *bytes.Buffer, s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the folded line starts with a space
	}
	b.WriteString(s)
	b.WriteString("\r\n")
}
