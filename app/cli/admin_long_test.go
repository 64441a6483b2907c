package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAdminSocketLongFolder: a data folder whose path leaves no room for
// the admin socket's name in a Unix socket address (107 bytes) still gets
// its socket, and commands reach it. The server used to stop at start with
// "admin socket …: bind: invalid argument".
func TestAdminSocketLongFolder(t *testing.T) {
	data := filepath.Join(t.TempDir(), strings.Repeat("d", 60), strings.Repeat("e", 60))
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.DataDir = data
	stop, err := listenAdmin(nil, adminSocket(cfg))
	if err != nil {
		t.Fatalf("admin socket in a folder of %d bytes: %v", len(data), err)
	}
	defer stop()
	// A relative folder is refused by the server before any work: the
	// answer shows the command reached it.
	err = adminCall(context.Background(), cfg, "/backup", map[string]string{"dir": "relative"}, &struct{}{})
	if err == nil || errors.Is(err, errNoServer) || !strings.Contains(err.Error(), "absolute") {
		t.Fatalf("command through the socket of a long folder: %v", err)
	}
}
