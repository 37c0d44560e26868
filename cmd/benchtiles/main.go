// Command benchtiles is the helper of scripts/bench.sh, the tile load test
// (make bench):
//
//	benchtiles list -url http://127.0.0.1:18080 -out DIR [-zooms 12,14,16] [-max 256]
//	    reads the server's /tiles.json, lists the tiles covering its bounds at
//	    each zoom (the max nearest the centre), fetches each with gzip and
//	    writes the bytes under DIR/static/tiles/z/x/y.mvt and the paths of
//	    the non-empty ones into DIR/urls-zN.txt.
//	benchtiles static -dir DIR/static -addr 127.0.0.1:18082
//	    serves those same bytes with Go's http.FileServer, as gzip MVT: the
//	    ceiling a tile server is measured against.
//	benchtiles report FILE
//	    turns the results wrk wrote (one JSON object a line) into a
//	    Markdown table: medians over the rounds and ratios to static.
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
		fmt.Fprintln(os.Stderr, "benchtiles:", err)
		os.Exit(1)
	}
}

// run dispatches to a subcommand.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("want a command: list, static or report")
	}
	switch args[0] {
	case "list":
		return runList(ctx, args[1:], stdout, stderr)
	case "static":
		return runStatic(ctx, args[1:], stderr)
	case "report":
		return runReport(args[1:], stdout, stderr)
	}
	return fmt.Errorf("unknown command %q; the commands are list, static and report", args[0])
}
