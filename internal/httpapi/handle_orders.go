package httpapi

import (
	"bytes"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
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

// Residents' orders over HTTP (geo/orders.go). The public places an order
// without an account (POST /api/orders) and follows it with its tracking
// code, which travels only in bodies and query strings (GET
// /api/track?code=…), never in a path: the access log writes paths. Staff
// work the queue of their grids (GET /api/orders) and take the actions
// (POST /api/orders/{id}/{action}); the submitter's confirm and reopen
// take the code instead of a login. The phone reaches only the staff's
// queue.

// orderJSON is an order as a GeoJSON feature with its ETag, whether it is
// overdue and, for staff, the submitter's phone.
type orderJSON struct {
	featureJSON
	ETag    string `json:"etag"`
	Overdue bool   `json:"overdue"`
	Phone   string `json:"phone,omitempty"`
}

func toOrderJSON(o geo.Order, withPhone bool) orderJSON {
	out := orderJSON{featureJSON: toFeatureJSON(o.Feature), ETag: featureETag(o.Feature), Overdue: o.Overdue}
	if withPhone {
		out.Phone = o.Phone
	}
	return out
}

// orderIn is the body of a submission and of an action; each reads the
// members it needs.
type orderIn struct {
	Kind     string    `json:"kind"`
	Category string    `json:"category"`
	Text     string    `json:"text"`
	Point    []float64 `json:"point"`
	Compound int64     `json:"compound"`
	Phone    string    `json:"phone"`
	Code     string    `json:"code"`
	Member   int64     `json:"member"`
}

// readOrderIn decodes a JSON body (an empty one is {}), refusing members
// it does not know.
func readOrderIn(c echo.Context) (orderIn, error) {
	var in orderIn
	body, err := readBody(c)
	if err != nil || len(bytes.TrimSpace(body)) == 0 {
		return in, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return in, geo.Say(geo.EINVALID, geo.Label{Zh: "提交的内容格式有误。",
			En: "The body must be a JSON object with kind, category, text, point [lon, lat] and optionally phone (for an action: text, member, point or code): " + clipText(err.Error())})
	}
	return in, nil
}

// point reads the body's point, when it has one.
func (in orderIn) point() (*orb.Point, error) {
	switch len(in.Point) {
	case 0:
		return nil, nil
	case 2:
		p := orb.Point{in.Point[0], in.Point[1]}
		return &p, nil
	}
	return nil, geo.Say(geo.EINVALID, geo.Label{Zh: "位置应为 [经度, 纬度]。", En: fmt.Sprintf("The point must be [lon, lat]; got %d numbers.", len(in.Point))})
}

// deviceCookie names the cookie that tells one device's submissions from
// another's: a random value, nothing about the person.
const deviceCookie = "partymap_device"

// deviceOf returns the request's device cookie, setting a new one when it
// has none (or one this server did not make).
func deviceOf(c echo.Context) (string, error) {
	if ck, err := c.Cookie(deviceCookie); err == nil && len(ck.Value) == 32 {
		if _, err := hex.DecodeString(ck.Value); err == nil {
			return ck.Value, nil
		}
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	v := hex.EncodeToString(b[:])
	c.SetCookie(&http.Cookie{Name: deviceCookie, Value: v, Path: "/api/orders", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: secureRequest(c.Request()), SameSite: http.SameSiteStrictMode})
	return v, nil
}

// receiptJSON answers a submission: the order, its tracking code, and
// where its submitter follows it (the code stays in the fragment, which no
// browser sends to a server).
type receiptJSON struct {
	ID      int64  `json:"id"`
	Code    string `json:"code"`
	Status  string `json:"status"`
	Track   string `json:"track"`
	Version int64  `json:"version"`
}

// handleSubmitOrder stores a resident's order (POST /api/orders).
func (s *Server) handleSubmitOrder(c echo.Context) error {
	if err := checkOrigin(c); err != nil {
		return err
	}
	device, err := deviceOf(c)
	if err != nil {
		return err
	}
	if err := s.checkSubmission(c, device); err != nil {
		return err
	}
	in, err := readOrderIn(c)
	if err != nil {
		return err
	}
	pt, err := in.point()
	if err != nil {
		return err
	}
	sub := geo.OrderSubmission{Kind: in.Kind, Category: in.Category, Text: in.Text, Point: pt, Compound: in.Compound, Phone: in.Phone}
	rec, err := s.cfg.Orders.SubmitOrder(c.Request().Context(), sub, s.now())
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, mediaJSON, receiptJSON{ID: rec.ID, Code: rec.Code, Status: geo.StatusSubmitted,
		Track: "/wall#track=" + rec.Code, Version: rec.Version})
}

// handleTrackOrder answers the submitter's view of an order (GET
// /api/track?code=…): its status, answer or reason; never the phone.
func (s *Server) handleTrackOrder(c echo.Context) error {
	if err := checkParams(c, "code"); err != nil {
		return err
	}
	if err := s.checkLookup(c); err != nil {
		return err
	}
	o, err := s.cfg.Orders.TrackOrder(c.Request().Context(), c.QueryParam("code"), s.cfg.OrderRules, s.now())
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, mediaGeoJSON, toOrderJSON(o, false))
}

