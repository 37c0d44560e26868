package postgis

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"partymap/internal/geo"
)

const userColumns = `u.id, u.name, u.role, u.communities, u.grids, u.disabled, u.created_at, u.last_login_at`

func scanUser(r pgx.Row) (geo.User, error) {
	var u geo.User
	var role string
	err := r.Scan(&u.ID, &u.Name, &role, &u.Communities, &u.Grids, &u.Disabled, &u.CreatedAt, &u.LastLoginAt)
	u.Role = geo.Role(role)
	u.Communities, u.Grids = orEmpty(u.Communities), orEmpty(u.Grids)
	return u, err
}

// orEmpty returns codes, or an empty list for none: an account's scope is
// a list in JSON, never null.
func orEmpty(codes []string) []string {
	if codes == nil {
		return []string{}
	}
	return codes
}

// CreateUser adds a staff account limited to the scope: some communities
// and, for an editor, some grids, which must exist (and lie in those
// communities); an empty scope is the whole city.
func (db *DB) CreateUser(ctx context.Context, name string, role geo.Role, scope geo.Scope, password string) (geo.User, error) {
	grids := scope.Grids
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
	if err := db.checkCommunityCodes(ctx, scope); err != nil {
		return geo.User{}, err
	}
	hash, err := geo.HashPassword(password)
	if err != nil {
		return geo.User{}, err
	}
	if grids == nil {
		grids = []string{}
	}
	communities := scope.Communities
	if communities == nil {
		communities = []string{}
	}
	u, err := scanUser(db.pool.QueryRow(ctx, `INSERT INTO users AS u (name, role, communities, grids, password_hash) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (name) DO NOTHING RETURNING `+userColumns, name, string(role), communities, grids, hash))
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

// checkCommunityCodes answers EINVALID naming the community codes that no
// community has, and the grids of the scope that lie in none of its
// communities.
func (db *DB) checkCommunityCodes(ctx context.Context, scope geo.Scope) error {
	if len(scope.Communities) == 0 {
		return nil
	}
	var missing, elsewhere []string
	err := db.pool.QueryRow(ctx, `SELECT
			(SELECT coalesce(array_agg(c ORDER BY c), '{}') FROM unnest($1::text[]) c WHERE NOT EXISTS (SELECT 1 FROM communities WHERE code = c)),
			(SELECT coalesce(array_agg(g.code ORDER BY g.code), '{}') FROM grids g WHERE g.code = ANY($2) AND g.community <> ALL($1))`,
		scope.Communities, scope.Grids).Scan(&missing, &elsewhere)
	if err != nil {
		return storeError(err)
	}
	if len(missing) > 0 {
		return geo.Errorf(geo.EINVALID, "There is no community with code %s.", strings.Join(missing, ", "))
	}
	if len(elsewhere) > 0 {
		return geo.Errorf(geo.EINVALID, "Grid %s lies in none of the communities %s; give grids of those communities.", strings.Join(elsewhere, ", "), strings.Join(scope.Communities, ", "))
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

// loginStateSQL reads, in one round trip, the account with the name ($1)
// and its password hash, if any, and counts the failed logins within the
// window ($3) since the last success of the same kind: of the name from
// the address ($2), of the address, and of the name from anywhere; and
// whether the address has logged in as that user before.
const loginStateSQL = `
WITH a AS (
    SELECT name = $1 AS for_name, ip = $2 AS from_client, ok, at
    FROM login_attempts
    WHERE at > now() - $3::interval AND (name = $1 OR ip = $2)
), since AS (
    SELECT coalesce(max(at) FILTER (WHERE ok AND for_name AND from_client), '-infinity') AS pair_ok,
           coalesce(max(at) FILTER (WHERE ok AND from_client), '-infinity') AS client_ok,
           coalesce(max(at) FILTER (WHERE ok AND for_name), '-infinity') AS name_ok
    FROM a
), f AS (
    SELECT count(*) FILTER (WHERE NOT ok AND for_name AND from_client AND at > pair_ok) AS pair_n,
           max(at) FILTER (WHERE NOT ok AND for_name AND from_client AND at > pair_ok) AS pair_last,
           count(*) FILTER (WHERE NOT ok AND from_client AND at > client_ok) AS client_n,
           max(at) FILTER (WHERE NOT ok AND from_client AND at > client_ok) AS client_last,
           count(*) FILTER (WHERE NOT ok AND for_name AND at > name_ok) AS name_n,
           max(at) FILTER (WHERE NOT ok AND for_name AND at > name_ok) AS name_last
    FROM since LEFT JOIN a ON true
)
SELECT ` + userColumns + `, u.password_hash,
       f.pair_n, f.pair_last, f.client_n, f.client_last, f.name_n, f.name_last,
       EXISTS (SELECT 1 FROM login_addresses la WHERE la.user_id = u.id AND la.ip = $2),
       now()
FROM f LEFT JOIN users u ON u.name = $1`

// LoginState reads the account with the name and the failed logins within
// window that count against the name and the client address, in one short
// statement: the password is checked by the caller, holding no connection,
// transaction or lock.
func (db *DB) LoginState(ctx context.Context, name, client string, window time.Duration) (geo.LoginState, error) {
	name, client = geo.LoginKey(name), geo.LoginKey(client)
	var st geo.LoginState
	var id *int64
	var uname, role, hash *string
	var disabled *bool
	var created *time.Time
	var pairLast, clientLast, nameLast *time.Time
	err := db.pool.QueryRow(ctx, loginStateSQL, name, client, window).Scan(
		&id, &uname, &role, &st.User.Communities, &st.User.Grids, &disabled, &created, &st.User.LastLoginAt, &hash,
		&st.Pair.Count, &pairLast, &st.Client.Count, &clientLast, &st.Name.Count, &nameLast, &st.KnownClient, &st.Now)
	if err != nil {
		return geo.LoginState{}, storeError(err)
	}
	if id != nil {
		st.User.ID, st.User.Name, st.User.Role, st.User.Disabled, st.User.CreatedAt, st.Hash = *id, *uname, geo.Role(*role), *disabled, *created, *hash
	}
	st.User.Communities, st.User.Grids = orEmpty(st.User.Communities), orEmpty(st.User.Grids)
	for _, f := range []struct {
		last *time.Time
		into *geo.Failures
	}{{pairLast, &st.Pair}, {clientLast, &st.Client}, {nameLast, &st.Name}} {
		if f.last != nil {
			f.into.Last = *f.last
		}
	}
	return st, nil
}

// RecordLogin records a checked login, and for a user who logged in, the
// time and the address as a known one. Attempts older than window are
// forgotten on the way, and known addresses unused for a year.
func (db *DB) RecordLogin(ctx context.Context, a geo.LoginAttempt, window time.Duration) error {
	name, client := geo.LoginKey(a.Name), geo.LoginKey(a.Client)
	const record = `WITH purge AS (DELETE FROM login_attempts WHERE at < now() - $4::interval)
		INSERT INTO login_attempts (name, ip, ok) VALUES ($1, $2, $3)`
	if a.UserID == 0 {
		_, err := db.pool.Exec(ctx, record, name, client, a.OK, window)
		return storeError(err)
	}
	return storeError(pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, record, name, client, a.OK, window); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET last_login_at = now() WHERE id = $1`, a.UserID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `WITH purge AS (DELETE FROM login_addresses WHERE last_ok_at < now() - interval '1 year')
			INSERT INTO login_addresses (user_id, ip) VALUES ($1, $2)
			ON CONFLICT (user_id, ip) DO UPDATE SET last_ok_at = now()`, a.UserID, client)
		return err
	}))
}

// LoginFailures returns, for every name with failed logins within window
// since its last success, how many and the latest: what an administrator
// looks at to see who is being guessed at (mapserver user list).
func (db *DB) LoginFailures(ctx context.Context, window time.Duration) (map[string]geo.Failures, error) {
	rows, err := db.pool.Query(ctx, `SELECT name, count(*), max(at) FROM login_attempts f
		WHERE NOT ok AND at > now() - $1::interval
		  AND at > coalesce((SELECT max(at) FROM login_attempts s WHERE s.name = f.name AND s.ok), '-infinity')
		GROUP BY name`, window)
	if err != nil {
		return nil, storeError(err)
	}
	defer rows.Close()
	out := map[string]geo.Failures{}
	for rows.Next() {
		var name string
		var f geo.Failures
		if err := rows.Scan(&name, &f.Count, &f.Last); err != nil {
			return nil, storeError(err)
		}
		out[name] = f
	}
	return out, storeError(rows.Err())
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

// MakeUnconditional lets a token write without If-Match: for editing
// clients that cannot send it (QGIS). Its writes apply to the item as it
// is, each a new version, and note in the history the changes of others
// they undo (geo.UnconditionalNote).
func (db *DB) MakeUnconditional(ctx context.Context, id int64) error {
	tag, err := db.pool.Exec(ctx, `UPDATE api_tokens SET unconditional = true WHERE id = $1 AND revoked_at IS NULL`, id)
	if err != nil {
		return storeError(err)
	}
	if tag.RowsAffected() == 0 {
		return geo.Errorf(geo.ENOTFOUND, "There is no active token with id %d.", id)
	}
	return nil
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
	rows, err := db.pool.Query(ctx, `SELECT t.id, u.name, t.name, t.prefix, t.created_at, t.expires_at, t.last_used_at, t.revoked_at, t.unconditional
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE $1 = '' OR u.name = $1 ORDER BY t.id`, strings.ToLower(userName))
	if err != nil {
		return nil, storeError(err)
	}
	defer rows.Close()
	var out []geo.APIToken
	for rows.Next() {
		var t geo.APIToken
		if err := rows.Scan(&t.ID, &t.User, &t.Name, &t.Prefix, &t.CreatedAt, &t.ExpiresAt, &t.LastUsedAt, &t.RevokedAt, &t.Unconditional); err != nil {
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
	err := db.pool.QueryRow(ctx, `SELECT `+userColumns+`, t.id, t.unconditional FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())`, geo.HashSecret(token)).
		Scan(&u.ID, &u.Name, &role, &u.Communities, &u.Grids, &u.Disabled, &u.CreatedAt, &u.LastLoginAt, &tokenID, &u.Unconditional)
	u.Role = geo.Role(role)
	if errors.Is(err, pgx.ErrNoRows) {
		return geo.User{}, geo.Errorf(geo.EUNAUTHORIZED, "The API token is unknown, revoked or expired.")
	}
	u.Communities, u.Grids = orEmpty(u.Communities), orEmpty(u.Grids)
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
