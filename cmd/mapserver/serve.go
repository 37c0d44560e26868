package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
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
	"partymap/internal/logbuf"
	"partymap/internal/tilecache"
	"partymap/web"
)

// runServe starts the database (or connects to it), loads the data into an
// empty database and serves HTTP until ctx ends, then shuts down cleanly.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("serve", &cfg, stderr)
	serveFlags(fs, &cfg)
	secFlags := addSecurityFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	sec, err := secFlags.parse()
	if err != nil {
		return err
	}
	kiosk, err := parsePosition(cfg.KioskPosition)
	if err != nil {
		return err
	}
	var home httpapi.View // zero: the server's default
	if cfg.HomeView != "" {
		if home, err = parseHomeView(cfg.HomeView); err != nil {
			return err
		}
	}
	log := cfg.logger(stderr)
	// One line per request goes through a buffer that a goroutine of its
	// own writes out: a request never waits for the terminal or the disk.
	accessOut := logbuf.New(stderr, 0)
	defer accessOut.Close()
	cfg.logConfig(log)
	sec.log(log)
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
	dropped := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "partymap_access_log_dropped_total",
		Help: "Access log lines lost because the log's output did not keep up.",
	}, func() float64 { return float64(accessOut.Dropped()) })
	collectors := []prometheus.Collector{d.db.PoolCollector(), dropped}
	var backups func() httpapi.BackupStatus
	var diskFull func() bool
	if d.cluster != nil {
		disk := newDiskWatch(d.cluster.DataDir(), log)
		go disk.run(ctx)
		diskFull = disk.isFull
		collectors = append(collectors, disk.collectors()...)
		sched, err := d.backupScheduler(cfg, log)
		if err != nil {
			return err
		}
		if sched != nil {
			collectors = append(collectors, sched.Collectors()...)
			backups = func() httpapi.BackupStatus {
				st := sched.Status()
				return httpapi.BackupStatus{LastSuccess: st.LastSuccess, Failing: st.LastError != "", Next: st.Next}
			}
			go sched.Run(ctx)
		}
	}
	for _, c := range collectors {
		if err := registry.Register(c); err != nil {
			return err
		}
	}
	api, err := httpapi.New(httpapi.Config{
		Catalogue: cat, Store: d.db, Logger: log,
		AccessLog: cfg.accessLog(accessOut), AccessLogFormat: cfg.LogFormat,
		Version: version, RequestTimeout: cfg.RequestTimeout,
		KioskPosition: kiosk,
		Registry:      registry,
		Changes:       hub,
		Tiles:         d.db,
		// The cache drops a tile when a change comes within the buffer
		// the store renders tiles with.
		TileCache:      tilecache.New(cfg.TileCacheBytes, tilecache.WithBuffer(float64(geo.TileBuffer)/geo.TileExtent)),
		Viewer:         web.Files(),
		Style:          web.Style(),
		HomeView:       home,
		KioskIdle:      cfg.KioskIdle,
		KioskCommunity: cfg.KioskCommunity,
		Title:          cfg.Title,
		Accounts:       d.db,
		Edits:          d.db,
		Orders:         d.db,
		OrderRules:     cfg.OrderRules,
		OrderLimits:    cfg.OrderLimits,
		Activities:     d.db,

		ReadCacheBytes: cfg.ReadCacheBytes,
		MaxBodyBytes:   cfg.MaxBodyBytes,
		MaxImportBytes: cfg.MaxImportBytes,
		MaxLoginBytes:  cfg.MaxLoginBytes,
		Backups:        backups,
		DiskFull:       diskFull,

		Forwarding:          sec.forwarding,
		MaxStreams:          sec.maxStreams,
		MaxStreamsPerClient: sec.maxStreamsPerClient,
	})
	if err != nil {
		return err
	}
	stopMetrics, err := serveMetrics(sec.metricsAddr, api.MetricsHandler(), log)
	if err != nil {
		return err
	}
	defer stopMetrics()
	go api.MonitorDatabase(ctx, 2*time.Second)
	go eraseContacts(ctx, d.db, cfg.OrderRules, log)
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

// eraseContacts deletes, every hour, the submitters' phones of orders that
// ended longer ago than the rules keep them.
func eraseContacts(ctx context.Context, orders geo.OrderStore, rules geo.OrderRules, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		n, err := orders.EraseContacts(ctx, rules, time.Now())
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("could not erase the phones of ended orders", "err", err)
		case n > 0:
			log.Info("erased the phones of ended orders", "orders", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