// handleOrderAction takes an action on an order (POST
// /api/orders/{id}/{action}): the submitter's with the tracking code in
// the body, staff's with a login and the order's If-Match.
func (s *Server) handleOrderAction(c echo.Context) error {
	a, err := geo.ParseOrderAction(c.Param("action"))
	if err != nil {
		return err
	}
	id, err := parseID(c.Param("id"))
	if err != nil {
		return err
	}
	if a.BySubmitter() {
		if err := checkOrigin(c); err != nil {
			return err
		}
		if err := s.checkLookup(c); err != nil {
			return err
		}
		in, err := readOrderIn(c)
		if err != nil {
			return err
		}
		if in.Code == "" {
			return geo.Say(geo.EINVALID, geo.Label{Zh: "请输入查询码。", En: "Give the order's tracking code as \"code\" in the body."})
		}
		o, err := s.cfg.Orders.StepOrder(c.Request().Context(), geo.OrderStep{Action: a, ID: id, Code: in.Code, Text: in.Text, At: s.now()}, s.cfg.OrderRules)
		if err != nil {
			return err
		}
		return writeJSON(c, http.StatusOK, mediaGeoJSON, toOrderJSON(o, false))
	}
	return s.requireStaff(func(c echo.Context) error {
		version, err := ifMatchVersion(c, geo.OrdersLayer, id)
		if err != nil {
			return err
		}
		in, err := readOrderIn(c)
		if err != nil {
			return err
		}
		pt, err := in.point()
		if err != nil {
			return err
		}
		o, err := s.cfg.Orders.StepOrder(c.Request().Context(), geo.OrderStep{Action: a, ID: id, IfVersion: version,
			Text: in.Text, Member: in.Member, Point: pt, Compound: in.Compound, Actor: authOf(c).user, At: s.now()}, s.cfg.OrderRules)
		if err != nil {
			return err
		}
		c.Response().Header().Set(headerETag, featureETag(o.Feature))
		return writeJSON(c, http.StatusOK, mediaGeoJSON, toOrderJSON(o, true))
	})(c)
}

// orderQuery reads the desk's filters.
func (s *Server) orderQuery(c echo.Context) (geo.OrderQuery, error) {
	if err := checkParams(c, "grid", "community", "status", "overdue", "limit"); err != nil {
		return geo.OrderQuery{}, err
	}
	q := geo.OrderQuery{Grid: c.QueryParam("grid"), Community: c.QueryParam("community")}
	if v := c.QueryParam("status"); v != "" {
		f, _ := s.cat.Field(geo.OrdersLayer, "status")
		for _, st := range strings.Split(v, ",") {
			if !f.Allows(st) {
				return q, geo.Errorf(geo.EINVALID, "There is no status %q; the statuses are %s.", clipText(st), strings.Join(f.Values(), ", "))
			}
			q.Statuses = append(q.Statuses, st)
		}
	}
	switch c.QueryParam("overdue") {
	case "", "false":
	case "true":
		q.Overdue = true
	default:
		return q, geo.Errorf(geo.EINVALID, "overdue is true or false; got %q.", clipText(c.QueryParam("overdue")))
	}
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return q, geo.Errorf(geo.EINVALID, "limit is a whole number of 1 or more; got %q.", clipText(v))
		}
		q.Limit = n
	}
	return q, nil
}

