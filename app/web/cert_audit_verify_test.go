package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"librecours/certificates"
	"librecours/course"
)

// TestVerifyPageStatesWhatWasMet: the public verification page says what
// this holder met, as their PDF does: the thresholds of their session, or
// that the coordination set the level. It once printed the default
// thresholds ("at least four of the six…") for every certificate, even one
// the coordination granted or one of a session with other rules.
func TestVerifyPageStatesWhatWasMet(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	granted := f.granted(t, 1).Code

	// A certificate of a session that asked three exercises for level I.
	rules := certificates.DefaultRules()
	rules.Level1Exercises = 3
	code, _ := certificates.NormalizeCode("LC3-7K2Q-M9XD-4TPA-Q8ZC")
	met := certificates.Certificate{Code: code, SessionID: "s-other", SessionCode: "LCIII-009", SessionStart: "2026-03-02", SessionEnd: "2026-03-22",
		UserID: f.part.ID, HolderName: f.part.Name, Level: certificates.LevelI, Lang: "fr", Salt: "sel", Badge: "b",
		Rules: rules, IssuedAt: testStart, StatusIndex: 4242}
	if err := f.e.srv.certs.Store.InsertCertificate(ctx, met); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		code, lang, want, wrong string
	}{
		{granted, "fr", "Niveau attribué par la coordination de la formation (Niveau I).", "quatre des six"},
		{granted, "en", "Level set by the course coordination (Level I).", "four of the six"},
		{code, "fr", "a réussi au moins 3 des 6 exercices", "quatre des six"},
		{code, "en", "passed at least 3 of the 6 peer-reviewed exercises", "four of the six"},
	} {
		req := httptest.NewRequest("GET", "/certificates/"+tc.code, nil)
		req.Header.Set("Accept-Language", tc.lang)
		resp := f.e.do(req)
		body := auditBody(t, resp)
		if resp.StatusCode != 200 {
			t.Fatalf("%s %s: %d", tc.code, tc.lang, resp.StatusCode)
		}
		text := strings.ReplaceAll(body, "&nbsp;", "\u00a0")
		if !strings.Contains(text, tc.want) || strings.Contains(text, tc.wrong) {
			t.Errorf("%s (%s): the page should say %q, not %q; it says:\n%s", tc.code, tc.lang, tc.want, tc.wrong, between(body, "<dl>", "</dl>"))
		}
	}
}

// TestVerifyCodeAsTyped: the verification page and API read the code of
// the address as it was typed: one with spaces (%20) is found, as the
// form finds it; an unknown one is shown decoded ("été", not
// "%C3%A9t%C3%A9") and cut short when very long.
func TestVerifyCodeAsTyped(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada := e.user("ada@example.org", "Ada Lovelace", course.RoleParticipant)
	code := verifyCerts(t, e, ada)[0]
	spaced := strings.ReplaceAll(code, "-", "%20")
	for _, path := range []string{"/certificates/" + spaced, "/api/v1/certificates/" + spaced, "/certificates/" + strings.ToLower(code) + "%20"} {
		if resp := e.do(httptest.NewRequest("GET", path, nil)); resp.StatusCode != 200 {
			t.Errorf("GET %s: %d, want 200", path, resp.StatusCode)
		}
	}

	resp := e.do(httptest.NewRequest("GET", "/certificates/%C3%A9t%C3%A9", nil))
	body := auditBody(t, resp)
	if alert := between(body, `role="alert"`, "</p>"); resp.StatusCode != 404 || !strings.Contains(alert, "«\u202fété\u202f»") || !strings.Contains(body, `name="code"`) || strings.Contains(between(body, `name="code"`, ">"), "%C3%A9") {
		t.Errorf("unknown code: %d, the page should show « été »:\n%s", resp.StatusCode, between(body, `role="alert"`, "</p>"))
	}
	long := strings.Repeat("A", 1500)
	resp = e.do(httptest.NewRequest("GET", "/certificates/"+long, nil))
	body = auditBody(t, resp)
	if shown := between(body, `role="alert"`, "</p>") + between(body, `name="code"`, ">"); resp.StatusCode != 404 || strings.Contains(shown, strings.Repeat("A", 41)) || !strings.Contains(shown, strings.Repeat("A", 40)+"…") {
		t.Errorf("long code: %d, want 404 with the code cut short:\n%.500s", resp.StatusCode, body[strings.Index(body, "<main"):])
	}
	for _, raw := range []string{"%25", "..%2F..%2Fetc%2Fpasswd", "%00", "%FF%FE"} {
		resp := e.do(httptest.NewRequest("GET", "/certificates/"+raw, nil))
		if resp.StatusCode != 404 {
			t.Errorf("GET /certificates/%s: %d, want 404", raw, resp.StatusCode)
		}
		if resp := e.do(httptest.NewRequest("GET", "/api/v1/certificates/"+raw, nil)); resp.StatusCode != 404 {
			t.Errorf("GET /api/v1/certificates/%s: %d, want 404", raw, resp.StatusCode)
		}
	}
}

// between returns the part of s from the first from to the next to.
func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return s
	}
	j := strings.Index(s[i:], to)
	if j < 0 {
		return s[i:]
	}
	return s[i : i+j+len(to)]
}

// auditBody reads a response's body.
func auditBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
