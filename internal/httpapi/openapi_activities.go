package httpapi

// addActivityPaths describes the activities column and the shared venues'
// bookings in the OpenAPI document: the public reads, and the staff's
// requests and decisions when the server takes logins.
func (s *Server) addActivityPaths(paths obj, problem obj) {
	if s.cfg.Activities == nil {
		return
	}
	q := func(name, desc string, schema obj) obj {
		return obj{"name": name, "in": "query", "required": false, "description": desc, "schema": schema}
	}
	when := []obj{
		q("from", "start of the range: a day YYYY-MM-DD or a time YYYY-MM-DDTHH:MM in China Standard Time, or RFC 3339; default today 00:00 CST", obj{"type": "string"}),
		q("to", "end of the range, as from; default 7 days after from; at most 31 days after it", obj{"type": "string"}),
	}
	filters := []obj{
		q("place", "only at the shared venue (a post) with this id", obj{"type": "integer", "minimum": 1}),
		q("organizer", "only those the party organization with this id runs", obj{"type": "integer", "minimum": 1}),
		q("community", "only in the community with this code", obj{"type": "string"}),
		q("id", "only the activity with this id", obj{"type": "integer", "minimum": 1}),
		q("lang", "the language of title, description and place", obj{"type": "string", "enum": []string{"zh", "en"}, "default": "zh"}),
	}
	ok := func(desc, media string) obj {
		return obj{"description": desc, "content": obj{media: obj{"schema": obj{"type": "object"}}}}
	}
	venue := obj{"name": "id", "in": "path", "required": true, "description": "the venue's id: a post of kind activity_room or cultural_space", "schema": obj{"type": "integer", "minimum": 1}}
	paths["/api/activities"] = obj{"get": obj{
		"summary":     "what's on: the activities' occurrences in a range, earliest first",
		"description": "Weekly rules expanded by the server. Each occurrence has id, title, description and place (in lang), both languages, start and end (China Standard Time), venue_id, organizer_id, audience, status, capacity, repeat, community, position [lon, lat] and calendar, the address of its own iCalendar file.",
		"operationId": "getActivities", "tags": []string{"activities"},
		"parameters": append(append(append([]obj{}, when...), filters...), q("audience", "public: only those open to everyone", obj{"type": "string", "enum": []string{"all", "public"}, "default": "all"})),
		"responses":  obj{"200": ok("the occurrences", mediaJSON), "400": problem, "503": problem}}}
	paths["/api/activities.ics"] = obj{"get": obj{
		"summary":     "iCalendar feed (RFC 5545) of the public activities: of a venue, an organizer, a community, or one activity",
		"description": "Each activity once, with its weekly RRULE, DTSTART/DTEND in TZID Asia/Shanghai (defined by a VTIMEZONE: UTC+8, no daylight saving time), UNTIL in UTC; cancelled ones with STATUS:CANCELLED. Covers a month back and a year ahead. What a phone's calendar subscribes to, and what an activity's QR code holds (id=).",
		"operationId": "getActivitiesCalendar", "tags": []string{"activities"}, "parameters": filters,
		"responses": obj{"200": ok("the calendar", "text/calendar"), "400": problem, "404": problem, "503": problem}}}
	paths["/api/venues/{id}/availability"] = obj{"get": obj{
		"summary":     "when a shared venue is busy and free",
		"description": "busy: the confirmed bookings (an activity's included), merged where they touch; free: the gaps between from and to. Never who booked or why. how_to_book says how to ask for the venue (zh, en).",
		"operationId": "getVenueAvailability", "tags": []string{"activities"}, "parameters": append([]obj{venue}, when...),
		"responses": obj{"200": ok("the venue's busy and free blocks", mediaJSON), "400": problem, "404": problem, "503": problem}}}
	if s.cfg.Accounts == nil {
		return
	}
	const auth = " Needs a login: the session cookie with the X-CSRF-Token header, or Authorization: Bearer pm_… (a personal API token)."
	booking := obj{"name": "id", "in": "path", "required": true, "description": "the booking's id", "schema": obj{"type": "integer", "minimum": 1}}
	taken := obj{"description": "the slot is taken by a confirmed booking: the problem's taken names it (booking_id, activity_id, start, end)", "content": obj{"application/problem+json": obj{"schema": obj{"$ref": "#/components/schemas/problem"}}}}
	paths["/api/bookings"] = obj{"post": obj{
		"summary":     "request a slot at a shared venue for a party organization",
		"description": "Body {venue_id, organization_id, start, end, purpose}; times YYYY-MM-DDTHH:MM in China Standard Time (or RFC 3339), end after start, at most 31 days, not in the past. The requester must be staff of the organization's grid (or an administrator). 201 with the booking, status requested." + auth,
		"operationId": "requestBooking", "tags": []string{"activities"},
		"requestBody": obj{"required": true, "content": obj{mediaJSON: obj{"schema": obj{"type": "object"}}}},
		"responses":   obj{"201": ok("the requested booking", mediaJSON), "400": problem, "401": problem, "403": problem, "409": taken, "415": problem, "422": problem, "503": problem}}}
	for _, act := range []string{"confirm", "decline"} {
		paths["/api/bookings/{id}/"+act] = obj{"post": obj{
			"summary":     act + " a requested booking, as the venue's keeper (an administrator, or staff of the venue's grid)",
			"description": "A confirmation whose slot a confirmed booking holds is a 409 naming it: the database's exclusion constraint decides between confirmations made at the same moment. A booking already decided is a 409 too." + auth,
			"operationId": act + "Booking", "tags": []string{"activities"}, "parameters": []obj{booking},
			"responses": obj{"200": ok("the decided booking", mediaJSON), "401": problem, "403": problem, "404": problem, "409": taken, "503": problem}}}
	}
	paths["/api/venues/{id}/bookings"] = obj{"get": obj{
		"summary":     "a venue's bookings in a range, for the staff desk: every one for its keeper, one's own requests otherwise",
		"description": "Each with id, venue_id, organization_id, start, end, status (requested, confirmed, declined), activity_id, purpose, requested_by, requested_at, decided_by, decided_at." + auth,
		"operationId": "getVenueBookings", "tags": []string{"activities"}, "parameters": append([]obj{venue}, when...),
		"responses": obj{"200": ok("the bookings", mediaJSON), "400": problem, "401": problem, "403": problem, "404": problem, "503": problem}}}
}
