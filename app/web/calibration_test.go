package web

import (
	"slices"
	"strings"
	"testing"

	"librecours/grading"
)

// TestGradeChangedMailed: an animator who grades work after its part closed
// has the part recomputed, and each author whose grade changed gets a
// "grade changed" e-mail in their language; grading again at the same score
// changes nothing and mails no one. The calibration sample drawn at the
// assignment is in the queue, labelled, until the part closes.
func TestGradeChangedMailed(t *testing.T) {
	t.Parallel()
	f := newNotifyFixture(t)
	e := f.e
	ctx := t.Context()
	sid := f.session.ID
	e.srv.grading.ReviewLease = -1
	f.peerWork(t)
	peer0, err := e.db.Stores().Course.UserByEmail(ctx, "peer0@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.Stores().Course.SetUserLocale(ctx, peer0.ID, "en"); err != nil {
		t.Fatal(err)
	}

	// Under review, the sample is offered with its label, in both languages.
	at := e.token(f.anim)
	var queue []struct {
		SubmissionID string   `json:"submission_id"`
		Reasons      []string `json:"reasons"`
	}
	res := e.api("GET", "/api/v1/sessions/"+sid+"/corrections", at, nil)
	res.decode(t, &queue)
	sampled := 0
	for _, it := range queue {
		if slices.Contains(it.Reasons, grading.ReasonCalibration) {
			sampled++
		}
	}
	if res.Status != 200 || sampled != 2 {
		t.Fatalf("queue under review: %d %s; want the 2 calibration items", res.Status, res.Body)
	}
	b := e.browser()
	b.login(f.anim)
	if p := b.get("/sessions/" + sid + "/corrections"); p.Status != 200 || !strings.Contains(p.Doc.Text(), "échantillon de calibrage") {
		t.Fatalf("queue page: %d, no calibration label", p.Status)
	}
	bundle, err := newBundle()
	if err != nil {
		t.Fatal(err)
	}
	if got := newTranslator(bundle, "en").T("app.reason.calibration"); got != "calibration sample" {
		t.Errorf("English label %q", got)
	}

	if _, err := e.srv.grading.ClosePart(ctx, f.coord, sid, 1); err != nil {
		t.Fatal(err)
	}
	f.deliver(t) // reviews assigned, grades available, queue

	mine, err := e.srv.grading.Store.SubmissionByAuthor(ctx, sid, 1, f.part.ID)
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := e.srv.grading.Store.SubmissionByAuthor(ctx, sid, 1, peer0.ID)
	if err != nil {
		t.Fatal(err)
	}
	grade := func(id string, score float64) {
		t.Helper()
		if res := e.api("PUT", "/api/v1/submissions/"+id+"/grade", at, map[string]any{"score": score, "comment": "Corrigé après la clôture."}); res.Status != 200 {
			t.Fatalf("grade %s: %d %s", id, res.Status, res.Body)
		}
	}
	grade(mine.ID, 64)
	grade(theirs.ID, 71)
	msgs, _ := f.deliver(t)
	mails := decodeMails(t, msgs)
	if len(mails) != 2 {
		t.Fatalf("after the corrections: %d mails, want 2: %v", len(mails), mails)
	}
	url := "http://librecours.test/sessions/" + sid + "/parts/1"
	checkMail(t, mails["part@example.org"], "fr", "Libre cours\u202f: votre note a changé (LCIII-001)",
		"Bonjour Paul Participant,", "Session LCIII-001, partie 1\u202f: l’équipe d’animation a corrigé des travaux de la partie, et votre note a été recalculée.", url)
	checkMail(t, mails["peer0@example.org"], "en", "Libre cours: your grade changed (LCIII-001)",
		"Hello Pair 0,", "Session LCIII-001, part 1: the animators corrected work of this part and your grade was recomputed.", url)

	grade(mine.ID, 64) // the same grade: nothing moves
	if msgs, _ := f.deliver(t); len(msgs) != 0 {
		t.Fatalf("an unchanged grade mailed %d messages", len(msgs))
	}
}
