package app

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"librecours/app/mongostore"
	"librecours/app/mongostore/storetest"
	"librecours/grading"
)

// dumpAll returns every document of every collection as canonical Extended
// JSON, by collection and _id.
func dumpAll(t *testing.T, db *mongostore.DB) map[string][]string {
	t.Helper()
	ctx := context.Background()
	names, err := db.R("x").Database().ListCollectionNames(ctx, bson.M{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, c := range names {
		cur, err := db.R(c).Find(ctx, bson.M{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
		if err != nil {
			t.Fatal(err)
		}
		for cur.Next(ctx) {
			b, _ := bson.MarshalExtJSON(cur.Current, true, false)
			out[c] = append(out[c], string(b))
		}
		if len(out[c]) == 0 {
			delete(out, c)
		}
	}
	return out
}

func TestBackupRestoreRoundTrip(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	sid, _ := f.peerWork(t)
	sub, _ := f.e.srv.grading.Store.SubmissionByID(ctx, sid)
	att := &grading.Attachment{Name: "travail.pdf", ContentType: "application/pdf"}
	if err := f.e.srv.grading.Store.PutFile(ctx, att, append([]byte("%PDF-1.4 "), make([]byte, 600<<10)...), f.session.ID, sub.AuthorID); err != nil {
		t.Fatal(err)
	}
	if err := f.e.srv.certs.SetOverride(ctx, f.coord, f.session.ID, f.part.ID, 2, "Jury de test"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.srv.certs.Close(ctx, f.coord, f.session.ID); err != nil {
		t.Fatal(err)
	}
	before := dumpAll(t, f.e.db.DB)
	for _, c := range []string{"users", "sessions", "submissions", "reviews", "file_chunks", "certificates", "signing_keys", "audit_log"} {
		if len(before[c]) == 0 {
			t.Fatalf("fixture has no %s", c)
		}
	}

	dir := t.TempDir()
	m, err := f.e.db.Backup(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Collections["file_chunks"] < 3 {
		t.Fatalf("manifest: %+v", m)
	}
	fresh := storetest.Open(t, storetest.Options{})
	if _, err := fresh.Restore(ctx, dir); err != nil {
		t.Fatal(err)
	}
	after := dumpAll(t, fresh.DB)
	for c, docs := range before {
		if !slices.Equal(docs, after[c]) {
			t.Errorf("collection %s differs after restore: %d documents before, %d after", c, len(docs), len(after[c]))
		}
	}
	if len(after) != len(before) {
		t.Errorf("%d collections before, %d after", len(before), len(after))
	}
	if _, err := fresh.Restore(ctx, dir); err != mongostore.ErrNotEmpty {
		t.Fatalf("restore into a database with data: %v", err)
	}
	// The restored platform serves: the certificate verifies.
	certs, _ := f.e.srv.certs.Store.CertificatesBySession(ctx, f.session.ID)
	srv, err := NewServer(Deps{Config: testConfig(), DB: fresh.DB, Now: f.e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := srv.certs.Lookup(ctx, certs[0].Code); err != nil || c.HolderName != f.part.Name {
		t.Fatalf("certificate after restore: %+v %v", c, err)
	}
}

// TestBackupCommandWhileServing backs up a running embedded platform from the
// command line, which attaches to the running database.
func TestBackupCommandWhileServing(t *testing.T) {
	data := t.TempDir()
	t.Setenv("LIBRECOURS_DATA", data)
	t.Setenv("MONGODB_URI", "")
	cfg, err := ConfigFromEnv(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	p, err := OpenPlatform(context.Background(), cfg, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	if err := seedDemo(context.Background(), p, func() time.Time { return testStart }, &strings.Builder{}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var out, errOut strings.Builder
	if code := Main([]string{"backup", dir}, &out, &errOut); code != 0 {
		t.Fatalf("backup: exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "documents") {
		t.Fatalf("backup output: %s", out.String())
	}
	b, err := os.ReadFile(dir + "/users.jsonl")
	if err != nil || strings.Count(string(b), "\n") != 15 {
		t.Fatalf("users in the backup: %d lines, %v", strings.Count(string(b), "\n"), err)
	}
	// Restoring over the running database is refused.
	if code := Main([]string{"restore", dir}, &out, &errOut); code != 1 {
		t.Fatalf("restore into a non-empty database: exit %d", code)
	}
}
