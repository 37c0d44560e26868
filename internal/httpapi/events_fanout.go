package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"partymap/internal/changes"
	"partymap/internal/geo"
)

// fanoutBuffer is how many announced changes the fan-out's subscription to
// the hub holds; it only encodes and hands out bytes, so it rarely holds
// more than one. Should it fall behind, it catches up from the history.
const fanoutBuffer = 1024

// sentMemory is how far below the history mark the fan-out remembers which
// seqs it forwarded (a change committed late with a lower seq still arrives
// from the hub).
const sentMemory = 4 * maxReplay

// errTooManyStreams marks the refusal of a stream beyond a cap.
var errTooManyStreams = errors.New("too many event streams")

// heartbeatMessage is the comment that keeps a quiet stream open.
var heartbeatMessage = message{data: []byte(": heartbeat\n\n")}

// message is what the fan-out hands to every stream: encoded events, the
// same bytes for all, and the seq of the change they carry (0 for none).
type message struct {
	seq  int64
	data []byte
}

// fanoutSettings are what the fan-out needs from the server.
type fanoutSettings struct {
	feed      geo.ChangeFeed
	hub       *changes.Hub
	log       *slog.Logger
	heartbeat time.Duration
	// max and perClient cap the streams in all and per client address.
	max, perClient int
}

// stream is one client's place in the fan-out.
type stream struct {
	out    chan message
	client string
	// closed is set, and out closed, when the stream fell behind.
	closed bool
}

// eventStreams are a server's open event streams and the one fan-out that
// feeds them. Its zero value is ready to use.
type eventStreams struct {
	once      sync.Once
	closeOnce sync.Once
	stop      chan struct{}

	mu        sync.Mutex
	streams   map[*stream]struct{}
	perClient map[string]int
	// latest is the newest seq handed out: a new stream's "ready" id.
	latest int64
	// cur is the running fan-out; nil while no stream is open. starting,
	// while not nil, is closed once a stream has started one.
	cur      *fanout
	starting chan struct{}
}

// fanout is one run of the goroutine that feeds the streams, from the first
// stream until the last one leaves. Only that goroutine touches mark and
// sent.
type fanout struct {
	quit chan struct{}
	// mark is the seq up to which the history has been forwarded; sent
	// holds the seqs forwarded lately, live or from the history, so that
	// none is sent twice.
	mark int64
	sent map[int64]bool
}

func (e *eventStreams) done() <-chan struct{} {
	e.once.Do(func() { e.stop = make(chan struct{}) })
	return e.stop
}

func (e *eventStreams) close() {
	e.done()
	e.closeOnce.Do(func() { close(e.stop) })
}

// join adds a stream for a client address, starting the fan-out when it is
// the first, and returns it with the newest seq. Beyond a cap it answers
// EUNAVAILABLE caused by errTooManyStreams.
func (e *eventStreams) join(ctx context.Context, set fanoutSettings, client string) (*stream, int64, error) {
	e.mu.Lock()
	if e.streams == nil {
		e.streams, e.perClient = map[*stream]struct{}{}, map[string]int{}
	}
	switch {
	case len(e.streams) >= set.max:
		e.mu.Unlock()
		return nil, 0, geo.WrapError(geo.EUNAVAILABLE, errTooManyStreams,
			"The map is streaming live changes to %d pages already, as many as it can; the page will try again by itself, or reload it in a minute.", set.max)
	case e.perClient[client] >= set.perClient:
		e.mu.Unlock()
		return nil, 0, geo.WrapError(geo.EUNAVAILABLE, errTooManyStreams,
			"Your address already has %d pages following the map's live changes, the most one address may; close one of them, then reload this page.", set.perClient)
	}
	st := &stream{out: make(chan message, streamBuffer), client: client}
	e.streams[st] = struct{}{}
	e.perClient[client]++
	for e.cur == nil {
		if wait := e.starting; wait != nil {
			// Another stream is starting the fan-out: wait for it.
			e.mu.Unlock()
			select {
			case <-wait:
			case <-ctx.Done():
				e.leave(st)
				return nil, 0, ctx.Err()
			}
			e.mu.Lock()
			continue
		}
		// Subscribe before reading the newest seq, so that no change
		// falls between the two. The read runs unlocked: the streams
		// already open keep being fed meanwhile.
		started := make(chan struct{})
		e.starting = started
		e.mu.Unlock()
		sub, unsubscribe := set.hub.Subscribe(fanoutBuffer)
		qctx, cancel := context.WithTimeout(ctx, feedTimeout)
		latest, err := set.feed.LatestChange(qctx)
		cancel()
		e.mu.Lock()
		e.starting = nil
		close(started)
		if err != nil {
			unsubscribe()
			e.mu.Unlock()
			e.leave(st)
			return nil, 0, err
		}
		f := &fanout{quit: make(chan struct{}), mark: latest, sent: map[int64]bool{}}
		e.cur, e.latest = f, latest
		go e.run(f, set, sub, unsubscribe)
	}
	latest := e.latest
	e.mu.Unlock()
	return st, latest, nil
}

