package cli

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeAddressInUse: when LIBRECOURS_ADDR is taken, serve stops with
// the address named, before saying it runs and before the scheduler or the
// admin socket start. It used to print "Libre cours is running at …" and
// start them, then fail in the listener's goroutine.
func TestServeAddressInUse(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = taken.Close() }()
	cfg := testConfig()
	cfg.DataDir = t.TempDir()
	cfg.Addr = taken.Addr().String()
	var out strings.Builder
	err = serve(context.Background(), cfg, discardLogger(), &out, false)
	if err == nil || !strings.Contains(err.Error(), cfg.Addr) || !strings.Contains(err.Error(), "LIBRECOURS_ADDR") {
		t.Fatalf("serve on a taken address: %v", err)
	}
	if strings.Contains(out.String(), "running") {
		t.Fatalf("serve said it runs on a taken address: %q", out.String())
	}
	if _, err := net.Dial("unix", filepath.Join(cfg.DataDir, adminSocketName)); err == nil {
		t.Fatal("the admin socket answers after serve failed")
	}
}
