package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"partymap/internal/geo"
)

// The event stream (/api/events, Server-Sent Events) forwards every
// committed change to the map as it is announced on the changes hub:
//
//	id: 124
//	event: change
//	data: {"seq":124,"layer":"parking","id":2,"version":3,"op":"update","bbox":[…]}
//
//	id: 124
//	event: parking
//	data: {"id":2,"free":5,"capacity":50}
//
//	event: proposal
//	data: {"id":3,"state":"open","grids":["XY07","XY08"]}
//
// A proposal (a boundary change waiting for a neighbour's agreement) is
// announced when it is made and when it is decided, with no id: it is not
// replayed to a reconnecting client, whose desk reads the proposals again
// on "ready".
//
// The id is the change's history seq. A client that reconnects sends the
// last id it saw (the Last-Event-ID header, which EventSource sends by
// itself, or ?last_event_id=) and first gets the changes it missed, read
// from the history, up to maxReplay; beyond that it gets a "reset" event
// and should reload what it shows. Every stream starts with a "ready" event
// whose id is the newest seq, so that a client that has seen no change yet
// still resumes from the right place. A comment line every heartbeat keeps
// proxies from closing a quiet stream.
//
// The streams of a server share one fan-out (events_fanout.go): it alone
// hears the hub, encodes each event once and hands the bytes to every
// stream, and at each heartbeat it alone reads the history for changes the
// hub may have missed (a listener that lost its connection). A car park's
// spaces come in the announcement itself, so a change costs no query at
// all, however many streams are open. Streams are capped per client
// address and in all (503 beyond), and each write has a deadline, so that
// clients that stop reading cannot hold the server's memory and sockets.

// Stream settings.
const (
	// defaultHeartbeat is how often a quiet stream sends a comment.
	defaultHeartbeat = 15 * time.Second
	// maxReplay bounds the changes replayed to a reconnecting client.
	maxReplay = 1000
	// streamBuffer is how many messages a stream holds while its client is
	// slow; a stream that falls further behind is ended, and its client
	// reconnects and catches up from the history.
	streamBuffer = 64
	// retryMillis is how long EventSource waits before reconnecting.
	retryMillis = 2000
	// feedTimeout bounds each history read.
	feedTimeout = 5 * time.Second
	// writeTimeout bounds each write to a client: one that does not take
	// an event within it is gone.
	writeTimeout = 10 * time.Second
	// defaultMaxStreams and defaultMaxStreamsPerClient are the caps when
	// Config leaves them zero.
	defaultMaxStreams          = 10000
	defaultMaxStreamsPerClient = 4
	// streamsRetryAfter is the Retry-After, in seconds, of a refused stream.
	streamsRetryAfter = 30
)

// CloseStreams ends every open event stream, as a server does when it
// shuts down (http.Server.RegisterOnShutdown): streams never go idle by
// themselves. Clients reconnect elsewhere with their Last-Event-ID.
func (s *Server) CloseStreams() { s.events.close() }

// changeEventJSON is the data of a "change" event.
type changeEventJSON struct {
	geo.Change
	BBox []float64 `json:"bbox,omitempty"`
}

// parkingEventJSON is the data of a "parking" event.
type parkingEventJSON struct {
	ID       int64 `json:"id"`
	Free     int64 `json:"free"`
	Capacity int64 `json:"capacity"`
}

// handleEvents streams the map's changes as Server-Sent Events until the
// client goes away, stops reading or the server shuts down.
func (s *Server) handleEvents(c echo.Context) error {
	if err := checkParams(c, "last_event_id"); err != nil {
		return err
	}
	after, resume, err := lastEventID(c)
	if err != nil {
		return err
	}
	feed, ok := s.store.(geo.ChangeFeed)
	if !ok {
		return geo.Errorf(geo.EUNAVAILABLE, "This server's store cannot stream changes.")
	}
	ctx := c.Request().Context()
	st, latest, err := s.events.join(ctx, s.streamSettings(feed), c.RealIP())
	if err != nil {
		if errors.Is(err, errTooManyStreams) {
			c.Response().Header().Set("Retry-After", strconv.Itoa(streamsRetryAfter))
		}
		return err
	}
	defer s.events.leave(st)

	// A stream outlives the server's read timeout; its writes get a
	// deadline each instead of the server's one for the whole answer.
	w := &eventWriter{w: c.Response(), rc: http.NewResponseController(c.Response())}
	_ = w.rc.SetReadDeadline(time.Time{})
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	c.Response().WriteHeader(http.StatusOK)
	replayed, err := w.start(ctx, feed, after, resume, latest)
	if err != nil {
		return nil // the client is gone
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.events.done():
			return nil
		case m, ok := <-st.out:
			if !ok || !w.drain(st.out, m, replayed) {
				return nil // fell behind, went away or stopped reading
			}
		}
	}
}

// streamSettings are the fan-out's settings, from the server's config.
func (s *Server) streamSettings(feed geo.ChangeFeed) fanoutSettings {
	f := fanoutSettings{
		feed: feed, hub: s.cfg.Changes, log: s.log,
		heartbeat: s.cfg.EventsHeartbeat, max: s.cfg.MaxStreams, perClient: s.cfg.MaxStreamsPerClient,
	}
	if f.heartbeat <= 0 {
		f.heartbeat = defaultHeartbeat
	}
	if f.max <= 0 {
		f.max = defaultMaxStreams
	}
	if f.perClient <= 0 {
		f.perClient = defaultMaxStreamsPerClient
	}
	return f
}

