package web

import (
	"net/http"
	"strings"
	"testing"
)

// A review's comment must hold 20 characters one can read: 25 zero-width
// spaces, NUL bytes or bidi marks after a letter met the minimum, and the
// author got an "evaluation with a comment" that shows nothing.
func TestHostileReviewCommentInvisible(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.e
	_, rid := f.peerWork(t)
	tok := e.token(f.part)
	tasks, err := e.srv.grading.MyReviews(t.Context(), f.part, f.session.ID, 1)
	if err != nil || len(tasks) == 0 {
		t.Fatal(tasks, err)
	}
	scores := map[string]int{}
	for _, c := range tasks[0].Rubric {
		scores[c.ID] = c.MaxPoints
	}
	for _, comment := range []string{
		strings.Repeat("\u200b", 25),
		"a" + strings.Repeat("\x00", 25),
		"ok" + strings.Repeat("\u202e\u2066\ufeff", 10),
		"ok" + strings.Repeat("\u00ad", 25),
	} {
		for _, lang := range []string{"fr", "en"} {
			res := e.api("PUT", "/api/v1/reviews/"+rid, tok, map[string]any{"scores": scores, "comment": comment}, "Accept-Language", lang)
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.errorMessage(), "20") {
				t.Errorf("%q (%s): %d %s", comment, lang, res.Status, res.Body)
			}
		}
	}
	if r, err := e.srv.grading.Store.ReviewByID(t.Context(), rid); err != nil || r.Comment != "" {
		t.Errorf("comment saved: %q %v", r.Comment, err)
	}
	if res := e.api("PUT", "/api/v1/reviews/"+rid, tok, map[string]any{"scores": scores, "comment": "Très clair, merci ! 👍🏽 Bien vu."}); res.Status != http.StatusOK {
		t.Errorf("a real comment: %d %s", res.Status, res.Body)
	}
}
