package zzscratchauth

import (
	"context"
	"strings"
	"testing"

	"librecours/app/mongostore"
	"librecours/app/mongostore/mongotest"
	"librecours/app/store"
	"librecours/app/storetest"
)

func TestAuthPool1(t *testing.T) {
	srv, err := mongotest.Start(context.Background(), mongotest.FerretOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	uri := srv.URI()
	if strings.Contains(uri, "?") {
		uri += "&maxPoolSize=1"
	} else {
		uri += "?maxPoolSize=1"
	}
	t.Log(uri)
	n := 0
	open := func(t testing.TB) store.Backend {
		n++
		db, err := mongostore.Connect(mongostore.Options{URI: uri, Database: "t" + string(rune('a'+n))})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.EnsureIndexes(context.Background()); err != nil {
			t.Fatal(err)
		}
		return mongostore.NewBackend(db)
	}
	storetest.Auth(t, open)
}
