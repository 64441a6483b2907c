package sqlstore

import (
	"context"
	"os"
	"testing"
)

// TestWALShrinksAfterBurst: after a burst of writes has grown the WAL file
// past walKeep, the file is cut back to walKeep once a checkpoint has
// copied it and writing starts again from its beginning. SQLite reuses a
// WAL file without shrinking it: after a burst the file kept its largest
// size (23 MB on a full 48 MB disk in the audit) until the server stopped,
// space the operator could not get back by freeing files.
func TestWALShrinksAfterBurst(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, t.TempDir(), Options{Holder: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	db.stopCk() // checkpoints by hand below
	db.stopCk = nil
	if _, err := db.exec(ctx, `CREATE TABLE burst (b BLOB)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.exec(ctx, `INSERT INTO burst (b) VALUES (zeroblob(?))`, 3*walKeep); err != nil {
		t.Fatal(err)
	}
	wal := db.path + "-wal"
	if fi, err := os.Stat(wal); err != nil || fi.Size() < 2*walKeep {
		t.Fatalf("WAL after the burst: %v %v, want over %d bytes", fi.Size(), err, 2*walKeep)
	}
	if _, _, err := db.checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.exec(ctx, `INSERT INTO burst (b) VALUES (x'00')`); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(wal); err != nil || fi.Size() > walKeep {
		t.Fatalf("WAL after a checkpoint and a write: %v %v, want at most %d bytes", fi.Size(), err, walKeep)
	}
}
