package mongostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"librecours/notify"
)

// Collections of the notifications. The outbox keeps a message until a few
// days after it went out (Purge), so every claim scans a small collection.
const (
	colOutbox       = "outbox"        // messages; user_id is the recipient
	colNotifyPrefs  = "notify_prefs"  // _id: user ID
	colSessionHooks = "session_hooks" // _id and session_id: session ID
)

// outboxIndexes serve the queries below on MongoDB (FerretDB scans anyway).
var outboxIndexes = []index{
	{colOutbox, "status_next", bson.D{{Key: "status", Value: 1}, {Key: "next_at", Value: 1}}, false},       // Claim
	{colOutbox, "status_updated", bson.D{{Key: "status", Value: 1}, {Key: "updated_at", Value: 1}}, false}, // Purge
	{colOutbox, "user", bson.D{{Key: "user_id", Value: 1}}, false},                                         // a person's messages (account deletion)
	{colSessionHooks, "session", bson.D{{Key: "session_id", Value: 1}}, false},                             // by session_id (session deletion)
}

// OutboxStore stores the outbox, people's notification preferences and
// sessions' webhooks.
type OutboxStore struct{ db *DB }

var _ notify.Store = (*OutboxStore)(nil)

// NewOutboxStore returns the notification store over db.
func NewOutboxStore(db *DB) *OutboxStore { return &OutboxStore{db: db} }

type outboxEventDoc struct {
	Key         string    `bson:"key"`
	What        string    `bson:"what,omitempty"`
	SessionID   string    `bson:"session_id"`
	SessionCode string    `bson:"session_code"`
	TimeZone    string    `bson:"time_zone,omitempty"`
	Part        int       `bson:"part"`
	At          time.Time `bson:"at,omitempty"`
	Count       int       `bson:"count"`
	Total       int       `bson:"total"`
	Code        string    `bson:"code,omitempty"`
	Level       int       `bson:"level,omitempty"`
	Text        string    `bson:"text,omitempty"`
}

type outboxDoc struct {
	ID         string           `bson:"_id"`
	Kind       string           `bson:"kind"`
	UserID     string           `bson:"user_id"`
	SessionID  string           `bson:"session_id"` // of the first event
	URL        string           `bson:"url,omitempty"`
	Lang       string           `bson:"lang,omitempty"`
	Events     []outboxEventDoc `bson:"events"`
	Keys       []string         `bson:"keys"` // the events' keys, flat for the merge filter
	Status     string           `bson:"status"`
	Attempts   int              `bson:"attempts"`
	NextAt     time.Time        `bson:"next_at"`
	LeaseUntil time.Time        `bson:"lease_until"`
	CreatedAt  time.Time        `bson:"created_at"`
	UpdatedAt  time.Time        `bson:"updated_at"`
	LastError  string           `bson:"last_error,omitempty"`
}

func toEventDoc(e notify.Event) outboxEventDoc {
	return outboxEventDoc{Key: e.Key, What: e.What, SessionID: e.SessionID, SessionCode: e.SessionCode, TimeZone: e.TimeZone,
		Part: e.Part, At: e.At.UTC(), Count: e.Count, Total: e.Total, Code: e.Code, Level: e.Level, Text: e.Text}
}

func (d outboxDoc) message() *notify.Message {
	m := &notify.Message{ID: d.ID, Kind: notify.Kind(d.Kind), UserID: d.UserID, URL: d.URL, Lang: d.Lang,
		Status: notify.Status(d.Status), Attempts: d.Attempts, NextAt: d.NextAt.UTC(), LeaseUntil: d.LeaseUntil.UTC(),
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), LastError: d.LastError}
	for _, e := range d.Events {
		at := e.At.UTC()
		if e.At.IsZero() {
			at = time.Time{}
		}
		m.Events = append(m.Events, notify.Event{Key: e.Key, What: e.What, SessionID: e.SessionID, SessionCode: e.SessionCode,
			TimeZone: e.TimeZone, Part: e.Part, At: at, Count: e.Count, Total: e.Total, Code: e.Code, Level: e.Level, Text: e.Text})
	}
	return m
}

// toOutboxDoc is the document of m as it stands (a restore).
func toOutboxDoc(m notify.Message) outboxDoc {
	d := outboxDoc{ID: m.ID, Kind: string(m.Kind), UserID: m.UserID, URL: m.URL, Lang: m.Lang, Events: []outboxEventDoc{},
		Keys: []string{}, Status: string(m.Status), Attempts: m.Attempts, NextAt: m.NextAt.UTC(), LeaseUntil: m.LeaseUntil.UTC(),
		CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(), LastError: m.LastError}
	for _, e := range m.Events {
		d.Events = append(d.Events, toEventDoc(e))
		d.Keys = append(d.Keys, e.Key)
	}
	if len(m.Events) > 0 {
		d.SessionID = m.Events[0].SessionID
	}
	return d
}

