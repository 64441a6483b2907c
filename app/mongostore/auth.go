package mongostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"librecours/course"
)

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
// they hold across instances and restarts.
type AuthStore struct {
	db *DB
}

var _ course.AuthStore = (*AuthStore)(nil)

// NewAuthStore returns the auth store over db.
func NewAuthStore(db *DB) *AuthStore { return &AuthStore{db: db} }

// CreateSession stores a.
func (s *AuthStore) CreateSession(ctx context.Context, a course.AuthSession) error {
	d := authDoc{ID: a.TokenHash, Kind: a.Kind, UserID: a.UserID, CSRF: a.CSRF, CreatedAt: a.CreatedAt,
		LastSeen: a.LastSeen, ExpiresAt: a.ExpiresAt, IdleExpiresAt: a.IdleExpiresAt}
	if _, err := s.db.W(colAuth).InsertOne(ctx, d); err != nil {
		return fmt.Errorf("mongostore: insert auth session: %w", err)
	}
	return nil
}

// Session returns the session with that token hash; expired ones are not found.
func (s *AuthStore) Session(ctx context.Context, tokenHash string, now time.Time) (*course.AuthSession, error) {
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
	return &course.AuthSession{TokenHash: d.ID, Kind: d.Kind, UserID: d.UserID, CSRF: d.CSRF, CreatedAt: d.CreatedAt,
		LastSeen: d.LastSeen, ExpiresAt: d.ExpiresAt, IdleExpiresAt: d.IdleExpiresAt}, nil
}

// Touch moves a session's idle expiry.
func (s *AuthStore) Touch(ctx context.Context, tokenHash string, now, idleExpires time.Time) error {
	_, err := s.db.W(colAuth).UpdateOne(ctx, bson.M{"_id": tokenHash},
		bson.M{"$set": bson.M{"last_seen": now, "idle_expires_at": idleExpires}})
	if err != nil {
		return fmt.Errorf("mongostore: touch auth session: %w", err)
	}
	return nil
}

// DeleteSession removes one session (sign-out).
func (s *AuthStore) DeleteSession(ctx context.Context, tokenHash string) error {
	if _, err := s.db.W(colAuth).DeleteOne(ctx, bson.M{"_id": tokenHash}); err != nil {
		return fmt.Errorf("mongostore: delete auth session: %w", err)
	}
	return nil
}

// TakeSession deletes and returns the live session of that hash and kind
// in one findOneAndDelete: of two takers, one gets it.
func (s *AuthStore) TakeSession(ctx context.Context, tokenHash, kind string, now time.Time) (*course.AuthSession, error) {
	var d authDoc
	err := s.db.W(colAuth).FindOneAndDelete(ctx, bson.M{"_id": tokenHash, "kind": kind,
		"expires_at": bson.M{"$gt": now}, "idle_expires_at": bson.M{"$gt": now}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, course.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("mongostore: take auth session: %w", err)
	}
	return &course.AuthSession{TokenHash: d.ID, Kind: d.Kind, UserID: d.UserID, CSRF: d.CSRF, CreatedAt: d.CreatedAt,
		LastSeen: d.LastSeen, ExpiresAt: d.ExpiresAt, IdleExpiresAt: d.IdleExpiresAt}, nil
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

// RecordFailure counts one failure for key and returns the count in the
// window: a window that has run out starts again at one, otherwise the count
// is incremented atomically (one find-and-modify).
func (s *AuthStore) RecordFailure(ctx context.Context, key string, now time.Time, window time.Duration) (int, error) {
	c := s.db.W(colThrottle)
	res, err := c.UpdateOne(ctx, bson.M{"_id": key, "window_start": bson.M{"$lte": now.Add(-window)}},
		bson.M{"$set": bson.M{"count": 1, "window_start": now}})
	if err != nil {
		return 0, fmt.Errorf("mongostore: reset throttle %s: %w", key, err)
	}
	if res.MatchedCount > 0 {
		return 1, nil
	}
	var d throttleDoc
	for range 2 {
		err = c.FindOneAndUpdate(ctx, bson.M{"_id": key},
			bson.M{"$inc": bson.M{"count": 1}, "$setOnInsert": bson.M{"window_start": now}},
			options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&d)
		if err == nil || !mongo.IsDuplicateKeyError(err) {
			break
		}
	}
	if err != nil {
		return 0, fmt.Errorf("mongostore: count throttle %s: %w", key, err)
	}
	return d.Count, nil
}

// ResetFailures forgets key's failures (after a successful sign-in).
func (s *AuthStore) ResetFailures(ctx context.Context, key string) error {
	if _, err := s.db.W(colThrottle).DeleteOne(ctx, bson.M{"_id": key}); err != nil {
		return fmt.Errorf("mongostore: reset throttle %s: %w", key, err)
	}
	return nil
}

// Caller resolves a session token's hash to its live session and account:
// course.ErrNotFound when the session is missing or expired, or its account
// gone.
func (s *AuthStore) Caller(ctx context.Context, tokenHash string, now time.Time) (*course.AuthSession, *course.User, error) {
	a, err := s.Session(ctx, tokenHash, now)
	if err != nil {
		return nil, nil, err
	}
	u, err := NewCourseStore(s.db).UserByID(ctx, a.UserID)
	if err != nil {
		return nil, nil, err
	}
	return a, u, nil
}

// DeleteUserSessions ends every session of userID but keep (a token hash).
func (s *AuthStore) DeleteUserSessions(ctx context.Context, userID, keep string) (int64, error) {
	filter := bson.M{"user_id": userID}
	if keep != "" {
		filter["_id"] = bson.M{"$ne": keep}
	}
	res, err := s.db.W(colAuth).DeleteMany(ctx, filter)
	if err != nil {
		return 0, fmt.Errorf("mongostore: delete sessions of %s: %w", userID, err)
	}
	return res.DeletedCount, nil
}
