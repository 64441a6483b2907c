package web

import (
	"fmt"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"librecours/grading"
)

// TestClosedReviewLinesFollowTheLanguage: once the part is closed, the
// reviewer's page lists their scores criterion by criterion in the page's
// language ("Label: 2/5" in English, a narrow no-break space before the
// colon in French), not with a space typed in the template.
func TestClosedReviewLinesFollowTheLanguage(t *testing.T) {
	t.Parallel()
	w := newDialogueWorldOn(t, newFixture(t))
	tasks, err := w.f.e.srv.grading.MyReviews(t.Context(), w.reviewer, w.sid, 1)
	if err != nil {
		t.Fatal(err)
	}
	var task *grading.ReviewTask
	for i := range tasks {
		if tasks[i].Review.ID == w.review.ID {
			task = &tasks[i]
		}
	}
	if task == nil || len(task.Rubric) == 0 {
		t.Fatalf("the reviewer's task %s with its rubric not found in %d tasks", w.review.ID, len(tasks))
	}
	b := w.f.e.browser()
	b.login(w.reviewer)
	for _, tc := range []struct{ lang, colon string }{{"en", ":"}, {"fr", "\u202f:"}} {
		b.lang = tc.lang
		p := b.get("/reviews/" + w.review.ID)
		if p.Status != 200 {
			t.Fatalf("%s: status %d", tc.lang, p.Status)
		}
		items := p.Doc.Find("main li")
		for _, c := range task.Rubric {
			want := fmt.Sprintf("%s%s %d/%d", c.Label, tc.colon, w.review.Scores[c.ID], c.MaxPoints)
			found := false
			items.Each(func(_ int, li *goquery.Selection) {
				found = found || strings.TrimSpace(li.Text()) == want
			})
			if !found {
				t.Errorf("%s: no line %q on the closed review's page:\n%s", tc.lang, want, p.Doc.Find("main").Text())
			}
		}
	}
}
