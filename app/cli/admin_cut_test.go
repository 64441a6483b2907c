package cli

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"librecours/app/sqlstore"
)

// TestBackupServerStopsMidway: when the server holding the folder stops
// during a backup it runs for the command (kill -9, a crash), the command
// says the backup is unfinished and where, not that no server answers:
// it used to print "in use by process N …, and it does not answer on
// admin.sock", which read as if nothing had started.
func TestBackupServerStopsMidway(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	held, err := sqlstore.Open(ctx, data, sqlstore.Options{Holder: "serve"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = held.Close() }()
	ln, err := net.Listen("unix", filepath.Join(data, adminSocketName))
	if err != nil {
		t.Fatal(err)
	}
	// The server reads the request, then vanishes without an answer.
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	})}
	go func() { _ = hs.Serve(ln) }()
	defer func() { _ = hs.Close() }()

	cfg := testConfig()
	cfg.DataDir = data
	dir := filepath.Join(t.TempDir(), "backup")
	err = backupCommand(ctx, cfg, "backup", []string{dir}, &strings.Builder{})
	if err == nil {
		t.Fatal("backup succeeded with the server gone")
	}
	msg := err.Error()
	if strings.Contains(msg, "does not answer") || !strings.Contains(msg, "stopped") || !strings.Contains(msg, dir) || !strings.Contains(msg, "unfinished") {
		t.Fatalf("backup with the server gone midway: %v", err)
	}

	// Nothing listens: the command still says so.
	_ = hs.Close()
	err = backupCommand(ctx, cfg, "backup", []string{filepath.Join(t.TempDir(), "b2")}, &strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), "does not answer") {
		t.Fatalf("backup with no server on the socket: %v", err)
	}
}
