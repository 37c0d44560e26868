package postgis

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"partymap/internal/geo"
)

// CreateSession starts a browser session for the user, ending at the latest
// after maxAge, and returns its token. Only the token's SHA-256 is stored;
// the session's CSRF token is stored as is, since the page must read it.
// Sessions that ended long ago are purged on the way.
func (db *DB) CreateSession(ctx context.Context, userID int64, client, userAgent string, maxAge time.Duration) (string, geo.Session, error) {
	token, err := geo.NewSecret()
	if err != nil {
		return "", geo.Session{}, err
	}
	csrf, err := geo.NewSecret()
	if err != nil {
		return "", geo.Session{}, err
	}
	// Both come from the request: any bytes, of any length. PostgreSQL
	// text holds neither invalid UTF-8 nor NUL, so a raw cut would split a
	// character and fail the login.
	client = geo.LoginKey(client)
	userAgent = geo.StoredText(userAgent, 200)
	s := geo.Session{UserID: userID, CSRFToken: csrf}
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE expires_at < now() - interval '1 day'`); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at, ip, user_agent)
			VALUES ($1, $2, $3, now() + $4::interval, $5, $6) RETURNING created_at, last_seen_at, expires_at`,
			geo.HashSecret(token), userID, csrf, maxAge, client, userAgent).Scan(&s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt)
	})
	if err != nil {
		return "", geo.Session{}, storeError(err)
	}
	return token, s, nil
}

// FindSession returns a live session and its user and notes its use. A
// session unused for longer than idle, past its end, or of a disabled
// account is ended and answered EUNAUTHORIZED.
func (db *DB) FindSession(ctx context.Context, token string, idle time.Duration) (geo.Session, geo.User, error) {
	var s geo.Session
	var u geo.User
	var role string
	var live bool
	hash := geo.HashSecret(token)
	err := db.pool.QueryRow(ctx, `SELECT s.csrf_token, s.created_at, s.last_seen_at, s.expires_at,
			s.expires_at > now() AND s.last_seen_at > now() - $2::interval AND NOT u.disabled, `+userColumns+`
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1`, hash, idle).
		Scan(&s.CSRFToken, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt, &live, &u.ID, &u.Name, &role, &u.Communities, &u.Grids, &u.Disabled, &u.CreatedAt, &u.LastLoginAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return geo.Session{}, geo.User{}, geo.Say(geo.EUNAUTHORIZED, geo.Label{Zh: "你还没有登录，或登录已过期：请重新登录。", En: "You are not logged in, or your session has ended; log in again."})
	}
	if err != nil {
		return geo.Session{}, geo.User{}, storeError(err)
	}
	u.Role = geo.Role(role)
	u.Communities, u.Grids = orEmpty(u.Communities), orEmpty(u.Grids)
	s.UserID = u.ID
	if !live {
		_ = db.DeleteSession(ctx, token)
		return geo.Session{}, geo.User{}, geo.Say(geo.EUNAUTHORIZED, geo.Label{Zh: "登录已过期：请重新登录。", En: "Your session has ended; log in again."})
	}
	// Touch at most every 15 seconds: a busy page does not write each time.
	if _, err := db.pool.Exec(ctx, `UPDATE sessions SET last_seen_at = now() WHERE token_hash = $1 AND last_seen_at < now() - interval '15 seconds'`, hash); err != nil {
		return geo.Session{}, geo.User{}, storeError(err)
	}
	return s, u, nil
}

// DeleteSession ends a session (logout).
func (db *DB) DeleteSession(ctx context.Context, token string) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, geo.HashSecret(token))
	return storeError(err)
}
