package web

import (
	"errors"
	"slices"
	"testing"

	"librecours/app/store"
	"librecours/app/storetest"
	"librecours/grading"
)

func TestBackupRestoreRoundTrip(t *testing.T) {
	t.Parallel()
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
	before := storetest.Records(t, f.e.db)
	for _, c := range []string{"users", "sessions", "submissions", "reviews", "files", "certificates", "signing_keys", "audit_log"} {
		if len(before[c]) == 0 {
			t.Fatalf("fixture has no %s", c)
		}
	}

	dir := t.TempDir()
	m, err := store.Backup(ctx, f.e.db, dir, testStart)
	if err != nil {
		t.Fatal(err)
	}
	if m.Collections["files"].Count != 1 || m.Store != "sqlite" {
		t.Fatalf("manifest: %+v", m)
	}
	fresh := openTestStore(t, "")
	if _, err := store.Restore(ctx, fresh, dir); err != nil {
		t.Fatal(err)
	}
	after := storetest.Records(t, fresh)
	for c, docs := range before {
		if !slices.Equal(docs, after[c]) {
			t.Errorf("collection %s differs after restore: %d documents before, %d after", c, len(docs), len(after[c]))
		}
	}
	if len(after) != len(before) {
		t.Errorf("%d collections before, %d after", len(before), len(after))
	}
	if _, err := store.Restore(ctx, fresh, dir); !errors.Is(err, store.ErrNotEmpty) {
		t.Fatalf("restore into a database with data: %v", err)
	}
	// The restored platform serves: the certificate verifies.
	certs, _ := f.e.srv.certs.Store.CertificatesBySession(ctx, f.session.ID)
	srv, err := testServer(testConfig(), fresh, f.e.clock.Now, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := srv.certs.Lookup(ctx, certs[0].Code); err != nil || c.HolderName != f.part.Name {
		t.Fatalf("certificate after restore: %+v %v", c, err)
	}
}
