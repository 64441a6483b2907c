package sqlstore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"librecours/app/store"
)

// mountSmall mounts a tmpfs of size bytes on a new folder for the test, or
// skips the test where mounting is not allowed (not root, no CAP_SYS_ADMIN).
// A real file system that runs out of space, not SQLite's max_page_count:
// a limit on pages fails a write before it reaches the disk, which a full
// disk does not.
func mountSmall(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		t.Skipf("mount a small tmpfs: %v (run as root to test a real full disk)", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// fill writes a filler file until the file system holding dir is full.
func fill(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path) // #nosec G304 -- the test's folder
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill: %v", err)
			}
			return path
		}
	}
}

// TestReadyOnRealFullDisk: with the data folder's file system full (a
// filler file beside a working database), /readyz's probe fails as a save
// does, and succeeds again once the filler is gone, without reopening.
// The probe used to write in a transaction it rolled back: SQLite kept the
// 64 KiB in its page cache and never touched the disk, so it answered ready
// on a full disk while every save failed.
func TestReadyOnRealFullDisk(t *testing.T) {
	t.Parallel()
	dir := mountSmall(t, "4m")
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(dir, "data"), Options{Holder: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	if err := db.Ready(ctx); err != nil {
		t.Fatalf("ready before the disk is full: %v", err)
	}
	filler := fill(t, dir)
	if err := db.Ready(ctx); !store.Unavailable(err) {
		t.Fatalf("ready on a full disk: %v, want unavailable", err)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if err := db.Ready(ctx); err != nil {
		t.Fatalf("ready once space is freed: %v", err)
	}
}

// TestReopenOnRealFullDisk: starting on a full disk with an existing
// database says the disk is full, as it does for a new one. SQLite fails
// to size its WAL index (-shm) first and reports a disk I/O error
// (SQLITE_IOERR_SHMSIZE), which was shown as is: "sqlstore: open …:
// storage unavailable: disk I/O error (4874)".
func TestReopenOnRealFullDisk(t *testing.T) {
	t.Parallel()
	dir := mountSmall(t, "4m")
	ctx := context.Background()
	data := filepath.Join(dir, "data")
	db, err := Open(ctx, data, Options{Holder: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	filler := fill(t, dir)
	_, err = Open(ctx, data, Options{Holder: "test"})
	if err == nil || !strings.Contains(err.Error(), "the disk holding "+data+" is full: free some space") {
		t.Fatalf("open on a full disk: %v", err)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	db, err = Open(ctx, data, Options{Holder: "test"})
	if err != nil {
		t.Fatalf("open once space is freed: %v", err)
	}
	_ = db.Close()
}
