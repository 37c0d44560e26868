// Package pgbackup keeps the map's database safe with PostgreSQL's own
// tools, inventing no format: pg_dump's custom format for backups that
// pg_restore reads back, pg_basebackup and the WAL archive (archive_mode,
// set up by pglocal) for point-in-time recovery, and pg_archivecleanup to
// bound the archive. It runs the programs of the PostgreSQL installed on
// the machine (found by pglocal), schedules the daily backup of a server
// with the embedded database, and reports it in metrics.
//
// Layout of a backup directory:
//
//	<dir>/partymap-20261201T190000Z.dump     pg_dump -Fc, one a day, newest kept
//	<dir>/base/20261201T190012Z/base.tar.gz  pg_basebackup -Ft -z -X stream
//	<dir>/base/20261201T190012Z/pg_wal.tar.gz
//	<dir>/base/20261201T190012Z/pgpass       the cluster's passwords (mode 0600)
//	<dir>/base/20261201T190012Z/start-wal    the first WAL segment it needs
//
// A file or directory reaches its final name only when complete (written
// under a temporary name, flushed, renamed), so a crash never leaves a
// partial backup that looks whole.
package pgbackup
