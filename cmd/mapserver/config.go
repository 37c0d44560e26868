package main

import (
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/internal/pgbackup"
	"partymap/internal/postgis"
	"partymap/internal/tilecache"
)

// Config is the whole configuration, from flags and environment. Each
// default is the constant of the package that uses the setting, which
// treats a zero value the same way.
type Config struct {
	// The database, for every subcommand.
	DatabaseURL string
	// ReadURLs are streaming replicas that serve the public reads (serve).
	ReadURLs         urlList
	ReplicaWait      time.Duration
	MaxReplicaLag    int64
	DataDir          string
	MaxConns         int
	StatementTimeout time.Duration
	LogLevel         string
	LogFormat        string
	// WALArchiveDir is where the embedded cluster archives its WAL: "" is
	// <data-dir>/wal-archive, "off" none. ArchiveTimeout bounds how far
	// the archive lags behind.
	WALArchiveDir  string
	ArchiveTimeout time.Duration

	// The server (mapserver serve).
	Addr           string
	SeedDir        string
	RequestTimeout time.Duration
	KioskPosition  string
	KioskIdle      time.Duration
	HomeView       string
	KioskCommunity string
	Title          string
	TileCacheBytes int64
	ReadCacheBytes int64
	MaxBodyBytes   int64
	MaxImportBytes int64
	MaxLoginBytes  int64

	// Residents' orders: their times and the public's limits.
	OrderRules  geo.OrderRules
	OrderLimits httpapi.OrderLimits

	// The daily backup of the embedded database (mapserver serve).
	BackupDir  string
	BackupAt   string
	BackupKeep int
}

// envOr returns the environment variable's value, or def when unset.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

// newFlagSet returns a flag set for a subcommand with the database flags
// every subcommand shares.
func newFlagSet(name string, cfg *Config, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("mapserver "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DatabaseURL, "database-url", envOr("DATABASE_URL", ""), "PostgreSQL URL (env DATABASE_URL); empty: run an embedded PostgreSQL in -data-dir")
	fs.StringVar(&cfg.DataDir, "data-dir", envOr("PARTYMAP_DATA_DIR", defaultDataDir), "directory of the embedded database (env PARTYMAP_DATA_DIR)")
	fs.StringVar(&cfg.LogLevel, "log-level", envOr("LOG_LEVEL", "info"), "debug, info, warn or error (env LOG_LEVEL)")
	fs.StringVar(&cfg.LogFormat, "log-format", envOr("LOG_FORMAT", "text"), "text or json (env LOG_FORMAT)")
	fs.IntVar(&cfg.MaxConns, "db-max-conns", postgis.DefaultMaxConns, "database pool size")
	fs.DurationVar(&cfg.StatementTimeout, "db-statement-timeout", postgis.DefaultStatementTimeout, "longest a database statement may run")
	fs.StringVar(&cfg.WALArchiveDir, "wal-archive-dir", envOr("PARTYMAP_WAL_ARCHIVE_DIR", ""), "where the embedded database archives its WAL for point-in-time restores, best on another disk (env PARTYMAP_WAL_ARCHIVE_DIR); empty: <data-dir>/wal-archive; off: no archive")
	fs.DurationVar(&cfg.ArchiveTimeout, "wal-archive-timeout", envDuration("PARTYMAP_WAL_ARCHIVE_TIMEOUT", defaultArchiveTimeout), "longest the WAL archive may lag behind the changes, at the cost of a 16 MiB file each time it is reached (env PARTYMAP_WAL_ARCHIVE_TIMEOUT); 0: only full segments")
	return fs
}

// urlList is a flag given once per URL (and, from the environment, a list
// separated by semicolons).
type urlList []string

// String joins the URLs, described without their passwords.
func (u *urlList) String() string {
	var out []string
	for _, s := range *u {
		out = append(out, describeDatabase(s))
	}
	return strings.Join(out, "; ")
}

// Set adds a URL.
func (u *urlList) Set(s string) error {
	*u = append(*u, s)
	return nil
}

