// Package httpapi is partymap's HTTP adapter: the Echo router, the OGC API –
// Features endpoints, health checks, the one error handler and the
// middleware. It speaks the domain (package geo) and never imports storage.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/paulmach/orb"
	"github.com/prometheus/client_golang/prometheus"

	"partymap/internal/geo"
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
}

// Server carries the routes and their dependencies.
type Server struct {
	cfg     Config
	cat     *geo.Catalogue
	store   geo.FeatureStore
	log     *slog.Logger
	echo    *echo.Echo
	metrics *metrics
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
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	s := &Server{cfg: cfg, cat: cfg.Catalogue, store: cfg.Store, log: cfg.Logger, metrics: newMetrics(cfg.Registry)}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.handleError
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{
		Skipper: func(c echo.Context) bool { return c.Request().URL.Path == "/" },
	}))
	e.Use(middleware.RequestIDWithConfig(middleware.RequestIDConfig{TargetHeader: echo.HeaderXRequestID}))
	e.Use(s.accessLog)
	e.Use(s.metrics.instrument)
	e.Use(s.securityHeaders)
	e.Use(s.recoverPanics)
	e.Use(s.requestDeadline)
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
}

// requestDeadline bounds every request's context so that queries end with it.
func (s *Server) requestDeadline(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), s.cfg.RequestTimeout)
		defer cancel()
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}
