// Package httpapi is partymap's HTTP adapter: the Echo router, the OGC API –
// Features endpoints, health checks, the one error handler and the
// middleware. It speaks the domain (package geo) and never imports storage.
package httpapi

import (
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"
	"github.com/prometheus/client_golang/prometheus"

	"partymap/internal/changes"
	"partymap/internal/geo"
	"partymap/internal/sprite"
	"partymap/internal/tilecache"
)

// Defaults of Config's fields: main's flags show them, and New puts them in
// place of zero values.
const (
	// DefaultTitle names the service when Config.Title is empty.
	DefaultTitle = "partymap"
	// DefaultRequestTimeout bounds the database work of one request.
	DefaultRequestTimeout = 10 * time.Second
	// DefaultReadCacheBytes bounds the memory of rendered feature answers.
	DefaultReadCacheBytes = 32 << 20
	// DefaultMaxBodyBytes bounds the body of a write.
	DefaultMaxBodyBytes = 4 << 20
	// DefaultMaxImportBytes bounds the body of an import.
	DefaultMaxImportBytes = 32 << 20
	// DefaultMaxLoginBytes bounds the body of a login.
	DefaultMaxLoginBytes = 4 << 10
	// DefaultKioskIdle is how long the kiosk waits untouched before it
	// closes its card and flies home.
	DefaultKioskIdle = 90 * time.Second
)

// Config is what the server needs from main.
type Config struct {
	Catalogue *geo.Catalogue
	Store     geo.FeatureStore
	Logger    *slog.Logger
	// AccessLog receives one line per request (method, path, status,
	// bytes, time taken, request id) as Logger's handler would write it at
	// info level, in AccessLogFormat ("text" or "json"); nil: none. Give it
	// a writer that does not wait (internal/logbuf): a request must never
	// wait for a log write.
	AccessLog       io.Writer
	AccessLogFormat string
	// Title names the service on the landing page; empty: DefaultTitle.
	Title string
	// Version is the build version, shown on the landing page.
	Version string
	// RequestTimeout bounds each request's database work; zero:
	// DefaultRequestTimeout.
	RequestTimeout time.Duration
	// KioskPosition, when set, is where the street kiosk stands: the "you
	// are here" marker and the default origin of the finder.
	KioskPosition *orb.Point
	// Registry collects the server's metrics (MetricsHandler); main
	// registers the pool's collectors on it. Nil: a new one.
	Registry *prometheus.Registry
	// Changes delivers every committed change to the map (from the
	// database's LISTEN/NOTIFY): caches invalidate by it and the event
	// stream forwards it. Nil: a hub nobody publishes to.
	Changes *changes.Hub
	// ReadCacheBytes bounds the memory kept for rendered feature answers;
	// zero: DefaultReadCacheBytes.
	ReadCacheBytes int64
	// Viewer is the web viewer's files (web.Files()); nil serves no viewer.
	Viewer fs.FS
	// Style is the map's MapLibre style (web.Style()); nil serves none.
	Style []byte
	// HomeView is where the viewer opens and flies back to; zero means
	// DefaultHomeView.
	HomeView View
	// KioskIdle is how long the kiosk waits untouched before it closes its
	// card and flies home; zero: DefaultKioskIdle.
	KioskIdle time.Duration
	// KioskCommunity is the code of the community the kiosk belongs to:
	// it opens on it and returns to it; empty: the whole map.
	KioskCommunity string
	// Tiles renders the vector tiles; nil serves none.
	Tiles geo.TileStore
	// TileCache keeps rendered tiles; changes from Changes invalidate it.
	// Nil: a cache of tilecache.DefaultMaxBytes.
	TileCache *tilecache.Cache
	// EventsHeartbeat is how often a quiet event stream (/api/events) sends
	// a comment to keep proxies from closing it; zero means 15 seconds.
	EventsHeartbeat time.Duration
	// MaxStreams bounds the open event streams, MaxStreamsPerClient those
	// of one client address; beyond, /api/events answers 503. Zero means
	// 10000 and 4.
	MaxStreams, MaxStreamsPerClient int
	// Forwarding says which proxies' forwarding headers to believe and the
	// public URL, if any; zero believes none.
	Forwarding Forwarding
	// Clock tells the time for opening hours (open_now); nil: time.Now.
	Clock func() time.Time
	// Accounts and Edits enable staff editing (login, writes, history,
	// import, export); nil serves the map read-only.
	Accounts geo.AccountStore
	Edits    geo.EditStore
	// Activities serves the activities column and the shared venues'
	// bookings; nil serves neither.
	Activities geo.ActivityStore
	// Auth tunes logins and sessions; zero values take the defaults.
	Auth AuthConfig
	// MaxBodyBytes bounds the body of a write; zero: DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxImportBytes bounds the body of an import; zero:
	// DefaultMaxImportBytes.
	MaxImportBytes int64
	// MaxLoginBytes bounds the body of a login; zero: DefaultMaxLoginBytes.
	MaxLoginBytes int64
	// Backups, when set, says how the daily backups go, for /readyz.
	Backups func() BackupStatus
	// Orders enables residents' orders (the problem wall, the three-order
	// system): public submission and tracking, and with Accounts the
	// staff's desk. Nil: none.
	Orders geo.OrderStore
	// OrderRules are the times of an order's life; zero values take the
	// defaults (geo.OrderRules.WithDefaults).
	OrderRules geo.OrderRules
	// OrderLimits bound the public's submissions and tracking look-ups;
	// zero values take the defaults.
	OrderLimits OrderLimits
	// DiskFull, when set, reports whether the database's disk is full: a
	// request that fails because the database is unavailable then says
	// so (PostgreSQL stops when it cannot write its log).
	DiskFull func() bool
}

