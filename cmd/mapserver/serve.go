package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/prometheus/client_golang/prometheus"

	"partymap/internal/changes"
	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/internal/tilecache"
	"partymap/web"
)

// runServe starts the database (or connects to it), loads the data into an
// empty database and serves HTTP until ctx ends, then shuts down cleanly.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("serve", &cfg, stderr)
	fs.StringVar(&cfg.Addr, "addr", envOr("ADDR", ":8080"), "address to listen on (env ADDR)")
	fs.StringVar(&cfg.SeedDir, "seed", envOr("PARTYMAP_SEED_DIR", ""), "directory of GeoJSON files loaded into an empty database (env PARTYMAP_SEED_DIR); empty: the built-in Xiyue data")
	fs.DurationVar(&cfg.RequestTimeout, "request-timeout", 10*time.Second, "longest a request may take")
	fs.StringVar(&cfg.KioskPosition, "kiosk-position", envOr("KIOSK_POSITION", "110.099817,34.574658"), "lon,lat where the street kiosk stands, WGS 84 (env KIOSK_POSITION); empty: none")
	kioskIdle := fs.Duration("kiosk-idle", envDuration("KIOSK_IDLE", 90*time.Second), "how long the kiosk waits untouched before it closes its card and flies home (env KIOSK_IDLE)")
	homeView := fs.String("home-view", envOr("HOME_VIEW", "110.0995,34.5733,15.6,37,58"), "the viewer's home view: lon,lat,zoom,bearing,pitch (env HOME_VIEW)")
	tileCacheBytes := fs.Int64("tile-cache-bytes", 64<<20, "memory for rendered vector tiles, in bytes of gzip; 0 keeps none (every request renders)")
	readCacheBytes := fs.Int64("read-cache-bytes", 32<<20, "memory for rendered feature answers (collections, item pages, items), in bytes")
	maxBodyBytes := fs.Int64("max-body-bytes", 4<<20, "largest request body of a write, in bytes (4 MiB is also the writes' own ceiling)")
	maxImportBytes := fs.Int64("max-import-bytes", 32<<20, "largest import file, in bytes (32 MiB is also the import's own ceiling)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	kiosk, err := parsePosition(cfg.KioskPosition)
	if err != nil {
		return err
	}
	home, err := parseHomeView(*homeView)
	if err != nil {
		return err
	}
	log := cfg.logger(stderr)
	cfg.logConfig(log)
	started := time.Now()

	cat := geo.NewCatalogue()
	d, err := openDatabase(ctx, cfg, cat, log)
	if err != nil {
		return err
	}
	defer d.close()
	if err := d.seed(ctx, cfg.SeedDir); err != nil {
		return err
	}
	d.supervise()

	// Every committed change, whoever made it, reaches the caches and the
	// event stream through the hub.
	hub := changes.NewHub()
	go d.db.Listen(ctx, hub, nil)

	registry := prometheus.NewRegistry()
	registry.MustRegister(d.db.PoolCollector())
	api := httpapi.New(httpapi.Config{
		Catalogue: cat, Store: d.db, Logger: log,
		Title: "partymap", Version: version, RequestTimeout: cfg.RequestTimeout,
		KioskPosition: kiosk,
		Registry:      registry,
		Changes:       hub,
		Tiles:         d.db,
		TileCache:     tilecache.New(*tileCacheBytes),
		Viewer:        web.Files(),
		Style:         web.Style(),
		HomeView:      home,
		KioskIdle:     *kioskIdle,
		Accounts:      d.db,
		Edits:         d.db,

		ReadCacheBytes: *readCacheBytes,
		MaxBodyBytes:   *maxBodyBytes,
		MaxImportBytes: *maxImportBytes,
	})
	go api.MonitorDatabase(ctx, 2*time.Second)
	srv := &http.Server{
		Handler:           api.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	// Event streams never go idle: end them when shutdown begins.
	srv.RegisterOnShutdown(api.CloseStreams)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	log.Info("listening", "addr", ln.Addr().String(), "startup", time.Since(started).Round(time.Millisecond))

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("shutdown", "err", err)
	}
	return nil
}

// parsePosition reads "lon,lat" in WGS 84 degrees; empty means none.
func parsePosition(s string) (*orb.Point, error) {
	if s == "" {
		return nil, nil
	}
	lon, lat, ok := strings.Cut(s, ",")
	x, err1 := strconv.ParseFloat(strings.TrimSpace(lon), 64)
	y, err2 := strconv.ParseFloat(strings.TrimSpace(lat), 64)
	if !ok || err1 != nil || err2 != nil || x < -180 || x > 180 || y < -90 || y > 90 {
		return nil, fmt.Errorf("the kiosk position must be lon,lat in WGS 84 degrees, like 110.0998,34.5747; got %q", s)
	}
	return &orb.Point{x, y}, nil
}

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"
