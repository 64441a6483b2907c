package mongostore_test

import (
	"os"
	"testing"

	"librecours/app/mongostore"
	"librecours/app/mongostore/mongotest"
	"librecours/app/store"
	"librecours/app/storetest"
)

func TestMain(m *testing.M) { os.Exit(mongotest.Main(m)) }

// openBackend is a fresh database on FerretDB (or LIBRECOURS_TEST_MONGODB_URI).
func openBackend(t testing.TB) store.Backend {
	return mongostore.NewBackend(mongotest.Open(t, mongotest.Options{}).DB)
}

func TestConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("the MongoDB-protocol suites run without -short")
	}
	storetest.Run(t, openBackend)
}
