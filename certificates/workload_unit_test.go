package certificates_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"librecours/certificates"
)

// countTexts names each message by its language and ID, and its Count when
// it has one.
type countTexts struct{ texts }

func (countTexts) T(lang, id string, args map[string]any) string {
	if n, ok := args["Count"]; ok {
		return fmt.Sprintf("%s:%s(%v)", lang, id, n)
	}
	return lang + ":" + id
}

// narrative reads the criteria of the achievement embedded in a badge.
func narrative(t *testing.T, badge string) string {
	t.Helper()
	parts := strings.Split(badge, ".")
	if len(parts) != 3 {
		t.Fatalf("badge %q", badge)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	var cred certificates.Credential
	if err != nil || json.Unmarshal(raw, &cred) != nil {
		t.Fatalf("badge payload: %v", err)
	}
	return cred.CredentialSubject.Achievement.Criteria.Narrative
}

// TestCloseStatesTheWorkload: closing issues certificates that keep the
// session's workload at issue, in the certificate and in its badge's
// criteria; a later change of the session leaves them be; a session that
// never set one gives 25 hours. The achievement served at its id states no
// hours.
func TestCloseStatesTheWorkload(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct{ session, want int }{{30, 30}, {0, 25}} {
		e := newEnv(t)
		e.svc.Texts = countTexts{}
		e.course.sessions["s1"].WorkloadHours = tc.session
		if _, err := e.svc.Close(ctx, coord, "s1"); err != nil {
			t.Fatal(err)
		}
		if len(e.certs.certs) == 0 {
			t.Fatal("no certificate issued")
		}
		check := func(when string) {
			for _, c := range e.certs.certs {
				if c.WorkloadHours != tc.want {
					t.Errorf("%s: certificate of %s states %d h, want %d", when, c.UserID, c.WorkloadHours, tc.want)
				}
				suffix := fmt.Sprintf(" %s:%s(%d)", c.Lang, certificates.KeyWorkloadNote, tc.want)
				if got := narrative(t, c.Badge); !strings.HasSuffix(got, suffix) {
					t.Errorf("%s: badge criteria %q, want them to end with %q", when, got, suffix)
				}
			}
		}
		check("at issue")
		e.course.sessions["s1"].WorkloadHours = 45
		if _, err := e.svc.Close(ctx, coord, "s1"); err != nil {
			t.Fatal(err)
		}
		check("after the session changed to 45 h and closed again")
	}

	e := newEnv(t)
	e.svc.Texts = countTexts{}
	a, err := e.svc.Achievement(certificates.LevelI, "en")
	if err != nil {
		t.Fatal(err)
	}
	if want := "en:certificates.level1.criteria en:" + certificates.KeyWorkloadVaries; a.Criteria.Narrative != want {
		t.Errorf("served achievement criteria %q, want %q", a.Criteria.Narrative, want)
	}
}
