package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A score that is not a whole number, typed in a review's rubric (or the
// staff's rubric grade), is refused with a message that reads: it used to
// be the out-of-range message without its arguments, "the score of
// “<no value>” must be between <no value> and <no value>".
func TestHostileReviewScoreNotANumber(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sid, rid := f.peerWork(t)
	part := f.e.browser()
	part.login(f.part)
	anim := f.e.browser()
	anim.login(f.anim)
	task, err := f.e.srv.grading.MyReviews(t.Context(), f.part, f.session.ID, 1)
	if err != nil || len(task) == 0 || len(task[0].Rubric) == 0 {
		t.Fatalf("tasks: %v %v", task, err)
	}
	crit := task[0].Rubric[0].ID
	want := map[string]string{"fr": "nombre entier", "en": "whole number"}
	for _, v := range []string{"3.5", "abc", "1e309", "NaN", "99999999999999999999", "<b>"} {
		for _, lang := range []string{"fr", "en"} {
			for _, tc := range []struct {
				who        *browser
				page, post string
			}{
				{part, "/reviews/" + rid, "/reviews/" + rid},
				{anim, "/submissions/" + sid, "/submissions/" + sid + "/grade"},
			} {
				tc.who.lang = lang
				tok := tc.who.csrf(tc.page)
				p := tc.who.post(tc.post, url.Values{"_csrf": {tok}, "score_" + crit: {v},
					"comment": {strings.Repeat("Un commentaire précis et utile. ", 3)}})
				msg := p.Doc.Find("#error-" + crit).Text()
				if p.Status != http.StatusUnprocessableEntity || strings.Contains(p.HTML, "no value") || !strings.Contains(msg, want[lang]) {
					t.Errorf("%s %q (%s): %d, field message %q", tc.post, v, lang, p.Status, msg)
				}
			}
		}
	}
}
