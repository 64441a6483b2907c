package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStartOnFullDisk: the message says so in plain words, and keeps the cause.
func TestStartOnFullDisk(t *testing.T) {
	err := plainStorageError("/srv/librecours", fmt.Errorf("sqlstore: open: %w", syscall.ENOSPC))
	if !strings.Contains(err.Error(), "the disk holding /srv/librecours is full: free some space") || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("start on a full disk: %v", err)
	}
}

// TestSecondOpenRefused: a second Open of a held folder names the folder and
// the holder; after Close the folder opens again.
func TestSecondOpenRefused(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := Open(ctx, dir, Options{Holder: "serve"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, dir, Options{Holder: "backup"})
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), dir) || !strings.Contains(le.Holder, "(serve,") {
		t.Fatalf("second open: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Closing again does nothing: it neither fails nor releases the lock
	// another process may hold by then.
	db2, err := Open(ctx, dir, Options{Holder: "restore"})
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	// A job still running after Close gets an error, not a panic.
	if _, err := NewCourseStore(db).OpenSessions(ctx); err == nil {
		t.Fatal("a read after Close succeeded")
	}
	if _, err := db.exec(ctx, "CREATE TABLE after_close (x INTEGER)"); err == nil {
		t.Fatal("a write after Close succeeded")
	}
	if _, err := Open(ctx, dir, Options{Holder: "backup"}); !errors.Is(err, ErrLocked) {
		t.Fatalf("open beside a holder after a stale close: %v", err)
	}
	_ = db2.Close()
}

// TestMigrationsRecorded: every step is applied once and recorded; opening
// again applies nothing; a database newer than the program is refused.
func TestMigrationsRecorded(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var n, max int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&n, &max); err != nil {
		t.Fatal(err)
	}
	if n != len(migrations) || max != migrations[len(migrations)-1].version {
		t.Fatalf("recorded %d steps up to %d, want %d", n, max, len(migrations))
	}
	if _, err := db.w.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)`); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	if _, err := Open(ctx, dir, Options{}); err == nil || !strings.Contains(err.Error(), "newer than this program") {
		t.Fatalf("open a newer database: %v", err)
	}
}

// TestCheckpointsOffTheWritersPath: commits do not checkpoint the WAL
// until it reaches the backstop (SQLite's default is 1,000 pages, which
// made one save in a few hundred copy 4 MB), and the background
// checkpoint copies every frame of the WAL into the database file.
func TestCheckpointsOffTheWritersPath(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.stopCk() // the test checkpoints itself
	db.stopCk = nil
	var auto int
	if err := db.w.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&auto); err != nil || auto != walBackstop {
		t.Fatalf("the writer checkpoints at %d pages (%v), want %d", auto, err, walBackstop)
	}
	if _, err := db.w.ExecContext(ctx, "CREATE TABLE scratch (x TEXT)"); err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		if _, err := db.w.ExecContext(ctx, "INSERT INTO scratch (x) VALUES (?)", strings.Repeat("x", 4000+i)); err != nil {
			t.Fatal(err)
		}
	}
	frames, copied, err := db.checkpoint(ctx)
	if err != nil || frames < 300 || copied != frames {
		t.Fatalf("the checkpoint: %d frames in the WAL, %d copied (%v); want every one of at least 300", frames, copied, err)
	}
}

// TestWritersTakeTurnsInOrder: writers waiting for the writer's turn get
// it in the order they asked, and one whose context ends while it waits
// gives up without writing.
func TestWritersTakeTurnsInOrder(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.exec(ctx, "CREATE TABLE turns (n INTEGER)"); err != nil {
		t.Fatal(err)
	}
	db.wturn <- struct{}{} // the turn is held
	const writers = 8
	done := make(chan error, writers)
	for i := range writers {
		go func() {
			_, err := db.exec(ctx, "INSERT INTO turns (n) VALUES (?)", i)
			done <- err
		}()
		// The next writer asks only once this one waits for its turn.
		waitForTurnWaiters(t, i+1)
	}
	gone, cancel := context.WithCancel(ctx)
	giveUp := make(chan error, 1)
	go func() { _, err := db.exec(gone, "INSERT INTO turns (n) VALUES (-1)"); giveUp <- err }()
	waitForTurnWaiters(t, writers+1)
	cancel()
	if err := <-giveUp; !errors.Is(err, context.Canceled) {
		t.Fatalf("a writer whose context ended while waiting: %v", err)
	}
	<-db.wturn // the turn is released
	for range writers {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	var got []int
	err = db.query(ctx, func(rows *sql.Rows) error {
		var n int
		if err := rows.Scan(&n); err != nil {
			return err
		}
		got = append(got, n)
		return nil
	}, "SELECT n FROM turns ORDER BY rowid")
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{0, 1, 2, 3, 4, 5, 6, 7}; !slices.Equal(got, want) {
		t.Fatalf("writes in the order %v, want %v", got, want)
	}
}

// waitForTurnWaiters returns once n goroutines wait for the writer's turn
// (in txRaw's select), as the goroutines' stacks show.
func waitForTurnWaiters(t *testing.T, n int) {
	t.Helper()
	buf := make([]byte, 1<<20)
	for tries := 0; ; tries++ {
		waiting := 0
		for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
			if strings.Contains(g, " [select") && strings.Contains(g, "sqlstore.(*DB).txRaw(") {
				waiting++
			}
		}
		if waiting == n {
			return
		}
		if tries > 50_000 {
			t.Fatalf("%d writers wait for their turn, want %d", waiting, n)
		}
		runtime.Gosched()
	}
}

// TestMigrationNumberedBelowTheLast: a database that recorded a later step
// but not an earlier one gets the earlier one at start. Step 9 ("late
// work") was released before step 8 ("certificate status index"): a
// database created in between recorded 1-7 and 9, and the version check
// (MAX(version)) skipped 8 for ever, so every list of certificates and
// every backup failed with "no such column: status_index".
func TestMigrationNumberedBelowTheLast(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	w := openSQL(dsn(filepath.Join(dir, FileName), 5*time.Second, false), nil, nil)
	var without8 []migration
	for _, m := range migrations {
		if m.version != 8 {
			without8 = append(without8, m)
		}
	}
	if err := migrateSteps(ctx, w, without8); err != nil {
		t.Fatal(err)
	}
	_ = w.Close()
	db, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	if _, err := db.r.ExecContext(ctx, `SELECT status_index FROM certificates LIMIT 0`); err != nil {
		t.Fatalf("step 8 not applied: %v", err)
	}
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(migrations) {
		t.Fatalf("recorded %d steps (%v), want %d", n, err, len(migrations))
	}
}
