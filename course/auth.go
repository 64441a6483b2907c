package course

import (
	"context"
	"time"
)

// AuthSession is a signed-in web session or an API token, or the token of
// an e-mailed account link (kinds KindReset and KindEmail: single-use, taken
// with TakeSession, never a sign-in). Only the SHA-256 of the secret is
// stored, so a database dump gives no usable credential.
type AuthSession struct {
	TokenHash string
	Kind      string // "web", "api", KindReset or KindEmail
	UserID    string
	// CSRF is a web session's CSRF secret; for a KindEmail link, the new
	// address it confirms.
	CSRF          string
	CreatedAt     time.Time
	LastSeen      time.Time
	ExpiresAt     time.Time // absolute
	IdleExpiresAt time.Time
}

// Throttle is the count of sign-in failures of one key (an address, an IP)
// in the window that started at WindowStart.
type Throttle struct {
	Key         string
	Count       int
	WindowStart time.Time
}

// AuthStore keeps web sessions, API tokens and sign-in throttling in the
// database, so they hold across instances and restarts. There is no cache in
// front of it: a signed-out session is gone for the next request.
type AuthStore interface {
	CreateSession(ctx context.Context, a AuthSession) error
	// Session returns the live session with that token hash; an expired or
	// unknown one is ErrNotFound.
	Session(ctx context.Context, tokenHash string, now time.Time) (*AuthSession, error)
	// Caller returns the live session and its account in one read;
	// ErrNotFound when either is missing or the session expired.
	Caller(ctx context.Context, tokenHash string, now time.Time) (*AuthSession, *User, error)
	// Touch moves a session's idle expiry.
	Touch(ctx context.Context, tokenHash string, now, idleExpires time.Time) error
	DeleteSession(ctx context.Context, tokenHash string) error
	// TakeSession removes and returns the live session of that hash and
	// kind in one atomic step, so a single-use link works once even when
	// followed twice at the same moment; ErrNotFound when it is unknown,
	// of another kind, expired or taken already.
	TakeSession(ctx context.Context, tokenHash, kind string, now time.Time) (*AuthSession, error)
	// DeleteUserSessions ends every session and token of a person but the
	// one kept (its hash; "" keeps none), and says how many it ended.
	DeleteUserSessions(ctx context.Context, userID, keep string) (int64, error)
	// DeleteExpired removes sessions past their absolute or idle expiry.
	DeleteExpired(ctx context.Context, now time.Time) (int64, error)

	// Failures returns how many failures key had in the window ending at now.
	Failures(ctx context.Context, key string, now time.Time, window time.Duration) (int, error)
	// RecordFailure counts one failure for key atomically and returns the
	// count in the window, this one included: a window that ran out starts
	// again at one.
	RecordFailure(ctx context.Context, key string, now time.Time, window time.Duration) (int, error)
	ResetFailures(ctx context.Context, key string) error
}

// SettingsStore keeps small platform-wide values (JSON) by key.
type SettingsStore interface {
	// Get decodes the value of key into v; ErrNotFound when unset.
	Get(ctx context.Context, key string, v any) error
	Put(ctx context.Context, key string, v any) error
}