// splitURLs reads a semicolon-separated list.
func splitURLs(s string) urlList {
	var out urlList
	for _, p := range strings.Split(s, ";") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// serveFlags adds the flags of the server to fs.
func serveFlags(fs *flag.FlagSet, cfg *Config) {
	cfg.ReadURLs = splitURLs(envOr("DATABASE_READ_URLS", ""))
	fs.Var(&cfg.ReadURLs, "database-read-url", "URL of a streaming replica of the database that serves public reads (tiles, items, finder, search); give it once per replica (env DATABASE_READ_URLS, separated by ;); none: the primary serves every read")
	fs.DurationVar(&cfg.ReplicaWait, "replica-wait", postgis.DefaultReplicaWait, "longest a read waits for a replica to replay a change it must show before reading from the primary")
	fs.Int64Var(&cfg.MaxReplicaLag, "max-replica-lag", postgis.DefaultMaxReplicaLag, "bytes of log a replica may have yet to replay and still serve reads")
	fs.StringVar(&cfg.KioskCommunity, "kiosk-community", envOr("KIOSK_COMMUNITY", ""), "code of the community the kiosk belongs to: it opens on it and returns to it when idle (env KIOSK_COMMUNITY); empty: the whole map")
	fs.StringVar(&cfg.Title, "title", envOr("PARTYMAP_TITLE", ""), "the map's title where it shows several communities, e.g. 华阴市 (env PARTYMAP_TITLE); a map of one community is titled with its name")
	fs.StringVar(&cfg.Addr, "addr", envOr("ADDR", ":8080"), "address to listen on (env ADDR)")
	fs.StringVar(&cfg.SeedDir, "seed", envOr("PARTYMAP_SEED_DIR", ""), "directory of GeoJSON files loaded into an empty database (env PARTYMAP_SEED_DIR); empty: the built-in Xiyue data")
	fs.DurationVar(&cfg.RequestTimeout, "request-timeout", httpapi.DefaultRequestTimeout, "longest a request's database work may take")
	fs.StringVar(&cfg.KioskPosition, "kiosk-position", envOr("KIOSK_POSITION", "110.099817,34.574658"), "lon,lat where the street kiosk stands, WGS 84 (env KIOSK_POSITION); empty: none")
	fs.DurationVar(&cfg.KioskIdle, "kiosk-idle", envDuration("KIOSK_IDLE", httpapi.DefaultKioskIdle), "how long the kiosk waits untouched before it closes its card and flies home (env KIOSK_IDLE)")
	fs.StringVar(&cfg.HomeView, "home-view", envOr("HOME_VIEW", ""), "the viewer's home view: lon,lat,zoom,bearing,pitch (env HOME_VIEW); empty: the view of the Xiyue community")
	fs.Int64Var(&cfg.TileCacheBytes, "tile-cache-bytes", tilecache.DefaultMaxBytes, "memory for rendered vector tiles (gzip and raw bytes); 0 keeps none (every request renders)")
	fs.Int64Var(&cfg.ReadCacheBytes, "read-cache-bytes", httpapi.DefaultReadCacheBytes, "memory for rendered feature answers (collections, item pages, items), in bytes")
	fs.Int64Var(&cfg.MaxBodyBytes, "max-body-bytes", httpapi.DefaultMaxBodyBytes, "largest request body of a write, in bytes")
	fs.Int64Var(&cfg.MaxImportBytes, "max-import-bytes", httpapi.DefaultMaxImportBytes, "largest import file, in bytes")
	fs.Int64Var(&cfg.MaxLoginBytes, "max-login-bytes", httpapi.DefaultMaxLoginBytes, "largest login request body, in bytes")
	fs.DurationVar(&cfg.OrderRules.ClaimWithin, "order-claim-within", 24*time.Hour, "an order not claimed this long after it was published is overdue")
	fs.DurationVar(&cfg.OrderRules.DoneWithin, "order-done-within", 7*24*time.Hour, "an order not done this long after it was submitted is overdue")
	fs.DurationVar(&cfg.OrderRules.ConfirmWithin, "order-confirm-within", 7*24*time.Hour, "how long after an order is done its submitter may confirm or reopen it")
	fs.DurationVar(&cfg.OrderRules.KeepContact, "order-keep-contact", 180*24*time.Hour, "how long a submitter's phone is kept after the order ended (done, confirmed or rejected)")
	fs.IntVar(&cfg.OrderLimits.PerAddress, "orders-per-address", httpapi.DefaultOrdersPerAddress, "orders the public may place from one address per hour, per instance")
	fs.IntVar(&cfg.OrderLimits.PerDevice, "orders-per-device", httpapi.DefaultOrdersPerDevice, "orders the public may place from one device (its cookie) per hour, per instance")
	fs.StringVar(&cfg.BackupDir, "backup-dir", envOr("PARTYMAP_BACKUP_DIR", ""), "where the server writes the embedded database's daily backups, best on another disk (env PARTYMAP_BACKUP_DIR); empty: <data-dir>/backups")
	fs.StringVar(&cfg.BackupAt, "backup-time", envOr("PARTYMAP_BACKUP_TIME", pgbackup.DefaultAt), "time of day (HH:MM, local) of the daily backup (env PARTYMAP_BACKUP_TIME); off: none")
	fs.IntVar(&cfg.BackupKeep, "backup-keep", envInt("PARTYMAP_BACKUP_KEEP", pgbackup.DefaultKeep), "how many daily backups to keep (env PARTYMAP_BACKUP_KEEP)")
}

// defaultArchiveTimeout bounds how far the WAL archive lags: a disk that
// dies loses at most this much of the changes when the archive is on
// another disk.
const defaultArchiveTimeout = time.Hour

// walArchiveDir returns the WAL archive of the embedded database in
// dataDir, "" when archiving is off.
func (c Config) walArchiveDir(dataDir string) string {
	switch c.WALArchiveDir {
	case "off":
		return ""
	case "":
		return filepath.Join(dataDir, "wal-archive")
	}
	abs, err := filepath.Abs(c.WALArchiveDir)
	if err != nil {
		return c.WALArchiveDir
	}
	return abs
}

// backupDir returns the directory of the daily backups of the embedded
// database in dataDir.
func (c Config) backupDir(dataDir string) string {
	if c.BackupDir == "" {
		return filepath.Join(dataDir, "backups")
	}
	abs, err := filepath.Abs(c.BackupDir)
	if err != nil {
		return c.BackupDir
	}
	return abs
}

// logger returns the log of the configured level and format, to w.
func (c Config) logger(w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// accessLog returns where the access log goes: w, unless the log level
// leaves out info lines.
func (c Config) accessLog(w io.Writer) io.Writer {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err == nil && level > slog.LevelInfo {
		return nil
	}
	return w
}

// logConfig prints the configuration at start, without secrets.
func (c Config) logConfig(log *slog.Logger) {
	log.Info("configuration",
		"addr", c.Addr,
		"database", describeDatabase(c.DatabaseURL),
		"read_replicas", c.ReadURLs.String(),
		"data_dir", c.DataDir,
		"seed", orDefault(c.SeedDir, "(built-in Xiyue data)"),
		"request_timeout", c.RequestTimeout,
		"kiosk_position", c.KioskPosition,
		"tile_cache_bytes", c.TileCacheBytes,
		"read_cache_bytes", c.ReadCacheBytes,
		"db_max_conns", c.MaxConns,
		"db_statement_timeout", c.StatementTimeout,
	)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
