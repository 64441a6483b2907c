// Package mongotest gives tests a fresh MongoDB database for app/mongostore:
// a real MongoDB when LIBRECOURS_TEST_MONGODB_URI is set (a database of its
// own, dropped at the end), FerretDB started in-process otherwise. Only test
// files import it.
package mongotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"

	"librecours/app/mongostore"
)

// EnvURI names the variable that points the tests at a real MongoDB.
const EnvURI = "LIBRECOURS_TEST_MONGODB_URI"

// Options tune Open.
type Options struct {
	// Dir reuses FerretDB's folder (restart tests); a fresh temp dir otherwise.
	Dir string
	// Monitor sees every command.
	Monitor *event.CommandMonitor
}

// DB is a test database with what is needed to stop and start it again.
type DB struct {
	*mongostore.DB
	Dir    string
	Server *Server // nil on a real MongoDB
	Name   string
}

// Open starts and connects a fresh database with its indexes; it is closed
// when the test ends.
func Open(t testing.TB, o Options) *DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	d := &DB{Dir: o.Dir, Name: "librecours"}
	uri := os.Getenv(EnvURI)
	switch {
	case uri == "" && d.Dir != "":
		srv, err := Start(ctx, FerretOptions{Dir: d.Dir})
		if err != nil {
			t.Fatalf("start FerretDB: %v", err)
		}
		d.Server, uri = srv, srv.URI()
	case uri == "":
		// One FerretDB for the whole test binary, a database per test.
		var err error
		if uri, err = sharedURI(); err != nil {
			t.Fatalf("start FerretDB: %v", err)
		}
		d.Name = freshName()
	default:
		d.Name = freshName()
	}
	if os.Getenv(EnvURI) == "" {
		// FerretDB 1.24 on SQLite runs a filtered update as a read then a
		// separate write, so two conditional updates of one document can
		// both succeed; MongoDB applies each atomically. One connection
		// serialises FerretDB's commands, so the suites test the adapter's
		// logic as MongoDB would run it (on a real MongoDB the pool is not
		// limited and the race scenarios run truly concurrently).
		uri = withMaxPool1(uri)
	}
	// With one connection, the race scenarios' goroutines queue for it, and
	// on a loaded machine (CI runs packages side by side) the wait passes
	// the driver's default 5 s; waiting is what they are meant to do here.
	timeout := time.Duration(0)
	if os.Getenv(EnvURI) == "" {
		timeout = time.Minute
	}
	db, err := mongostore.Connect(mongostore.Options{URI: uri, Database: d.Name, Monitor: o.Monitor, Timeout: timeout})
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	d.DB = db
	if err := db.WaitReady(ctx); err != nil {
		t.Fatalf("database not ready: %v", err)
	}
	if err := db.EnsureIndexes(ctx); err != nil {
		t.Fatalf("indexes: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// Close disconnects and stops FerretDB (or drops the test database on a real
// MongoDB). It may be called more than once.
func (d *DB) Close() {
	if d.DB == nil {
		return
	}
	ctx := context.Background()
	if d.Server == nil {
		_ = d.DropDatabase(ctx)
	}
	_ = d.DB.Close(ctx)
	d.DB = nil
	if d.Server != nil {
		d.Server.Stop()
	}
}

func freshName() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "librecours_test_" + hex.EncodeToString(b)
}

var shared struct {
	once sync.Once
	uri  string
	err  error
}

// sharedURI starts the test binary's FerretDB once, in a temporary folder
// removed by Cleanup.
func sharedURI() (string, error) {
	shared.once.Do(func() {
		dir, err := os.MkdirTemp("", "librecours-ferretdb-")
		if err != nil {
			shared.err = err
			return
		}
		sharedDir = dir
		srv, err := Start(context.Background(), FerretOptions{Dir: dir})
		if err != nil {
			shared.err = err
			return
		}
		sharedServer = srv
		shared.uri = srv.URI()
	})
	return shared.uri, shared.err
}

var (
	sharedDir    string
	sharedServer *Server
)

// Main runs a package's tests and then stops the shared FerretDB and removes
// its folder: call it from TestMain.
func Main(m interface{ Run() int }) int {
	code := m.Run()
	if sharedServer != nil {
		sharedServer.Stop()
	}
	if sharedDir != "" {
		_ = os.RemoveAll(sharedDir)
	}
	return code
}

func withMaxPool1(uri string) string {
	if strings.Contains(uri, "?") {
		return uri + "&maxPoolSize=1"
	}
	return uri + "?maxPoolSize=1"
}
