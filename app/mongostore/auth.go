package mongostore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"librecours/course"
)

// AuthSession is a signed-in web session or an API token. Only the SHA-256 of
// the secret is stored, so a database dump gives no usable credential.
type AuthSession struct {
	TokenHash     string
	Kind          string // "web" or "api"
	UserID        string
	CSRF          string
	CreatedAt     time.Time
	LastSeen      time.Time
	ExpiresAt     time.Time // absolute
	IdleExpiresAt time.Time
}

type authDoc struct {
	ID            string    `bson:"_id"`
	Kind          string    `bson:"kind"`
	UserID        string    `bson:"user_id"`
	CSRF          string    `bson:"csrf,omitempty"`
	CreatedAt     time.Time `bson:"created_at"`
	LastSeen      time.Time `bson:"last_seen"`
	ExpiresAt     time.Time `bson:"expires_at"`
	IdleExpiresAt time.Time `bson:"idle_expires_at"`
}

// AuthStore keeps sessions, tokens and sign-in throttling in the database, so
// they hold across instances and restarts. It also keeps, in memory, the
// callers it resolved recently (see Caller).
type AuthStore struct {
	db    *DB
	cache callerCache
}

// NewAuthStore returns the auth store over db, its caller cache on with
// DefaultCallerTTL.
func NewAuthStore(db *DB) *AuthStore {
	return &AuthStore{db: db, cache: callerCache{ttl: DefaultCallerTTL, clock: time.Now, max: callerCacheMax}}
}

// CreateSession stores a.
func (s *AuthStore) CreateSession(ctx context.Context, a AuthSession) error {
	d := authDoc{ID: a.TokenHash, Kind: a.Kind, UserID: a.UserID, CSRF: a.CSRF, CreatedAt: a.CreatedAt,
		LastSeen: a.LastSeen, ExpiresAt: a.ExpiresAt, IdleExpiresAt: a.IdleExpiresAt}
	if _, err := s.db.W(colAuth).InsertOne(ctx, d); err != nil {
		return fmt.Errorf("mongostore: insert auth session: %w", err)
	}
	return nil
}

// Session returns the session with that token hash; expired ones are not found.
func (s *AuthStore) Session(ctx context.Context, tokenHash string, now time.Time) (*AuthSession, error) {
	var d authDoc
	err := s.db.R(colAuth).FindOne(ctx, bson.M{"_id": tokenHash}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, course.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("mongostore: find auth session: %w", err)
	}
	if !now.Before(d.ExpiresAt) || !now.Before(d.IdleExpiresAt) {
		return nil, course.ErrNotFound
	}
	return &AuthSession{TokenHash: d.ID, Kind: d.Kind, UserID: d.UserID, CSRF: d.CSRF, CreatedAt: d.CreatedAt,
		LastSeen: d.LastSeen, ExpiresAt: d.ExpiresAt, IdleExpiresAt: d.IdleExpiresAt}, nil
}

// Touch moves a session's idle expiry, in the cache too.
func (s *AuthStore) Touch(ctx context.Context, tokenHash string, now, idleExpires time.Time) error {
	_, err := s.db.W(colAuth).UpdateOne(ctx, bson.M{"_id": tokenHash},
		bson.M{"$set": bson.M{"last_seen": now, "idle_expires_at": idleExpires}})
	if err != nil {
		return fmt.Errorf("mongostore: touch auth session: %w", err)
	}
	s.cache.touch(tokenHash, now, idleExpires)
	return nil
}

// DeleteSession removes one session (sign-out), from the cache too.
func (s *AuthStore) DeleteSession(ctx context.Context, tokenHash string) error {
	s.cache.forget(func(k string, _ *callerEntry) bool { return k == tokenHash })
	if _, err := s.db.W(colAuth).DeleteOne(ctx, bson.M{"_id": tokenHash}); err != nil {
		return fmt.Errorf("mongostore: delete auth session: %w", err)
	}
	return nil
}

// DeleteExpired removes sessions past their absolute or idle expiry; the
// platform expires in code because FerretDB has no TTL index.
func (s *AuthStore) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.db.W(colAuth).DeleteMany(ctx, bson.M{"$or": bson.A{
		bson.M{"expires_at": bson.M{"$lte": now}},
		bson.M{"idle_expires_at": bson.M{"$lte": now}},
	}})
	if err != nil {
		return 0, fmt.Errorf("mongostore: delete expired auth sessions: %w", err)
	}
	return res.DeletedCount, nil
}

type throttleDoc struct {
	ID          string    `bson:"_id"`
	Count       int       `bson:"count"`
	WindowStart time.Time `bson:"window_start"`
}

// Failures returns how many failures key had in the window ending at now.
func (s *AuthStore) Failures(ctx context.Context, key string, now time.Time, window time.Duration) (int, error) {
	var d throttleDoc
	err := s.db.R(colThrottle).FindOne(ctx, bson.M{"_id": key}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("mongostore: find throttle %s: %w", key, err)
	}
	if !d.WindowStart.After(now.Add(-window)) {
		return 0, nil
	}
	return d.Count, nil
}

