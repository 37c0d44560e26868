// Package pglocal runs a private PostgreSQL server owned by this process.
//
// It finds the PostgreSQL binaries installed on the machine, creates a
// cluster in a data directory when there is none (initdb), starts the
// postgres server as a child process that listens only on a Unix socket
// inside that directory, and stops it again. The server (cmd/mapserver) uses
// it when no DATABASE_URL is given, and the test harness (internal/pgtest)
// uses it for a throwaway cluster per test binary.
//
// PostgreSQL refuses to run as root. When the current process is root, the
// child processes run as the "postgres" OS user if it exists, else as
// "nobody"; the data and socket directories are handed to that user and
// every ancestor directory of the data directory is made traversable by it.
//
// Layout of a data directory:
//
//	<DataDir>/pgdata/            the cluster (PG_VERSION, base/, …)
//	<DataDir>/run/.s.PGSQL.<port> the Unix socket
//	<DataDir>/log/postgres.log   the server log (stderr of postgres and initdb)
//	<DataDir>/pgpass             the roles' passwords (libpq password file, 0600)
//
// With Options.WALArchive the server archives every finished WAL segment
// into that directory (archive_mode, ArchiveCommand), for point-in-time
// recovery from a base backup (package pgbackup).
package pglocal
