package web

import (
	"strings"
	"testing"
	"time"
)

// TestDashboardsSayWhatNext: the participant's dashboard names the next due
// item with its deadline and time zone, the reviews left and the evaluation
// window; the animator's the correction queue; the coordinator's the
// sessions by state, the closures due and the pending commitments.
func TestDashboardsSayWhatNext(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e, ctx := f.e, t.Context()
	text := func(b *browser, sel string) string {
		t.Helper()
		return squeeze(b.get("/dashboard").Doc.Find(sel).Text())
	}
	e.clock.Set(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	part := e.browser()
	part.login(f.part)
	if err := e.srv.course.Enrol(ctx, f.coord, f.session.ID, f.part.ID); err != nil {
		t.Fatal(err)
	}
	got := text(part, ".next-step")
	for _, want := range []string{"Remettre votre travail de la partie 1", "avant le", "CET", "Évaluation finale\u202f: du"} {
		if !strings.Contains(got, want) {
			t.Errorf("participant before submitting: %q lacks %q", got, want)
		}
	}
	f.peerWork(t) // part 1 submitted by five, reviews assigned: three each
	got = text(part, ".next-step")
	for _, want := range []string{"Terminer vos évaluations de la partie 1", "3 évaluations à faire", "CET"} {
		if !strings.Contains(got, want) {
			t.Errorf("participant with reviews: %q lacks %q", got, want)
		}
	}
	part.lang = "en"
	if got := text(part, ".next-step"); !strings.Contains(got, "Finish your reviews of part 1") || !strings.Contains(got, "3 reviews to do") {
		t.Errorf("participant in English: %q", got)
	}

	anim := e.browser()
	anim.login(f.anim)
	// Under review, the queue holds the calibration sample (2 of 5).
	if got := text(anim, ".queue-summary"); !strings.Contains(got, "2 travaux à corriger") {
		t.Errorf("animator, calibration sample: %q", got)
	}
	// Closing part 1 with no review done sends every submission to the queue.
	if _, err := e.srv.grading.ClosePart(ctx, f.coord, f.session.ID, 1); err != nil {
		t.Fatal(err)
	}
	got = text(anim, ".queue-summary")
	for _, want := range []string{"5 travaux à corriger", "Le plus ancien attend depuis le", "CET"} {
		if !strings.Contains(got, want) {
			t.Errorf("animator: %q lacks %q", got, want)
		}
	}
	if got := text(part, ".next-step"); strings.Contains(got, "reviews to do") {
		t.Errorf("reviews still to do after the part closed: %q", got)
	}

	coord := e.browser()
	coord.login(f.coord)
	got = text(coord, ".overview")
	for _, want := range []string{"1 session en cours", "0 session à venir", "Aucune session n’attend sa clôture.", "0 engagement d’animation en attente"} {
		if !strings.Contains(got, want) {
			t.Errorf("coordinator: %q lacks %q", got, want)
		}
	}
	if p := coord.get("/dashboard"); strings.Contains(p.HTML, "aucune session") && p.Doc.Find(".overview").Length() == 0 {
		t.Errorf("coordinator told they take part in no session")
	}
	e.clock.Set(time.Date(2026, 9, 1, 10, 0, 0, 0, time.UTC)) // the session has ended, not closed
	coord = e.browser()
	coord.login(f.coord)
	p := coord.get("/dashboard")
	if href, _ := p.Doc.Find(".overview .closures a").Attr("href"); href != "/sessions/"+f.session.ID+"/close" {
		t.Errorf("closure due: link %q", href)
	}
	if got := squeeze(p.Doc.Find(".overview").Text()); !strings.Contains(got, "1 session terminée à clôturer") {
		t.Errorf("coordinator after the end: %q", got)
	}
}

// squeeze collapses runs of ASCII white space (not U+202F or U+00A0,
// which French typography needs) into one space.
func squeeze(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\n' || r == '\t' || r == '\r' }), " ")
}