// Add implements notify.Store: merge into the pending message, else insert,
// else (the ID exists) drop. Each step is one atomic operation.
func (s *OutboxStore) Add(ctx context.Context, m notify.Message) (notify.AddResult, error) {
	if len(m.Events) != 1 {
		return 0, fmt.Errorf("mongostore: add %s: want one event, got %d", m.ID, len(m.Events))
	}
	e := m.Events[0]
	merge := func() (bool, error) {
		ok, err := s.db.updateOneIf(ctx, colOutbox, m.ID,
			bson.M{"status": string(notify.StatusPending), "keys": bson.M{"$ne": e.Key}},
			bson.M{"$push": bson.M{"events": toEventDoc(e), "keys": e.Key}, "$set": bson.M{"updated_at": m.UpdatedAt.UTC()}})
		if err != nil {
			return false, fmt.Errorf("mongostore: merge into %s: %w", m.ID, err)
		}
		return ok, nil
	}
	if ok, err := merge(); err != nil || ok {
		return notify.Merged, err
	}
	d := outboxDoc{ID: m.ID, Kind: string(m.Kind), UserID: m.UserID, SessionID: e.SessionID, URL: m.URL, Lang: m.Lang,
		Events: []outboxEventDoc{toEventDoc(e)}, Keys: []string{e.Key}, Status: string(notify.StatusPending),
		NextAt: m.NextAt.UTC(), CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC()}
	_, err := s.db.W(colOutbox).InsertOne(ctx, d)
	switch {
	case err == nil:
		return notify.Queued, nil
	case !mongo.IsDuplicateKeyError(err):
		return 0, fmt.Errorf("mongostore: add %s: %w", m.ID, err)
	}
	// Inserted meanwhile by someone else: join it if it still waits.
	if ok, err := merge(); err != nil || ok {
		return notify.Merged, err
	}
	return notify.Dropped, nil
}

// Claim implements notify.Store with one find-and-modify: atomic per
// document on MongoDB, and serialised by the single writer on FerretDB.
func (s *OutboxStore) Claim(ctx context.Context, now, leaseUntil time.Time) (*notify.Message, error) {
	now = now.UTC()
	filter := bson.M{"$or": bson.A{
		bson.M{"status": string(notify.StatusPending), "next_at": bson.M{"$lte": now}},
		bson.M{"status": string(notify.StatusSending), "lease_until": bson.M{"$lt": now}},
	}}
	update := bson.M{
		"$set": bson.M{"status": string(notify.StatusSending), "lease_until": leaseUntil.UTC(), "updated_at": now},
		"$inc": bson.M{"attempts": 1},
	}
	opts := options.FindOneAndUpdate().SetSort(bson.D{{Key: "next_at", Value: 1}, {Key: "_id", Value: 1}}).SetReturnDocument(options.After)
	var d outboxDoc
	err := s.db.W(colOutbox).FindOneAndUpdate(ctx, filter, update, opts).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, notify.ErrNothingDue
	}
	if err != nil {
		return nil, fmt.Errorf("mongostore: claim from the outbox: %w", err)
	}
	return d.message(), nil
}

// Finish implements notify.Store.
func (s *OutboxStore) Finish(ctx context.Context, id string, attempt int, o notify.Outcome) (bool, error) {
	set := bson.M{"status": string(o.Status), "updated_at": o.At.UTC(), "last_error": o.Error, "lease_until": time.Time{}}
	if o.Status == notify.StatusPending {
		set["next_at"] = o.NextAt.UTC()
	}
	ok, err := s.db.updateOneIf(ctx, colOutbox, id,
		bson.M{"status": string(notify.StatusSending), "attempts": attempt},
		bson.M{"$set": set})
	if err != nil {
		return false, fmt.Errorf("mongostore: finish %s: %w", id, err)
	}
	return ok, nil
}

// Message implements notify.Store.
func (s *OutboxStore) Message(ctx context.Context, id string) (*notify.Message, error) {
	var d outboxDoc
	err := s.db.R(colOutbox).FindOne(ctx, bson.M{"_id": id}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, notify.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("mongostore: find message %s: %w", id, err)
	}
	return d.message(), nil
}

// Messages returns the messages to a person, oldest first (tests, exports).
func (s *OutboxStore) Messages(ctx context.Context, userID string) ([]*notify.Message, error) {
	return findList(ctx, s.db, colOutbox, bson.M{"user_id": userID}, sortBy(ascending("created_at", "_id")), (*outboxDoc).message)
}

// Purge implements notify.Store.
func (s *OutboxStore) Purge(ctx context.Context, before time.Time) (int, error) {
	res, err := s.db.W(colOutbox).DeleteMany(ctx, bson.M{
		"status":     bson.M{"$in": bson.A{string(notify.StatusSent), string(notify.StatusFailed)}},
		"updated_at": bson.M{"$lt": before.UTC()},
	})
	if err != nil {
		return 0, fmt.Errorf("mongostore: purge the outbox: %w", err)
	}
	return int(res.DeletedCount), nil
}

type prefsDoc struct {
	ID  string   `bson:"_id"` // user ID
	Off []string `bson:"off"`
}

