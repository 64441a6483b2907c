package config

import (
	"strings"
	"testing"
)

// TestDurationFloors: a duration too short to be meant is refused at start
// with the variable named. LIBRECOURS_NOTIFY_INTERVAL=1ns ran the outbox in
// a loop that took a whole core and the writer; a sign-in that lasts a
// millisecond signs nobody in.
func TestDurationFloors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ key, value string }{
		{"LIBRECOURS_NOTIFY_INTERVAL", "1ns"},
		{"LIBRECOURS_NOTIFY_INTERVAL", "500ms"},
		{"LIBRECOURS_SESSION_IDLE", "1ms"},
		{"LIBRECOURS_SESSION_MAX", "30s"},
		{"LIBRECOURS_TOKEN_TTL", "1s"},
	} {
		_, err := FromEnv(func(k string) string {
			if k == c.key {
				return c.value
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), c.key) {
			t.Errorf("%s=%s: %v, want it refused", c.key, c.value, err)
		}
	}
	for _, c := range []struct{ key, value string }{
		{"LIBRECOURS_NOTIFY_INTERVAL", "1s"},
		{"LIBRECOURS_SESSION_IDLE", "1m"},
		{"LIBRECOURS_SESSION_MAX", "10m"},
		{"LIBRECOURS_TOKEN_TTL", "1h"},
	} {
		cfg, err := FromEnv(func(k string) string {
			if k == c.key {
				return c.value
			}
			return ""
		})
		if err != nil {
			t.Errorf("%s=%s: %v", c.key, c.value, err)
		}
		_ = cfg
	}
}

// TestAddrPort: LIBRECOURS_ADDR's port must be a port number (0 to 65535,
// 0 asks the system for one); 127.0.0.1:99999 passed the check and failed
// only once the server was said to run.
func TestAddrPort(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"127.0.0.1:99999", "127.0.0.1:http-ish", "127.0.0.1:-1"} {
		_, err := FromEnv(func(k string) string {
			if k == "LIBRECOURS_ADDR" {
				return addr
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), "LIBRECOURS_ADDR") {
			t.Errorf("LIBRECOURS_ADDR=%s: %v, want it refused", addr, err)
		}
	}
	if _, err := FromEnv(func(k string) string {
		if k == "LIBRECOURS_ADDR" {
			return "[::1]:8080"
		}
		return ""
	}); err != nil {
		t.Errorf("LIBRECOURS_ADDR=[::1]:8080: %v", err)
	}
}
