package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"partymap/internal/httpapi"
	"partymap/internal/pglocal"
)

// securityFlags are the serve flags that decide whom the server believes
// and what it exposes: forwarding headers, the public URL, the metrics
// address and the caps on event streams.
type securityFlags struct {
	trustedProxies, publicURL string
	metricsAddr               string
	maxStreams, perClient     int
}

// addSecurityFlags registers the security flags on fs.
func addSecurityFlags(fs *flag.FlagSet) *securityFlags {
	f := &securityFlags{}
	fs.StringVar(&f.trustedProxies, "trusted-proxies", envOr("TRUSTED_PROXIES", ""), "comma-separated CIDR ranges of reverse proxies whose X-Forwarded-For, X-Real-IP, Forwarded and X-Forwarded-Host/Proto/Prefix are believed (env TRUSTED_PROXIES); empty: none, the client is the connection's peer")
	fs.StringVar(&f.publicURL, "public-url", envOr("PUBLIC_URL", ""), "the address clients use, e.g. https://map.example.org/xiyue: the base of every absolute URL (tiles.json, links) and, when https, Secure cookies and HSTS (env PUBLIC_URL); empty: from the request")
	fs.StringVar(&f.metricsAddr, "metrics-addr", envOr("METRICS_ADDR", "127.0.0.1:9464"), "address serving /metrics (Prometheus), apart from the public one (env METRICS_ADDR); empty: no metrics")
	fs.IntVar(&f.maxStreams, "max-streams", envInt("MAX_STREAMS", 10000), "most live event streams (/api/events) open at once; beyond, 503 (env MAX_STREAMS)")
	fs.IntVar(&f.perClient, "max-streams-per-client", envInt("MAX_STREAMS_PER_CLIENT", 4), "most live event streams one client address may hold; raise it where many phones share one address, e.g. a venue's Wi-Fi (env MAX_STREAMS_PER_CLIENT)")
	return f
}

// envInt returns the environment variable as a number, or def when unset
// or not a number.
func envInt(name string, def int) int {
	var n int
	if _, err := fmt.Sscan(envOr(name, ""), &n); err != nil {
		return def
	}
	return n
}

// serverSecurity is what the security flags give the HTTP server.
type serverSecurity struct {
	forwarding          httpapi.Forwarding
	maxStreams          int
	maxStreamsPerClient int
	metricsAddr         string
}

// parse checks the flags; an error names the flag and what it wants.
func (f *securityFlags) parse() (serverSecurity, error) {
	proxies, err := httpapi.ParseTrustedProxies(f.trustedProxies)
	if err != nil {
		return serverSecurity{}, fmt.Errorf("-trusted-proxies: %w", err)
	}
	public, err := httpapi.ParsePublicURL(f.publicURL)
	if err != nil {
		return serverSecurity{}, fmt.Errorf("-public-url: %w", err)
	}
	if f.maxStreams < 1 || f.perClient < 1 {
		return serverSecurity{}, fmt.Errorf("-max-streams and -max-streams-per-client must be 1 or more; got %d and %d", f.maxStreams, f.perClient)
	}
	return serverSecurity{
		forwarding: httpapi.Forwarding{TrustedProxies: proxies, PublicURL: public},
		maxStreams: f.maxStreams, maxStreamsPerClient: f.perClient,
		metricsAddr: f.metricsAddr,
	}, nil
}

// log prints the security settings at start.
func (s serverSecurity) log(log *slog.Logger) {
	proxies := make([]string, len(s.forwarding.TrustedProxies))
	for i, p := range s.forwarding.TrustedProxies {
		proxies[i] = p.String()
	}
	public := "(from each request's Host)"
	if u := s.forwarding.PublicURL; u != nil {
		public = u.String()
	}
	log.Info("security",
		"trusted_proxies", orDefault(strings.Join(proxies, ","), "(none: clients are the connections' peers)"),
		"public_url", public,
		"metrics_addr", orDefault(s.metricsAddr, "(off)"),
		"max_streams", s.maxStreams, "max_streams_per_client", s.maxStreamsPerClient)
}

// serveMetrics serves h on addr, apart from the public address, until the
// returned stop is called; with an empty addr it serves nothing. It says
// in the log where it listens.
func serveMetrics(addr string, h http.Handler, log *slog.Logger) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("-metrics-addr: %w", err)
	}
	if ap, err := netip.ParseAddrPort(ln.Addr().String()); err == nil && !ap.Addr().IsLoopback() {
		log.Warn("metrics are served on a non-loopback address: keep it behind a firewall", "addr", ln.Addr().String())
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server", "err", err)
		}
	}()
	log.Info("metrics listening", "addr", ln.Addr().String(), "path", "/metrics")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

// describeDatabase says which database a connection string names, for the
// log: host, port, database and user, never a password, wherever the
// string hides one (user:password@, ?password=, password='…').
func describeDatabase(s string) string {
	if s == "" {
		return "(embedded)"
	}
	cfg, err := pgx.ParseConfig(s)
	if err != nil {
		return "(not a PostgreSQL URL or key=value string)"
	}
	return fmt.Sprintf("host=%s port=%d database=%s user=%s", cfg.Host, cfg.Port, cfg.Database, cfg.User)
}

// defaultDataDir is the data directory when none is given, and rootDataDir
// where root's embedded database lives instead when the PostgreSQL account
// cannot reach that one (a checkout under /root, mode 0700): partymap does
// not loosen the permissions of the operator's directories (security L7).
const (
	defaultDataDir = "var"
	rootDataDir    = "/var/lib/partymap"
)

// embeddedDataDir returns the absolute data directory of the embedded
// database. As root, when the account PostgreSQL runs as cannot reach it,
// the default one moves to fallback, which the log says; a data directory
// given explicitly is refused with a sentence saying what to do.
func embeddedDataDir(dir, fallback string, log *slog.Logger) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	err = pglocal.CheckReachable(abs)
	var unreachable *pglocal.UnreachableError
	switch {
	case err == nil:
		return abs, nil
	case !errors.As(err, &unreachable):
		return "", err
	case dir != defaultDataDir:
		return "", fmt.Errorf("-data-dir %s: %w", dir, err)
	}
	if err := pglocal.CheckReachable(fallback); err != nil {
		return "", fmt.Errorf("neither the default data directory nor %s can be used: %w", fallback, err)
	}
	log.Warn("running as root with the default data directory out of reach of PostgreSQL's user: the map's database lives in "+fallback+" instead (give -data-dir to choose)",
		"data_dir", fallback, "unreachable", abs, "blocked_by", unreachable.Blocked, "postgres_user", unreachable.Account)
	return fallback, nil
}
