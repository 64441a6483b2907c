package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"librecours/app/sqlstore"
	"librecours/app/store"
	"librecours/app/storetest"
	"librecours/course"
	"librecours/grading"
)

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
	srv, err := NewServer(Deps{Config: testConfig(), Store: fresh, Now: f.e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := srv.certs.Lookup(ctx, certs[0].Code); err != nil || c.HolderName != f.part.Name {
		t.Fatalf("certificate after restore: %+v %v", c, err)
	}
}

// TestCommandsBesideARunningServer: with a server holding the data folder,
// backup, user add and rotate-key go through its admin socket; restore and a
// second server are refused with the folder and the holder named, and the
// running server is left untouched.
func TestCommandsBesideARunningServer(t *testing.T) {
	data := t.TempDir()
	t.Setenv("LIBRECOURS_DATA", data)
	t.Setenv("MONGODB_URI", "")
	cfg, err := ConfigFromEnv(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p, err := OpenPlatform(ctx, cfg, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := seedDemo(ctx, p, func() time.Time { return testStart }, &strings.Builder{}); err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(Deps{Config: cfg, Store: p.Store, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.certs.EnsureKey(ctx); err != nil {
		t.Fatal(err)
	}
	stopAdmin, err := srv.listenAdmin(adminSocket(cfg))
	if err != nil {
		t.Fatal(err)
	}
	defer stopAdmin()
	if fi, err := os.Stat(adminSocket(cfg)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("admin socket: %v %v", fi, err)
	}
	before := storetest.Records(t, p.Store)

	run := func(args ...string) (int, string, string) {
		var out, errOut strings.Builder
		code := Main(args, &out, &errOut)
		return code, out.String(), errOut.String()
	}
	dir := filepath.Join(t.TempDir(), "backup")
	if code, out, errOut := run("backup", dir); code != 0 || !strings.Contains(out, "records") {
		t.Fatalf("backup: exit %d: %s %s", code, out, errOut)
	}
	b, err := os.ReadFile(filepath.Join(dir, "users.jsonl"))
	if err != nil || strings.Count(string(b), "\n") != 15 {
		t.Fatalf("users in the backup: %d lines, %v", strings.Count(string(b), "\n"), err)
	}
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("un mot de passe solide\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := run("user", "add", "--email", "new@example.org", "--name", "Nouvelle", "--role", "animator", "--password-file", pw); code != 0 || !strings.Contains(out, "new@example.org") {
		t.Fatalf("user add: exit %d: %s %s", code, out, errOut)
	}
	if u, err := srv.store.UserByEmail(ctx, "new@example.org"); err != nil || !u.Has(course.RoleAnimator) {
		t.Fatalf("user added through the server: %+v %v", u, err)
	}
	if code, out, errOut := run("certificates", "rotate-key"); code != 0 || !strings.Contains(out, "new signing key") {
		t.Fatalf("rotate-key: exit %d: %s %s", code, out, errOut)
	}

	// Restoring into the live folder is refused, naming the folder and the holder.
	code, _, errOut := run("restore", dir)
	if code != 1 || !strings.Contains(errOut, data) || !strings.Contains(errOut, "serve") {
		t.Fatalf("restore into a live folder: exit %d: %s", code, errOut)
	}
	// So is a second server.
	if _, err := OpenPlatform(ctx, cfg, discardLogger()); !errors.Is(err, sqlstore.ErrLocked) || !strings.Contains(err.Error(), strconv.Itoa(os.Getpid())) {
		t.Fatalf("second server: %v", err)
	}
	// The running server still has its data (and the one new account).
	after := storetest.Records(t, p.Store)
	if len(after["users"]) != len(before["users"])+1 || !slices.Equal(after["sessions"], before["sessions"]) {
		t.Fatalf("running server's data changed: %d users before, %d after", len(before["users"]), len(after["users"]))
	}
	stopAdmin()
	// Without the admin socket, a command on a held folder is refused.
	if code, _, errOut := run("backup", filepath.Join(t.TempDir(), "b2")); code != 1 || !strings.Contains(errOut, "does not answer") {
		t.Fatalf("backup with a silent server: exit %d: %s", code, errOut)
	}
	p.Close()
	// Stopped: the restore goes into a fresh folder.
	t.Setenv("LIBRECOURS_DATA", t.TempDir())
	if code, out, errOut := run("restore", dir); code != 0 {
		t.Fatalf("restore into a new folder: exit %d: %s %s", code, out, errOut)
	}
}