// RecordFailure counts one failure for key: a window that has run out starts
// again at one, otherwise the count is incremented atomically.
func (s *AuthStore) RecordFailure(ctx context.Context, key string, now time.Time, window time.Duration) error {
	c := s.db.W(colThrottle)
	res, err := c.UpdateOne(ctx, bson.M{"_id": key, "window_start": bson.M{"$lte": now.Add(-window)}},
		bson.M{"$set": bson.M{"count": 1, "window_start": now}})
	if err != nil {
		return fmt.Errorf("mongostore: reset throttle %s: %w", key, err)
	}
	if res.MatchedCount > 0 {
		return nil
	}
	for range 2 {
		_, err = c.UpdateOne(ctx, bson.M{"_id": key},
			bson.M{"$inc": bson.M{"count": 1}, "$setOnInsert": bson.M{"window_start": now}},
			options.UpdateOne().SetUpsert(true))
		if err == nil || !mongo.IsDuplicateKeyError(err) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("mongostore: count throttle %s: %w", key, err)
	}
	return nil
}

// ResetFailures forgets key's failures (after a successful sign-in).
func (s *AuthStore) ResetFailures(ctx context.Context, key string) error {
	if _, err := s.db.W(colThrottle).DeleteOne(ctx, bson.M{"_id": key}); err != nil {
		return fmt.Errorf("mongostore: reset throttle %s: %w", key, err)
	}
	return nil
}

// DefaultCallerTTL is how long Caller trusts what it read: the longest an
// instance keeps serving a session signed out, or an account changed, on
// another instance (changes made through this instance call ForgetUser or
// DeleteSession, which take effect at once).
const DefaultCallerTTL = 30 * time.Second

// callerCacheMax bounds the cache: past it, expired entries go, then all.
const callerCacheMax = 100_000

// Caller resolves a session token's hash to its live session and account.
// What it read stays in memory for the cache's lifetime (measured on the
// cache's own clock, real time unless SetCallerCache says otherwise), so a
// signed-in person's requests do not look up the session and the account
// every time; the session's absolute and idle expiry are still checked
// against now at every call. A missing or expired session, or a session whose
// account is gone, gives course.ErrNotFound.
func (s *AuthStore) Caller(ctx context.Context, tokenHash string, now time.Time) (*AuthSession, *course.User, error) {
	if a, u, ok := s.cache.get(tokenHash, now); ok {
		return a, u, nil
	}
	epoch := s.cache.currentEpoch()
	a, err := s.Session(ctx, tokenHash, now)
	if err != nil {
		return nil, nil, err
	}
	u, err := NewCourseStore(s.db).UserByID(ctx, a.UserID)
	if err != nil {
		return nil, nil, err
	}
	s.cache.put(tokenHash, epoch, *a, u)
	return a, cloneUser(u), nil
}

// ForgetUser drops the cached sessions of an account whose roles, locale or
// password changed, or which was deleted: their next request reads it again.
func (s *AuthStore) ForgetUser(userID string) {
	s.cache.forget(func(_ string, e *callerEntry) bool { return e.user.ID == userID })
}

// SetCallerCache sets the cache's lifetime (0 turns it off) and the clock
// that ages its entries (tests); it empties the cache.
func (s *AuthStore) SetCallerCache(ttl time.Duration, clock func() time.Time) {
	if clock == nil {
		clock = time.Now
	}
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	s.cache.ttl, s.cache.clock, s.cache.entries = ttl, clock, nil
	s.cache.epoch++
}

// CallerCacheLen is the number of cached sessions (tests, measurements).
func (s *AuthStore) CallerCacheLen() int {
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	return len(s.cache.entries)
}

type callerEntry struct {
	auth     AuthSession
	user     *course.User
	loadedAt time.Time // on the cache's clock
}

// callerCache maps token hashes to what Caller read. Every eviction bumps
// epoch, and a read that began before an eviction is not stored, so a
// sign-out racing a request can never put the session back.
type callerCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	clock   func() time.Time
	max     int
	epoch   uint64
	entries map[string]*callerEntry
}

func (c *callerCache) get(key string, now time.Time) (*AuthSession, *course.User, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return nil, nil, false
	}
	if c.clock().Sub(e.loadedAt) >= c.ttl || !now.Before(e.auth.ExpiresAt) || !now.Before(e.auth.IdleExpiresAt) {
		// Stale, or expired as far as this copy knows (another instance
		// may have moved the idle expiry): ask the database.
		delete(c.entries, key)
		return nil, nil, false
	}
	a := e.auth
	return &a, cloneUser(e.user), true
}

func (c *callerCache) currentEpoch() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch
}

func (c *callerCache) put(key string, epoch uint64, a AuthSession, u *course.User) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ttl <= 0 || epoch != c.epoch {
		return
	}
	if c.entries == nil {
		c.entries = map[string]*callerEntry{}
	}
	now := c.clock()
	if len(c.entries) >= c.max {
		for k, e := range c.entries {
			if now.Sub(e.loadedAt) >= c.ttl {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= c.max {
			clear(c.entries)
		}
	}
	c.entries[key] = &callerEntry{auth: a, user: cloneUser(u), loadedAt: now}
}

func (c *callerCache) touch(key string, lastSeen, idleExpires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok {
		e.auth.LastSeen, e.auth.IdleExpiresAt = lastSeen, idleExpires
	}
}

func (c *callerCache) forget(match func(string, *callerEntry) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	for k, e := range c.entries {
		if match(k, e) {
			delete(c.entries, k)
		}
	}
}

// cloneUser copies u, so no two requests share an account value.
func cloneUser(u *course.User) *course.User {
	c := *u
	c.Roles = append([]course.Role(nil), u.Roles...)
	return &c
}