// leave removes a stream, stopping the fan-out when it was the last.
func (e *eventStreams) leave(st *stream) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.streams[st]; !ok {
		return
	}
	delete(e.streams, st)
	if e.perClient[st.client]--; e.perClient[st.client] <= 0 {
		delete(e.perClient, st.client)
	}
	if len(e.streams) == 0 && e.cur != nil {
		close(e.cur.quit)
		e.cur = nil
	}
}

// run feeds the streams: every change the hub announces, a heartbeat, and
// at each heartbeat the changes the hub missed, read from the history once
// for all streams.
func (e *eventStreams) run(f *fanout, set fanoutSettings, sub <-chan geo.Change, unsubscribe func()) {
	defer func() { unsubscribe() }()
	tick := time.NewTicker(set.heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-f.quit:
			return
		case c, ok := <-sub:
			if !ok {
				// Fell behind the hub: subscribe again and read what was
				// missed from the history.
				sub, unsubscribe = set.hub.Subscribe(fanoutBuffer)
				e.catchUp(f, set)
				continue
			}
			e.forward(f, c)
		case <-tick.C:
			e.broadcast(f, heartbeatMessage, 0)
			e.catchUp(f, set)
		}
	}
}

// forward hands a change to every stream unless it was forwarded already.
// A proposal's notice has no seq (it is not in the history, and is not
// replayed): it goes out as it comes, without an id, so that a client's
// Last-Event-ID stays the last change it saw.
func (e *eventStreams) forward(f *fanout, c geo.Change) {
	if c.Proposal != nil {
		e.broadcast(f, message{data: proposalBytes(*c.Proposal)}, 0)
		return
	}
	if c.Booking != nil {
		e.broadcast(f, message{data: noticeBytes("booking", *c.Booking)}, 0)
		return
	}
	if f.sent[c.Seq] {
		return
	}
	f.sent[c.Seq] = true
	if c.Hidden {
		return
	}
	e.broadcast(f, message{seq: c.Seq, data: changeBytes(c)}, c.Seq)
}

// catchUp forwards the changes in the history after the mark that were not
// forwarded yet. When more than maxReplay are missing it sends a "reset"
// event instead and carries on from the newest change.
func (e *eventStreams) catchUp(f *fanout, set fanoutSettings) {
	ctx, cancel := context.WithTimeout(context.Background(), feedTimeout)
	defer cancel()
	recs, err := set.feed.ChangesSince(ctx, f.mark, maxReplay+1)
	if err != nil {
		set.log.Debug("event streams could not read the history", "err", err)
		return
	}
	if len(recs) > maxReplay {
		latest, err := set.feed.LatestChange(ctx)
		if err != nil {
			set.log.Debug("event streams could not read the history", "err", err)
			return
		}
		f.mark, f.sent = latest, map[int64]bool{}
		e.broadcast(f, message{data: eventBytes(nil, latest, "reset", map[string]any{
			"seq":    latest,
			"reason": fmt.Sprintf("More than %d changes were missed; reload the map's data.", maxReplay),
		})}, latest)
		return
	}
	for _, r := range recs {
		e.forward(f, r.Change)
		f.mark = r.Seq
	}
	for seq := range f.sent {
		if seq < f.mark-sentMemory {
			delete(f.sent, seq)
		}
	}
}

// broadcast hands m to every stream without waiting: a stream whose buffer
// is full is ended (its client reconnects and catches up). A fan-out that
// was stopped hands out nothing. seq, when above the newest, becomes it.
func (e *eventStreams) broadcast(f *fanout, m message, seq int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cur != f {
		return
	}
	e.latest = max(e.latest, seq)
	for st := range e.streams {
		if st.closed {
			continue
		}
		select {
		case st.out <- m:
		default:
			st.closed = true
			close(st.out)
		}
	}
}
