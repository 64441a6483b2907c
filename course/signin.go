package course

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Kinds of sign-in session (AuthSession.Kind) besides the account links.
const (
	KindWeb = "web" // a browser's session cookie, with a CSRF secret
	KindAPI = "api" // a bearer token of the JSON API
)

// touchEvery: a session's idle expiry moves at most this often, so a busy
// person costs one write a minute, not one a request.
const touchEvery = time.Minute

// Auth keeps who is signed in: browser sessions, API tokens and the
// single-use links of account e-mails, and the counters that slow down
// guessing. Tokens are random; only their SHA-256 is stored.
type Auth struct {
	Store AuthStore
	Users Accounts
	Now   func() time.Time
	// SessionIdle and SessionMax bound a browser session; TokenTTL an API
	// token (idle and absolute).
	SessionIdle, SessionMax, TokenTTL time.Duration
}

// Accounts finds accounts (a part of Store).
type Accounts interface {
	UserByID(ctx context.Context, id string) (*User, error)
	UserByEmail(ctx context.Context, email string) (*User, error)
}

// NewToken returns 32 random bytes, URL-safe.
func NewToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("course: crypto/rand: %v", err)) // the OS RNG failing is not recoverable
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken is what is stored of a token.
func HashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

// Start opens a browser session (KindWeb, with a CSRF secret) or an API
// token (KindAPI) for u, and returns its secret and what was stored.
func (a *Auth) Start(ctx context.Context, u *User, kind string) (string, AuthSession, error) {
	now := a.Now()
	token := NewToken()
	s := AuthSession{TokenHash: HashToken(token), Kind: kind, UserID: u.ID, CreatedAt: now, LastSeen: now}
	switch kind {
	case KindWeb:
		s.CSRF = NewToken()
		s.ExpiresAt, s.IdleExpiresAt = now.Add(a.SessionMax), now.Add(a.SessionIdle)
	case KindAPI:
		s.ExpiresAt, s.IdleExpiresAt = now.Add(a.TokenTTL), now.Add(a.TokenTTL)
	default:
		return "", s, fmt.Errorf("course: unknown session kind %q", kind)
	}
	if err := a.Store.CreateSession(ctx, s); err != nil {
		return "", s, err
	}
	return token, s, nil
}

// StartLink makes the single-use link of an account e-mail (KindReset or
// KindEmail) for u, valid ttl; data is what it carries (the new address of
// KindEmail). It returns the link's secret and its hash.
func (a *Auth) StartLink(ctx context.Context, u *User, kind string, ttl time.Duration, data string) (token, hash string, err error) {
	if kind != KindReset && kind != KindEmail {
		return "", "", fmt.Errorf("course: unknown link kind %q", kind)
	}
	now := a.Now()
	token = NewToken()
	hash = HashToken(token)
	s := AuthSession{TokenHash: hash, Kind: kind, UserID: u.ID, CSRF: data,
		CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(ttl), IdleExpiresAt: now.Add(ttl)}
	if err := a.Store.CreateSession(ctx, s); err != nil {
		return "", "", err
	}
	return token, hash, nil
}

// Caller returns the live session of token, of that kind, and its account;
// ErrNotFound when it is unknown, expired or of another kind. A browser
// session or token seen more than a minute ago has its idle expiry moved;
// that move failing (a full disk, say) does not fail the caller, whose
// session stays valid until its previous idle expiry.
func (a *Auth) Caller(ctx context.Context, token, kind string) (*AuthSession, *User, error) {
	if token == "" || len(token) > 200 {
		return nil, nil, ErrNotFound
	}
	now := a.Now()
	s, u, err := a.Store.Caller(ctx, HashToken(token), now)
	if err != nil {
		return nil, nil, err
	}
	if s.Kind != kind {
		return nil, nil, ErrNotFound
	}
	if (kind == KindWeb || kind == KindAPI) && now.Sub(s.LastSeen) > touchEvery {
		idle := a.SessionIdle
		if kind == KindAPI {
			idle = a.TokenTTL
		}
		_ = a.Store.Touch(ctx, s.TokenHash, now, now.Add(idle)) // see above
	}
	return s, u, nil
}

// Take uses the single-use link of token and kind: it is gone after the
// first call, even two at the same moment; ErrNotFound when it is unknown,
// expired, of another kind or used.
func (a *Auth) Take(ctx context.Context, token, kind string) (*AuthSession, error) {
	return a.Store.TakeSession(ctx, HashToken(token), kind, a.Now())
}

// End signs out the session of that hash.
func (a *Auth) End(ctx context.Context, tokenHash string) error {
	return a.Store.DeleteSession(ctx, tokenHash)
}

// EndAll ends every session, token and link of userID but the session whose
// hash is keep ("" keeps none), and says how many it ended.
func (a *Auth) EndAll(ctx context.Context, userID, keep string) (int64, error) {
	return a.Store.DeleteUserSessions(ctx, userID, keep)
}

// ExpireOld removes the sessions past their expiry (the scheduler's job).
func (a *Auth) ExpireOld(ctx context.Context) (int64, error) {
	return a.Store.DeleteExpired(ctx, a.Now())
}

// Account is the account with that address (normalized here), for sign-in
// and the forgotten-password form; ErrNotFound when there is none.
func (a *Auth) Account(ctx context.Context, email string) (*User, error) {
	return a.Users.UserByEmail(ctx, NormalizeEmail(email))
}

// AccountByID is the account a signed token names (an unsubscribe link);
// ErrNotFound when it was deleted.
func (a *Auth) AccountByID(ctx context.Context, id string) (*User, error) {
	return a.Users.UserByID(ctx, id)
}

// Count counts one attempt for key in the window ending now and returns the
// count, this one included; a window that ran out starts again at one.
func (a *Auth) Count(ctx context.Context, key string, window time.Duration) (int, error) {
	return a.Store.RecordFailure(ctx, key, a.Now(), window)
}

// Counted returns key's count in the window ending now, without counting.
func (a *Auth) Counted(ctx context.Context, key string, window time.Duration) (int, error) {
	return a.Store.Failures(ctx, key, a.Now(), window)
}

// Forget clears the counts of keys.
func (a *Auth) Forget(ctx context.Context, keys ...string) error {
	var errs []error
	for _, k := range keys {
		errs = append(errs, a.Store.ResetFailures(ctx, k))
	}
	return errors.Join(errs...)
}
