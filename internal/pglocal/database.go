package pglocal

import (
	"context"
	"fmt"

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
