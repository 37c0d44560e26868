package postgis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"

	"partymap/internal/geo"
)

// The activities column's reads and the shared venues' bookings
// (migrations/060). An activity is written like any feature, through the
// editor; its trigger holds its venue's slots. A booking a staff member
// asks for is written here. Either way, the exclusion constraint
// bookings_no_overlap decides which of two overlapping confirmations wins,
// and the loser is told which slot is taken.

// bookingsNoOverlap is the exclusion constraint over confirmed bookings.
const bookingsNoOverlap = "bookings_no_overlap"

// venueLayer and organizationLayer are the layers bookings refer to.
const (
	venueLayer        = "posts"
	organizationLayer = "organizations"
)

// venueLockSQL takes the transaction's lock of a venue ($1), which the
// activities' trigger takes too (migrations/060): the key space of two
// integers, apart from the store's other advisory locks.
const venueLockSQL = `SELECT pg_advisory_xact_lock(60, ($1::bigint % 2147483647)::int)`

// slotTakenDetail reads the DETAIL of the activities trigger's refusal: a
// JSON object naming the wanted slot and the booking that holds it.
func slotTakenDetail(detail string) (geo.SlotTaken, bool) {
	var d struct {
		Venue      int64     `json:"venue_id"`
		Booking    int64     `json:"booking"`
		Activity   *int64    `json:"activity_id"`
		TakenFrom  time.Time `json:"taken_from"`
		TakenTo    time.Time `json:"taken_to"`
		WantedFrom time.Time `json:"wanted_from"`
		WantedTo   time.Time `json:"wanted_to"`
	}
	if err := json.Unmarshal([]byte(detail), &d); err != nil || d.Booking == 0 {
		return geo.SlotTaken{}, false
	}
	t := geo.SlotTaken{Venue: d.Venue, Booking: d.Booking,
		Wanted: geo.Busy{Start: d.WantedFrom, End: d.WantedTo}, Taken: geo.Busy{Start: d.TakenFrom, End: d.TakenTo}}
	if d.Activity != nil {
		t.Activity = *d.Activity
	}
	return t, true
}

// Occurrences lists the activities' occurrences that overlap [q.From,
// q.To), earliest first, expanded by partymap_occurrences (the one
// reading of a rule, which the bookings use too).
func (db *DB) Occurrences(ctx context.Context, q geo.ActivityQuery) ([]geo.Occurrence, error) {
	l, ok := db.cat.Layer(geo.ActivityLayer)
	if !ok {
		return nil, geo.Errorf(geo.ENOTFOUND, "This map has no activities.")
	}
	limit := q.Limit
	if limit <= 0 || limit > geo.MaxOccurrences {
		limit = geo.MaxOccurrences
	}
	// starts_at sorts as text: nothing that starts after the range can
	// occur in it.
	first := ""
	if q.FirstOnly {
		first = "DISTINCT ON (a.id)"
	}
	sql := fmt.Sprintf(`SELECT * FROM (SELECT %[1]s %[2]s, lower(o.during) AS occ_from, upper(o.during) AS occ_to,
			coalesce(a.place_zh, v.name_zh, ''), coalesce(a.place_en, v.name_en, '')
		FROM %[3]s a CROSS JOIN LATERAL partymap_occurrences(a.starts_at, a.ends_at, a.repeat) o
		LEFT JOIN %[4]s v ON v.id = a.venue_id
		WHERE a.starts_at < $2 AND o.during && tstzrange($1, $3)
		  AND ($4 = 0 OR a.venue_id = $4) AND ($5 = 0 OR a.organizer_id = $5) AND ($6 = '' OR a.%[5]s = $6)
		  AND (NOT $7 OR a.audience = 'public') AND ($8 OR a.status = 'planned') AND ($10 = 0 OR a.id = $10)
		ORDER BY a.id, lower(o.during)) s
		ORDER BY occ_from, id LIMIT $9`, first, qualified(db.sql.layer(l.Name).cols, "a"), ident(l.Name), ident(venueLayer), ident(geo.CommunityField))
	rows, err := db.pool.Query(ctx, sql, q.From, geo.FormatTime(q.To), q.To, q.Venue, q.Organizer, q.Community, q.PublicOnly, q.WithCanceled, limit, q.ID)
	if err != nil {
		return nil, storeError(err)
	}
	defer rows.Close()
	var out []geo.Occurrence
	for rows.Next() {
		r := newRow(l)
		var o geo.Occurrence
		if err := rows.Scan(append(r.targets(), &o.Start, &o.End, &o.Place.Zh, &o.Place.En)...); err != nil {
			return nil, storeError(err)
		}
		f, err := r.feature(l)
		if err != nil {
			return nil, err
		}
		o.Activity = f
		out = append(out, o)
	}
	return out, storeError(rows.Err())
}

