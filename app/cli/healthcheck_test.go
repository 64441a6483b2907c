package cli

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHealthcheck: the healthcheck command succeeds on a 200 from /readyz
// and fails otherwise or when nothing listens.
func TestHealthcheck(t *testing.T) {
	status := http.StatusOK
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
	}))
	defer ts.Close()
	cfg := testConfig()
	cfg.Addr = strings.TrimPrefix(ts.URL, "http://")
	ctx := context.Background()
	if err := healthcheck(ctx, cfg); err != nil {
		t.Errorf("ready: %v", err)
	}
	status = http.StatusServiceUnavailable
	if err := healthcheck(ctx, cfg); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("not ready: %v", err)
	}
	ts.Close()
	if err := healthcheck(ctx, cfg); err == nil {
		t.Error("nothing listening: no error")
	}
	for in, want := range map[string]string{
		"0.0.0.0:8080":     "127.0.0.1:8080",
		":8080":            "127.0.0.1:8080",
		"[::]:8080":        "[::1]:8080",
		"localhost:8080":   "localhost:8080",
		"10.0.0.5:8080":    "10.0.0.5:8080",
		"[2001:db8::]:443": "[2001:db8::]:443",
	} {
		if got := probeAddr(in); got != want {
			t.Errorf("probeAddr(%q) = %q, want %q", in, got, want)
		}
	}
}
