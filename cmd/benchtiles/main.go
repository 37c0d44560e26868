// Command benchtiles is the helper of scripts/bench.sh (make bench), which
// measures mapserver's warm answers against nginx and a minimal Go handler
// serving the same bytes:
//
//	benchtiles pick -url http://127.0.0.1:18080 [-zooms 13,14,15,16] [-near 5000]
//	    prints the tile (of up to 64 per zoom around the centre of the
//	    server's /tiles.json bounds) whose gzip answer is nearest -near bytes.
//	benchtiles fetch -url http://127.0.0.1:18080 -out DIR PATH...
//	    writes each answer as the server sends it: identity bytes at
//	    DIR/PATH, gzip bytes at DIR/PATH.gz (nginx's gzip_static layout).
//	benchtiles serve -dir DIR -addr 127.0.0.1:18082
//	    serves those bytes from memory with a minimal net/http handler.
//	benchtiles report FILE
//	    turns the results wrk wrote (one JSON object a line) into a
//	    Markdown table: medians over the rounds and in-round ratios.
//	benchtiles splice -doc docs/BENCHMARKS.md -in REPORT
//	    puts a report into the document between its bench marks.
//	benchtiles bbox /tiles/z/x/y.mvt
//	    prints the tile's bounds as a bbox parameter.
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
		return fmt.Errorf("want a command: pick, fetch, serve, report, splice or bbox")
	}
	switch args[0] {
	case "pick":
		return runPick(ctx, args[1:], stdout, stderr)
	case "fetch":
		return runFetch(ctx, args[1:], stdout, stderr)
	case "serve":
		return runServe(ctx, args[1:], stderr)
	case "report":
		return runReport(args[1:], stdout, stderr)
	case "splice":
		return runSplice(args[1:], stderr)
	case "bbox":
		return runBBox(args[1:], stdout)
	}
	return fmt.Errorf("unknown command %q; the commands are pick, fetch, serve, report, splice and bbox", args[0])
}
