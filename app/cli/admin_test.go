package cli

import (
	"context"
	"errors"
	"librecours/app"
	"librecours/app/config"
	"librecours/app/demo"
	"librecours/app/sqlstore"
	"librecours/app/storetest"
	"librecours/course"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCommandsBesideARunningServer: with a server holding the data folder,
// backup, user add and rotate-key go through its admin socket; restore and a
// second server are refused with the folder and the holder named, and the
// running server is left untouched.
func TestCommandsBesideARunningServer(t *testing.T) {
	data := t.TempDir()
	t.Setenv("LIBRECOURS_DATA", data)
	t.Setenv("MONGODB_URI", "")
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p, err := app.Open(ctx, cfg, discardLogger(), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := demo.Seed(ctx, p, time.Now, &strings.Builder{}); err != nil {
		t.Fatal(err)
	}
	if err := p.Certificates.EnsureKey(ctx); err != nil {
		t.Fatal(err)
	}
	stopAdmin, err := listenAdmin(p, adminSocket(cfg))
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
	if u, err := p.Store.Stores().Course.UserByEmail(ctx, "new@example.org"); err != nil || !u.Has(course.RoleAnimator) {
		t.Fatalf("user added through the server: %+v %v", u, err)
	}
	if code, out, errOut := run("certificates", "rotate-key"); code != 0 || !strings.Contains(out, "new signing key") {
		t.Fatalf("rotate-key: exit %d: %s %s", code, out, errOut)
	}

	// Restoring into the live folder is refused, naming the folder and the holder.
	code, _, errOut := run("restore", dir)
	// It cannot go through the server: the message does not suggest it.
	if code != 1 || !strings.Contains(errOut, data) || !strings.Contains(errOut, "serve") ||
		!strings.Contains(errOut, "stop it first") || strings.Contains(errOut, "through it") {
		t.Fatalf("restore into a live folder: exit %d: %s", code, errOut)
	}
	// So is a second server.
	if _, err := app.Open(ctx, cfg, discardLogger(), app.Options{}); !errors.Is(err, sqlstore.ErrLocked) || !strings.Contains(err.Error(), strconv.Itoa(os.Getpid())) {
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
