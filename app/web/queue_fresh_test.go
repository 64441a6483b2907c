package web

import (
	"strings"
	"testing"
	"time"
)

// TestCorrectionQueueSaysItIsStale: while a large session's reviews keep
// coming, the correction queue page is served from the view computed a
// moment ago, with the reviews saved since taken in, and says both, in
// French and English.
func TestCorrectionQueueSaysItIsStale(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, reviewID := f.peerWork(t)
	f.e.srv.grading.QueueSpacing = time.Hour // as when computing the view takes 15 minutes
	b := f.e.browser()
	b.login(f.anim)
	path := "/sessions/" + f.session.ID + "/corrections"
	if p := b.get(path); p.Status != 200 || p.Doc.Find(`p.flash[role="status"]`).Length() != 0 {
		t.Fatalf("first view: %d, stale notice shown", p.Status)
	}
	// A review saved: the view is now behind.
	scores := map[string]int{}
	task, err := f.e.srv.grading.MyReview(t.Context(), f.part, reviewID)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range task.Rubric {
		scores[c.ID] = c.MaxPoints
	}
	if _, err := f.e.srv.grading.SaveReview(t.Context(), f.part, reviewID, scores, "Un commentaire assez long pour être accepté, avec des conseils précis."); err != nil {
		t.Fatal(err)
	}
	// The save is in the list already (taken in without a computation),
	// and the page says so too.
	for lang, want := range map[string][2]string{
		"fr": {"Cette liste date de quelques secondes", "1 évaluation enregistrée depuis ce calcul est déjà dans cette liste"},
		"en": {"This list is a few seconds old", "1 review saved since that computation is already in this list"}} {
		b.lang = lang
		p := b.get(path)
		if got := p.Doc.Find(`p.flash[role="status"]`).Text(); !strings.Contains(got, want[0]) {
			t.Fatalf("%s: stale notice %q, want %q", lang, got, want[0])
		}
		if got := p.Doc.Find(`main p.muted`).Text(); !strings.Contains(got, want[1]) {
			t.Fatalf("%s: patched notice %q, want %q", lang, got, want[1])
		}
	}
}
