package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUserAddSaysWhyInWords: a refused password is explained in words, not
// by its message key: "invalid password (course.user.password_personal)"
// left the operator to guess that the password held the address or name.
func TestUserAddSaysWhyInWords(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("LIBRECOURS_DATA", dir)
	t.Setenv("MONGODB_URI", "")
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("camille-dupont-2026-long\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut strings.Builder
	args := []string{"user", "add", "--email", "camille@example.org", "--name", "Camille Dupont", "--password-file", pw}
	if code := Main(args, &out, &errOut); code != 1 {
		t.Fatalf("user add with a personal password: exit %d: %s", code, errOut.String())
	}
	if msg := errOut.String(); strings.Contains(msg, "course.user.") || !strings.Contains(msg, "neither your address nor your name") {
		t.Fatalf("user add with a personal password: %s", msg)
	}
}
