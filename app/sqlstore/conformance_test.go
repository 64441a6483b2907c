package sqlstore_test

import (
	"context"
	"testing"

	"librecours/app/sqlstore"
	"librecours/app/store"
	"librecours/app/storetest"
)

// openBackend is a fresh embedded database in a temporary folder.
func openBackend(t testing.TB) store.Backend {
	t.Helper()
	s, err := sqlstore.OpenStore(context.Background(), t.TempDir(), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) { storetest.Run(t, openBackend) }
