package postgis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"partymap/internal/geo"
)

const userColumns = `u.id, u.name, u.role, u.grids, u.disabled, u.created_at, u.last_login_at`

func scanUser(r pgx.Row) (geo.User, error) {
	var u geo.User
	var role string
	err := r.Scan(&u.ID, &u.Name, &role, &u.Grids, &u.Disabled, &u.CreatedAt, &u.LastLoginAt)
	u.Role = geo.Role(role)
	if u.Grids == nil {
		u.Grids = []string{}
	}
	return u, err
}

// CreateUser adds a staff account. grids, when not empty, limits an editor
// to the grids with those codes, which must exist.
func (db *DB) CreateUser(ctx context.Context, name string, role geo.Role, grids []string, password string) (geo.User, error) {
	name, err := geo.NormalizeUserName(name)
	if err != nil {
		return geo.User{}, err
	}
	if _, err := geo.ParseRole(string(role)); err != nil {
		return geo.User{}, err
	}
	if err := geo.CheckPassword(password); err != nil {
		return geo.User{}, err
	}
	if err := db.checkGridCodes(ctx, grids); err != nil {
		return geo.User{}, err
	}
	hash, err := geo.HashPassword(password)
	if err != nil {
		return geo.User{}, err
	}
	if grids == nil {
		grids = []string{}
	}
	u, err := scanUser(db.pool.QueryRow(ctx, `INSERT INTO users AS u (name, role, grids, password_hash) VALUES ($1, $2, $3, $4)
		ON CONFLICT (name) DO NOTHING RETURNING `+userColumns, name, string(role), grids, hash))
	if errors.Is(err, pgx.ErrNoRows) {
		return geo.User{}, geo.Errorf(geo.EINVALID, "There is already a user %q.", name)
	}
	if err != nil {
		return geo.User{}, storeError(err)
	}
	return u, nil
}

// checkGridCodes answers EINVALID naming the codes that no grid has.
func (db *DB) checkGridCodes(ctx context.Context, codes []string) error {
	if len(codes) == 0 {
		return nil
	}
	var missing []string
	err := db.pool.QueryRow(ctx, `SELECT coalesce(array_agg(c ORDER BY c), '{}') FROM unnest($1::text[]) c WHERE NOT EXISTS (SELECT 1 FROM grids WHERE code = c)`, codes).Scan(&missing)
	if err != nil {
		return storeError(err)
	}
	if len(missing) > 0 {
		var n int
		if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM grids`).Scan(&n); err == nil && n == 0 {
			return geo.Errorf(geo.EINVALID, "The map has no grids yet, so there is no grid %s: start the server once to load the data, then add the user.", strings.Join(missing, ", "))
		}
		return geo.Errorf(geo.EINVALID, "There is no grid with code %s.", strings.Join(missing, ", "))
	}
	return nil
}

// FindUser returns the account with that name.
func (db *DB) FindUser(ctx context.Context, name string) (geo.User, error) {
	n, err := geo.NormalizeUserName(name)
	if err != nil {
		return geo.User{}, err
	}
	u, err := scanUser(db.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users u WHERE u.name = $1`, n))
	if errors.Is(err, pgx.ErrNoRows) {
		return geo.User{}, geo.Errorf(geo.ENOTFOUND, "There is no user %q.", n)
	}
	return u, storeError(err)
}

// Users lists every account by name.
func (db *DB) Users(ctx context.Context) ([]geo.User, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+userColumns+` FROM users u ORDER BY u.name`)
	if err != nil {
		return nil, storeError(err)
	}
	defer rows.Close()
	var out []geo.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, storeError(err)
		}
		out = append(out, u)
	}
	return out, storeError(rows.Err())
}

// SetPassword changes a user's password and ends the user's sessions.
func (db *DB) SetPassword(ctx context.Context, name, password string) error {
	if err := geo.CheckPassword(password); err != nil {
		return err
	}
	hash, err := geo.HashPassword(password)
	if err != nil {
		return err
	}
	return db.updateUser(ctx, name, `UPDATE users SET password_hash = $2, updated_at = now() WHERE name = $1 RETURNING id`, hash)
}

