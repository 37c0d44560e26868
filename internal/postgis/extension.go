package postgis

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// missingPostGIS turns PostgreSQL's `extension "postgis" is not available`
// (SQLSTATE 0A000; 58P01 "could not open extension control file" before
// PostgreSQL 15) into a sentence naming the
// package to install on the database server, as scripts/deps.sh installs
// it: postgresql-NN-postgis-3 for the server's major version NN. Any other
// error is returned as it is.
func missingPostGIS(ctx context.Context, conn *pgx.Conn, err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || (pgErr.Code != "0A000" && pgErr.Code != "58P01") {
		return err
	}
	if strings.Contains(pgErr.Message, "pgrouting") {
		// The walking network (migrations/070) is walked by pgRouting.
		return fmt.Errorf("pgRouting is not installed on the database server: install it there (on Debian or Ubuntu the package postgresql-NN-pgrouting, NN the server's major version), then start mapserver again: %w", err)
	}
	if !strings.Contains(pgErr.Message, "postgis") {
		return err
	}
	var version int
	if qerr := conn.QueryRow(ctx, "SELECT current_setting('server_version_num')::int").Scan(&version); qerr != nil {
		return fmt.Errorf("PostGIS is not installed on the database server: install it there (on Debian or Ubuntu the package postgresql-NN-postgis-3, NN the server's major version), then start mapserver again: %w", err)
	}
	major := version / 10000
	return fmt.Errorf("PostGIS is not installed on the database server (PostgreSQL %d): install it there with apt-get install postgresql-%d-postgis-3 (Debian, Ubuntu), then start mapserver again", major, major)
}
