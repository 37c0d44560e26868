package pglocal

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// CreateDatabase creates database name, copied from template (template1
// when empty). The template must have no open connections. Creating
// extensions such as PostGIS in it is the caller's job (the migrations').
func (c *Cluster) CreateDatabase(ctx context.Context, name, template string) error {
	sql := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if template != "" {
		sql += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	if err := c.exec(ctx, sql); err != nil {
		if template != "" {
			return fmt.Errorf("create database %q from template %q: %w", name, template, err)
		}
		return fmt.Errorf("create database %q: %w", name, err)
	}
	return nil
}

// DropDatabase drops database name if it exists, ending its sessions
// first (WITH (FORCE)).
func (c *Cluster) DropDatabase(ctx context.Context, name string) error {
	sql := "DROP DATABASE IF EXISTS " + pgx.Identifier{name}.Sanitize() + " WITH (FORCE)"
	if err := c.exec(ctx, sql); err != nil {
		return fmt.Errorf("drop database %q: %w", name, err)
	}
	return nil
}

// exec runs one statement in the postgres maintenance database, on a
// connection of its own: CREATE and DROP DATABASE cannot run in a
// transaction and are rare enough not to need a pool.
func (c *Cluster) exec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, c.ConnString("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, sql)
	return err
}

// OwnedDatabase makes sure database name exists and belongs to role owner,
// a login role that is neither superuser nor allowed to create roles or
// databases, whose password is kept in the password file; creates the
// extensions in it as the superuser (PostGIS needs one); and hands over to
// owner what the superuser owns in its public schema apart from those
// extensions: the tables, sequences, views and functions of a database
// made by a version that connected as the superuser. It returns the
// owner's connection string: an application that connects with it can
// change its own tables but not the server, so that a flaw in it cannot
// become, say, COPY … TO PROGRAM. A missing PostGIS is a
// *NotInstalledError naming the package to install.
func (c *Cluster) OwnedDatabase(ctx context.Context, name, owner string, extensions ...string) (string, error) {
	pw, err := password(c.opts, owner)
	if err != nil {
		return "", err
	}
	conn, err := pgx.Connect(ctx, c.ConnString("postgres"))
	if err != nil {
		return "", err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	role := pgx.Identifier{owner}.Sanitize()
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", owner).Scan(&exists); err != nil {
		return "", err
	}
	verb := "CREATE"
	if exists {
		verb = "ALTER"
	}
	if _, err := conn.Exec(ctx, "SET password_encryption = 'scram-sha-256'"); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, verb+" ROLE "+role+" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '"+pw+"'"); err != nil {
		return "", fmt.Errorf("%s role %s: %w", strings.ToLower(verb), owner, err)
	}
	var dbOwner string
	err = conn.QueryRow(ctx, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1", name).Scan(&dbOwner)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" OWNER "+role); err != nil {
			return "", fmt.Errorf("create database %q: %w", name, err)
		}
	case err != nil:
		return "", err
	case dbOwner != owner:
		if _, err := conn.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{name}.Sanitize()+" OWNER TO "+role); err != nil {
			return "", fmt.Errorf("give database %q to %s: %w", name, owner, err)
		}
	}
	conn.Close(ctx)

	conn, err = pgx.Connect(ctx, c.ConnString(name))
	if err != nil {
		return "", err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for _, ext := range extensions {
		if _, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS "+pgx.Identifier{ext}.Sanitize()); err != nil {
			return "", c.extensionError(ext, err)
		}
	}
	if err := handOver(ctx, conn, owner); err != nil {
		return "", fmt.Errorf("give the objects of database %q to %s: %w", name, owner, err)
	}
	return connString(c.opts, name, owner), nil
}

// handOverSQL lists the ALTER … OWNER statements that give owner ($1) what
// the current user (the superuser) owns in schema public, but extension
// members and the sequences of identity and serial columns, which follow
// their tables.
const handOverSQL = `
SELECT format('ALTER %s %s OWNER TO %I', kind, obj, $1::text) FROM (
    SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
                          WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END AS kind,
           c.oid::regclass::text AS obj, 1 AS pass
    FROM pg_class c
    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND c.relowner = current_user::regrole
      AND NOT EXISTS (SELECT 1 FROM pg_depend d
                      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))
    UNION ALL
    SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END,
           p.oid::regprocedure::text, 2
    FROM pg_proc p
    WHERE p.pronamespace = 'public'::regnamespace AND p.proowner = current_user::regrole
      AND NOT EXISTS (SELECT 1 FROM pg_depend d
                      WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
) o
ORDER BY pass, obj`

// handOver runs handOverSQL's statements in one transaction.
func handOver(ctx context.Context, conn *pgx.Conn, owner string) error {
	rows, err := conn.Query(ctx, handOverSQL, owner)
	if err != nil {
		return err
	}
	stmts, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(stmts) == 0 {
		return err
	}
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		for _, s := range stmts {
			if _, err := tx.Exec(ctx, s); err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		return nil
	})
}

// extensionError explains a failed CREATE EXTENSION: a PostGIS that is not
// installed becomes a *NotInstalledError naming the package.
func (c *Cluster) extensionError(ext string, err error) error {
	if ext == "postgis" {
		if nie := CheckPostGIS(c.bin); nie != nil {
			return nie
		}
	}
	if ext == "pgrouting" {
		// The walking network's routing (migrations/070).
		major, merr := majorVersion(c.bin)
		if merr != nil {
			major = "NN"
		}
		return fmt.Errorf("create extension pgrouting: %w; install it with: apt-get install postgresql-%s-pgrouting", err, major)
	}
	return fmt.Errorf("create extension %s: %w", ext, err)
}
