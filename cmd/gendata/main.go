// Command gendata writes partymap's illustrative data set for the Xiyue
// community (西岳社区): one GeoJSON file per layer and a README, by default
// into data/geojson. The output depends on nothing but this program, so
// running it twice writes the same bytes.
//
// Usage, from the repository root:
//
//	go run ./cmd/gendata [-out data/geojson] [-today YYYY-MM-DD]
//
// The activities' programme starts on -today (by default the current date
// in China Standard Time): run it again to move the programme on.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"partymap/internal/geo"
)

func main() {
	out := flag.String("out", "data/geojson", "directory to write the GeoJSON files and README.md into")
	today := flag.String("today", time.Now().In(geo.ChinaStandardTime()).Format(time.DateOnly), "the day the activities' programme starts, YYYY-MM-DD")
	flag.Parse()
	day, err := time.ParseInLocation(time.DateOnly, *today, geo.ChinaStandardTime())
	if err != nil {
		fmt.Fprintln(os.Stderr, "gendata: -today must be a day written YYYY-MM-DD:", err)
		os.Exit(2)
	}
	if err := run(*out, day); err != nil {
		fmt.Fprintln(os.Stderr, "gendata:", err)
		os.Exit(1)
	}
}

// run builds the data set, its programme starting on the day today, and
// writes it into the directory out.
func run(out string, today time.Time) error {
	ds, err := build(today)
	if err != nil {
		return err
	}
	return write(out, ds, geo.NewCatalogue())
}