// qualified puts the alias in front of each column of a select list
// (layerSQL.cols: "id", "ST_AsBinary(geom)", …), for a query that joins
// other tables with columns of the same names.
func qualified(cols []string, alias string) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		if inner, ok := strings.CutPrefix(c, "ST_AsBinary("); ok {
			out[i] = "ST_AsBinary(" + alias + "." + inner
			continue
		}
		out[i] = alias + "." + c
	}
	return strings.Join(out, ", ")
}

// venueRow is what a booking needs of its venue or organization: its kind,
// grid and community, and where it stands.
type venueRow struct {
	kind              string
	grid, community   *string
	at                orb.Point
	nameZh, nameEn    string
	exists, shareable bool
}

func (v venueRow) cover() geo.Cover {
	var c geo.Cover
	if v.grid != nil {
		c.Grids = []string{*v.grid}
	}
	if v.community != nil {
		c.Communities = []string{*v.community}
	}
	return c
}

// readPlace reads the row of a venue (posts) or an organization.
func readPlace(ctx context.Context, q querier, layer string, id int64) (venueRow, error) {
	var v venueRow
	err := q.QueryRow(ctx, fmt.Sprintf(`SELECT kind, grid_code, community, ST_X(geom), ST_Y(geom), name_zh, name_en FROM %s WHERE id = $1`, ident(layer)), id).
		Scan(&v.kind, &v.grid, &v.community, &v.at[0], &v.at[1], &v.nameZh, &v.nameEn)
	if errors.Is(err, pgx.ErrNoRows) {
		return v, nil
	}
	if err != nil {
		return v, err
	}
	v.exists = true
	v.shareable = layer == venueLayer && slices.Contains(geo.VenueKinds(), v.kind)
	return v, nil
}

// noVenue is the answer about an id that names no shared venue, with the
// code given: 404 when the address names it, 422 when a request's body
// does.
func noVenue(id int64, v venueRow, missing string) error {
	if v.exists {
		return geo.Say(missing, geo.Label{
			Zh: fmt.Sprintf("venue_id：服务站点 %d“%s”不是共享场馆（共享活动室或文化空间），不能预约。", id, v.nameZh),
			En: fmt.Sprintf("venue_id: post %d (%s) is not a shared venue (an activity room or a cultural space) and cannot be booked.", id, v.nameEn)})
	}
	return geo.Say(missing, geo.Label{
		Zh: fmt.Sprintf("venue_id：没有编号为 %d 的共享场馆。", id),
		En: fmt.Sprintf("venue_id: there is no shared venue %d; venues are the posts of kind activity_room and cultural_space.", id)})
}

// Venue returns the shared venue with that id.
func (db *DB) Venue(ctx context.Context, id int64) (geo.Feature, error) {
	f, err := db.FindFeature(ctx, venueLayer, id)
	if geo.ErrorCode(err) == geo.ENOTFOUND {
		return geo.Feature{}, noVenue(id, venueRow{}, geo.ENOTFOUND)
	}
	if err != nil {
		return geo.Feature{}, err
	}
	if k, _ := f.Properties["kind"].(string); !slices.Contains(geo.VenueKinds(), k) {
		name, _ := f.Properties["name_en"].(string)
		nameZh, _ := f.Properties["name_zh"].(string)
		return geo.Feature{}, noVenue(id, venueRow{exists: true, nameEn: name, nameZh: nameZh}, geo.ENOTFOUND)
	}
	return f, nil
}

// VenueBusy lists when a shared venue is taken between from and to:
// its confirmed bookings, cut to the range and merged where they overlap
// or touch (range_agg).
func (db *DB) VenueBusy(ctx context.Context, venue int64, from, to time.Time) ([]geo.Busy, error) {
	if _, err := db.Venue(ctx, venue); err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `SELECT lower(r), upper(r) FROM (
		SELECT unnest(range_agg(during * tstzrange($2, $3))) AS r FROM bookings
		WHERE venue_id = $1 AND status = 'confirmed' AND during && tstzrange($2, $3)) s ORDER BY lower(r)`, venue, from, to)
	if err != nil {
		return nil, storeError(err)
	}
	defer rows.Close()
	out := []geo.Busy{}
	for rows.Next() {
		var b geo.Busy
		if err := rows.Scan(&b.Start, &b.End); err != nil {
			return nil, storeError(err)
		}
		out = append(out, b)
	}
	return out, storeError(rows.Err())
}

