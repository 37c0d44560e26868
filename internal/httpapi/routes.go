package httpapi

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"partymap/internal/geo"
)

// attrs are what a route is, declared once in the route table; the route's
// middleware follow from them (see chain). A new route needs one line.
type attrs uint16

const (
	// cors opens the route to scripts of any site, without credentials:
	// Access-Control-Allow-Origin: *.
	cors attrs = 1 << iota
	// stale routes keep answering from memory (the caches, the last tile
	// bounds) while the database is unreachable, marked stale.
	stale
	// deadline bounds the handler's context by Config.RequestTimeout: its
	// handler queries the database itself. Routes answered from a cache
	// leave it out: the cache bounds its own loads, and a hit needs none.
	deadline
	// documents may answer an HTML page (the viewer's pages and files):
	// those answers carry the Content Security Policy, frame-ancestors and
	// the referrer policy, added when the answer turns out to be HTML.
	documents
	// negotiated answers HTML or JSON as the client asks (the OGC
	// documents): the writer of its HTML (renderHTML, writeCached) adds the
	// document headers, so its JSON answers cost nothing for them.
	negotiated
	// noStore answers Cache-Control: private, no-store: staff data and
	// sessions, kept by no cache, not even the phone's service worker.
	noStore
	// staffOnly answers 401 without a working login or token.
	staffOnly
	// adminOnly also answers 403 to staff who are not administrators.
	adminOnly
	// writeBody, importBody and loginBody bound the request body by
	// Config.MaxBodyBytes, MaxImportBytes and MaxLoginBytes.
	writeBody
	importBody
	loginBody
	// noHead keeps a GET route from answering HEAD: the event stream has
	// no end to answer HEAD with.
	noHead
	// binary answers are neither rendered nor run by a browser (vector
	// tiles): they go without X-Content-Type-Options, every other answer
	// has it.
	binary
	// orderBody bounds the body by OrderLimits.MaxBodyBytes: what the
	// public sends about an order.
	orderBody
)

// The kinds of route.
const (
	// public reads, anonymous and open to other sites; they answer HEAD.
	public = cors
	// publicQuery reads query the database on every request.
	publicQuery = cors | deadline
	// publicCached reads answer from a cache, during outages too.
	publicCached = cors | stale
	// eventStream is the live stream of changes: open to other sites, no
	// deadline, no HEAD.
	eventStream = cors | noHead
	// staff routes need a login; their writes are bounded bodies.
	staff = staffOnly | writeBody | noStore | deadline
	// admin routes need an administrator.
	admin = staffOnly | adminOnly | noStore | deadline
	// importing takes whole files.
	importing = staffOnly | importBody | noStore | deadline
	// login starts a session.
	login = loginBody | noStore | deadline
	// page is an HTML page of the viewer.
	page = documents
	// publicWrite is what the public writes without an account (an order,
	// its confirmation): small bodies, never stored by a cache.
	publicWrite = orderBody | noStore | deadline
	// internal routes are for the viewer's own use and for operations:
	// same site only, nothing else.
	internal attrs = 0
)

// route is one line of the route table.
type route struct {
	method  string
	path    string
	handler echo.HandlerFunc
	attrs   attrs
}