// Prefs implements notify.Store.
func (s *OutboxStore) Prefs(ctx context.Context, userID string) (notify.Prefs, error) {
	var d prefsDoc
	err := s.db.R(colNotifyPrefs).FindOne(ctx, bson.M{"_id": userID}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return notify.Prefs{}, nil
	}
	if err != nil {
		return notify.Prefs{}, fmt.Errorf("mongostore: find notification preferences of %s: %w", userID, err)
	}
	return d.prefs(), nil
}

func (d *prefsDoc) prefs() notify.Prefs {
	var p notify.Prefs
	for _, k := range d.Off {
		p.Off = append(p.Off, notify.Kind(k))
	}
	return p
}

func toPrefsDoc(userID string, p notify.Prefs) prefsDoc {
	d := prefsDoc{ID: userID, Off: []string{}}
	for _, k := range p.Off {
		d.Off = append(d.Off, string(k))
	}
	return d
}

// SetPrefs implements notify.Store.
func (s *OutboxStore) SetPrefs(ctx context.Context, userID string, p notify.Prefs) error {
	d := toPrefsDoc(userID, p)
	if err := s.db.put(ctx, colNotifyPrefs, userID, d); err != nil {
		return fmt.Errorf("mongostore: set notification preferences of %s: %w", userID, err)
	}
	return nil
}

type hookDoc struct {
	ID           string   `bson:"_id"`
	SessionID    string   `bson:"session_id"`
	URL          string   `bson:"url"`
	Threshold    int      `bson:"threshold"`
	QueueAlerted bool     `bson:"queue_alerted"`
	Reminded     []string `bson:"reminded"`
}

// Hook implements notify.Store.
func (s *OutboxStore) Hook(ctx context.Context, sessionID string) (notify.Hook, error) {
	var d hookDoc
	err := s.db.R(colSessionHooks).FindOne(ctx, bson.M{"_id": sessionID}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return notify.Hook{SessionID: sessionID}, nil
	}
	if err != nil {
		return notify.Hook{}, fmt.Errorf("mongostore: find the hook of %s: %w", sessionID, err)
	}
	return d.hook(), nil
}

// hook is the document's hook; no reminder is a nil Reminded.
func (d *hookDoc) hook() notify.Hook {
	h := notify.Hook{SessionID: d.ID, URL: d.URL, Threshold: d.Threshold, QueueAlerted: d.QueueAlerted}
	if len(d.Reminded) > 0 {
		h.Reminded = d.Reminded
	}
	return h
}

// ensureHook creates a session's document if it is missing.
func (s *OutboxStore) ensureHook(ctx context.Context, sessionID string) error {
	_, err := s.db.W(colSessionHooks).UpdateOne(ctx, bson.M{"_id": sessionID},
		bson.M{"$setOnInsert": bson.M{"session_id": sessionID, "url": "", "threshold": 0, "queue_alerted": false, "reminded": bson.A{}}},
		options.UpdateOne().SetUpsert(true))
	if err != nil && !mongo.IsDuplicateKeyError(err) { // two first upserts at once: the other one created it
		return fmt.Errorf("mongostore: create the hook of %s: %w", sessionID, err)
	}
	return nil
}

// SetWebhook implements notify.Store.
func (s *OutboxStore) SetWebhook(ctx context.Context, sessionID, url string, threshold int) error {
	if err := s.ensureHook(ctx, sessionID); err != nil {
		return err
	}
	if _, err := s.db.W(colSessionHooks).UpdateOne(ctx, bson.M{"_id": sessionID},
		bson.M{"$set": bson.M{"url": url, "threshold": threshold}}); err != nil {
		return fmt.Errorf("mongostore: set the webhook of %s: %w", sessionID, err)
	}
	return nil
}

// SetQueueAlerted implements notify.Store.
func (s *OutboxStore) SetQueueAlerted(ctx context.Context, sessionID string, alerted bool) (bool, error) {
	if err := s.ensureHook(ctx, sessionID); err != nil {
		return false, err
	}
	res, err := s.db.W(colSessionHooks).UpdateOne(ctx, bson.M{"_id": sessionID, "queue_alerted": !alerted},
		bson.M{"$set": bson.M{"queue_alerted": alerted}})
	if err != nil {
		return false, fmt.Errorf("mongostore: set the queue alert of %s: %w", sessionID, err)
	}
	return res.ModifiedCount == 1, nil
}

// MarkReminded implements notify.Store.
func (s *OutboxStore) MarkReminded(ctx context.Context, sessionID, key string) (bool, error) {
	if err := s.ensureHook(ctx, sessionID); err != nil {
		return false, err
	}
	res, err := s.db.W(colSessionHooks).UpdateOne(ctx, bson.M{"_id": sessionID, "reminded": bson.M{"$ne": key}},
		bson.M{"$push": bson.M{"reminded": key}})
	if err != nil {
		return false, fmt.Errorf("mongostore: mark reminder %s of %s: %w", key, sessionID, err)
	}
	return res.ModifiedCount == 1, nil
}
