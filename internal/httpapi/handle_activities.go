package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"partymap/internal/geo"
)

// The activities column and the shared venues: what is on (a list, an
// iCalendar feed), when a venue is free, and the bookings staff ask for
// and keepers decide. Activities themselves are written like any
// feature (/collections/activities/items); their venue's slots follow.

// occurrenceJSON is one occurrence of an activity in the list: its times
// in China Standard Time, its texts in the language asked for and in both.
type occurrenceJSON struct {
	ID            int64     `json:"id"`
	Title         string    `json:"title"`
	Description   string    `json:"description,omitempty"`
	Place         string    `json:"place"`
	Start         time.Time `json:"start"`
	End           time.Time `json:"end"`
	NameZh        string    `json:"name_zh"`
	NameEn        string    `json:"name_en"`
	DescriptionZh string    `json:"description_zh,omitempty"`
	DescriptionEn string    `json:"description_en,omitempty"`
	PlaceZh       string    `json:"place_zh"`
	PlaceEn       string    `json:"place_en"`
	Venue         int64     `json:"venue_id,omitempty"`
	Organizer     int64     `json:"organizer_id"`
	Audience      string    `json:"audience"`
	Status        string    `json:"status"`
	Capacity      *int64    `json:"capacity,omitempty"`
	Repeat        string    `json:"repeat,omitempty"`
	Community     string    `json:"community,omitempty"`
	Position      []float64 `json:"position"`
	// Calendar is the address of the activity's own iCalendar file: what
	// its QR code holds, for a phone's calendar.
	Calendar string `json:"calendar"`
}

// parseRange reads from and to (a day YYYY-MM-DD, a time YYYY-MM-DDTHH:MM
// in China Standard Time, or RFC 3339); without them, today and the six
// days after it. A range must end after it starts and span at most
// geo.MaxSpan.
func (s *Server) parseRange(c echo.Context) (time.Time, time.Time, error) {
	cst := geo.ChinaStandardTime()
	now := s.now().In(cst)
	from := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, cst)
	read := func(name string) (time.Time, bool, error) {
		v := c.QueryParam(name)
		if v == "" {
			return time.Time{}, false, nil
		}
		if d, err := time.ParseInLocation(time.DateOnly, v, cst); err == nil {
			return d, true, nil
		}
		t, err := geo.ParseTime(name, v)
		return t, true, err
	}
	f, ok, err := read("from")
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	if ok {
		from = f
	}
	to := from.AddDate(0, 0, 7)
	t, ok, err := read("to")
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	if ok {
		to = t
	}
	if !to.After(from) {
		return time.Time{}, time.Time{}, geo.Errorf(geo.EINVALID, "to (%s) must come after from (%s).", geo.FormatTime(to), geo.FormatTime(from))
	}
	if to.Sub(from) > geo.MaxSpan {
		return time.Time{}, time.Time{}, geo.Errorf(geo.EINVALID, "Ask about at most 31 days at once; from %s to %s is longer.", geo.FormatTime(from), geo.FormatTime(to))
	}
	return from, to, nil
}

// optionalID reads a query parameter that names a row by its id; 0 when
// absent.
func optionalID(c echo.Context, name string) (int64, error) {
	v := c.QueryParam(name)
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		return 0, geo.Errorf(geo.EINVALID, "%s must be an id, a positive whole number; got %q.", name, clipText(v))
	}
	return id, nil
}

// activityQuery reads the parameters the list and the feed share: place
// (a venue's id), organizer, community and id.
func activityQuery(c echo.Context) (geo.ActivityQuery, error) {
	var q geo.ActivityQuery
	var err error
	if q.Venue, err = optionalID(c, "place"); err != nil {
		return q, err
	}
	if q.Organizer, err = optionalID(c, "organizer"); err != nil {
		return q, err
	}
	if q.ID, err = optionalID(c, "id"); err != nil {
		return q, err
	}
	q.Community = c.QueryParam("community")
	return q, nil
}