// routeTable lists every route the server answers, with what it is.
func (s *Server) routeTable() []route {
	const get, post, put, patch, del, options = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions
	rs := []route{
		{get, "/healthz", s.handleHealth, internal},
		{get, "/readyz", s.handleReady, internal}, // its ping has a deadline of its own

		{get, "/", s.handleLanding, public | negotiated},
		{get, "/conformance", s.handleConformance, public | negotiated},
		{get, "/api", s.handleOpenAPI, public | negotiated},
		{get, "/collections", s.handleCollections, publicCached | negotiated},
		{get, "/collections/:layer", s.handleCollection, publicCached | negotiated},
		{get, "/collections/:layer/items", s.handleItems, publicCached | negotiated},
		{get, "/collections/:layer/items/:id", s.handleItem, publicCached | negotiated},
		{get, "/collections/:layer/queryables", s.handleQueryables, public | negotiated},
		{get, "/collections/:layer/schema", s.handleSchema, public | negotiated},

		{get, "/collections/:layer/tiles", s.handleTilesets, public | negotiated},
		{get, "/collections/:layer/tiles/WebMercatorQuad", s.handleTileset, publicCached | deadline | negotiated},
		{get, "/collections/:layer/tiles/WebMercatorQuad/:z/:y/:x", s.handleTilesetTile, publicCached | binary},
		{get, "/tiles", s.handleTilesets, public | negotiated},
		{get, "/tiles/WebMercatorQuad", s.handleTileset, publicCached | deadline | negotiated},
		{get, "/tiles/WebMercatorQuad/:z/:y/:x", s.handleTilesetTile, publicCached | binary},
		{get, "/tileMatrixSets", s.handleTileMatrixSets, public | negotiated},
		{get, "/tileMatrixSets/:tms", s.handleTileMatrixSet, public | negotiated},
		{get, "/styles", s.handleStyles, public | negotiated},
		{get, "/styles/:style", s.handleStyle, public},

		{get, "/style.json", s.handleStyle, public},
		{get, "/sprite.json", s.handleSprite, public},
		{get, "/sprite.png", s.handleSprite, public | binary},
		{get, "/sprite@2x.json", s.handleSprite, public},
		{get, "/sprite@2x.png", s.handleSprite, public | binary},
		{get, "/sprite/:icon", s.handleSprite, public | binary},
		{get, "/tiles.json", s.handleTileJSON, publicCached | deadline},
		{get, "/tiles/:z/:x/:y", s.handleTile, publicCached | binary},
		{get, "/viewer-config.json", s.handleViewerConfig, internal | deadline},

		{get, "/api/nearest", s.handleNearest, publicQuery},
		{get, "/api/locate", s.handleLocate, publicQuery},
		{get, "/api/route", s.handleRoute, publicQuery},
		{get, "/api/search", s.handleSearch, publicQuery},
		{get, "/api/communities", s.handleCommunities, publicCached},
		{get, "/api/open-now", s.handleOpenNow, publicQuery},
		{get, "/api/events", s.handleEvents, eventStream},
	}
	if s.cfg.Accounts != nil && s.cfg.Edits != nil {
		rs = append(rs,
			route{post, "/api/login", s.handleLogin, login},
			route{post, "/api/logout", s.handleLogout, staff},
			route{get, "/api/session", s.handleSession, staff},

			route{options, "/collections/:layer/items", s.handleItemsOptions, internal},
			route{options, "/collections/:layer/items/:id", s.handleItemOptions, internal},
			route{post, "/collections/:layer/items", s.handleCreateItem, staff},
			route{put, "/collections/:layer/items/:id", s.handleReplaceItem, staff},
			route{patch, "/collections/:layer/items/:id", s.handlePatchItem, staff},
			route{del, "/collections/:layer/items/:id", s.handleDeleteItem, staff},

			route{get, "/collections/:layer/items/:id/history", s.handleHistory, staff},
			route{post, "/collections/:layer/items/:id/revert", s.handleRevert, staff},
			route{get, "/collections/:layer/deleted", s.handleDeleted, staff},
			route{post, "/collections/:layer/items/:id/restore", s.handleRestore, staff},
			route{get, "/api/audit", s.handleAudit, admin},

			route{post, "/api/grids/:id/reshape", s.handleReshapeGrid, staff},
			route{get, "/api/changesets/:id", s.handleChangeSet, staff},
			route{post, "/api/changesets/:id/revert", s.handleRevertChangeSet, staff},
			route{post, "/api/grids/:id/proposals", s.handlePropose, staff},
			route{get, "/api/proposals", s.handleProposals, staff},
			route{get, "/api/proposals/:id", s.handleProposal, staff},
			route{post, "/api/proposals/:id/accept", s.handleAcceptProposal, staff},
			route{post, "/api/proposals/:id/decline", s.handleDeclineProposal, staff},
			route{post, "/api/proposals/:id/withdraw", s.handleWithdrawProposal, staff},
			route{post, "/api/import", s.handleImport, importing},
			route{get, "/api/export", s.handleExport, staff},
		)
		if s.cfg.Viewer != nil {
			rs = append(rs, route{get, "/edit", s.handleEditorPage, page | noStore})
		}
	}
	if s.cfg.Orders != nil {
		// Residents' orders: the public's, then the staff's desk.
		rs = append(rs,
			route{post, "/api/orders", s.handleSubmitOrder, publicWrite},
			route{get, "/api/track", s.handleTrackOrder, publicWrite},
			route{post, "/api/orders/:id/:action", s.handleOrderAction, publicWrite},
			route{get, "/api/grids/:id/stats", s.handleOrderStats("grids"), publicQuery},
			route{get, "/api/communities/:id/stats", s.handleOrderStats(geo.CommunityLayer), publicQuery},
			route{get, "/api/leaderboard", s.handleLeaderboard, publicQuery},
			route{get, "/api/grids/open-orders", s.handleOpenOrdersByGrid, publicQuery},
		)
		if s.cfg.Accounts != nil {
			rs = append(rs,
				route{get, "/api/orders", s.handleOrderQueue, staff},
				route{get, "/api/orders/export", s.handleOrderExport, staff},
				route{get, "/api/members", s.handleMembers, staff},
				route{post, "/api/members", s.handleAddMember, staff},
				route{get, "/api/points", s.handlePoints, staff},
			)
		}
		if s.cfg.Viewer != nil {
			rs = append(rs, route{get, "/wall", s.handleWallPage, page})
			if s.cfg.Accounts != nil {
				rs = append(rs, route{get, "/desk", s.handleDeskPage, page | noStore})
			}
		}
	}
	if s.cfg.Activities != nil {
		rs = append(rs,
			route{get, "/api/activities", s.handleActivities, publicQuery},
			route{get, "/api/activities.ics", s.handleActivitiesICS, publicQuery},
			route{get, "/api/venues/:id/availability", s.handleVenueAvailability, publicQuery},
		)
		if s.cfg.Accounts != nil {
			rs = append(rs,
				route{post, "/api/bookings", s.handleRequestBooking, staff},
				route{post, "/api/bookings/:id/confirm", s.handleConfirmBooking, staff},
				route{post, "/api/bookings/:id/decline", s.handleDeclineBooking, staff},
				route{get, "/api/venues/:id/bookings", s.handleVenueBookings, staff},
			)
			if s.cfg.Viewer != nil {
				rs = append(rs, route{get, "/desk/venues", s.handleVenueDesk, page | noStore})
			}
		}
	}
	if s.cfg.Viewer != nil {
		rs = append(rs,
			route{get, "/map", s.handleViewerPage, page},
			route{get, "/kiosk", s.handleViewerPage, page},
			route{get, "/static/*", s.handleStatic, page},
			route{get, "/sw.js", s.handleServiceWorker, page},
		)
	}
	return rs
}

