package pglocal

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"sort"
	"time"
)

// DefaultPort is the port used when Options.Port is zero. It only names the
// socket file; the server never listens on TCP.
const DefaultPort = 5432

// DefaultStartTimeout bounds how long Start waits for the server to accept
// connections when Options.StartTimeout is zero.
const DefaultStartTimeout = 60 * time.Second

// maxSocketPath is the longest Unix socket path Linux accepts
// (sizeof(sun_path) less the terminating NUL).
const maxSocketPath = 107

// Options says where and how to run the server.
type Options struct {
	// DataDir holds the cluster (DataDir/pgdata), the Unix socket
	// (DataDir/run) and the server log (DataDir/log/postgres.log). It is
	// created if missing.
	DataDir string
	// BinDir is the directory of the postgres and initdb programs; when
	// empty it is found by FindBinaries.
	BinDir string
	// Port names the socket file, .s.PGSQL.<Port>; DefaultPort when zero.
	// The server never listens on TCP (listen_addresses is empty).
	Port int
	// Durable keeps the server crash-safe. When false, as for tests, initdb
	// skips fsync and the server runs with fsync, synchronous_commit and
	// full_page_writes off and wal_level minimal: a crash of the server may lose the last
	// commits (a session can SET synchronous_commit = on to keep them), a
	// crash of the machine may lose the cluster.
	Durable bool
	// Settings are extra server settings passed as -c name=value; they
	// override the defaults (e.g. "max_connections": "200").
	Settings map[string]string
	// StartTimeout bounds the wait for the server to accept connections;
	// DefaultStartTimeout when zero.
	StartTimeout time.Duration
	// WALArchive, when set, is the directory the server copies each
	// finished WAL segment into (archive_mode): with a base backup it
	// lets the cluster be brought back to any moment since (point-in-time
	// recovery). It may be on another disk; it is created if missing and,
	// when this process is root, given to the account PostgreSQL runs as.
	// It needs Durable: an archive of a cluster that may lose commits is
	// no record.
	WALArchive string
	// ArchiveTimeout, with WALArchive, forces a switch to a new WAL segment
	// when the current one has waited this long with changes in it, so that
	// the archive is never further behind (archive_timeout); zero: only
	// full segments (16 MiB of changes) are archived.
	ArchiveTimeout time.Duration
	// Logger receives what the package does (initdb, start, stop, fixes to
	// directory permissions); nothing is logged when nil.
	Logger *slog.Logger
}

// withDefaults returns o with empty fields filled in and DataDir absolute.
func (o Options) withDefaults() (Options, error) {
	if o.DataDir == "" {
		return o, fmt.Errorf("pglocal: no data directory given; want a path such as ./var")
	}
	abs, err := filepath.Abs(o.DataDir)
	if err != nil {
		return o, fmt.Errorf("resolve data directory %q: %w", o.DataDir, err)
	}
	o.DataDir = abs
	if o.Port == 0 {
		o.Port = DefaultPort
	}
	if o.Port < 1 || o.Port > 65535 {
		return o, fmt.Errorf("pglocal: port %d out of range; want 1 to 65535", o.Port)
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = DefaultStartTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.WALArchive != "" {
		if !o.Durable {
			return o, fmt.Errorf("pglocal: a WAL archive needs a durable cluster")
		}
		if o.WALArchive, err = filepath.Abs(o.WALArchive); err != nil {
			return o, fmt.Errorf("resolve WAL archive directory: %w", err)
		}
	}
	return o, nil
}

// pgdataDir is the cluster directory.
func (o Options) pgdataDir() string { return filepath.Join(o.DataDir, "pgdata") }

// runDir is the Unix socket directory.
func (o Options) runDir() string { return filepath.Join(o.DataDir, "run") }

// logDir is the directory of the server log.
func (o Options) logDir() string { return filepath.Join(o.DataDir, "log") }

// logPath is the server log.
func (o Options) logPath() string { return filepath.Join(o.logDir(), "postgres.log") }

// socketPath is the Unix socket the server creates.
func (o Options) socketPath() string {
	return filepath.Join(o.runDir(), fmt.Sprintf(".s.PGSQL.%d", o.Port))
}

// serverArgs returns the postgres command line: the data directory and
// every setting as -c name=value, in a stable order.
func (o Options) serverArgs() []string {
	settings := map[string]string{
		"unix_socket_directories": o.runDir(),
		"listen_addresses":        "",
		"port":                    fmt.Sprint(o.Port),
		"max_connections":         "100",
		"shared_buffers":          "128MB",
		"log_min_messages":        "warning",
	}
	if !o.Durable {
		settings["fsync"] = "off"
		settings["synchronous_commit"] = "off"
		settings["full_page_writes"] = "off"
		// Less WAL: CREATE DATABASE … TEMPLATE then copies pages without
		// logging each one. No replication, which tests do not need.
		settings["wal_level"] = "minimal"
		settings["max_wal_senders"] = "0"
	}
	if o.WALArchive != "" {
		settings["archive_mode"] = "on"
		settings["archive_command"] = ArchiveCommand(o.WALArchive)
		settings["archive_timeout"] = fmt.Sprintf("%ds", int(o.ArchiveTimeout.Seconds()))
	}
	for k, v := range o.Settings {
		settings[k] = v
	}
	names := make([]string, 0, len(settings))
	for k := range settings {
		names = append(names, k)
	}
	sort.Strings(names)
	args := []string{"-D", o.pgdataDir()}
	for _, k := range names {
		args = append(args, "-c", k+"="+settings[k])
	}
	return args
}
