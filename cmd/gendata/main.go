// Command gendata writes partymap's illustrative data set for the Xiyue
// community (西岳社区): one GeoJSON file per layer and a README, by default
// into data/geojson. The output depends on nothing but this program, so
// running it twice writes the same bytes.
//
// Usage, from the repository root:
//
//	go run ./cmd/gendata [-out data/geojson]
package main

import (
	"flag"
	"fmt"
	"os"

	"partymap/internal/geo"
)

func main() {
	out := flag.String("out", "data/geojson", "directory to write the GeoJSON files and README.md into")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gendata:", err)
		os.Exit(1)
	}
}

// run builds the data set and writes it into the directory out.
func run(out string) error {
	ds, err := build()
	if err != nil {
		return err
	}
	return write(out, ds, geo.NewCatalogue())
}
