package geo

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Role says what a staff account may do. The public, who are not logged in,
// can only read.
type Role string

// The roles of staff accounts.
const (
	// Editor may write the editable layers, optionally only in some
	// communities and grids.
	Editor Role = "editor"
	// Admin may write everything in its scope and read the audit trail: a
	// city admin (no communities) the whole city, a community admin its
	// communities.
	Admin Role = "admin"
)

// ParseRole reads a role name.
func ParseRole(s string) (Role, error) {
	switch Role(strings.ToLower(strings.TrimSpace(s))) {
	case Editor:
		return Editor, nil
	case Admin:
		return Admin, nil
	}
	return "", Errorf(EINVALID, "Unknown role %q; want \"editor\" or \"admin\".", s)
}

// User is a staff account. Its scope is where it may write: the whole
// city, or some communities (Communities), and for an editor possibly only
// some grids (Grids, whose codes are unique in the city). An
// administrator's scope is its communities whatever Grids says.
type User struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Role Role   `json:"role"`
	// Communities, when not empty, limits the account to the communities
	// with these codes; empty: the whole city.
	Communities []string `json:"communities"`
	// Grids, when not empty, limits an editor to the grids with these codes.
	Grids       []string   `json:"grids"`
	Disabled    bool       `json:"disabled"`
	CreatedAt   time.Time  `json:"created_at"`
	LastLoginAt *time.Time `json:"last_login_at,omitempty"`
	// Unconditional is set on the user a request was identified as by an
	// unconditional API token: its writes need no If-Match.
	Unconditional bool `json:"-"`
}

// Scope is what a new account is limited to: the codes of some
// communities and, for an editor, of some grids in them; empty: the whole
// city.
type Scope struct {
	Communities, Grids []string
}

// CityWide reports whether the user's scope is the whole city: a city
// admin, an editor limited to nothing, the system actor.
func (u User) CityWide() bool { return len(u.Communities) == 0 && !u.gridLimited() }

// Restricted reports whether the user may edit only some communities or
// grids: every write of such a user is checked against its scope.
func (u User) Restricted() bool { return !u.CityWide() }

// gridLimited reports whether the user is an editor of some grids only.
func (u User) gridLimited() bool { return u.Role != Admin && len(u.Grids) > 0 }

// Covers reports whether a feature of the community with code community,
// in the grid with code grid ("" for a feature in no grid), lies in the
// user's scope: what an editor may touch, what a list of "mine" shows.
func (u User) Covers(community, grid string) bool {
	if len(u.Communities) > 0 && !slices.Contains(u.Communities, community) {
		return false
	}
	return !u.gridLimited() || (grid != "" && slices.Contains(u.Grids, grid))
}

// RequireAdmin answers EFORBIDDEN unless the user is an administrator.
func (u User) RequireAdmin() error {
	if u.Role == Admin {
		return nil
	}
	return Errorf(EFORBIDDEN, "Only an administrator may do this; %s is an %s.", u.Name, u.Role)
}

// MayWrite answers EFORBIDDEN when the user may not write the layer at all:
// base-map layers are read-only, and a disabled account writes nothing.
func (u User) MayWrite(l Layer) error {
	if u.Role == System && !u.Disabled {
		return nil // the CLI import and the seed load (system.go)
	}
	if u.Disabled {
		return Errorf(EFORBIDDEN, "The account %s is disabled.", u.Name)
	}
	if u.Role != Editor && u.Role != Admin {
		return Errorf(EFORBIDDEN, "The account %s has no role that may edit the map.", u.Name)
	}
	if l.Workflow != "" {
		return Errorf(EFORBIDDEN, "%s", l.Workflow)
	}
	if !l.Editable {
		return Errorf(EFORBIDDEN, "Layer %q is part of the base map and cannot be edited.", l.Name)
	}
	if l.CityWide && !u.CityWide() {
		return Errorf(EFORBIDDEN, "Only staff of the whole city may edit %s; %s is limited to %s.", l.Title.Mid().En, u.Name, u.scopeText())
	}
	return nil
}

