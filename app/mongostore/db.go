// Package mongostore holds every line of the platform that speaks MongoDB:
// documents, indexes and queries. It serves a real MongoDB (standalone,
// replica set or sharded cluster) and the embedded FerretDB alike, so it keeps
// to what both support: no multi-document transactions, no $lookup, $facet,
// $expr, text or TTL indexes.
package mongostore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"
)

// Options configure a connection.
type Options struct {
	URI      string
	Database string
	// Monitor, when set, sees every command (tests count them).
	Monitor *event.CommandMonitor
	// Timeout bounds server selection, so requests fail fast (503) while the
	// database is away; 5 s when zero. Heartbeat is how often the driver
	// checks a server it lost; 2 s when zero.
	Timeout   time.Duration
	Heartbeat time.Duration
}

// DB is a connected database. Writes use majority write concern and retryable
// writes (the driver's default on a replica set or sharded cluster), so an
// acknowledged write survives the loss of the primary; reads go to the
// primary, so a person reads what they just wrote.
type DB struct {
	client *mongo.Client
	read   *mongo.Database
	write  *mongo.Database
	seq    atomic.Int64 // the last audit sequence number given (nextSeq)
}

// nextSeq orders the audit entries of one instant by their writing: the
// wall clock in nanoseconds, strictly increasing within the process. IDs are
// random, so they cannot.
func (db *DB) nextSeq() int64 {
	for {
		last := db.seq.Load()
		next := max(time.Now().UnixNano(), last+1)
		if db.seq.CompareAndSwap(last, next) {
			return next
		}
	}
}

// Connect opens the clients. It does not wait for the server: call Ping.
func Connect(o Options) (*DB, error) {
	if o.Database == "" {
		o.Database = "librecours"
	}
	if o.Timeout == 0 {
		o.Timeout = 5 * time.Second
	}
	if o.Heartbeat == 0 {
		o.Heartbeat = 2 * time.Second
	}
	co := options.Client().ApplyURI(o.URI).
		SetServerSelectionTimeout(o.Timeout).
		SetConnectTimeout(o.Timeout).
		SetHeartbeatInterval(o.Heartbeat).
		SetRetryWrites(true).
		SetRetryReads(true).
		SetAppName("librecours")
	if o.Monitor != nil {
		co.SetMonitor(o.Monitor)
	}
	c, err := mongo.Connect(co)
	if err != nil {
		return nil, fmt.Errorf("mongostore: connect: %w", err)
	}
	db := &DB{client: c}
	db.read = c.Database(o.Database, options.Database().SetReadPreference(readpref.Primary()))
	db.write = c.Database(o.Database, options.Database().SetWriteConcern(writeconcern.Majority()))
	return db, nil
}

// R returns a collection for reading.
func (db *DB) R(name string) *mongo.Collection { return db.read.Collection(name) }

// W returns a collection for writing.
func (db *DB) W(name string) *mongo.Collection { return db.write.Collection(name) }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.client.Ping(ctx, readpref.Primary()); err != nil {
		return fmt.Errorf("mongostore: ping: %w", err)
	}
	return nil
}