// bookingColumns is the select list scanBooking reads.
const bookingColumns = `id, venue_id, organization_id, lower(during), upper(during), status, coalesce(activity_id, 0),
	purpose, requested_by, requested_at, coalesce(decided_by, ''), decided_at`

func scanBooking(r pgx.Row) (geo.Booking, error) {
	var b geo.Booking
	var status string
	err := r.Scan(&b.ID, &b.Venue, &b.Organization, &b.Start, &b.End, &status, &b.Activity,
		&b.Purpose, &b.RequestedBy, &b.RequestedAt, &b.DecidedBy, &b.DecidedAt)
	b.Status = geo.BookingStatus(status)
	return b, err
}

// mayStaff refuses an account that may not write at all (disabled, no
// staff role): a booking is staff work, like an edit.
func mayStaff(u geo.User) error {
	venues := geo.Layer{Name: venueLayer, Editable: true}
	return u.MayWrite(venues)
}

// RequestBooking records the actor's request for a slot at a shared
// venue, for an organization whose grid the actor looks after. A slot a
// confirmed booking already holds is refused at once (ETAKEN); two
// requests for one slot may both wait, and the keeper confirms one.
func (db *DB) RequestBooking(ctx context.Context, r geo.BookingRequest, actor geo.User) (geo.Booking, error) {
	if err := mayStaff(actor); err != nil {
		return geo.Booking{}, err
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return geo.Booking{}, storeError(err)
	}
	defer rollback(ctx, tx)
	venue, err := readPlace(ctx, tx, venueLayer, r.Venue)
	if err != nil {
		return geo.Booking{}, storeError(err)
	}
	if !venue.shareable {
		return geo.Booking{}, noVenue(r.Venue, venue, geo.EUNPROCESSABLE)
	}
	org, err := readPlace(ctx, tx, organizationLayer, r.Organization)
	if err != nil {
		return geo.Booking{}, storeError(err)
	}
	if !org.exists {
		return geo.Booking{}, geo.Say(geo.EUNPROCESSABLE, geo.Label{
			Zh: fmt.Sprintf("organization_id：没有编号为 %d 的党组织。", r.Organization),
			En: fmt.Sprintf("organization_id: there is no party organization %d.", r.Organization)})
	}
	what := geo.Label{Zh: "党组织“" + org.nameZh + "”", En: "the party organization " + org.nameEn}
	if err := actor.MayPlace(what, org.at, org.cover()); err != nil {
		return geo.Booking{}, &geo.Error{Code: geo.EFORBIDDEN, Err: err,
			Message:   geo.ErrorMessage(err) + " Staff book for the organizations of their own grids.",
			MessageZh: fmt.Sprintf("你不负责%s所在的网格；只能为自己网格的党组织预约场馆。", what.Zh)}
	}
	if t, ok, err := takenBy(ctx, tx, r.Venue, geo.Busy{Start: r.Start, End: r.End}); err != nil || ok {
		if err != nil {
			return geo.Booking{}, storeError(err)
		}
		return geo.Booking{}, geo.TakenError(t)
	}
	b, err := scanBooking(tx.QueryRow(ctx, `INSERT INTO bookings (venue_id, organization_id, during, purpose, requested_by)
		VALUES ($1, $2, tstzrange($3, $4), $5, $6) RETURNING `+bookingColumns, r.Venue, r.Organization, r.Start, r.End, r.Purpose, actor.Name))
	if err != nil {
		return geo.Booking{}, storeError(err)
	}
	if err := tx.Commit(ctx); err != nil {
		return geo.Booking{}, storeError(err)
	}
	return b, nil
}

// takenBy finds the first confirmed booking of the venue that overlaps the
// slot.
func takenBy(ctx context.Context, q querier, venue int64, slot geo.Busy) (geo.SlotTaken, bool, error) {
	t := geo.SlotTaken{Venue: venue, Wanted: slot}
	err := q.QueryRow(ctx, `SELECT id, coalesce(activity_id, 0), lower(during), upper(during) FROM bookings
		WHERE venue_id = $1 AND status = 'confirmed' AND during && tstzrange($2, $3) ORDER BY lower(during) LIMIT 1`,
		venue, slot.Start, slot.End).Scan(&t.Booking, &t.Activity, &t.Taken.Start, &t.Taken.End)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, false, nil
	}
	return t, err == nil, err
}

