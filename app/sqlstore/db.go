// Package sqlstore is the embedded default store: every line of SQL of the
// platform (schema, migrations, queries) on modernc.org/sqlite, pure Go.
//
// One data folder holds one database file. The process that opens it takes
// an exclusive lock on the folder for its lifetime, so a second server or a
// command on live files is refused with the folder and the holder named. The
// database runs in WAL mode with synchronous=NORMAL: one writer connection
// (every write is a transaction on it, BEGIN IMMEDIATE) and a pool of
// readers that never wait for it. There is no cache: every read is a query.
package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"librecours/app/store"
)

// FileName is the database file inside the data folder.
const FileName = "librecours.db"

// lockName is the lock file inside the data folder.
const lockName = "LOCK"

// ErrLocked is returned by Open when another process holds the data folder.
var ErrLocked = errors.New("sqlstore: data folder in use")

// LockedError says which folder is locked and by whom.
type LockedError struct {
	Dir    string
	Holder string // what the holder wrote in the lock file: pid, command, start
}

func (e *LockedError) Error() string {
	h := e.Holder
	if h == "" {
		h = "another process"
	}
	return fmt.Sprintf("the data folder %s is in use by %s; stop it first, or run this command through it", e.Dir, h)
}

func (e *LockedError) Unwrap() error { return ErrLocked }

// Options tune Open.
type Options struct {
	// Readers is the size of the reader pool; 4 per CPU when zero.
	Readers int
	// Holder is written into the lock file to name this process ("serve",
	// "backup", ...); the pid and start time are added.
	Holder string
	// BusyTimeout is how long a statement waits for a lock; 5 s when zero.
	BusyTimeout time.Duration
	// Statements, when set, counts every SQL statement run (tests).
	Statements *atomic.Int64
	// Rows, when set, counts every row read (tests: the work of a request
	// must not grow with the data).
	Rows *atomic.Int64
}

// DB is an open embedded database.
type DB struct {
	dir  string
	path string
	lock *os.File
	w    *sql.DB // one connection: every write
	// wturn is the writer's turn, taken in the order asked (a channel's
	// waiting senders are served first come, first served). database/sql
	// hands a freed connection to a random waiter, so with 32 writers
	// waiting, one could wait many turns: submit's p99 was 4-5 times its
	// median.
	wturn  chan struct{}
	r      *sql.DB     // readers
	failed atomic.Bool // a write failed for storage reasons and none succeeded since

	// ck is the connection that checkpoints the WAL in the background
	// (checkpoints), so that no commit waits for one; stopCk ends it.
	ck     *sql.DB
	stopCk func()
}

// checkpointEvery is how often the WAL is checkpointed in the background;
// walBackstop is the WAL size, in pages, at which a commit checkpoints
// itself all the same (SQLite's automatic checkpoint), should the
// background checkpoints fall behind.
const (
	checkpointEvery = 250 * time.Millisecond
	walBackstop     = 16000 // 64 MB of 4 KB pages
)

// walKeep is the size, in bytes, to which the WAL file is cut back when
// writing starts again from its beginning (SQLite's journal_size_limit):
// SQLite reuses the file without shrinking it, so after a burst it kept its
// largest size, up to walBackstop's 64 MB, until the server stopped.
const walKeep = 4 << 20

// Open takes the folder's lock, opens the database (creating it) and applies
// the migrations.
func Open(ctx context.Context, dir string, o Options) (*DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, plainStorageError(dir, fmt.Errorf("sqlstore: create data folder %s: %w", dir, err))
	}
	lock, err := acquireLock(dir, o.Holder)
	if err != nil {
		return nil, err
	}
	db := &DB{dir: dir, path: filepath.Join(dir, FileName), lock: lock, wturn: make(chan struct{}, 1)}
	if err := db.open(ctx, o); err != nil {
		db.release()
		return nil, plainStorageError(dir, err)
	}
	return db, nil
}

// Dir is the data folder.
func (db *DB) Dir() string { return db.dir }