// SetDisabled disables (or enables again) an account; disabling ends its
// sessions, and its API tokens stop working while it is disabled.
func (db *DB) SetDisabled(ctx context.Context, name string, disabled bool) error {
	return db.updateUser(ctx, name, `UPDATE users SET disabled = $2, updated_at = now() WHERE name = $1 RETURNING id`, disabled)
}

// updateUser runs an UPDATE of one user by name and ends the user's sessions.
func (db *DB) updateUser(ctx context.Context, name, sql string, arg any) error {
	n, err := geo.NormalizeUserName(name)
	if err != nil {
		return err
	}
	return storeError(pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, sql, n, arg).Scan(&id); errors.Is(err, pgx.ErrNoRows) {
			return geo.Errorf(geo.ENOTFOUND, "There is no user %q.", n)
		} else if err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, id)
		return err
	}))
}

// Login checks a name and password under the policy, in a transaction
// serialised per name so that parallel guesses cannot slip past the limit.
// Unknown names cost the same hashing as known ones and get the same answer.
func (db *DB) Login(ctx context.Context, name, password, client string, p geo.LoginPolicy) (geo.User, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if len(n) > 64 {
		n = n[:64]
	}
	if len(client) > 64 {
		client = client[:64]
	}
	var user geo.User
	var outcome error
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('partymap.login:' || $1))`, n); err != nil {
			return err
		}
		for _, q := range []struct {
			col string
			key string
			max int
		}{{"name", n, p.MaxFailures}, {"ip", client, p.MaxClientFailures}} {
			locked, err := lockedFor(ctx, tx, q.col, q.key, q.max, p)
			if err != nil {
				return err
			}
			if locked > 0 {
				minutes := int(locked.Minutes()) + 1
				outcome = &geo.Error{Code: geo.EFORBIDDEN, Err: &geo.LoginLocked{RetryAfter: locked},
					Message: fmt.Sprintf("Too many failed logins: logging in as this user (or from this address) is locked for %d more minute(s). Wait, then try again.", minutes)}
				return nil
			}
		}
		var hash string
		var err error
		user, err = scanUserWithHash(tx.QueryRow(ctx, `SELECT `+userColumns+`, u.password_hash FROM users u WHERE u.name = $1`, n), &hash)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		err = nil
		ok := geo.VerifyPassword(hash, password)
		if _, err := tx.Exec(ctx, `INSERT INTO login_attempts (name, ip, ok) VALUES ($1, $2, $3)`, n, client, ok); err != nil {
			return err
		}
		switch {
		case !ok:
			outcome = geo.ErrBadLogin()
		case user.Disabled:
			outcome = geo.Errorf(geo.EFORBIDDEN, "This account is disabled; ask an administrator.")
		default:
			_, err = tx.Exec(ctx, `UPDATE users SET last_login_at = now() WHERE id = $1`, user.ID)
		}
		return err
	})
	if err != nil {
		return geo.User{}, storeError(err)
	}
	if outcome != nil {
		return geo.User{}, outcome
	}
	return user, nil
}

func scanUserWithHash(r pgx.Row, hash *string) (geo.User, error) {
	var u geo.User
	var role string
	err := r.Scan(&u.ID, &u.Name, &role, &u.Grids, &u.Disabled, &u.CreatedAt, &u.LastLoginAt, hash)
	u.Role = geo.Role(role)
	return u, err
}

// lockedFor returns how much longer a name or client address is locked:
// after limit failures within the policy's window (since the last success),
// until LockFor after the last failure.
func lockedFor(ctx context.Context, tx pgx.Tx, col, key string, limit int, p geo.LoginPolicy) (time.Duration, error) {
	if limit <= 0 {
		return 0, nil
	}
	// col is "name" or "ip", chosen above, never from a request.
	sql := fmt.Sprintf(`SELECT count(*), max(at), now() FROM login_attempts
		WHERE %[1]s = $1 AND NOT ok AND at > now() - $2::interval
		  AND at > coalesce((SELECT max(at) FROM login_attempts WHERE %[1]s = $1 AND ok), '-infinity')`, col)
	var n int
	var last *time.Time
	var now time.Time
	if err := tx.QueryRow(ctx, sql, key, p.Window).Scan(&n, &last, &now); err != nil {
		return 0, err
	}
	if n < limit || last == nil {
		return 0, nil
	}
	return max(last.Add(p.LockFor).Sub(now), 0), nil
}

// CreateToken makes a personal API token for the user and returns it; only
// its hash is kept, so it cannot be shown again.
func (db *DB) CreateToken(ctx context.Context, userName, tokenName string, expires *time.Time) (string, geo.APIToken, error) {
	u, err := db.FindUser(ctx, userName)
	if err != nil {
		return "", geo.APIToken{}, err
	}
	tokenName = strings.TrimSpace(tokenName)
	if tokenName == "" || len(tokenName) > 100 {
		return "", geo.APIToken{}, geo.Errorf(geo.EINVALID, "A token needs a name of 1 to 100 characters saying what it is for, like \"qgis\" or \"parking-sensor\".")
	}
	secret, err := geo.NewSecret()
	if err != nil {
		return "", geo.APIToken{}, err
	}
	token := geo.TokenPrefix + secret
	t := geo.APIToken{User: u.Name, Name: tokenName, Prefix: token[:len(geo.TokenPrefix)+6], ExpiresAt: expires}
	err = db.pool.QueryRow(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, prefix, expires_at) VALUES ($1, $2, $3, $4, $5)
		RETURNING id, created_at`, u.ID, tokenName, geo.HashSecret(token), t.Prefix, expires).Scan(&t.ID, &t.CreatedAt)
	if err != nil {
		return "", geo.APIToken{}, storeError(err)
	}
	return token, t, nil
}