// orderQueueJSON is a staff desk's queue.
type orderQueueJSON struct {
	Orders []orderJSON `json:"orders"`
}

// handleOrderQueue answers the orders of the staff member's grids, every
// status, with the submitters' phones (GET /api/orders).
func (s *Server) handleOrderQueue(c echo.Context) error {
	q, err := s.orderQuery(c)
	if err != nil {
		return err
	}
	os, err := s.cfg.Orders.OrderQueue(c.Request().Context(), authOf(c).user, q, s.cfg.OrderRules, s.now())
	if err != nil {
		return err
	}
	out := orderQueueJSON{Orders: make([]orderJSON, 0, len(os))}
	for _, o := range os {
		out.Orders = append(out.Orders, toOrderJSON(o, true))
	}
	return writeJSON(c, http.StatusOK, mediaJSON, out)
}

// maxExport is the most orders one export holds.
const maxExport = 100_000

// exportColumns are the columns of the orders' CSV export: the public
// fields, never the phone.
func exportColumns() []string {
	return []string{"id", "kind", "category", "status", "grid_code", "community", "text", "answer", "reason", "branch_zh", "member_id",
		"submitted_at", "published_at", "claimed_at", "assigned_at", "done_at", "confirmed_at", "lon", "lat"}
}

// handleOrderExport answers the orders submitted in a period as CSV (GET
// /api/orders/export?from=2026-11-01&to=2026-12-01), without phones.
func (s *Server) handleOrderExport(c echo.Context) error {
	if err := checkParams(c, "from", "to"); err != nil {
		return err
	}
	from, to, err := period(c, s.now())
	if err != nil {
		return err
	}
	os, err := s.cfg.Orders.OrderQueue(c.Request().Context(), authOf(c).user, geo.OrderQuery{From: from, To: to, Limit: maxExport}, s.cfg.OrderRules, s.now())
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(exportColumns())
	for _, o := range os {
		p := o.Feature.Properties
		row := []string{strconv.FormatInt(o.Feature.ID, 10)}
		for _, col := range exportColumns()[1 : len(exportColumns())-2] {
			if v, ok := p[col]; ok && v != nil {
				row = append(row, csvSafe(fmt.Sprint(v)))
			} else {
				row = append(row, "")
			}
		}
		pt, _ := o.Feature.Geometry.(orb.Point)
		row = append(row, strconv.FormatFloat(pt[0], 'f', 7, 64), strconv.FormatFloat(pt[1], 'f', 7, 64))
		_ = w.Write(row)
	}
	w.Flush()
	c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="orders-%s-%s.csv"`, from.Format("20060102"), to.Format("20060102")))
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// csvSafe keeps a resident's text from being read as a formula by a
// spreadsheet that opens the export.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// period reads from and to (dates, to exclusive; default the last 30
// days up to tomorrow).
func period(c echo.Context, now time.Time) (time.Time, time.Time, error) {
	now = now.UTC()
	to := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
	from := to.AddDate(0, 0, -30)
	for name, dst := range map[string]*time.Time{"from": &from, "to": &to} {
		if v := c.QueryParam(name); v != "" {
			t, err := time.Parse("2006-01-02", v)
			if err != nil {
				return from, to, geo.Errorf(geo.EINVALID, "%s is a date like 2026-12-01; got %q.", name, clipText(v))
			}
			*dst = t
		}
	}
	if !from.Before(to) {
		return from, to, geo.Errorf(geo.EINVALID, "from (%s) must come before to (%s).", from.Format("2006-01-02"), to.Format("2006-01-02"))
	}
	return from, to, nil
}

// handleOrderStats answers a grid's or a community's figures (GET
// /api/grids/{code}/stats, /api/communities/{code}/stats).
func (s *Server) handleOrderStats(layer string) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := checkParams(c); err != nil {
			return err
		}
		st, err := s.cfg.Orders.OrderStatsOf(c.Request().Context(), layer, c.Param("id"), s.cfg.OrderRules, s.now())
		if err != nil {
			return err
		}
		return writeJSON(c, http.StatusOK, mediaJSON, st)
	}
}

// handleOpenOrdersByGrid answers every grid with its open orders (GET
// /api/grids/open-orders?community=): what the map colours grids by.
func (s *Server) handleOpenOrdersByGrid(c echo.Context) error {
	if err := checkParams(c, "community"); err != nil {
		return err
	}
	gs, err := s.cfg.Orders.OpenOrdersByGrid(c.Request().Context(), c.QueryParam("community"), s.cfg.OrderRules, s.now())
	if err != nil {
		return err
	}
	if gs == nil {
		gs = []geo.GridOrders{}
	}
	return writeJSON(c, http.StatusOK, mediaJSON, map[string]any{"grids": gs})
}

// leaderboardJSON is the public leaderboard with the rules of the points.
type leaderboardJSON struct {
	Rules    []geo.PointsRule   `json:"rules"`
	Branches []geo.BranchPoints `json:"branches"`
}

// handleLeaderboard answers the branches by points (GET /api/leaderboard).
func (s *Server) handleLeaderboard(c echo.Context) error {
	if err := checkParams(c, "community"); err != nil {
		return err
	}
	bs, err := s.cfg.Orders.Leaderboard(c.Request().Context(), c.QueryParam("community"))
	if err != nil {
		return err
	}
	if bs == nil {
		bs = []geo.BranchPoints{}
	}
	return writeJSON(c, http.StatusOK, mediaJSON, leaderboardJSON{Rules: geo.PointsRules(), Branches: bs})
}

// handleMembers lists the members in the staff member's scope (GET
// /api/members).
func (s *Server) handleMembers(c echo.Context) error {
	ms, err := s.cfg.Orders.Members(c.Request().Context(), authOf(c).user)
	if err != nil {
		return err
	}
	if ms == nil {
		ms = []geo.Member{}
	}
	return writeJSON(c, http.StatusOK, mediaJSON, map[string]any{"members": ms})
}

// handleAddMember adds a member to a branch (POST /api/members: {name,
// grid, account, public}).
func (s *Server) handleAddMember(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var m geo.Member
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return geo.Errorf(geo.EINVALID, "The body must be JSON like {\"name\": \"王建国\", \"grid\": \"XY07\", \"public\": true}.")
	}
	m, err = s.cfg.Orders.AddMember(c.Request().Context(), authOf(c).user, m)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, mediaJSON, m)
}

// handlePoints answers the points ledger of the staff member's scope in a
// period, with the rules (GET /api/points?from=&to=).
func (s *Server) handlePoints(c echo.Context) error {
	if err := checkParams(c, "from", "to"); err != nil {
		return err
	}
	from, to, err := period(c, s.now())
	if err != nil {
		return err
	}
	es, err := s.cfg.Orders.PointsLedger(c.Request().Context(), authOf(c).user, from, to)
	if err != nil {
		return err
	}
	if es == nil {
		es = []geo.PointsEntry{}
	}
	return writeJSON(c, http.StatusOK, mediaJSON, map[string]any{"rules": geo.PointsRules(), "entries": es})
}

// handleWallPage answers the problem wall and echo wall (/wall; the kiosk
// shows it as /wall?kiosk=1).
func (s *Server) handleWallPage(c echo.Context) error { return s.servePage(c, "wall.html", "no-cache") }

// handleDeskPage answers the staff's orders desk (/desk).
func (s *Server) handleDeskPage(c echo.Context) error {
	return s.servePage(c, "desk.html", privateNoStore)
}