func dsn(path string, busy time.Duration, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(busy.Milliseconds(), 10)+")")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	if readOnly {
		q.Add("mode", "ro")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "wal_autocheckpoint("+strconv.Itoa(walBackstop)+")")
		q.Add("_pragma", "journal_size_limit("+strconv.Itoa(walKeep)+")")
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

func (db *DB) open(ctx context.Context, o Options) error {
	if o.BusyTimeout == 0 {
		o.BusyTimeout = 5 * time.Second
	}
	if o.Readers == 0 {
		o.Readers = 4 * runtime.GOMAXPROCS(0)
	}
	w := openSQL(dsn(db.path, o.BusyTimeout, false), o.Statements, o.Rows)
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	db.w = w
	var mode string
	if err := w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("sqlstore: open %s: %w", db.path, classify(err))
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("sqlstore: %s is not in WAL mode (%s)", db.path, mode)
	}
	if err := migrate(ctx, w); err != nil {
		return err
	}
	r := openSQL(dsn(db.path, o.BusyTimeout, true), o.Statements, o.Rows)
	r.SetMaxOpenConns(o.Readers)
	r.SetMaxIdleConns(o.Readers)
	db.r = r
	if err := r.PingContext(ctx); err != nil {
		return err
	}
	ck := openSQL(dsn(db.path, o.BusyTimeout, false), nil, nil)
	ck.SetMaxOpenConns(1)
	ck.SetMaxIdleConns(1)
	ck.SetConnMaxLifetime(0)
	ck.SetConnMaxIdleTime(0)
	db.ck = ck
	db.stopCk = db.checkpoints(checkpointEvery)
	return nil
}

// checkpoints copies the WAL's pages into the database file every period,
// on its own connection, until the returned function is called. SQLite
// otherwise checkpoints in the commit that takes the WAL past 1,000 pages:
// with submissions of a few kilobytes, every few hundred saves one save
// waited for a copy of 4 MB (30% of the submit scenario's CPU at 20,000
// participants, all of it on the writer's path). A PASSIVE checkpoint takes
// no lock a reader or the writer waits for; it copies what it can.
func (db *DB) checkpoints(period time.Duration) (stop func()) {
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				_, _, _ = db.checkpoint(context.Background()) // a failed checkpoint is tried again; the backstop remains
			}
		}
	}()
	return func() { close(done); <-stopped }
}

// checkpoint copies what it can of the WAL into the database file without
// waiting for readers or the writer, and says how many frames the WAL holds
// and how many of them are in the file.
func (db *DB) checkpoint(ctx context.Context) (frames, copied int, err error) {
	var busy int
	err = db.ck.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
	return frames, copied, err
}

// Close closes the database and releases the folder's lock. Closing it
// again does nothing. A use after Close fails with database/sql's "database
// is closed" (a job still running at shutdown), never a nil dereference.
func (db *DB) Close() error {
	var errs []error
	if db.stopCk != nil {
		db.stopCk()
		db.stopCk = nil
	}
	if db.ck != nil {
		errs = append(errs, db.ck.Close())
	}
	if db.r != nil {
		errs = append(errs, db.r.Close())
	}
	if db.w != nil {
		// A checkpoint folds the WAL into the database file, so a copy of
		// the folder taken while stopped is one file.
		_, _ = db.w.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
		errs = append(errs, db.w.Close())
	}
	db.release()
	return errors.Join(errs...)
}

func (db *DB) release() {
	if db.lock == nil {
		return
	}
	_ = syscall.Flock(int(db.lock.Fd()), syscall.LOCK_UN)
	_ = db.lock.Close()
	db.lock = nil
}

