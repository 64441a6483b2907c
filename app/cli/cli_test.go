package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"librecours/course"
)

// TestUserAddCommand creates an account from the command line on the
// embedded database, then finds it after a restart of the platform.
func TestUserAddCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("LIBRECOURS_DATA", dir)
	t.Setenv("MONGODB_URI", "")
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("un mot de passe solide\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut strings.Builder
	args := []string{"user", "add", "--email", "Coord@Example.org", "--name", "Coordination", "--role", "coordinator,animator", "--password-file", pw}
	if code := Main(args, &out, &errOut); code != 0 {
		t.Fatalf("user add: exit %d: %s", code, errOut.String())
	}
	if code := Main(args, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "email already") {
		t.Fatalf("second user add: exit %d: %s", code, errOut.String())
	}
	if code := Main([]string{"user", "add", "--email", "x@example.org"}, &out, &errOut); code != 2 {
		t.Fatalf("missing flags: exit %d", code)
	}
	cfg, err := ConfigFromEnv(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	p, err := OpenPlatform(context.Background(), cfg, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	svc, err := p.courseService(time.Now)
	if err != nil {
		t.Fatal(err)
	}
	u, err := svc.Store.UserByEmail(context.Background(), "coord@example.org")
	if err != nil || !u.IsCoordinator() || !u.Has(course.RoleAnimator) {
		t.Fatalf("account: %+v %v", u, err)
	}
	if ok, _ := checkPassword(u.PasswordHash, "un mot de passe solide"); !ok {
		t.Fatal("password not set from the file")
	}
}

// TestVerificationRateLimited: guessing codes is cut off per address.
func TestVerificationRateLimited(t *testing.T) {
	e := newEnv(t)
	last := 0
	for range 70 {
		res := e.api("GET", "/api/v1/certificates/LC3-0000-0000-0000-0000", "", nil)
		last = res.Status
		if res.Status != 404 && res.Status != 429 {
			t.Fatalf("status %d", res.Status)
		}
	}
	if last != 429 {
		t.Fatalf("70 guesses in a minute: last status %d, want 429", last)
	}
}
