package postgis

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"partymap/internal/geo"
)

// Before a batch writes anything, inside its transaction: checkVersions
// compares the versions the writer read with the locked rows, authorize asks
// whether the actor may write it, precheck whether PostGIS would take each
// feature on its own. A new rule about one feature that needs PostGIS
// goes into precheck; a rule that reads other rows into validate
// (topology.go); one that needs neither into the catalogue or
// Layer.CheckRules (see the list in internal/geo/rules.go).

// checkVersions compares each write's version with the locked row's.
func (ed *editor) checkVersions(ctx context.Context, ws []geo.Write) error {
	for _, w := range ws {
		f := w.Feature
		old, exists := ed.old[f.Layer][f.ID]
		switch w.Op {
		case geo.Insert:
			if f.ID > 0 && exists {
				return geo.Errorf(geo.ECONFLICT, "%s %d exists already (version %d); it was restored or created by someone else.", f.Layer, f.ID, old.Version)
			}
		case geo.Update, geo.Delete:
			if !exists {
				var seen bool
				if err := ed.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM history WHERE layer = $1 AND feature_id = $2)`, f.Layer, f.ID).Scan(&seen); err != nil {
					return err
				}
				if seen {
					return geo.ConflictError(f.Layer, f.ID, w.IfVersion, 0)
				}
				return geo.Errorf(geo.ENOTFOUND, "Layer %q has no feature with id %d.", f.Layer, f.ID)
			}
			if w.IfVersion != old.Version {
				return geo.ConflictWith(w.IfVersion, old)
			}
		default:
			return fmt.Errorf("unknown write operation %q", w.Op)
		}
	}
	return nil
}

// place is a position a write puts somewhere (a point's geometry, a
// position property), which a restricted editor must look after.
type place struct {
	what geo.Label
	at   orb.Point
}

// authorize refuses what the actor may not write: a base-map layer, a
// layer of the whole city for staff of some communities, or, for a user
// limited to some communities or grids, anything outside them. A grid is
// judged by its code (before and after), a shape by the grids and
// communities it lies in (before and after), a position (a point, a car
// park's entrance) by every grid and community that covers it, so that a
// point on an edge or corner shared with a grid outside the user's is
// refused. A grid's shape counts only for its community: its neighbours'
// codes are not its own.
func (ed *editor) authorize(ctx context.Context, ws []geo.Write) error {
	u := ed.o.Actor
	for _, w := range ws {
		l, _, err := ed.layer(w.Feature.Layer)
		if err != nil {
			return err
		}
		if ed.workflow && l.Workflow != "" {
			if err := u.MayWork(l); err != nil {
				return err
			}
			continue
		}
		if err := u.MayWrite(l); err != nil {
			return err
		}
	}
	if !u.Restricted() {
		return nil
	}
	var codes, communities []string
	var shapes, gridShapes [][]byte
	var places []place
	var organizers []organizerRef
	add := func(l geo.Layer, f geo.Feature, stored bool) error {
		label := l.FeatureLabel(f.ID, f.Properties)
		if l.ScopeBy != "" {
			// An activity is its organizer's grid's, wherever it takes
			// place: it is judged by the organization it names (before
			// and after), not by its position.
			if id, ok := f.Properties[l.ScopeBy].(int64); ok {
				fd, _ := l.Field(l.ScopeBy)
				organizers = append(organizers, organizerRef{what: label, layer: fd.Ref, id: id})
			}
			return nil
		}
		if c, ok := f.Properties[geo.CommunityField].(string); ok && stored {
			// The community a stored feature belongs to; a new one's is
			// the store's to derive, judged by its position below.
			communities = append(communities, c)
		}
		if l.Name == gridLayer {
			if c, ok := f.Properties[l.Key].(string); ok {
				codes = append(codes, c)
			}
			if f.Geometry != nil {
				b, err := geomParam(f.Geometry)
				if err != nil {
					return err
				}
				gridShapes = append(gridShapes, b)
			}
			return nil
		}
		for _, fd := range l.Fields {
			switch v := f.Properties[fd.Name].(type) {
			case string:
				// A grid the feature names (a compound's grid_code); a
				// derived one is the store's, not the writer's.
				if fd.Ref == gridLayer && !fd.Derived {
					codes = append(codes, v)
				}
			case orb.Point:
				title := fd.Title.Mid()
				places = append(places, place{what: geo.Label{Zh: label.Zh + "的" + title.Zh, En: "the " + title.En + " of " + label.En}, at: v})
			}
		}
		switch g := f.Geometry.(type) {
		case nil:
		case orb.Point:
			places = append(places, place{what: label, at: g})
		default:
			b, err := geomParam(g)
			if err != nil {
				return err
			}
			shapes = append(shapes, b)
		}
		return nil
	}
	for _, w := range ws {
		l, _, _ := ed.layer(w.Feature.Layer)
		if old, ok := ed.old[l.Name][w.Feature.ID]; ok {
			if err := add(l, old, true); err != nil {
				return err
			}
		}
		if w.Op != geo.Delete {
			if err := add(l, w.Feature, false); err != nil {
				return err
			}
		}
	}
	if len(shapes) > 0 || len(gridShapes) > 0 {
		var moreGrids, moreCommunities []string
		err := ed.tx.QueryRow(ctx, `SELECT
			(SELECT coalesce(array_agg(DISTINCT g.code), '{}') FROM unnest($1::bytea[]) w, grids g
				WHERE ST_Intersects(g.geom, ST_GeomFromWKB(w, 4326)) AND NOT ST_Touches(g.geom, ST_GeomFromWKB(w, 4326))),
			(SELECT coalesce(array_agg(DISTINCT c.code), '{}') FROM unnest($1::bytea[] || $2::bytea[]) w, communities c
				WHERE ST_Intersects(c.geom, ST_GeomFromWKB(w, 4326)) AND NOT ST_Touches(c.geom, ST_GeomFromWKB(w, 4326)))`,
			shapes, gridShapes).Scan(&moreGrids, &moreCommunities)
		if err != nil {
			return err
		}
		codes = append(codes, moreGrids...)
		communities = append(communities, moreCommunities...)
	}
	if err := ed.authorizeOrganizers(ctx, organizers); err != nil {
		return err
	}
	if err := u.MayEditCommunities(communities); err != nil {
		return err
	}
	codes = slices.DeleteFunc(codes, func(c string) bool { return slices.Contains(ed.grants, c) })
	if ed.proposing {
		for _, c := range codes {
			if !slices.Contains(ed.outside, c) && u.MayEditGrids([]string{c}) != nil {
				ed.outside = append(ed.outside, c)
			}
		}
		slices.Sort(ed.outside)
		return ed.authorizePlaces(ctx, places)
	}
	if err := u.MayEditGrids(codes); err != nil {
		// A grid's outline can be proposed to its neighbours instead.
		proposable := slices.ContainsFunc(ws, func(w geo.Write) bool { return w.Feature.Layer == gridLayer })
		return ed.outOfScope(ctx, codes, proposable, err)
	}
	return ed.authorizePlaces(ctx, places)
}

// organizerRef is an organization whose grid a feature is in the scope of
// (Layer.ScopeBy): what names it, and the organization's layer and id.
type organizerRef struct {
	what  geo.Label
	layer string
	id    int64
}

// authorizeOrganizers refuses, for a restricted user, a feature whose
// organizer lies outside the user's grids and communities, judged like a
// position of the organization's own (its grid, its community; one in no
// grid needs an editor of every grid). An organizer that does not exist is
// left to the reference check, which names it after the write.
func (ed *editor) authorizeOrganizers(ctx context.Context, refs []organizerRef) error {
	for _, r := range refs {
		var grid, community *string
		var x, y float64
		err := ed.tx.QueryRow(ctx, fmt.Sprintf(`SELECT grid_code, community, ST_X(geom), ST_Y(geom) FROM %s WHERE id = $1`, ident(r.layer)), r.id).
			Scan(&grid, &community, &x, &y)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return err
		}
		var cover geo.Cover
		if grid != nil {
			cover.Grids = []string{*grid}
		}
		if community != nil {
			cover.Communities = []string{*community}
		}
		what := geo.Label{Zh: fmt.Sprintf("%s的主办组织 %d", r.what.Zh, r.id), En: fmt.Sprintf("the organizer (%d) of %s", r.id, r.what.En)}
		if err := ed.o.Actor.MayPlace(what, orb.Point{x, y}, cover); err != nil {
			return &geo.Error{Code: geo.EFORBIDDEN, Err: err,
				Message:   geo.ErrorMessage(err) + " An activity is edited by staff of its organizer's grid, or by an administrator.",
				MessageZh: fmt.Sprintf("%s不在你负责的范围内；活动由主办组织所在网格的工作人员或管理员编辑。", what.Zh)}
		}
	}
	return nil
}

// authorizePlaces refuses a position unless the restricted user looks
// after every grid and community that covers it (ST_Covers: their edges
// and corners included), and at least one of each it is limited to.
func (ed *editor) authorizePlaces(ctx context.Context, places []place) error {
	if len(places) == 0 {
		return nil
	}
	xs := make([]float64, len(places))
	ys := make([]float64, len(places))
	for i, p := range places {
		xs[i], ys[i] = p.at[0], p.at[1]
	}
	rows, err := ed.tx.Query(ctx, `SELECT p.i - 1,
			(SELECT coalesce(array_agg(g.code ORDER BY g.code), '{}') FROM grids g WHERE ST_Covers(g.geom, ST_SetSRID(ST_MakePoint(p.x, p.y), 4326))),
			(SELECT coalesce(array_agg(c.code ORDER BY c.code), '{}') FROM communities c WHERE ST_Covers(c.geom, ST_SetSRID(ST_MakePoint(p.x, p.y), 4326)))
		FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS p (x, y, i)
		ORDER BY p.i`, xs, ys)
	if err != nil {
		return err
	}
	covering := make([]geo.Cover, len(places))
	for rows.Next() {
		var i int
		var c geo.Cover
		if err := rows.Scan(&i, &c.Grids, &c.Communities); err != nil {
			rows.Close()
			return err
		}
		covering[i] = c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for i, p := range places {
		if err := ed.o.Actor.MayPlace(p.what, p.at, covering[i]); err != nil {
			if len(covering[i].Grids) == 0 {
				return &geo.Error{Code: geo.EFORBIDDEN, Message: geo.ErrorMessage(err), Err: err,
					MessageZh: fmt.Sprintf("%s的位置不在任何网格内；只有负责全部网格的人员可以把它放在这里。", p.what.Zh)}
			}
			return ed.outOfScope(ctx, covering[i].Grids, false, err)
		}
	}
	return nil
}

// outOfScope turns the scope model's refusal of a write touching these
// grids (codes) into the answer staff read: the grids the actor does not
// look after, named as they name them, and the proposal as the next step.
func (ed *editor) outOfScope(ctx context.Context, codes []string, proposable bool, refusal error) error {
	var outside []string
	for _, c := range codes {
		if !slices.Contains(outside, c) && ed.o.Actor.MayEditGrids([]string{c}) != nil {
			outside = append(outside, c)
		}
	}
	slices.Sort(outside)
	grids, err := ed.gridRefs(ctx, outside)
	if err != nil {
		return err
	}
	if len(grids) == 0 {
		return refusal
	}
	return geo.OutOfScope(grids, proposable, refusal)
}

// gridRefs names the grids with these codes, in code order.
func (ed *editor) gridRefs(ctx context.Context, codes []string) ([]geo.FeatureRef, error) {
	grids, _ := ed.cat.Layer(gridLayer)
	rows, err := ed.tx.Query(ctx, `SELECT id, partymap_props(to_jsonb(g))::text FROM grids g WHERE code = ANY($1) ORDER BY code`, codes)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []geo.FeatureRef
	for rows.Next() {
		var id int64
		var props string
		if err := rows.Scan(&id, &props); err != nil {
			return nil, err
		}
		out = append(out, grids.Ref(id, scanJSON([]byte(props))))
	}
	return out, rows.Err()
}

// precheck finds what the database would refuse outright, or what breaks a
// rule of the feature alone: invalid shapes (with the reason and where), a
// key (a grid's code) used twice, a position property further from the
// feature than its field allows (a car park's entrance in Beijing).
func (ed *editor) precheck(ctx context.Context, ws []geo.Write) ([]geo.Violation, error) {
	var wkbs [][]byte
	var labels []geo.Label
	var vs []geo.Violation
	type reach struct {
		label geo.Label
		field geo.Field
		shape int // index into wkbs
		at    orb.Point
	}
	var reaches []reach
	for _, w := range ws {
		if w.Op == geo.Delete {
			continue
		}
		l, ls, err := ed.layer(w.Feature.Layer)
		if err != nil {
			return nil, err
		}
		b, err := geomParam(w.Feature.Geometry)
		if err != nil {
			return nil, geo.WrapError(geo.EUNPROCESSABLE, err, "The geometry of %s %d cannot be encoded.", l.Name, w.Feature.ID)
		}
		label := l.FeatureLabel(w.Feature.ID, w.Feature.Properties)
		wkbs = append(wkbs, b)
		labels = append(labels, label)
		for _, fd := range l.Fields {
			if p, ok := w.Feature.Properties[fd.Name].(orb.Point); ok && fd.Type == geo.Position && fd.Within > 0 {
				reaches = append(reaches, reach{label: label, field: fd, shape: len(wkbs) - 1, at: p})
			}
		}
		if ls.keyTaken == "" {
			continue
		}
		key, _ := w.Feature.Properties[l.Key].(string)
		var otherID int64
		var props string
		err = ed.tx.QueryRow(ctx, ls.keyTaken, key, w.Feature.ID).Scan(&otherID, &props)
		switch {
		case err == nil && !writesRow(ws, l.Name, otherID):
			keyField, _ := l.Field(l.Key)
			vs = append(vs, geo.KeyTaken(keyField, key, l.FeatureLabel(otherID, scanJSON([]byte(props)))))
		case err != nil && !errors.Is(err, pgx.ErrNoRows):
			return nil, err
		}
	}
	if len(wkbs) == 0 {
		return vs, nil
	}
	rows, err := ed.tx.Query(ctx, `SELECT t.i - 1, d.reason, ST_X(d.location), ST_Y(d.location)
		FROM unnest($1::bytea[]) WITH ORDINALITY AS t (wkb, i), LATERAL ST_IsValidDetail(ST_GeomFromWKB(t.wkb, 4326)) AS d
		WHERE NOT d.valid ORDER BY t.i`, wkbs)
	if err != nil {
		return nil, err
	}
	invalid := map[int]bool{}
	for rows.Next() {
		var i int
		var reason string
		var x, y *float64
		if err := rows.Scan(&i, &reason, &x, &y); err != nil {
			rows.Close()
			return nil, err
		}
		var at *[2]float64
		var where orb.Geometry
		if x != nil && y != nil {
			at = &[2]float64{*x, *y}
			where = orb.Point{*x, *y}
		}
		invalid[i] = true
		vs = append(vs, geo.InvalidGeometry(labels[i], reason, at).At(where))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, r := range reaches {
		if invalid[r.shape] {
			continue
		}
		var metres float64
		if err := ed.tx.QueryRow(ctx, `SELECT ST_Distance(ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography, ST_GeomFromWKB($3, 4326)::geography)`,
			r.at[0], r.at[1], wkbs[r.shape]).Scan(&metres); err != nil {
			return nil, err
		}
		if metres > r.field.Within {
			vs = append(vs, geo.PositionTooFar(r.label, r.field, metres))
		}
	}
	return vs, nil
}

// writesRow reports whether the batch writes (so may free the key of) the
// row.
func writesRow(ws []geo.Write, layer string, id int64) bool {
	for _, w := range ws {
		if w.Feature.Layer == layer && w.Feature.ID == id {
			return true
		}
	}
	return false
}
