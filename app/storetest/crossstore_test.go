package storetest_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"librecours/app/mongostore"
	"librecours/app/mongostore/mongotest"
	"librecours/app/sqlstore"
	"librecours/app/store"
	"librecours/app/storetest"
)

func TestMain(m *testing.M) { os.Exit(mongotest.Main(m)) }

// TestCrossStoreRestore is the migration path of docs/operations.md: data
// written through the embedded store, backed up, restored into MongoDB,
// backed up again and restored into a new embedded store, record for record.
func TestCrossStoreRestore(t *testing.T) {
	if testing.Short() {
		t.Skip("the MongoDB-protocol suites run without -short")
	}
	ctx := context.Background()
	openSQL := func() store.Backend {
		s, err := sqlstore.OpenStore(ctx, t.TempDir(), sqlstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	src := openSQL()
	storetest.Populate(t, src)
	dir1 := filepath.Join(t.TempDir(), "from-sqlite")
	if _, err := store.Backup(ctx, src, dir1, storetest.T0); err != nil {
		t.Fatal(err)
	}
	mongo := mongostore.NewBackend(mongotest.Open(t, mongotest.Options{}).DB)
	if _, err := store.Restore(ctx, mongo, dir1); err != nil {
		t.Fatal(err)
	}
	storetest.SameRecords(t, src, mongo)

	dir2 := filepath.Join(t.TempDir(), "from-mongodb")
	if m, err := store.Backup(ctx, mongo, dir2, storetest.T0); err != nil || m.Store != "mongodb" {
		t.Fatal(m, err)
	}
	back := openSQL()
	if _, err := store.Restore(ctx, back, dir2); err != nil {
		t.Fatal(err)
	}
	storetest.SameRecords(t, src, back)
}
