package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
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
// The id is the change's history seq. A client that reconnects sends the
// last id it saw (the Last-Event-ID header, which EventSource sends by
// itself, or ?last_event_id=) and first gets the changes it missed, read
// from the history, up to maxReplay; beyond that it gets a "reset" event
// and should reload what it shows. Every stream starts with a "ready" event
// whose id is the newest seq, so that a client that has seen no change yet
// still resumes from the right place. A comment line every heartbeat keeps
// proxies from closing a quiet stream; at each heartbeat the stream also
// reads the history for changes the hub may have missed (a listener that
// lost its connection), so that none is lost for long.

// Stream settings.
const (
	// defaultHeartbeat is how often a quiet stream sends a comment.
	defaultHeartbeat = 15 * time.Second
	// maxReplay bounds the changes replayed to a reconnecting client.
	maxReplay = 1000
	// streamBuffer is how many changes a stream's subscription holds
	// while the client is slow.
	streamBuffer = 256
	// retryMillis is how long EventSource waits before reconnecting.
	retryMillis = 2000
	// feedTimeout bounds each history read of a stream.
	feedTimeout = 5 * time.Second
	// sentMemory is how far below the history mark a stream remembers
	// which seqs it forwarded (a change committed late with a lower seq
	// still arrives from the hub).
	sentMemory = 4 * maxReplay
)

// eventStreams lets the server end every open stream at shutdown. Its zero
// value is ready to use.
type eventStreams struct {
	once      sync.Once
	closeOnce sync.Once
	stop      chan struct{}
}

func (e *eventStreams) done() <-chan struct{} {
	e.once.Do(func() { e.stop = make(chan struct{}) })
	return e.stop
}

func (e *eventStreams) close() {
	e.done()
	e.closeOnce.Do(func() { close(e.stop) })
}

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
// client goes away or the server shuts down.
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
	// Subscribe before reading the history, so that no change falls
	// between the two.
	sub, unsubscribe := s.cfg.Changes.Subscribe(streamBuffer)
	defer func() { unsubscribe() }()
	latest, err := feed.LatestChange(ctx)
	if err != nil {
		return err
	}

	// A stream outlives the server's read and write timeouts.
	rc := http.NewResponseController(c.Response())
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	c.Response().WriteHeader(http.StatusOK)
	st := &stream{w: c.Response(), feed: feed, sent: map[int64]bool{}, mark: latest}
	if err := st.start(ctx, after, resume, latest); err != nil {
		return nil // the client is gone
	}

	heartbeat := s.cfg.EventsHeartbeat
	if heartbeat <= 0 {
		heartbeat = defaultHeartbeat
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.events.done():
			return nil
		case ch, ok := <-sub:
			if !ok {
				// Fell behind: subscribe again and read what was missed
				// from the history.
				unsubscribe()
				sub, unsubscribe = s.cfg.Changes.Subscribe(streamBuffer)
				err = st.catchUp(ctx, maxReplay)
			} else {
				err = st.live(ctx, ch)
			}
		case <-tick.C:
			if _, err = io.WriteString(st.w, ": heartbeat\n\n"); err == nil {
				err = st.catchUp(ctx, maxReplay)
			}
		}
		if err != nil {
			if !errors.As(err, new(feedError)) {
				return nil // the client is gone
			}
			s.log.Debug("event stream could not read the history", "err", err)
		}
		st.flush()
	}
}

// start opens the stream: the retry delay, the changes a reconnecting
// client missed (or a reset when they cannot be replayed), then "ready".
func (st *stream) start(ctx context.Context, after int64, resume bool, latest int64) error {
	if _, err := fmt.Fprintf(st.w, "retry: %d\n\n", retryMillis); err != nil {
		return err
	}
	var err error
	switch {
	case resume && after > latest:
		// An id from before the database was recreated: start afresh.
		err = st.event(latest, "reset", map[string]any{"seq": latest, "reason": "The last event id is newer than the newest change; reload the map's data."})
	case resume:
		st.mark = after
		err = st.catchUp(ctx, maxReplay)
	}
	if err != nil && !errors.As(err, new(feedError)) {
		return err
	}
	ready := max(st.mark, latest)
	if err := st.event(ready, "ready", map[string]int64{"seq": ready}); err != nil {
		return err
	}
	st.flush()
	return nil
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

// feedError is a failure to read the history, which a stream survives.
type feedError struct{ err error }

func (e feedError) Error() string { return "read the change history: " + e.err.Error() }
func (e feedError) Unwrap() error { return e.err }

// stream is one client's event stream.
type stream struct {
	w    *echo.Response
	feed geo.ChangeFeed
	// mark is the seq up to which the history has been forwarded; sent
	// holds the seqs forwarded lately, live or from the history, so that
	// none is sent twice.
	mark int64
	sent map[int64]bool
}

// live forwards a change announced on the hub, with a car park's spaces
// read from its history row.
func (st *stream) live(ctx context.Context, c geo.Change) error {
	rec := geo.ChangeRecord{Change: c}
	if c.Layer == "parking" && c.Op != "delete" {
		qctx, cancel := context.WithTimeout(ctx, feedTimeout)
		recs, err := st.feed.ChangesSince(qctx, c.Seq-1, 1)
		cancel()
		if err == nil && len(recs) == 1 && recs[0].Seq == c.Seq {
			rec = recs[0]
		}
	}
	return st.forward(rec)
}

// catchUp forwards the changes in the history after mark that were not
// forwarded yet. When more than limit are missing it sends a "reset" event
// instead and carries on from the newest change.
func (st *stream) catchUp(ctx context.Context, limit int) error {
	qctx, cancel := context.WithTimeout(ctx, feedTimeout)
	defer cancel()
	recs, err := st.feed.ChangesSince(qctx, st.mark, limit+1)
	if err != nil {
		return feedError{err}
	}
	if len(recs) > limit {
		latest, err := st.feed.LatestChange(qctx)
		if err != nil {
			return feedError{err}
		}
		st.mark, st.sent = latest, map[int64]bool{}
		return st.event(latest, "reset", map[string]any{
			"seq":    latest,
			"reason": fmt.Sprintf("More than %d changes were missed; reload the map's data.", limit),
		})
	}
	for _, r := range recs {
		if err := st.forward(r); err != nil {
			return err
		}
		st.mark = r.Seq
	}
	for seq := range st.sent {
		if seq < st.mark-sentMemory {
			delete(st.sent, seq)
		}
	}
	return nil
}

// forward writes a change event, and a parking event for a car park's
// spaces, unless the change was forwarded already.
func (st *stream) forward(r geo.ChangeRecord) error {
	if st.sent[r.Seq] {
		return nil
	}
	data := changeEventJSON{Change: r.Change}
	if b := r.BBox; b != (orb.Bound{}) {
		data.BBox = []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}
	}
	if err := st.event(r.Seq, "change", data); err != nil {
		return err
	}
	if r.Layer == "parking" && r.Free != nil && r.Capacity != nil {
		if err := st.event(r.Seq, "parking", parkingEventJSON{ID: r.ID, Free: *r.Free, Capacity: *r.Capacity}); err != nil {
			return err
		}
	}
	st.sent[r.Seq] = true
	return nil
}

// event writes one event.
func (st *stream) event(id int64, name string, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(st.w, "id: %d\nevent: %s\ndata: %s\n\n", id, name, b)
	return err
}

func (st *stream) flush() { st.w.Flush() }