// register adds a route to the router with the middleware its attributes
// call for, and a HEAD route beside each GET route.
func (s *Server) register(rt route) {
	mw := s.chain(rt.attrs, rt.method)
	s.echo.Add(rt.method, rt.path, rt.handler, mw...)
	s.metrics.declare(rt.path, rt.method)
	if rt.method == http.MethodGet && rt.attrs&noHead == 0 {
		s.echo.Add(http.MethodHead, rt.path, rt.handler, append([]echo.MiddlewareFunc{answerHead}, mw...)...)
		s.metrics.declare(rt.path, http.MethodHead)
	}
}

// chain returns the middleware of a route with the attributes a, outermost
// first. They are built once, when the route is registered.
func (s *Server) chain(a attrs, method string) []echo.MiddlewareFunc {
	var mw []echo.MiddlewareFunc
	if a&binary == 0 {
		mw = append(mw, s.sniffNothing)
	}
	if a&cors != 0 {
		mw = append(mw, s.openCORS)
	}
	if a&documents != 0 {
		mw = append(mw, s.documentHeaders)
	}
	if a&noStore != 0 {
		mw = append(mw, s.storeNothing)
	}
	if a&stale != 0 {
		mw = append(mw, s.markStale)
	}
	// The deadline comes before the login check, which reads the database
	// too: on a link that carries nothing, it must end with the request.
	if a&deadline != 0 {
		mw = append(mw, s.requestDeadline)
	}
	switch {
	case a&adminOnly != 0:
		mw = append(mw, s.requireAdmin)
	case a&staffOnly != 0:
		mw = append(mw, s.requireStaff)
	}
	if hasBody(method) {
		switch {
		case a&importBody != 0:
			mw = append(mw, s.limitBody(s.cfg.MaxImportBytes))
		case a&loginBody != 0:
			mw = append(mw, s.limitBody(s.cfg.MaxLoginBytes))
		case a&writeBody != 0:
			mw = append(mw, s.limitBody(s.cfg.MaxBodyBytes))
		case a&orderBody != 0:
			mw = append(mw, s.limitBody(s.cfg.OrderLimits.MaxBodyBytes))
		}
	}
	return mw
}

// hasBody reports whether requests of a method carry a body to bound.
func hasBody(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// requestDeadline bounds the request's context, so that the handler's
// queries end with it.
func (s *Server) requestDeadline(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), s.cfg.RequestTimeout)
		defer cancel()
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

// storeNothing keeps browsers, proxies and the service worker from storing
// the answer.
func (s *Server) storeNothing(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header()[headerCacheControl] = s.hdr.private
		return next(c)
	}
}