// acquireLock takes the exclusive lock of dir or says who holds it.
func acquireLock(dir, holder string) (*os.File, error) {
	path := filepath.Join(dir, lockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600) // #nosec G304 -- the operator's data folder
	if err != nil {
		return nil, plainStorageError(dir, fmt.Errorf("sqlstore: open lock %s: %w", path, err))
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b, _ := os.ReadFile(path) // #nosec G304 -- the operator's data folder
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &LockedError{Dir: dir, Holder: strings.TrimSpace(string(b))}
		}
		return nil, fmt.Errorf("sqlstore: lock %s: %w", path, err)
	}
	if holder == "" {
		holder = filepath.Base(os.Args[0])
	}
	info := fmt.Sprintf("process %d (%s, since %s)\n", os.Getpid(), holder, time.Now().UTC().Format(time.RFC3339))
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(info), 0)
	}
	return f, nil
}

// plainStorageError rewords a full disk at start in plain words. An I/O
// error counts when the folder's file system has no room left: SQLite
// sizes its WAL index (-shm) first, and reports a failure to do so as an
// I/O error, not as a full disk.
func plainStorageError(dir string, err error) error {
	full := errors.Is(err, syscall.ENOSPC) || sqliteCode(err) == sqlite3.SQLITE_FULL
	if !full && sqliteCode(err) == sqlite3.SQLITE_IOERR {
		full = errors.Is((&DB{dir: dir}).spaceLeft(), syscall.ENOSPC)
	}
	if full {
		return fmt.Errorf("the disk holding %s is full: free some space and start again (%w)", dir, err)
	}
	return err
}

// sqliteCode returns the primary result code of a SQLite error, or 0.
func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() & 0xff
	}
	return 0
}

// classify marks storage failures (full disk, I/O error, locked or
// read-only database) with store.ErrUnavailable.
func classify(err error) error {
	if err == nil || errors.Is(err, store.ErrUnavailable) {
		return err
	}
	switch sqliteCode(err) {
	case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED,
		sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_CORRUPT:
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EIO) || errors.Is(err, syscall.EROFS) {
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return err
}

// isUnique reports a UNIQUE or PRIMARY KEY violation.
func isUnique(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// tx runs fn in a write transaction on the writer connection and commits it.
// Storage failures are marked store.ErrUnavailable and make Ready fail until
// a write succeeds again.
func (db *DB) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	err := db.txRaw(ctx, fn)
	if err != nil {
		err = classify(err)
		if store.Unavailable(err) {
			db.failed.Store(true)
		}
		return err
	}
	db.failed.Store(false)
	return nil
}

func (db *DB) txRaw(ctx context.Context, fn func(tx *sql.Tx) error) error {
	select {
	case db.wturn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-db.wturn }()
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// changeOrProbe runs one conditional write in its own transaction. When it
// changes no row, probe (a SELECT 1 of the row by probeArg) tells, in the
// same transaction, whether the row exists: the condition refused the
// change, or there is no such row.
func (db *DB) changeOrProbe(ctx context.Context, probe string, probeArg any, query string, args ...any) (changed, exists bool, err error) {
	err = db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil || n > 0 {
			changed = n > 0
			return err
		}
		var one int
		err = tx.QueryRowContext(ctx, probe, probeArg).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		exists = err == nil
		return err
	})
	return changed, exists, err
}

// exec runs one write statement in its own transaction and returns the
// number of rows it changed.
func (db *DB) exec(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// readTx runs fn in a read transaction on a reader: every query in it sees
// the same snapshot of the database.
func (db *DB) readTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return classify(err)
	}
	defer func() { _ = tx.Rollback() }()
	return classify(fn(tx))
}

// query runs a read on the reader pool and calls scan for each row.
func (db *DB) query(ctx context.Context, scan func(*sql.Rows) error, query string, args ...any) error {
	return queryOn(ctx, db.r, scan, query, args...)
}

// collect runs a read on the reader pool and returns its rows, each read by
// scan; an empty result is an empty slice.
func collect[T any](ctx context.Context, db *DB, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	out := []T{}
	err := db.query(ctx, func(rows *sql.Rows) error {
		v, err := scan(rows)
		if err != nil {
			return err
		}
		out = append(out, v)
		return nil
	}, query, args...)
	return out, err
}