// WaitReady pings until the database answers or ctx ends.
func (db *DB) WaitReady(ctx context.Context) error {
	for {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := db.Ping(pctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Close disconnects the client.
func (db *DB) Close(ctx context.Context) error { return db.client.Disconnect(ctx) }

// Collection names.
const (
	colUsers      = "users"
	colSessions   = "sessions"
	colEnrolments = "enrolments"
	colCounters   = "counters"
	colAuth       = "auth_sessions"
	colThrottle   = "login_throttle"
	colSettings   = "settings"
)

// index declares one index of a collection.
type index struct {
	coll   string
	name   string
	keys   bson.D
	unique bool
}

// indexes lists every index the platform relies on; docs/performance.md says
// which query each one serves.
var indexes = []index{
	{colUsers, "email_unique", bson.D{{Key: "email", Value: 1}}, true},
	{colSessions, "code_unique", bson.D{{Key: "code", Value: 1}}, true},
	{colSessions, "starts_on", bson.D{{Key: "starts_on", Value: -1}}, false},
	{colSessions, "animators", bson.D{{Key: "animators", Value: 1}}, false},
	{colSessions, "open", bson.D{{Key: "closed_at", Value: 1}, {Key: "starts_on", Value: -1}}, false},
	{colEnrolments, "session_user_unique", bson.D{{Key: "session_id", Value: 1}, {Key: "user_id", Value: 1}}, true},
	{colEnrolments, "user", bson.D{{Key: "user_id", Value: 1}}, false},
	{colAuth, "user", bson.D{{Key: "user_id", Value: 1}}, false},
	{colAuth, "expires_at", bson.D{{Key: "expires_at", Value: 1}}, false},
}

// allIndexes lists the indexes of every store.
func allIndexes() []index {
	var all []index
	for _, l := range [][]index{indexes, peerIndexes, certIndexes, evaluationIndexes, animatorIndexes, outboxIndexes, rosterIndexes} {
		all = append(all, l...)
	}
	return all
}

// EnsureIndexes creates the indexes; it is idempotent.
func (db *DB) EnsureIndexes(ctx context.Context) error {
	for _, ix := range allIndexes() {
		m := mongo.IndexModel{Keys: ix.keys, Options: options.Index().SetName(ix.name).SetUnique(ix.unique)}
		if _, err := db.W(ix.coll).Indexes().CreateOne(ctx, m); err != nil {
			return fmt.Errorf("mongostore: create index %s.%s: %w", ix.coll, ix.name, err)
		}
	}
	return nil
}

// Increment atomically adds one to the named counter and returns its new value.
func (db *DB) Increment(ctx context.Context, name string) (int64, error) {
	var doc struct {
		Seq int64 `bson:"seq"`
	}
	err := db.W(colCounters).FindOneAndUpdate(ctx,
		bson.M{"_id": name},
		bson.M{"$inc": bson.M{"seq": int64(1)}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After),
	).Decode(&doc)
	if err != nil {
		return 0, fmt.Errorf("mongostore: increment %s: %w", name, err)
	}
	return doc.Seq, nil
}

// Counter reads a counter's value (0 when it does not exist).
func (db *DB) Counter(ctx context.Context, name string) (int64, error) {
	var doc struct {
		Seq int64 `bson:"seq"`
	}
	err := db.R(colCounters).FindOne(ctx, bson.M{"_id": name}).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("mongostore: counter %s: %w", name, err)
	}
	return doc.Seq, nil
}

// put stores doc as the document of coll whose _id is id, replacing it or
// inserting it.
func (db *DB) put(ctx context.Context, coll string, id, doc any) error {
	_, err := db.W(coll).ReplaceOne(ctx, bson.M{"_id": id}, doc, options.Replace().SetUpsert(true))
	return err
}

// findAll runs a query and decodes every document into out.
func (db *DB) findAll(ctx context.Context, coll string, filter any, opts *options.FindOptionsBuilder, out any) error {
	cur, err := db.R(coll).Find(ctx, filter, opts)
	if err != nil {
		return fmt.Errorf("mongostore: find %s: %w", coll, err)
	}
	if err := cur.All(ctx, out); err != nil {
		return fmt.Errorf("mongostore: read %s: %w", coll, err)
	}
	return nil
}

// findList reads the documents of coll that filter selects, in the order
// opts gives, and returns what conv makes of each: an empty list, not nil,
// when none match.
func findList[D, T any](ctx context.Context, db *DB, coll string, filter any, opts *options.FindOptionsBuilder, conv func(*D) T) ([]T, error) {
	var docs []D
	if err := db.findAll(ctx, coll, filter, opts, &docs); err != nil {
		return nil, err
	}
	out := make([]T, len(docs))
	for i := range docs {
		out[i] = conv(&docs[i])
	}
	return out, nil
}

// findOne reads the first document matching filter into out;
// mongo.ErrNoDocuments when none does.
func (db *DB) findOne(ctx context.Context, coll string, filter any, out any, opts ...options.Lister[options.FindOneOptions]) error {
	return db.R(coll).FindOne(ctx, filter, opts...).Decode(out)
}

// updateOneIf applies update to the document with that _id if it also
// matches cond, in one statement, and reports whether it did.
func (db *DB) updateOneIf(ctx context.Context, coll, id string, cond bson.M, update any) (bool, error) {
	filter := bson.M{"_id": id}
	for k, v := range cond {
		filter[k] = v
	}
	res, err := db.W(coll).UpdateOne(ctx, filter, update)
	if err != nil {
		return false, err
	}
	return res.MatchedCount > 0, nil
}

// sortBy is a find option sorting by keys.
func sortBy(keys bson.D) *options.FindOptionsBuilder { return options.Find().SetSort(keys) }

// newID returns a fresh domain ID: 128 random bits in hex. Never an
// ObjectID, whose leading timestamp and counter make IDs guessable from one's
// own (anonymity of reviewers, issue #12).
func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// Unavailable reports whether err means the database could not be reached
// (no server selected, a network error or a time-out), as opposed to an
// error in the request itself.
func Unavailable(err error) bool {
	var sse topology.ServerSelectionError
	var pool driver.RetryablePoolError // "connection pool was cleared"
	return errors.As(err, &sse) || errors.As(err, &pool) || mongo.IsNetworkError(err) || mongo.IsTimeout(err) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, mongo.ErrClientDisconnected) || serverUnavailable(err)
}

// unavailableCodes are the server error codes of a server that cannot serve
// now (shutting down, stepping down, failing inside, timing out), not of a
// request it refuses: InternalError (FerretDB answers it when its backend
// fails), HostUnreachable, HostNotFound, MaxTimeMSExpired, NetworkTimeout,
// ShutdownInProgress, PrimarySteppedDown, ExceededTimeLimit,
// NotWritablePrimary, InterruptedAtShutdown, InterruptedDueToReplStateChange,
// NotPrimaryNoSecondaryOk, NotPrimaryOrSecondary.
var unavailableCodes = []int{1, 6, 7, 50, 89, 91, 189, 262, 10107, 11600, 11602, 13435, 13436}

// serverUnavailable reports a server error that says the server, not the
// request, is at fault, by code or by its retryable labels.
func serverUnavailable(err error) bool {
	var se mongo.ServerError
	if !errors.As(err, &se) {
		return false
	}
	if se.HasErrorLabel("RetryableWriteError") || se.HasErrorLabel("TransientTransactionError") {
		return true
	}
	for _, code := range unavailableCodes {
		if se.HasErrorCode(code) {
			return true
		}
	}
	return false
}

// DropDatabase removes the whole database (tests on a shared server).
func (db *DB) DropDatabase(ctx context.Context) error {
	return db.write.Drop(ctx)
}
