package main

import (
	"flag"
	"io"
	"log/slog"
	"os"
	"time"
)

// Config is the whole configuration, from flags and environment.
type Config struct {
	Addr             string
	DatabaseURL      string
	DataDir          string
	SeedDir          string
	LogLevel         string
	LogFormat        string
	RequestTimeout   time.Duration
	MaxConns         int
	StatementTimeout time.Duration
	KioskPosition    string
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
	fs.IntVar(&cfg.MaxConns, "db-max-conns", 10, "database pool size")
	fs.DurationVar(&cfg.StatementTimeout, "db-statement-timeout", 5*time.Second, "longest a database statement may run")
	return fs
}

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

// logConfig prints the configuration at start, without secrets.
func (c Config) logConfig(log *slog.Logger) {
	log.Info("configuration",
		"addr", c.Addr,
		"database", describeDatabase(c.DatabaseURL),
		"data_dir", c.DataDir,
		"seed", orDefault(c.SeedDir, "(built-in Xiyue data)"),
		"request_timeout", c.RequestTimeout,
		"kiosk_position", c.KioskPosition,
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
