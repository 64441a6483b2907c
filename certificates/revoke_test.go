package certificates

import (
	"testing"
	"time"
)

// TestPublicReasonRule: the rule behind the page and the API.
func TestPublicReasonRule(t *testing.T) {
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		c    Certificate
		want string
	}{
		{"valid", Certificate{RevokeReason: "x", RevokePublic: true}, ""},
		{"revoked, reason internal", Certificate{RevokedAt: &at, RevokeReason: "interne"}, ""},
		{"revoked, reason public", Certificate{RevokedAt: &at, RevokeReason: "public", RevokePublic: true}, "public"},
	} {
		if got := tc.c.PublicReason(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
