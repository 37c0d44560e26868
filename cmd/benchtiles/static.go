package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// runStatic serves the fetched tile bytes as static files until ctx ends.
func runStatic(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("benchtiles static", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "directory holding tiles/z/x/y.mvt (gzip bytes)")
	addr := fs.String("addr", "127.0.0.1:18082", "address to listen on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return fmt.Errorf("-dir is required")
	}
	files := http.FileServer(http.Dir(*dir))
	srv := &http.Server{
		// The files are the gzip bytes the tile server sent: label them so.
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Content-Type", "application/vnd.mapbox-vector-tile")
			h.Set("Content-Encoding", "gzip")
			h.Set("Vary", "Accept-Encoding")
			files.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "serving %s on http://%s\n", *dir, ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
