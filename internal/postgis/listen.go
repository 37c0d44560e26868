package postgis

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"

	"partymap/internal/geo"
)

// changeChannel is the NOTIFY channel the layer triggers announce on.
const changeChannel = "partymap_change"

// ChangeSink receives the database's change announcements.
type ChangeSink interface {
	// Publish is called once for every committed change, in commit order.
	Publish(geo.Change)
	// Reset is called when changes may have been missed: after the
	// listening connection was lost and found again.
	Reset()
}

// Listen holds its own connection, LISTENs for committed changes and hands
// each to sink until ctx ends. When the connection is lost it reconnects
// with backoff and calls sink.Reset, since announcements made meanwhile are
// gone. ready, if not nil, is closed once the first LISTEN is in place.
func (db *DB) Listen(ctx context.Context, sink ChangeSink, ready chan<- struct{}) {
	backoff := 100 * time.Millisecond
	first := true
	for ctx.Err() == nil {
		err := db.listenOnce(ctx, sink, func() {
			backoff = 100 * time.Millisecond
			if first {
				first = false
				if ready != nil {
					close(ready)
				}
				return
			}
			db.resetReplicas(ctx, db.pool)
			sink.Reset()
		})
		if ctx.Err() != nil {
			return
		}
		db.log.Warn("change listener lost its connection; reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

func (db *DB) listenOnce(ctx context.Context, sink ChangeSink, listening func()) error {
	cfg, err := pgx.ParseConfig(db.connStr)
	if err != nil {
		return err
	}
	cfg.ConnectTimeout = 3 * time.Second
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+changeChannel); err != nil {
		return err
	}
	listening()
	for {
		// Wake up now and then to notice a dead connection.
		waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		n, err := conn.WaitForNotification(waitCtx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if waitCtx.Err() != nil {
				if err := conn.Ping(ctx); err != nil {
					return err
				}
				continue
			}
			return err
		}
		if err := db.deliver(ctx, conn, n, sink); err != nil {
			return err
		}
	}
}

// deliver hands a notification to the sink with those already received
// behind it, each with the log position read once they were all in: at or
// after their commits (replicas.go), remembered for the replicas before
// any cache hears of them.
func (db *DB) deliver(ctx context.Context, conn *pgx.Conn, first *pgconn.Notification, sink ChangeSink) error {
	batch := []*pgconn.Notification{first}
	done, cancel := context.WithCancel(ctx)
	cancel()
	for {
		// Only those received already: a done context waits for none.
		n, err := conn.WaitForNotification(done)
		if err != nil || n == nil {
			break
		}
		batch = append(batch, n)
	}
	var lsn uint64
	if db.replicas != nil {
		var err error
		if lsn, err = insertLSN(ctx, conn); err != nil {
			return err
		}
	}
	for _, n := range batch {
		c, err := parseChange(db.cat, n.Payload)
		if err != nil {
			db.log.Error("unreadable change announcement", "payload", n.Payload, "err", err)
			db.resetReplicas(ctx, conn)
			sink.Reset()
			continue
		}
		c.LSN = lsn
		db.remember(lsn, c.Layer, [4]float64{c.BBox.Min[0], c.BBox.Min[1], c.BBox.Max[0], c.BBox.Max[1]})
		if c.BBox == (orb.Bound{}) {
			// An area unknown: every read must wait for it.
			db.resetReplicas(ctx, conn)
		}
		sink.Publish(c)
	}
	return nil
}

// resetReplicas makes every read wait for the log as it is now: changes
// may have been missed, or their area is unknown.
func (db *DB) resetReplicas(ctx context.Context, q querier) {
	if db.replicas == nil {
		return
	}
	lsn, err := insertLSN(ctx, q)
	if err != nil {
		// No position to wait for: until the monitor's next check, no
		// replica serves.
		for _, r := range db.replicas.replicas {
			r.inRotation.Store(false)
		}
		return
	}
	db.replicas.fresh.raise(lsn)
}

// parseChange reads an announcement of partymap_track: the change, the
// area it touched and the values its trigger carries (a car park's free and
// capacity, migration 006); or of a proposal (migration 010), or of a
// venue's booking (migration 060).
func parseChange(cat *geo.Catalogue, payload string) (geo.Change, error) {
	var raw struct {
		geo.Change
		BBox   [4]*float64 `json:"bbox"`
		Values struct {
			Free     *int64 `json:"free"`
			Capacity *int64 `json:"capacity"`
			// Status is an order's (migration 050): whether it is public.
			Status *string `json:"status"`
		} `json:"values"`
		Proposal *geo.ProposalNotice `json:"proposal"`
		Booking  *geo.BookingNotice  `json:"booking"`
	}
	if err := json.Unmarshal([]byte(payload), &raw); err != nil {
		return geo.Change{}, err
	}
	if raw.Proposal != nil {
		return geo.Change{Proposal: raw.Proposal}, nil
	}
	if raw.Booking != nil {
		return geo.Change{Booking: raw.Booking}, nil
	}
	c := raw.Change
	if b := raw.BBox; b[0] != nil && b[1] != nil && b[2] != nil && b[3] != nil {
		c.BBox = orb.Bound{Min: orb.Point{*b[0], *b[1]}, Max: orb.Point{*b[2], *b[3]}}
	}
	if c.Layer == "parking" && c.Op != "delete" {
		c.Free, c.Capacity = raw.Values.Free, raw.Values.Capacity
	}
	if l, ok := cat.Layer(c.Layer); ok && l.Public != nil {
		// Its trigger carries the field the layer's visibility reads.
		var v any
		if raw.Values.Status != nil {
			v = *raw.Values.Status
		}
		c.Hidden = c.Op == "delete" || !l.Public.Shows(map[string]any{l.Public.Field: v})
	}
	return c, nil
}
