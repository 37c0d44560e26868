// Command mapserver serves the community's party-building map: the OGC API
// – Features, vector tiles and the web viewer, from PostGIS. With no
// DATABASE_URL it runs its own PostgreSQL + PostGIS in its data directory.
//
// Usage:
//
//	mapserver [serve] [flags]   serve the map (the default)
//	mapserver migrate [flags]   apply the database migrations and exit
//	mapserver import DIR        upsert the layers' GeoJSON files from DIR
//	mapserver export DIR        write every layer as GeoJSON into DIR
//	mapserver backup -o FILE    back up the map's database (pg_dump)
//	mapserver restore FILE      restore a backup; -to-time: point in time
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mapserver:", err)
		os.Exit(1)
	}
}

// run dispatches to a subcommand.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return runServe(ctx, args, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, args, stdout, stderr)
	case "import":
		return runImport(ctx, args, stdout, stderr)
	case "export":
		return runExport(ctx, args, stdout, stderr)
	case "export-tiles":
		return runExportTiles(ctx, args, stdout, stderr)
	case "user":
		return runUser(ctx, args, os.Stdin, stdout, stderr)
	case "token":
		return runToken(ctx, args, stdout, stderr)
	case "backup":
		return runBackup(ctx, args, stdout, stderr)
	case "restore":
		return runRestore(ctx, args, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q; the commands are serve, migrate, import, export, export-tiles, user, token, backup, restore", cmd)
}

const usage = `mapserver serves the community's party-building map.

Usage:
  mapserver [serve] [flags]       serve the map (default)
  mapserver migrate [flags]       apply the database migrations and exit
  mapserver import [flags] DIR    upsert the layers' GeoJSON files from DIR
  mapserver export [flags] DIR    write every layer as GeoJSON into DIR
  mapserver export-tiles -o FILE.pmtiles [-minzoom N] [-maxzoom N] [-bbox …] [-c CODE]
                                  write the map's vector tiles into one PMTiles archive
  mapserver user add|passwd|disable|enable|list   manage staff accounts
  mapserver token add|revoke|list                 manage personal API tokens
  mapserver backup -o FILE        write a backup of the map's database (while it serves)
  mapserver restore FILE          restore a backup into an empty data directory or database
  mapserver restore -to-time "2026-12-01 15:04:05+08" -data-dir NEWDIR
                                  bring the map back to a moment, into a new data directory

Run "mapserver COMMAND -h" for a command's flags.
`
