// Package storetest gives tests a fresh database: the embedded FerretDB in a
// temporary folder, or, when MONGODB_URI is set, a database of its own on that
// server, dropped at the end.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"

	"librecours/app/embeddb"
	"librecours/app/mongostore"
)

// Options tune Open.
type Options struct {
	// Dir reuses a data folder (restart tests); a fresh temp dir otherwise.
	Dir string
	// Monitor sees every command.
	Monitor *event.CommandMonitor
	// NoMirror turns the embedded database's in-memory mirrors off, so every
	// read goes to the database as on MongoDB (command counts).
	NoMirror bool
}

// DB is a test database with what is needed to stop and start it again.
type DB struct {
	*mongostore.DB
	Dir    string
	Server *embeddb.Server // nil on MONGODB_URI
	Name   string
}

// Open starts and connects a fresh database with its indexes; it is closed
// when the test ends.
func Open(t testing.TB, o Options) *DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	d := &DB{Dir: o.Dir, Name: "librecours"}
	uri := os.Getenv("MONGODB_URI")
	if uri == "" {
		if d.Dir == "" {
			d.Dir = t.TempDir()
		}
		srv, err := embeddb.Start(ctx, embeddb.Options{Dir: d.Dir})
		if err != nil {
			t.Fatalf("start embedded database: %v", err)
		}
		d.Server, uri = srv, srv.URI()
	} else {
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		d.Name = "librecours_test_" + hex.EncodeToString(b)
	}
	db, err := mongostore.Connect(mongostore.Options{URI: uri, Database: d.Name, SingleWriter: d.Server != nil, Mirror: d.Server != nil && !o.NoMirror, Monitor: o.Monitor})
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
	if d.Server != nil {
		if err := embeddb.IndexIDs(ctx, d.Dir, d.Name); err != nil {
			t.Fatalf("index ids: %v", err)
		}
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// Close disconnects and stops the embedded server (or drops the test
// database on MONGODB_URI). It may be called more than once.
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