// RevokeToken stops a token from working; it stays listed as revoked.
func (db *DB) RevokeToken(ctx context.Context, id int64) error {
	tag, err := db.pool.Exec(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, id)
	if err != nil {
		return storeError(err)
	}
	if tag.RowsAffected() == 0 {
		return geo.Errorf(geo.ENOTFOUND, "There is no active token with id %d.", id)
	}
	return nil
}

// Tokens lists the tokens of a user, or of everyone when userName is empty.
func (db *DB) Tokens(ctx context.Context, userName string) ([]geo.APIToken, error) {
	rows, err := db.pool.Query(ctx, `SELECT t.id, u.name, t.name, t.prefix, t.created_at, t.expires_at, t.last_used_at, t.revoked_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE $1 = '' OR u.name = $1 ORDER BY t.id`, strings.ToLower(userName))
	if err != nil {
		return nil, storeError(err)
	}
	defer rows.Close()
	var out []geo.APIToken
	for rows.Next() {
		var t geo.APIToken
		if err := rows.Scan(&t.ID, &t.User, &t.Name, &t.Prefix, &t.CreatedAt, &t.ExpiresAt, &t.LastUsedAt, &t.RevokedAt); err != nil {
			return nil, storeError(err)
		}
		out = append(out, t)
	}
	return out, storeError(rows.Err())
}

// FindTokenUser returns the user of an API token and notes its use.
func (db *DB) FindTokenUser(ctx context.Context, token string) (geo.User, error) {
	var tokenID int64
	var u geo.User
	var role string
	err := db.pool.QueryRow(ctx, `SELECT `+userColumns+`, t.id FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())`, geo.HashSecret(token)).
		Scan(&u.ID, &u.Name, &role, &u.Grids, &u.Disabled, &u.CreatedAt, &u.LastLoginAt, &tokenID)
	u.Role = geo.Role(role)
	if errors.Is(err, pgx.ErrNoRows) {
		return geo.User{}, geo.Errorf(geo.EUNAUTHORIZED, "The API token is unknown, revoked or expired.")
	}
	if err != nil {
		return geo.User{}, storeError(err)
	}
	if u.Disabled {
		return geo.User{}, geo.Errorf(geo.EUNAUTHORIZED, "The API token's account is disabled.")
	}
	if _, err := db.pool.Exec(ctx, `UPDATE api_tokens SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, tokenID); err != nil {
		return geo.User{}, storeError(err)
	}
	return u, nil
}
