package web

import (
	"net/http"
	"strings"
	"testing"
)

// TestRulesPutNeedsEveryRule: PUT .../rules replaces every rule, so a rule
// left out or null is refused naming it (it became 0: a pass grade of 0
// passed everything), for a coordinator; others are refused first.
func TestRulesPutNeedsEveryRule(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.e
	path := "/api/v1/sessions/" + f.session.ID + "/rules"
	coord := e.token(f.coord)
	var rules map[string]any
	e.api("GET", path, coord, nil).decode(t, &rules)
	for _, field := range []string{"pass_grade", "level1_exercises", "level2_commitment", "review_quality_min"} {
		for _, null := range []bool{false, true} {
			body := map[string]any{}
			for k, v := range rules {
				body[k] = v
			}
			delete(body, field)
			if null {
				body[field] = nil
			}
			res := e.api("PUT", path, coord, body)
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(string(res.Body), `"`+field+`"`) {
				t.Errorf("%s left out (null %v): %d %s, want 422 naming it", field, null, res.Status, res.Body)
			}
		}
	}
	var after map[string]any
	e.api("GET", path, coord, nil).decode(t, &after)
	if after["pass_grade"] != rules["pass_grade"] {
		t.Fatalf("a refused body changed the pass grade: %v, was %v", after["pass_grade"], rules["pass_grade"])
	}
	if res := e.api("PUT", path, e.token(f.anim), map[string]any{}); res.Status != http.StatusForbidden {
		t.Errorf("an animator's incomplete body: %d, want 403 before any 422", res.Status)
	}
	rules["pass_grade"] = 55.0
	if res := e.api("PUT", path, coord, rules); res.Status != 200 {
		t.Fatalf("every rule given: %d %s", res.Status, res.Body)
	}
}

// TestDecisionReasonsAreBounded: a coordinator's reason (here a reopening
// and a level set by hand) needs five characters one can read, and at most
// 1,000: invisible characters do not fill it, and 500 KB is refused.
func TestDecisionReasonsAreBounded(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.e
	if err := e.srv.course.Enrol(t.Context(), f.coord, f.session.ID, f.part.ID); err != nil {
		t.Fatal(err)
	}
	coord := e.token(f.coord)
	for _, tc := range []struct{ reason, key string }{
		{strings.Repeat("\u200b", 10) + "ab", "5"},
		{strings.Repeat("\x00", 12), "5"},
		{strings.Repeat("motif ", 200), "1000"},
		{strings.Repeat("x", 500_000), "1000"},
	} {
		for _, path := range []string{
			"/api/v1/sessions/" + f.session.ID + "/reopen",
			"/api/v1/sessions/" + f.session.ID + "/overrides/" + f.part.ID,
		} {
			method := "POST"
			body := map[string]any{"reason": tc.reason}
			if strings.Contains(path, "/overrides/") {
				method, body["level"] = "PUT", 1
			}
			res := e.api(method, path, coord, body)
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.errorMessage(), tc.key) {
				t.Errorf("%s with a reason of %d bytes: %d %q, want 422 saying %s", path, len(tc.reason), res.Status, res.errorMessage(), tc.key)
			}
		}
	}
}