// language reads lang: zh (the default) or en.
func language(c echo.Context) (string, error) {
	switch l := c.QueryParam("lang"); l {
	case "", "zh":
		return "zh", nil
	case "en":
		return "en", nil
	default:
		return "", geo.Errorf(geo.EINVALID, "lang must be zh or en; got %q.", clipText(l))
	}
}

// handleActivities lists the occurrences of the planned activities between
// from and to (today and this week by default), earliest first.
func (s *Server) handleActivities(c echo.Context) error {
	if err := checkParams(c, "from", "to", "place", "organizer", "community", "id", "lang", "audience"); err != nil {
		return err
	}
	lang, err := language(c)
	if err != nil {
		return err
	}
	q, err := activityQuery(c)
	if err != nil {
		return err
	}
	if q.From, q.To, err = s.parseRange(c); err != nil {
		return err
	}
	switch a := c.QueryParam("audience"); a {
	case "", "all":
	case "public":
		q.PublicOnly = true
	default:
		return geo.Errorf(geo.EINVALID, "audience must be public or all; got %q.", clipText(a))
	}
	occ, err := s.cfg.Activities.Occurrences(c.Request().Context(), q)
	if err != nil {
		return err
	}
	cst := geo.ChinaStandardTime()
	out := struct {
		From       time.Time        `json:"from"`
		To         time.Time        `json:"to"`
		Activities []occurrenceJSON `json:"activities"`
	}{From: q.From.In(cst), To: q.To.In(cst), Activities: make([]occurrenceJSON, 0, len(occ))}
	for _, o := range occ {
		out.Activities = append(out.Activities, toOccurrenceJSON(o, lang))
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	return writeJSON(c, http.StatusOK, mediaJSON, out)
}

func toOccurrenceJSON(o geo.Occurrence, lang string) occurrenceJSON {
	p := o.Activity.Properties
	text := func(k string) string { v, _ := p[k].(string); return v }
	num := func(k string) int64 { v, _ := p[k].(int64); return v }
	cst := geo.ChinaStandardTime()
	j := occurrenceJSON{
		ID: o.Activity.ID, Start: o.Start.In(cst), End: o.End.In(cst),
		NameZh: text("name_zh"), NameEn: text("name_en"), DescriptionZh: text("description_zh"), DescriptionEn: text("description_en"),
		PlaceZh: o.Place.Zh, PlaceEn: o.Place.En, Venue: num("venue_id"), Organizer: num("organizer_id"),
		Audience: text("audience"), Status: text("status"), Repeat: text("repeat"), Community: text(geo.CommunityField),
		Calendar: fmt.Sprintf("/api/activities.ics?id=%d", o.Activity.ID),
	}
	if v, ok := p["capacity"].(int64); ok {
		j.Capacity = &v
	}
	if pt, ok := o.Activity.Geometry.(orb.Point); ok {
		j.Position = []float64{pt[0], pt[1]}
	}
	j.Title, j.Description, j.Place = j.NameZh, j.DescriptionZh, j.PlaceZh
	if lang == "en" {
		j.Title, j.Description, j.Place = j.NameEn, j.DescriptionEn, j.PlaceEn
	}
	return j
}

// icsWindow is how far back and ahead the calendar feed looks for
// activities: what a phone that subscribes keeps.
const (
	icsBack  = 31 * 24 * time.Hour
	icsAhead = 366 * 24 * time.Hour
)

// handleActivitiesICS answers the iCalendar feed (RFC 5545) of the public
// activities, of a venue (place), an organizer, a community, or one
// activity (id, what a QR code holds): each activity once, with its weekly
// rule, in the time zone Asia/Shanghai, which a VTIMEZONE defines (UTC+8,
// no daylight saving time), so that every calendar shows it right wherever
// it is.
func (s *Server) handleActivitiesICS(c echo.Context) error {
	if err := checkParams(c, "place", "organizer", "community", "id", "lang"); err != nil {
		return err
	}
	lang, err := language(c)
	if err != nil {
		return err
	}
	q, err := activityQuery(c)
	if err != nil {
		return err
	}
	now := s.now()
	q.From, q.To = now.Add(-icsBack), now.Add(icsAhead)
	q.PublicOnly, q.WithCanceled, q.FirstOnly = true, true, true
	occ, err := s.cfg.Activities.Occurrences(c.Request().Context(), q)
	if err != nil {
		return err
	}
	if q.ID > 0 && len(occ) == 0 {
		return geo.Errorf(geo.ENOTFOUND, "There is no public activity %d in the coming year.", q.ID)
	}
	host := c.Request().Host
	if i := strings.IndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	if host == "" {
		host = "partymap"
	}
	var b bytes.Buffer
	writeCalendar(&b, occ, calendarOptions{lang: lang, host: host, base: baseURL(c.Request()), stamp: now})
	name := "activities.ics"
	if q.ID > 0 {
		name = fmt.Sprintf("activity-%d.ics", q.ID)
	}
	h := c.Response().Header()
	h.Set("Content-Disposition", fmt.Sprintf(`inline; filename=%q`, name))
	h.Set("Cache-Control", "no-cache")
	return c.Blob(http.StatusOK, "text/calendar; charset=utf-8", b.Bytes())
}

// availabilityJSON is a venue's week: busy and free blocks only, never who
// booked or why.
type availabilityJSON struct {
	Venue  int64      `json:"venue_id"`
	NameZh string     `json:"name_zh"`
	NameEn string     `json:"name_en"`
	From   time.Time  `json:"from"`
	To     time.Time  `json:"to"`
	Busy   []geo.Busy `json:"busy"`
	Free   []geo.Busy `json:"free"`
	// HowToBook says, in both languages, how to ask for the venue.
	HowToBook geo.Label `json:"how_to_book"`
}

// handleVenueAvailability answers when a shared venue is busy and free
// between from and to (this week by default).
func (s *Server) handleVenueAvailability(c echo.Context) error {
	if err := checkParams(c, "from", "to"); err != nil {
		return err
	}
	id, err := parseID(c.Param("id"))
	if err != nil {
		return err
	}
	from, to, err := s.parseRange(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	venue, err := s.cfg.Activities.Venue(ctx, id)
	if err != nil {
		return err
	}
	busy, err := s.cfg.Activities.VenueBusy(ctx, id, from, to)
	if err != nil {
		return err
	}
	cst := geo.ChinaStandardTime()
	out := availabilityJSON{Venue: id, From: from.In(cst), To: to.In(cst), Busy: make([]geo.Busy, 0, len(busy)), Free: []geo.Busy{},
		HowToBook: geo.Label{
			Zh: "辖区内各党组织均可免费预约：请所在网格的工作人员在工作台提交申请，由场馆所在网格或管理员确认。",
			En: "Free for every party organization in the area: staff of the organization's grid request a slot in the staff desk; the venue's grid or an administrator confirms it."}}
	out.NameZh, _ = venue.Properties["name_zh"].(string)
	out.NameEn, _ = venue.Properties["name_en"].(string)
	at := from
	for _, b := range busy {
		out.Busy = append(out.Busy, geo.Busy{Start: b.Start.In(cst), End: b.End.In(cst)})
		if b.Start.After(at) {
			out.Free = append(out.Free, geo.Busy{Start: at.In(cst), End: b.Start.In(cst)})
		}
		if b.End.After(at) {
			at = b.End
		}
	}
	if to.After(at) {
		out.Free = append(out.Free, geo.Busy{Start: at.In(cst), End: to.In(cst)})
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	return writeJSON(c, http.StatusOK, mediaJSON, out)
}

// bookingRequestJSON is the body of POST /api/bookings.
type bookingRequestJSON struct {
	Venue        int64  `json:"venue_id"`
	Organization int64  `json:"organization_id"`
	Start        string `json:"start"`
	End          string `json:"end"`
	Purpose      string `json:"purpose"`
}

// handleRequestBooking records a request for a slot at a shared venue
// (201): a staff member of the organization's grid asks, the venue's keeper
// decides. A slot already confirmed is refused at once (409, naming it).
func (s *Server) handleRequestBooking(c echo.Context) error {
	if err := checkParams(c); err != nil {
		return err
	}
	if err := requireJSON(c); err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var in bookingRequestJSON
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(&in); err != nil {
		return geo.WrapError(geo.EINVALID, err, "The body must be a JSON object {\"venue_id\", \"organization_id\", \"start\", \"end\", \"purpose\"}: %s.", clipText(err.Error()))
	}
	r := geo.BookingRequest{Venue: in.Venue, Organization: in.Organization, Purpose: in.Purpose}
	if in.Start == "" || in.End == "" {
		return geo.Errorf(geo.EINVALID, "Say when with start and end, YYYY-MM-DDTHH:MM in China Standard Time.")
	}
	if r.Start, err = geo.ParseTime("start", in.Start); err != nil {
		return err
	}
	if r.End, err = geo.ParseTime("end", in.End); err != nil {
		return err
	}
	if err := geo.CheckBookingRequest(r, s.now()); err != nil {
		return err
	}
	b, err := s.cfg.Activities.RequestBooking(c.Request().Context(), r, authOf(c).user)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Location", fmt.Sprintf("%s/api/bookings/%d", baseURL(c.Request()), b.ID))
	return writeJSON(c, http.StatusCreated, mediaJSON, inCST(b))
}

// handleConfirmBooking and handleDeclineBooking decide a requested booking,
// for the venue's keeper.
func (s *Server) handleConfirmBooking(c echo.Context) error { return s.decideBooking(c, true) }

func (s *Server) handleDeclineBooking(c echo.Context) error { return s.decideBooking(c, false) }

func (s *Server) decideBooking(c echo.Context, confirm bool) error {
	if err := checkParams(c); err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return geo.Errorf(geo.ENOTFOUND, "There is no booking %q: booking ids are positive whole numbers.", clipText(c.Param("id")))
	}
	b, err := s.cfg.Activities.DecideBooking(c.Request().Context(), id, confirm, authOf(c).user)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, mediaJSON, inCST(b))
}

// handleVenueBookings lists a venue's bookings between from and to, for the
// staff desk: every one for its keeper, one's own requests otherwise.
func (s *Server) handleVenueBookings(c echo.Context) error {
	if err := checkParams(c, "from", "to"); err != nil {
		return err
	}
	id, err := parseID(c.Param("id"))
	if err != nil {
		return err
	}
	from, to, err := s.parseRange(c)
	if err != nil {
		return err
	}
	bs, err := s.cfg.Activities.Bookings(c.Request().Context(), id, from, to, authOf(c).user)
	if err != nil {
		return err
	}
	for i := range bs {
		bs[i] = inCST(bs[i])
	}
	return writeJSON(c, http.StatusOK, mediaJSON, struct {
		Bookings []geo.Booking `json:"bookings"`
	}{bs})
}

// handleVenueDesk serves the venue desk (venues.html), where staff drag
// out requests on a venue's week and keepers confirm or decline them; it
// logs in like the editor.
func (s *Server) handleVenueDesk(c echo.Context) error {
	return s.servePage(c, "venues.html", privateNoStore)
}

// inCST writes a booking's times in China Standard Time.
func inCST(b geo.Booking) geo.Booking {
	cst := geo.ChinaStandardTime()
	b.Start, b.End, b.RequestedAt = b.Start.In(cst), b.End.In(cst), b.RequestedAt.In(cst)
	if b.DecidedAt != nil {
		t := b.DecidedAt.In(cst)
		b.DecidedAt = &t
	}
	return b
}