// eventWriter writes one client's stream, each write with a deadline.
type eventWriter struct {
	w  *echo.Response
	rc *http.ResponseController
}

func (w *eventWriter) write(b []byte) error {
	if err := w.rc.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil {
		return err
	}
	_, err := w.w.Write(b)
	return err
}

func (w *eventWriter) flush() error {
	if err := w.rc.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil {
		return err
	}
	return w.rc.Flush()
}

// drain writes m and whatever else waits in out, skipping the seqs in skip,
// then flushes once. It reports false when the stream must end: the client
// is gone or stopped reading, or the stream fell behind (out was closed),
// in which case its client reconnects and catches up from the history.
func (w *eventWriter) drain(out <-chan message, m message, skip map[int64]bool) bool {
	for {
		if !skip[m.seq] {
			if err := w.write(m.data); err != nil {
				return false
			}
		}
		select {
		case next, ok := <-out:
			if !ok {
				return false
			}
			m = next
			continue
		default:
		}
		return w.flush() == nil
	}
}

// start opens the stream: the retry delay, the changes a reconnecting
// client missed (or a reset when they cannot be replayed), then "ready".
// It returns the seqs it replayed, which the fan-out may hand the stream
// again and are then skipped.
func (w *eventWriter) start(ctx context.Context, feed geo.ChangeFeed, after int64, resume bool, latest int64) (map[int64]bool, error) {
	if err := w.write(fmt.Appendf(nil, "retry: %d\n\n", retryMillis)); err != nil {
		return nil, err
	}
	ready := latest
	var replayed map[int64]bool
	switch {
	case resume && after > latest:
		// An id from before the database was recreated: start afresh.
		if err := w.write(eventBytes(nil, latest, "reset", map[string]any{"seq": latest, "reason": "The last event id is newer than the newest change; reload the map's data."})); err != nil {
			return nil, err
		}
	case resume:
		qctx, cancel := context.WithTimeout(ctx, feedTimeout)
		recs, err := feed.ChangesSince(qctx, after, maxReplay+1)
		cancel()
		switch {
		case err != nil:
			// The fan-out carries on live; the client reloads when it
			// sees the gap, or reconnects later.
			if err := w.write(eventBytes(nil, latest, "reset", map[string]any{"seq": latest, "reason": "The missed changes could not be read; reload the map's data."})); err != nil {
				return nil, err
			}
		case len(recs) > maxReplay:
			if err := w.write(eventBytes(nil, latest, "reset", map[string]any{"seq": latest, "reason": fmt.Sprintf("More than %d changes were missed; reload the map's data.", maxReplay)})); err != nil {
				return nil, err
			}
		default:
			replayed = make(map[int64]bool, len(recs))
			for _, r := range recs {
				if !r.Hidden {
					if err := w.write(changeBytes(r.Change)); err != nil {
						return nil, err
					}
				}
				replayed[r.Seq] = true
				ready = max(ready, r.Seq)
			}
		}
	}
	if err := w.write(eventBytes(nil, ready, "ready", map[string]int64{"seq": ready})); err != nil {
		return nil, err
	}
	return replayed, w.flush()
}

// lastEventID reads the seq a reconnecting client saw last, from the
// Last-Event-ID header or the last_event_id parameter.
func lastEventID(c echo.Context) (int64, bool, error) {
	v := c.Request().Header.Get("Last-Event-ID")
	name := "Last-Event-ID header"
	if q := c.QueryParam("last_event_id"); q != "" {
		v, name = q, "last_event_id parameter"
	}
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, false, geo.Errorf(geo.EINVALID, "The %s must be the id of an event from this stream, a whole number of 0 or more; got %q.", name, clipText(v))
	}
	return n, true, nil
}

// changeBytes encodes a change event and, for a car park, its parking
// event: the bytes every stream writes.
func changeBytes(c geo.Change) []byte {
	data := changeEventJSON{Change: c}
	if b := c.BBox; b != (orb.Bound{}) {
		data.BBox = []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}
	}
	out := eventBytes(nil, c.Seq, "change", data)
	if c.Layer == "parking" && c.Free != nil && c.Capacity != nil {
		out = eventBytes(out, c.Seq, "parking", parkingEventJSON{ID: c.ID, Free: *c.Free, Capacity: *c.Capacity})
	}
	return out
}

// proposalBytes encodes a proposal's notice as a "proposal" event without
// an id: {id, state, grids}, never who made or decided it.
func proposalBytes(n geo.ProposalNotice) []byte {
	j, err := json.Marshal(n)
	if err != nil {
		j = []byte("{}")
	}
	return fmt.Appendf(nil, "event: proposal\ndata: %s\n\n", j)
}

// noticeBytes encodes a notice as an event without an id, like a
// proposal's: a booking's {venue_id, status}, never who asked or why.
func noticeBytes(name string, n any) []byte {
	j, err := json.Marshal(n)
	if err != nil {
		j = []byte("{}")
	}
	return fmt.Appendf(nil, "event: %s\ndata: %s\n\n", name, j)
}

// eventBytes appends one event to b.
func eventBytes(b []byte, id int64, name string, data any) []byte {
	j, err := json.Marshal(data)
	if err != nil {
		// Only plain structs and maps of numbers and strings come here.
		j = []byte("{}")
	}
	return fmt.Appendf(b, "id: %d\nevent: %s\ndata: %s\n\n", id, name, j)
}