// MayWork answers EFORBIDDEN when the user may not take the actions of a
// layer's workflow (geo.Layer.Workflow) at all: a disabled account, or
// an account with no staff role. A resident acts only with what the
// workflow asks of it (an order's tracking code); the scope is asked as
// for any write.
func (u User) MayWork(l Layer) error {
	switch {
	case u.Disabled:
		return Errorf(EFORBIDDEN, "The account %s is disabled.", u.Name)
	case u.Role == System, u.Role == Resident, u.Role == Editor, u.Role == Admin:
		return nil
	}
	return Errorf(EFORBIDDEN, "The account %s has no role that may work on %s.", u.Name, l.Title.Mid().En)
}

// scopeText names the user's scope in a sentence: "communities XY, HS01",
// "grids XY07, XY08".
func (u User) scopeText() string {
	var parts []string
	if len(u.Communities) > 0 {
		parts = append(parts, "communities "+strings.Join(u.Communities, ", "))
	}
	if u.gridLimited() {
		parts = append(parts, "grids "+strings.Join(u.Grids, ", "))
	}
	if len(parts) == 0 {
		return "the whole city"
	}
	return strings.Join(parts, " and ")
}

// MayEditCommunities answers EFORBIDDEN, naming them, when a change of a
// user limited to some communities touches others. touched lists the
// codes of every community the change affects: those its features lie in
// before and after.
func (u User) MayEditCommunities(touched []string) error {
	if len(u.Communities) == 0 {
		return nil
	}
	var outside []string
	for _, code := range touched {
		if code != "" && !slices.Contains(u.Communities, code) && !slices.Contains(outside, code) {
			outside = append(outside, code)
		}
	}
	if len(outside) == 0 {
		return nil
	}
	slices.Sort(outside)
	return Errorf(EFORBIDDEN, "%s may edit only communities %s; this change also touches community %s.",
		u.Name, strings.Join(u.Communities, ", "), strings.Join(outside, ", "))
}

// MayEditGrids answers EFORBIDDEN, naming the grids, when a restricted
// editor's change touches grids outside the ones the editor looks after.
// touched lists the codes of every grid the change affects: the grid itself
// for a grid, the grids a feature lies in before and after for the others.
func (u User) MayEditGrids(touched []string) error {
	if !u.gridLimited() {
		return nil
	}
	var outside []string
	for _, code := range touched {
		if code != "" && !slices.Contains(u.Grids, code) && !slices.Contains(outside, code) {
			outside = append(outside, code)
		}
	}
	if len(outside) == 0 {
		return nil
	}
	slices.Sort(outside)
	return Errorf(EFORBIDDEN, "%s may edit only grids %s; this change also touches grid %s.",
		u.Name, strings.Join(u.Grids, ", "), strings.Join(outside, ", "))
}

var userNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// NormalizeUserName returns the canonical (lower-case, trimmed) form of a
// user name, or EINVALID when it is not one.
func NormalizeUserName(name string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if !userNamePattern.MatchString(n) {
		return "", Errorf(EINVALID, "A user name is 1 to 64 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit; got %q.", clip(name, 40))
	}
	return n, nil
}

// MinPasswordLength is the shortest password an account may have.
const MinPasswordLength = 10

// CheckPassword answers EINVALID when a new password is too weak.
func CheckPassword(pw string) error {
	if utf8.RuneCountInString(pw) < MinPasswordLength {
		return Errorf(EINVALID, "A password needs at least %d characters; got %d.", MinPasswordLength, utf8.RuneCountInString(pw))
	}
	if len(pw) > 1024 {
		return Errorf(EINVALID, "A password may have at most 1024 bytes.")
	}
	return nil
}

