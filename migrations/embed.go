// Package migrations holds the database schema as plain, numbered SQL files,
// embedded in the binary and applied in order at start.
package migrations

import "embed"

// Files holds the NNN_name.sql migrations.
//
//go:embed *.sql
var Files embed.FS
