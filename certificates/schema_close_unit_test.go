package certificates_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"librecours/certificates"
)

// TestClosedSessionBadgesMatchSchema closes the test session with the
// platform's own texts and validates the VC-JWT payload of every badge it
// issues against 1EdTech's AchievementCredential schema: the badges exactly
// as Service.issue makes them (random subject id, salt, status index).
func TestClosedSessionBadgesMatchSchema(t *testing.T) {
	t.Parallel()
	check := certificates.SchemaCheck(t)
	e := newEnv(t)
	e.svc.Texts = certificates.PlatformTexts(t)
	e.course.users["u2"].Locale, e.course.users["u3"].Locale = "fr", "en"
	if _, err := e.svc.Close(context.Background(), coord, "s1"); err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, c := range e.certs.certs {
		parts := strings.Split(c.Badge, ".")
		if len(parts) != 3 {
			t.Fatalf("badge of %s: %q", c.UserID, c.Badge)
		}
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(payload, &m); err != nil {
			t.Fatal(err)
		}
		if _, ok := m["credentialStatus"]; !ok {
			t.Errorf("badge of %s has no credentialStatus", c.UserID)
		}
		if err := check(payload); err != nil {
			t.Errorf("badge of %s (level %d, %s) does not match 1EdTech's schema:\n%v", c.UserID, c.Level, c.Lang, err)
		}
		seen = append(seen, fmt.Sprintf("%s %d", c.Lang, c.Level))
	}
	slices.Sort(seen)
	// Level I in both languages and level II come out of this close
	// (TestCredentialMatchesSchema covers every level and language).
	if diff := cmp.Diff([]string{"en 1", "fr 1", "fr 2"}, seen); diff != "" {
		t.Errorf("badges issued (-want +got):\n%s", diff)
	}
}
