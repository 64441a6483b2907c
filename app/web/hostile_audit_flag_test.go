package web

import (
	"net/http"
	"strings"
	"testing"
)

// An appeal's reason over 5000 characters is refused with a message that
// gives the upper bound: it used to say "explain the reason in at least 10
// characters" to someone who had written 500,000.
func TestHostileFlagReasonTooLong(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.e
	f.peerWork(t)
	ctx := t.Context()
	tasks, err := e.srv.grading.MyReviews(ctx, f.part, f.session.ID, 1)
	if err != nil || len(tasks) == 0 {
		t.Fatal(tasks, err)
	}
	var rid string
	var author string
	for _, task := range tasks {
		scores := map[string]int{}
		for _, c := range task.Rubric {
			scores[c.ID] = c.MaxPoints
		}
		if _, err := e.srv.grading.SaveReview(ctx, f.part, task.Review.ID, scores, strings.Repeat("Un commentaire précis et utile. ", 4)); err != nil {
			t.Fatal(err)
		}
		if rid == "" {
			rid, author = task.Review.ID, task.Review.AuthorID
		}
	}
	tok := ""
	for i := range 4 {
		u, err := e.srv.auth.Account(ctx, "peer"+string(rune('0'+i))+"@example.org")
		if err == nil && u.ID == author {
			tok = e.token(u)
		}
	}
	if tok == "" {
		t.Fatal("no author found for the review")
	}
	for _, tc := range []struct {
		reason string
		want   map[string]string
	}{
		{strings.Repeat("trop long ", 600), map[string]string{"fr": "5000", "en": "5000"}},
		{"court", map[string]string{"fr": "10", "en": "10"}},
		{"ok" + strings.Repeat("\u200b\x00", 12), map[string]string{"fr": "10", "en": "10"}}, // invisible padding
	} {
		for _, lang := range []string{"fr", "en"} {
			res := e.api("POST", "/api/v1/reviews/"+rid+"/flag", tok, map[string]string{"reason": tc.reason}, "Accept-Language", lang)
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.errorMessage(), tc.want[lang]) {
				t.Errorf("%d characters (%s): %d %s", len(tc.reason), lang, res.Status, res.Body)
			}
		}
	}
	if r, err := e.srv.grading.Store.ReviewByID(ctx, rid); err != nil || r.Flag != nil {
		t.Errorf("review flagged: %+v %v", r.Flag, err)
	}
}