// argon2id parameters: the OWASP recommendation (19 MiB, 2 passes).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// HashPassword returns the argon2id hash of pw with a fresh random salt, as
// a PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash).
func HashPassword(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// dummyHash is verified when a login names no account, so that an unknown
// name takes as long to refuse as a wrong password.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$5ArBA89y3WOzvXfJnq/uYA$UJnPfbBTwGlATYR2gT1S/YfXFAvhtZdrE3R0N03+nIo"

// VerifyPassword reports whether pw matches the PHC hash. An empty hash is
// checked against a dummy, taking the same time, and never matches.
func VerifyPassword(hash, pw string) bool {
	if hash == "" {
		verifyPHC(dummyHash, pw)
		return false
	}
	return verifyPHC(hash, pw)
}

func verifyPHC(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m > 1<<20 || t > 20 || p == 0 {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// TokenPrefix starts every personal API token, so that a leaked one is easy
// to recognise (and to search for in code).
const TokenPrefix = "pm_"

// NewSecret returns 32 random bytes, base64url-encoded: a session or API
// token. Only its SHA-256 (HashSecret) is stored.
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// HashSecret returns the SHA-256 of a token, what the store keeps.
func HashSecret(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Session is a browser login.
type Session struct {
	UserID     int64     `json:"-"`
	CSRFToken  string    `json:"csrf_token"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// APIToken is a personal token for scripts, sensors and GIS clients. The
// token itself is shown once, when it is made.
type APIToken struct {
	ID         int64      `json:"id"`
	User       string     `json:"user"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	// Unconditional tokens write without If-Match (UnconditionalNote).
	Unconditional bool `json:"unconditional,omitempty"`
}

// LoginPolicy bounds password guessing without handing anyone a way to lock
// a staff member out. Failed logins count within Window, since the last
// success of the same kind:
//
//   - a name from one address: after MaxFailures that pair is locked for
//     LockFor (a guesser locks out only itself);
//   - an address, whatever the names: after MaxClientFailures the address
//     is locked for LockFor;
//   - a name, from every address: after NameSlowAfter the name is slowed
//     down, not locked: the next attempt waits NameDelay after the last
//     failure, doubling with each further failure up to LockFor. An address
//     that has logged in as that user before is not slowed down, so the
//     right password from a known place always gets through.
//
// Unknown names are counted and answered the same way, so the answer never
// tells whether an account exists.
type LoginPolicy struct {
	MaxFailures       int
	MaxClientFailures int
	NameSlowAfter     int
	NameDelay         time.Duration
	Window            time.Duration
	LockFor           time.Duration
}

// DefaultLoginPolicy locks a name and address after 5 failures and an
// address after 50 within 15 minutes, for 15 minutes, and slows a name
// down after 5 failures from anywhere: 1 s, 2 s, 4 s … up to 15 minutes.
func DefaultLoginPolicy() LoginPolicy {
	return LoginPolicy{MaxFailures: 5, MaxClientFailures: 50, NameSlowAfter: 5, NameDelay: time.Second,
		Window: 15 * time.Minute, LockFor: 15 * time.Minute}
}

// Failures counts failed logins within a policy's window since the last
// success.
type Failures struct {
	Count int
	// Last is the latest failure; zero when Count is 0.
	Last time.Time
}

// LoginState is what the store knows about a login before its password is
// checked: the account (if any) and the failures that count against it.
type LoginState struct {
	// User and Hash are the account with the name; Hash is empty when
	// there is none.
	User User
	Hash string
	// Pair counts the failures of this name from this address, Client
	// those from this address, Name those of this name from anywhere.
	Pair, Client, Name Failures
	// KnownClient is true when the address has logged in as this user
	// before.
	KnownClient bool
	// Now is the store's clock, the one the failures were timed by.
	Now time.Time
}

// LoginAttempt is a checked login, for the store to record.
type LoginAttempt struct {
	Name, Client string
	// OK is true when the password matched.
	OK bool
	// UserID is the account that logged in (the password matched and the
	// account is enabled), 0 otherwise: its address becomes a known one.
	UserID int64
}

// Wait returns how long the login must wait before its password may be
// checked; 0 lets it go ahead.
func (p LoginPolicy) Wait(st LoginState) time.Duration {
	var wait time.Duration
	until := func(f Failures, d time.Duration) {
		wait = max(wait, f.Last.Add(d).Sub(st.Now))
	}
	if p.MaxFailures > 0 && st.Pair.Count >= p.MaxFailures {
		until(st.Pair, p.LockFor)
	}
	if p.MaxClientFailures > 0 && st.Client.Count >= p.MaxClientFailures {
		until(st.Client, p.LockFor)
	}
	if p.NameSlowAfter > 0 && st.Name.Count >= p.NameSlowAfter && !st.KnownClient {
		delay := p.NameDelay
		for i := p.NameSlowAfter; i < st.Name.Count && delay < p.LockFor; i++ {
			delay *= 2
		}
		until(st.Name, min(delay, p.LockFor))
	}
	return max(wait, 0)
}

// LoginRefused is the answer to a login that must wait (LoginPolicy.Wait):
// EFORBIDDEN caused by *LoginLocked, which the HTTP adapter answers 429
// with Retry-After.
func LoginRefused(wait time.Duration) *Error {
	when := fmt.Sprintf("%d second(s)", int(wait.Seconds())+1)
	if wait >= time.Minute {
		when = fmt.Sprintf("%d minute(s)", int(wait.Minutes())+1)
	}
	return &Error{Code: EFORBIDDEN, Err: &LoginLocked{RetryAfter: wait},
		Message: fmt.Sprintf("Too many failed logins for this name or from this address: wait %s, then try again.", when)}
}

// LoginLocked is the cause of a refused login while a name or client is
// locked out or slowed down; the HTTP adapter answers 429 with Retry-After.
type LoginLocked struct {
	RetryAfter time.Duration
}

// Error says how long the lock lasts.
func (e *LoginLocked) Error() string {
	return fmt.Sprintf("locked for %s", e.RetryAfter.Round(time.Second))
}

// ErrBadLogin is the one answer to a wrong name or a wrong password.
func ErrBadLogin() *Error {
	return Errorf(EUNAUTHORIZED, "The user name or password is wrong.")
}

// MaxLoginKey is the most bytes of a name or client address a login
// records.
const MaxLoginKey = 64

// LoginKey returns what a login records of a name or a client address:
// trimmed, lower-case, StoredText of at most MaxLoginKey bytes. A real user
// name is its own key; anything longer names no account.
func LoginKey(s string) string {
	return StoredText(strings.ToLower(strings.TrimSpace(s)), MaxLoginKey)
}

// StoredText returns s fit for a PostgreSQL text column of at most n bytes:
// valid UTF-8 without NUL (which text cannot hold), cut on a character
// boundary. Request headers and bodies may hold any bytes; a raw cut would
// split a character and make the database refuse the row.
func StoredText(s string, n int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// AccountStore keeps staff accounts, sessions and API tokens.
type AccountStore interface {
	// LoginState reads the account with the name (LoginKey) and the
	// failed logins within window that count against the name and the
	// client address.
	LoginState(ctx context.Context, name, client string, window time.Duration) (LoginState, error)
	// RecordLogin records a checked login and forgets attempts older than
	// window.
	RecordLogin(ctx context.Context, a LoginAttempt, window time.Duration) error
	// CreateSession starts a session for the user that ends after maxAge
	// at the latest, and returns its token (for the cookie).
	CreateSession(ctx context.Context, userID int64, client, userAgent string, maxAge time.Duration) (string, Session, error)
	// FindSession returns the session of a token and its user, refreshing
	// its last use; an unknown, expired, idle (unused for longer than idle)
	// or disabled one is EUNAUTHORIZED.
	FindSession(ctx context.Context, token string, idle time.Duration) (Session, User, error)
	// DeleteSession ends a session.
	DeleteSession(ctx context.Context, token string) error
	// FindTokenUser returns the user of a personal API token; an unknown,
	// revoked or expired token, or a disabled user, is EUNAUTHORIZED.
	FindTokenUser(ctx context.Context, token string) (User, error)
}
