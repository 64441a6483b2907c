package cli

import (
	"context"
	"librecours/app"
	"librecours/app/password"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"librecours/app/config"
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
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	p, err := app.Open(context.Background(), cfg, discardLogger(), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	u, err := p.Store.Stores().Course.UserByEmail(context.Background(), "coord@example.org")
	if err != nil || !u.IsCoordinator() || !u.Has(course.RoleAnimator) {
		t.Fatalf("account: %+v %v", u, err)
	}
	if ok, _ := password.Check(u.PasswordHash, "un mot de passe solide"); !ok {
		t.Fatal("password not set from the file")
	}
}

// testConfig is the configuration of a test: defaults, and a base URL.
func testConfig() config.Config {
	cfg, err := config.FromEnv(func(string) string { return "" })
	if err != nil {
		panic(err)
	}
	cfg.BaseURL = "http://librecours.test"
	return cfg
}