// DecideBooking confirms or declines a requested booking, for the venue's
// keeper. The confirmation is the exclusion constraint's to allow: of
// several overlapping requests confirmed at the same moment exactly one
// commits, and the others are told which booking holds the slot.
func (db *DB) DecideBooking(ctx context.Context, id int64, confirm bool, actor geo.User) (geo.Booking, error) {
	if err := mayStaff(actor); err != nil {
		return geo.Booking{}, err
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return geo.Booking{}, storeError(err)
	}
	defer rollback(ctx, tx)
	b, err := scanBooking(tx.QueryRow(ctx, `SELECT `+bookingColumns+` FROM bookings WHERE id = $1 FOR UPDATE`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return geo.Booking{}, geo.Errorf(geo.ENOTFOUND, "There is no booking %d.", id)
	}
	if err != nil {
		return geo.Booking{}, storeError(err)
	}
	if err := db.mayKeep(ctx, tx, b.Venue, actor); err != nil {
		return geo.Booking{}, err
	}
	// Confirmations of one venue queue here: two that collide inside the
	// exclusion constraint's check would each wait for the other's row,
	// and one would be cut off as a deadlock after a second. The
	// constraint still decides; the queue only makes the loser's answer
	// the slot that is taken, at once.
	if _, err := tx.Exec(ctx, venueLockSQL, b.Venue); err != nil {
		return geo.Booking{}, storeError(err)
	}
	if b.Status != geo.BookingRequested {
		return geo.Booking{}, geo.Say(geo.ESUPERSEDED, geo.Label{
			Zh: fmt.Sprintf("预约 %d 已经是“%s”状态，不能再确认或拒绝。", id, b.Status),
			En: fmt.Sprintf("Booking %d is %s already; only a requested booking can be confirmed or declined.", id, b.Status)})
	}
	status := geo.BookingDeclined
	if confirm {
		status = geo.BookingConfirmed
	}
	decided, err := scanBooking(tx.QueryRow(ctx, `UPDATE bookings SET status = $2, decided_by = $3, decided_at = now() WHERE id = $1 RETURNING `+bookingColumns,
		id, string(status), actor.Name))
	if err == nil {
		err = tx.Commit(ctx)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23P01" {
		rollback(ctx, tx)
		t, ok, terr := takenBy(ctx, db.pool, b.Venue, geo.Busy{Start: b.Start, End: b.End})
		if terr == nil && ok {
			return geo.Booking{}, geo.TakenError(t)
		}
		return geo.Booking{}, geo.WrapError(geo.EUNAVAILABLE, err, "Another booking of this venue was being confirmed at the same moment; please try again.")
	}
	if err != nil {
		return geo.Booking{}, storeError(err)
	}
	return decided, nil
}

// mayKeep refuses anyone but the venue's keeper: an administrator of its
// community (or of the city), or staff of its grid.
func (db *DB) mayKeep(ctx context.Context, q querier, venue int64, actor geo.User) error {
	v, err := readPlace(ctx, q, venueLayer, venue)
	if err != nil {
		return storeError(err)
	}
	what := geo.Label{Zh: "场馆“" + v.nameZh + "”", En: "the venue " + v.nameEn}
	if err := actor.MayPlace(what, v.at, v.cover()); err != nil {
		return &geo.Error{Code: geo.EFORBIDDEN, Err: err,
			Message:   geo.ErrorMessage(err) + " A venue's bookings are decided by its keeper: an administrator, or staff of its grid.",
			MessageZh: fmt.Sprintf("%s的预约由管理员或其所在网格的工作人员决定。", what.Zh)}
	}
	return nil
}

// Bookings lists a venue's bookings that overlap [from, to): all of them
// for its keeper, the actor's own requests for anyone else.
func (db *DB) Bookings(ctx context.Context, venue int64, from, to time.Time, actor geo.User) ([]geo.Booking, error) {
	if err := mayStaff(actor); err != nil {
		return nil, err
	}
	if _, err := db.Venue(ctx, venue); err != nil {
		return nil, err
	}
	mine := ""
	if db.mayKeep(ctx, db.pool, venue, actor) != nil {
		mine = actor.Name
	}
	rows, err := db.pool.Query(ctx, `SELECT `+bookingColumns+` FROM bookings
		WHERE venue_id = $1 AND during && tstzrange($2, $3) AND ($4 = '' OR requested_by = $4) ORDER BY lower(during), id`, venue, from, to, mine)
	if err != nil {
		return nil, storeError(err)
	}
	defer rows.Close()
	out := []geo.Booking{}
	for rows.Next() {
		b, err := scanBooking(rows)
		if err != nil {
			return nil, storeError(err)
		}
		out = append(out, b)
	}
	return out, storeError(rows.Err())
}
