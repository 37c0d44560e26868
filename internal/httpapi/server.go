// Package httpapi is partymap's HTTP adapter: the Echo router, the OGC API –
// Features endpoints, health checks, the one error handler and the
// middleware. It speaks the domain (package geo) and never imports storage.
package httpapi

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/paulmach/orb"
	"github.com/prometheus/client_golang/prometheus"

	"partymap/internal/changes"
	"partymap/internal/geo"
	"partymap/internal/tilecache"
)

// Config is what the server needs from main.
type Config struct {
	Catalogue *geo.Catalogue
	Store     geo.FeatureStore
	Logger    *slog.Logger
	// Title names the service on the landing page.
	Title string
	// Version is the build version, shown on the landing page.
	Version string
	// RequestTimeout bounds each request's work, queries included.
	RequestTimeout time.Duration
	// KioskPosition, when set, is where the street kiosk stands: the "you
	// are here" marker and the default origin of the finder.
	KioskPosition *orb.Point
	// Registry collects the server's metrics, served at /metrics; main
	// registers the pool's and caches' collectors on it. Nil: a new one.
	Registry *prometheus.Registry
	// Changes delivers every committed change to the map (from the
	// database's LISTEN/NOTIFY): caches invalidate by it and the event
	// stream forwards it. Nil: a hub nobody publishes to.
	Changes *changes.Hub
	// ReadCacheBytes bounds the memory kept for rendered feature answers;
	// zero means 32 MiB.
	ReadCacheBytes int64
	// Viewer is the web viewer's files (web.Files()); nil serves no viewer.
	Viewer fs.FS
	// Style is the map's MapLibre style (web.Style()); nil serves none.
	Style []byte
	// HomeView is where the viewer opens and flies back to; zero means the
	// Xiyue community's home view.
	HomeView View
	// KioskIdle is how long the kiosk waits untouched before it closes its
	// card and flies home; zero means 90 seconds.
	KioskIdle time.Duration
	// Tiles renders the vector tiles; nil serves none.
	Tiles geo.TileStore
	// TileCache keeps rendered tiles; changes from Changes invalidate it.
	// Nil: a cache of 64 MiB.
	TileCache *tilecache.Cache
	// EventsHeartbeat is how often a quiet event stream (/api/events) sends
	// a comment to keep proxies from closing it; zero means 15 seconds.
	EventsHeartbeat time.Duration
	// Clock tells the time for opening hours (open_now); nil: time.Now.
	Clock func() time.Time
	// Accounts and Edits enable staff editing (login, writes, history,
	// import, export); nil serves the map read-only.
	Accounts geo.AccountStore
	Edits    geo.EditStore
	// Auth tunes logins and sessions; zero values take the defaults.
	Auth AuthConfig
	// MaxBodyBytes bounds the body of a write (any request but an
	// import); zero means 4 MiB, which is also the writes' own ceiling.
	MaxBodyBytes int64
	// MaxImportBytes bounds the body of an import; zero means 32 MiB, which
	// is also the import's own ceiling.
	MaxImportBytes int64
}

// Server carries the routes and their dependencies.
type Server struct {
	// tiles caches rendered vector tiles.
	tiles   *tilecache.Cache
	cfg     Config
	cat     *geo.Catalogue
	store   geo.FeatureStore
	log     *slog.Logger
	echo    *echo.Echo
	metrics *metrics
	reads   *readCache
	health  *dbHealth
	// static serves the viewer's files with ETags and cached gzip.
	static *staticFiles
	// style is the map's style; viewerMissing the viewer's absent files.
	style         mapStyle
	viewerMissing []string
	// title remembers the map's title through an outage.
	title titleMemory
	// events ends the open event streams at shutdown.
	events eventStreams
}

// New returns a server with every route registered.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Title == "" {
		cfg.Title = "partymap"
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = 10 * time.Second
	}
	if cfg.Changes == nil {
		cfg.Changes = changes.NewHub()
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	if cfg.ReadCacheBytes == 0 {
		cfg.ReadCacheBytes = 32 << 20
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = defaultMaxBodyBytes
	}
	if cfg.MaxImportBytes <= 0 {
		cfg.MaxImportBytes = defaultMaxImportBytes
	}
	s := &Server{cfg: cfg, cat: cfg.Catalogue, store: cfg.Store, log: cfg.Logger, metrics: newMetrics(cfg.Registry)}
	s.reads = newReadCache(cfg.ReadCacheBytes)
	s.health = newDBHealth(cfg.Registry)
	if cfg.Tiles != nil {
		s.cfg.Tiles = &boundsMemory{TileStore: cfg.Tiles, down: s.health.down.Load}
	}
	cfg.Registry.MustRegister(s.reads.collector())
	cfg.Changes.OnChange(s.reads.apply)
	cfg.Changes.OnReset(s.reads.reset)
	s.initViewer(cfg)
	s.tiles = cfg.TileCache
	if s.tiles == nil {
		s.tiles = tilecache.New(defaultTileCacheBytes)
	}
	cfg.Registry.MustRegister(newTileCacheCollector(s.tiles))
	cfg.Changes.OnChange(s.invalidateTiles)
	cfg.Changes.OnReset(func() { s.tiles.InvalidateAll() })
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.handleError
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{
		Skipper: func(c echo.Context) bool { return c.Request().URL.Path == "/" },
	}))
	e.Pre(s.answerHead)
	e.Use(middleware.RequestIDWithConfig(middleware.RequestIDConfig{TargetHeader: echo.HeaderXRequestID}))
	e.Use(s.accessLog)
	e.Use(s.metrics.instrument)
	e.Use(s.securityHeaders)
	e.Use(s.recoverPanics)
	e.Use(s.requestDeadline)
	e.Use(s.limitBodies)
	e.Use(s.markStale)
	s.echo = e
	s.routes()
	return s
}

// Handler returns the server as an http.Handler.
func (s *Server) Handler() http.Handler { return s.echo }

func (s *Server) routes() {
	e := s.echo
	e.GET("/healthz", s.handleHealth)
	e.GET("/readyz", s.handleReady)
	e.GET("/metrics", s.handleMetrics)

	e.GET("/", s.handleLanding)
	e.GET("/conformance", s.handleConformance)
	e.GET("/api", s.handleOpenAPI)
	e.GET("/collections", s.handleCollections)
	e.GET("/collections/:layer", s.handleCollection)
	e.GET("/collections/:layer/items", s.handleItems)
	e.GET("/collections/:layer/items/:id", s.handleItem)

	e.GET("/style.json", s.handleStyle)
	e.GET("/tiles.json", s.handleTileJSON)
	e.GET("/tiles/:z/:x/:y", s.handleTile)
	e.GET("/viewer-config.json", s.handleViewerConfig)

	e.GET("/api/nearest", s.handleNearest)
	e.GET("/api/locate", s.handleLocate)
	e.GET("/api/search", s.handleSearch)
	e.GET("/api/events", s.handleEvents)
	e.GET("/api/open-now", s.handleOpenNow)
	s.editRoutes()
	if s.cfg.Viewer != nil {
		e.GET("/map", s.handleViewerPage)
		e.GET("/kiosk", s.handleViewerPage)
		e.GET("/static/*", s.handleStatic)
	}
}

// requestDeadline bounds every request's context so that queries end with it.
func (s *Server) requestDeadline(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Path() == "/api/events" {
			return next(c) // a stream lasts as long as its client
		}
		ctx, cancel := context.WithTimeout(c.Request().Context(), s.cfg.RequestTimeout)
		defer cancel()
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}