// withDefaults puts the defaults in place of zero values.
func (cfg Config) withDefaults() Config {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Title == "" {
		cfg.Title = DefaultTitle
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.Changes == nil {
		cfg.Changes = changes.NewHub()
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	if cfg.ReadCacheBytes == 0 {
		cfg.ReadCacheBytes = DefaultReadCacheBytes
	}
	if cfg.KioskIdle <= 0 {
		cfg.KioskIdle = DefaultKioskIdle
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.MaxImportBytes <= 0 {
		cfg.MaxImportBytes = DefaultMaxImportBytes
	}
	if cfg.MaxLoginBytes <= 0 {
		cfg.MaxLoginBytes = DefaultMaxLoginBytes
	}
	if cfg.TileCache == nil {
		cfg.TileCache = tilecache.New(tilecache.DefaultMaxBytes)
	}
	cfg.Auth = cfg.Auth.withDefaults()
	cfg.OrderRules = cfg.OrderRules.WithDefaults()
	cfg.OrderLimits = cfg.OrderLimits.withDefaults()
	return cfg
}

// Server carries the routes and their dependencies.
type Server struct {
	cfg   Config
	cat   *geo.Catalogue
	store geo.FeatureStore
	log   *slog.Logger
	echo  *echo.Echo
	// routes is the route table the router was built from.
	routes []route

	metrics *metrics
	access  *accessLog
	ids     requestIDs
	hdr     headerValues

	// tileCache keeps rendered vector tiles; renderTile fills it from the
	// tile store (cfg.Tiles), bound once so that a hit costs no closure.
	tileCache  *tilecache.Cache
	renderTile tilecache.RenderFunc
	// reads keeps rendered feature answers.
	reads  *readCache
	health *dbHealth
	// page renders OGC documents as HTML, featurePage collections and
	// features.
	page, featurePage, apiPage *template.Template
	// crs lists the coordinate systems answers and parameters may use.
	crs []geo.CRSRef
	// sprite holds the style's icons, drawn once at start.
	sprite *sprite.Sprite
	// forward applies Config.Forwarding to each request.
	forward forwardRule
	// static serves the viewer's files with ETags and cached gzip.
	static *staticFiles
	// style is the map's style; viewerMissing the viewer's absent files.
	style         mapStyle
	viewerMissing []string
	// title and overview remember the map's title and the city's
	// overview through an outage.
	title    titleMemory
	overview overviewMemory
	// events ends the open event streams at shutdown.
	events eventStreams
	// seqs is the newest change this instance has heard of, which a
	// tile's v asks for (tile_version.go).
	seqs changeSeqs
	// orderLimits count the public's submissions and look-ups of orders.
	orderLimits orderLimiters
}

// New returns a server with every route registered. It fails only when its
// metrics cannot be registered on cfg.Registry (a name already taken).
func New(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg, cat: cfg.Catalogue, store: cfg.Store, log: cfg.Logger, hdr: newHeaderValues()}
	s.access = newAccessLog(cfg.AccessLog, cfg.AccessLogFormat)
	page, err := template.New("page").Parse(pageTemplate)
	if err != nil {
		return nil, fmt.Errorf("httpapi: page template: %w", err)
	}
	s.page = page
	if s.featurePage, err = parseFeaturePage(); err != nil {
		return nil, fmt.Errorf("httpapi: feature page template: %w", err)
	}
	if s.apiPage, err = parseAPIPage(); err != nil {
		return nil, fmt.Errorf("httpapi: API page template: %w", err)
	}
	s.crs = geo.SupportedCRS(s.homeView().Center[0])
	if cfg.Style != nil {
		if s.sprite, err = sprite.New(); err != nil {
			return nil, fmt.Errorf("httpapi: sprite: %w", err)
		}
	}
	s.reads = newReadCache(cfg.ReadCacheBytes, cfg.RequestTimeout)
	s.tileCache = cfg.TileCache
	s.initViewer(cfg)
	s.forward = newForwardRule(cfg.Forwarding)
	s.health = newDBHealth()
	s.orderLimits = newOrderLimiters(cfg.OrderLimits, s.now)
	if cfg.Tiles != nil {
		// During an outage /tiles.json answers the last bounds it knew.
		s.cfg.Tiles = &boundsMemory{TileStore: cfg.Tiles, down: s.health.down.Load}
		s.renderTile = s.cfg.Tiles.Tile
	}
	s.metrics = newMetrics()
	collectors := append(s.metrics.collectors(),
		s.health.gauge,
		newCacheCollector(s.reads.mem.Stats, readCacheMetrics()),
		newCacheCollector(s.tileCacheStats, tileCacheMetrics()),
	)
	for _, c := range collectors {
		if err := cfg.Registry.Register(c); err != nil {
			return nil, fmt.Errorf("httpapi: register metrics: %w", err)
		}
	}
	cfg.Changes.OnChange(s.reads.apply)
	cfg.Changes.OnReset(s.reads.reset)
	cfg.Changes.OnChange(s.invalidateTiles)
	cfg.Changes.OnChange(s.seqs.heard)
	cfg.Changes.OnReset(func() { s.tileCache.InvalidateAll() })

	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor = cfg.Forwarding.ipExtractor()
	// The one middleware every request runs through, whatever its route
	// (unknown addresses and wrong methods included). Everything that
	// depends on the route is attached to it in the route table.
	e.Use(s.observe)
	s.echo = e
	s.routes = s.routeTable()
	for _, rt := range s.routes {
		s.register(rt)
	}
	return s, nil
}

// Handler returns the server as an http.Handler.
func (s *Server) Handler() http.Handler { return s }

// ServeHTTP answers one request. First the forwarding headers are made
// what may be believed (forwardRule), and a trailing slash is dropped, so
// that /collections/ is /collections (as a client that adds one expects):
// here, not as Echo "pre" middleware, which costs every request a chain of
// closures.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.forward.apply(w, r)
	if p := r.URL.Path; len(p) > 1 && p[len(p)-1] == '/' {
		r.URL.Path = p[:len(p)-1]
		r.URL.RawPath = strings.TrimSuffix(r.URL.RawPath, "/")
		r.RequestURI = r.URL.RequestURI()
	}
	s.echo.ServeHTTP(w, r)
}