// collectOrNil is collect with nil, not an empty list, when no row matches:
// what the lists that answer nil for nothing return.
func collectOrNil[T any](ctx context.Context, db *DB, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	out, err := collect(ctx, db, scan, query, args...)
	if len(out) == 0 {
		out = nil
	}
	return out, err
}

// queryer is a *sql.DB or *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func queryOn(ctx context.Context, q queryer, scan func(*sql.Rows) error, query string, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return classify(err)
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return classify(err)
		}
	}
	return classify(rows.Err())
}

// minFree is the free space below which the data folder's file system
// counts as full: a save's few pages may still fit, but the next upload or
// checkpoint will not, and the operator must act before they fail.
const minFree = 1 << 20

// Ready checks that the database answers and takes writes. The data
// folder's file system must have minFree bytes left; then a probe, in one
// committed transaction, asks for 64 KiB of new pages (in a savepoint it
// rolls back: SQLite's size limit and locks show) and writes a row it
// deletes, so the commit reaches the WAL file as a save does (an I/O error
// or a read-only file system shows). A probe rolled back whole never left
// SQLite's page cache: it answered ready on a full disk while every save
// failed. The table stays empty.
func (db *DB) Ready(ctx context.Context) error {
	err := db.spaceLeft()
	if err == nil {
		err = db.txRaw(ctx, func(tx *sql.Tx) error {
			for _, q := range []string{
				`INSERT INTO health (at) VALUES (0)`,
				`SAVEPOINT probe`,
				`INSERT INTO health (at, pad) VALUES (1, zeroblob(65536))`,
				`ROLLBACK TO probe`,
				`RELEASE probe`,
				`DELETE FROM health`,
			} {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err == nil {
		db.failed.Store(false)
		return nil
	}
	err = classify(err)
	if !store.Unavailable(err) {
		err = fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	db.failed.Store(true)
	return fmt.Errorf("sqlstore: not ready: %w", err)
}

// spaceLeft fails with ENOSPC when the data folder's file system has less
// than minFree bytes left for this process (root may use the blocks
// reserved for it).
func (db *DB) spaceLeft() error {
	var st syscall.Statfs_t
	if err := syscall.Statfs(db.dir, &st); err != nil {
		return fmt.Errorf("sqlstore: statfs %s: %w", db.dir, err)
	}
	avail := st.Bavail
	if os.Geteuid() == 0 {
		avail = st.Bfree
	}
	if free := avail * uint64(st.Bsize); free < minFree { // #nosec G115 -- a block size is positive
		return fmt.Errorf("sqlstore: the disk holding %s is full (%d bytes free): %w", db.dir, free, syscall.ENOSPC)
	}
	return nil
}

// LimitSize lets the database grow by at most extra pages from now on
// (SQLite's max_page_count; 0 lifts the limit): past it every write fails as
// on a full disk. Tests use it to fill the disk.
func (db *DB) LimitSize(ctx context.Context, extra int) error {
	var pages int
	if err := db.w.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		return err
	}
	limit := pages + extra
	if extra == 0 {
		limit = 1 << 30
	}
	_, err := db.w.ExecContext(ctx, "PRAGMA max_page_count = "+strconv.Itoa(limit))
	return err
}

// Failing reports whether the last write failed for storage reasons.
func (db *DB) Failing() bool { return db.failed.Load() }

// newID returns a fresh random ID: 128 bits, hex.
func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ts stores a time as Unix nanoseconds (UTC); the zero time is 0.
func ts(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromTS reads a time stored by ts.
func fromTS(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// tsPtr stores an optional time: NULL for nil.
func tsPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ts(*t)
}

// fromTSPtr reads an optional time stored by tsPtr.
func fromTSPtr(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromTS(n.Int64)
	return &t
}

// jsonText encodes v for a JSON column.
func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("sqlstore: encode: %w", err)
	}
	return string(b), nil
}

// fromJSON decodes a JSON column into v; an empty column leaves v alone.
func fromJSON(s string, v any) error {
	if s == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("sqlstore: decode: %w", err)
	}
	return nil
}

// placeholders returns "?, ?, ?" for n values.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// anys converts strings to query arguments.
func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
