// Package scaleout holds the tests of partymap beyond one process and one
// database: a real streaming replica started by the test harness
// (pglocal.StartReplica: pg_basebackup over the primary's Unix socket),
// reads routed to it without ever caching what it has not replayed,
// several server instances on one primary and replica, and nginx in front
// of them as docs/DEPLOY.md describes. It has no code of its own.
package scaleout
