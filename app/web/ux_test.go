package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"librecours/certificates"
	"librecours/course"
	"librecours/grading"
)

func init() {
	moreRenderCases = append(moreRenderCases, func(t *testing.T, f *fixture, who map[string]*browser) map[string]renderCase {
		return map[string]renderCase{"pages/confirm": {who["coord"], "/sessions/" + f.session.ID + "/parts/1/assign", `.confirm form input[name="confirm"][value="yes"]`}}
	})
}

// TestConfirmations: the actions that cannot be undone state what they do,
// in numbers, and do nothing until confirmed.
func TestConfirmations(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e, ctx := f.e, t.Context()
	sp := "/sessions/" + f.session.ID
	// Part 1 of the LCIII session: open on 2 March, submissions due at the
	// end of 3 March. Five enrolled, four submit, a day before the deadline.
	e.clock.Set(time.Date(2026, 3, 2, 22, 59, 0, 0, time.UTC)) // 23:59 in Paris
	coord := e.browser()
	coord.login(f.coord)
	tok := coord.csrf(sp)
	for i, email := range []string{"a@example.org", "b@example.org", "c@example.org", "d@example.org", "e@example.org"} {
		u := e.user(email, "P "+email, course.RoleParticipant)
		if err := e.srv.course.Enrol(ctx, f.coord, f.session.ID, u.ID); err != nil {
			t.Fatal(err)
		}
		if i < 4 {
			if _, err := e.srv.grading.Submit(ctx, u, f.session.ID, 1, "Un travail.", nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, path := range []string{sp + "/parts/1/assign"} {
		for _, p := range []page2{coord.get(path), coord.post(path, url.Values{"_csrf": {tok}})} {
			text := strings.Join(strings.Fields(p.Doc.Find(".confirm").Text()), " ")
			for _, want := range []string{"4 travaux remis sur 5", "1 participant·e sans travail remis perd 1 j 0 h", "12 évaluations seront attribuées"} {
				if p.Status != http.StatusOK || !strings.Contains(text, want) {
					t.Errorf("%s: %d, %q lacks %q", path, p.Status, text, want)
				}
			}
		}
	}
	if st, _ := e.srv.grading.Store.PartState(ctx, f.session.ID, 1); st.Phase != grading.PhaseSubmission {
		t.Fatalf("assigned before confirming: %s", st.Phase)
	}
	if p := coord.post(sp+"/parts/1/assign", url.Values{"_csrf": {tok}, "confirm": {"yes"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("confirmed assign: %d %s", p.Status, p.Doc.Find(".alert").Text())
	}
	if st, _ := e.srv.grading.Store.PartState(ctx, f.session.ID, 1); st.Phase != grading.PhaseReview {
		t.Fatalf("after confirming: %s", st.Phase)
	}
	// Closing part 1's reviews now: 12 not done.
	p := coord.post(sp+"/parts/1/close", url.Values{"_csrf": {tok}})
	if text := p.Doc.Find(".confirm").Text(); !strings.Contains(text, "12 évaluations non faites ne compteront pas") {
		t.Errorf("close part confirmation: %q", text)
	}
	// An animator confirms for their part too; a participant may not.
	part := e.browser()
	part.login(f.part)
	if p := part.get(sp + "/parts/1/close"); p.Status != http.StatusForbidden {
		t.Errorf("participant asks for the close confirmation: %d", p.Status)
	}

	// Closing the session: parts 2 to 6 have not opened.
	p = coord.post(sp+"/close", url.Values{"_csrf": {coord.csrf(sp + "/close")}})
	text := strings.Join(strings.Fields(p.Doc.Find(".confirm").Text()), " ")
	if p.Status != http.StatusOK || !strings.Contains(text, "5 parties n’ont pas encore ouvert (parties 2, 3, 4, 5, 6)") {
		t.Errorf("close confirmation: %d %q", p.Status, text)
	}
	if s, _ := e.db.Stores().Course.SessionByID(ctx, f.session.ID); s.ClosedAt != nil {
		t.Fatal("closed before confirming")
	}

	// A session's own participant as its animator: asked first.
	if err := e.srv.course.Enrol(ctx, f.coord, f.session.ID, f.part.ID); err != nil {
		t.Fatal(err)
	}
	p = coord.post(sp+"/animators", url.Values{"_csrf": {tok}, "user_id": {f.part.ID}})
	if p.Status != http.StatusOK || !strings.Contains(p.Doc.Find(".confirm").Text(), "Paul Participant est inscrit·e") {
		t.Errorf("participant as animator: %d %q", p.Status, p.Doc.Find(".confirm").Text())
	}
	if s, _ := e.db.Stores().Course.SessionByID(ctx, f.session.ID); s.HasAnimator(f.part.ID) {
		t.Fatal("animator added before confirming")
	}
	// The picker proposes nobody by default.
	if first := coord.get(sp).Doc.Find(`select[name="user_id"] option`).First(); first.AttrOr("value", "x") != "" {
		t.Errorf("the animator picker defaults to %q", first.Text())
	}

	// A session starting in the past: asked first, created once confirmed.
	form := url.Values{"_csrf": {tok}, "format": {"LCVI"}, "starts_on": {"2020-01-06"}, "capacity": {"0"}}
	p = coord.post("/sessions", form)
	if p.Status != http.StatusOK || !strings.Contains(p.Doc.Find(".confirm").Text(), "date passée") {
		t.Fatalf("past start: %d %q", p.Status, p.Doc.Find(".confirm").Text())
	}
	if p.Doc.Find(`.confirm input[name="starts_on"][value="2020-01-06"]`).Length() != 1 {
		t.Error("the confirmation does not carry the typed date")
	}
	form.Set("confirm", "yes")
	if p := coord.post("/sessions", form); p.Status != http.StatusSeeOther {
		t.Fatalf("past start confirmed: %d", p.Status)
	}
}

// TestUndo: unenrol, remove an animator, cancel an empty session.
func TestUndo(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e, ctx := f.e, t.Context()
	sp := "/sessions/" + f.session.ID
	e.clock.Set(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	coord := e.browser()
	coord.login(f.coord)
	tok := coord.csrf(sp)
	if err := e.srv.course.Enrol(ctx, f.coord, f.session.ID, f.part.ID); err != nil {
		t.Fatal(err)
	}
	// Cancelling a session with a participant is refused.
	if p := coord.post(sp+"/cancel", url.Values{"_csrf": {tok}}); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("cancel with a participant: %d", p.Status)
	}
	page := coord.get(sp)
	if page.Doc.Find(`form[action="`+sp+`/enrolments/`+f.part.ID+`/delete"] button`).Length() != 1 {
		t.Fatal("no unenrol button for the participant")
	}
	if p := coord.post(sp+"/enrolments/"+f.part.ID+"/delete", url.Values{"_csrf": {tok}}); p.Status != http.StatusSeeOther {
		t.Fatalf("unenrol: %d %s", p.Status, p.Doc.Find(".alert").Text())
	}
	if s, _ := e.db.Stores().Course.SessionByID(ctx, f.session.ID); s.Enrolled != 0 {
		t.Fatalf("enrolled after unenrol: %d", s.Enrolled)
	}
	if p := coord.post(sp+"/enrolments/"+f.part.ID+"/delete", url.Values{"_csrf": {tok}}); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("unenrol twice: %d", p.Status)
	}
	// Someone with work stays.
	if err := e.srv.course.Enrol(ctx, f.coord, f.session.ID, f.part.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.grading.Submit(ctx, f.part, f.session.ID, 1, "Un travail.", nil); err != nil {
		t.Fatal(err)
	}
	if p := coord.post(sp+"/enrolments/"+f.part.ID+"/delete", url.Values{"_csrf": {tok}}); p.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.Doc.Find(".alert").Text(), "reste inscrite") {
		t.Errorf("unenrol someone with work: %d %q", p.Status, p.Doc.Find(".alert").Text())
	}
	// Animators.
	if p := coord.post(sp+"/animators/"+f.anim.ID+"/delete", url.Values{"_csrf": {tok}}); p.Status != http.StatusSeeOther {
		t.Fatalf("remove animator: %d", p.Status)
	}
	if s, _ := e.db.Stores().Course.SessionByID(ctx, f.session.ID); s.HasAnimator(f.anim.ID) {
		t.Fatal("animator still there")
	}
	// An empty session is cancelled, with its content.
	empty, err := e.srv.course.CreateSession(ctx, f.coord, course.NewSession{Format: "LCVI", StartsOn: "2026-09-07"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.grading.InitSession(ctx, empty.ID); err != nil {
		t.Fatal(err)
	}
	if p := coord.get("/sessions/" + empty.ID); p.Doc.Find(`form[action="/sessions/`+empty.ID+`/cancel"]`).Length() != 1 {
		t.Fatal("no cancel form on an empty session")
	}
	if p := coord.post("/sessions/"+empty.ID+"/cancel", url.Values{"_csrf": {tok}}); p.Status != http.StatusSeeOther {
		t.Fatalf("cancel: %d %s", p.Status, p.Doc.Find(".alert").Text())
	}
	if p := coord.get("/sessions/" + empty.ID); p.Status != http.StatusNotFound {
		t.Errorf("cancelled session: %d", p.Status)
	}
	if exs, _ := e.srv.grading.Store.Exercises(ctx, empty.ID); len(exs) != 0 {
		t.Errorf("exercises of a cancelled session: %d", len(exs))
	}
}

// TestStatesAgree: a part that opens next week does not say "submissions";
// a closed session lists no deadlines.
func TestStatesAgree(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e, ctx := f.e, t.Context()
	if err := e.srv.course.Enrol(ctx, f.coord, f.session.ID, f.part.ID); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	part := e.browser()
	part.login(f.part)
	for n, want := range map[int]string{1: "Remise des travaux", 3: "Pas encore ouverte"} {
		p := part.get("/sessions/" + f.session.ID + "/parts/" + itoa(n))
		if got := strings.TrimSpace(p.Doc.Find(".lead .status").Text()); got != want {
			t.Errorf("part %d badge %q, want %q", n, got, want)
		}
	}
	if got := part.get("/dashboard").Doc.Find(".deadlines li").Length(); got == 0 {
		t.Error("no deadline on the dashboard of a running session")
	}
	now := e.clock.Now()
	if err := e.db.Stores().Course.SetClosed(ctx, f.session.ID, &now); err != nil {
		t.Fatal(err)
	}
	if got := part.get("/dashboard").Doc.Find(".deadlines li").Length(); got != 0 {
		t.Errorf("%d deadlines on the dashboard of a closed session", got)
	}
}

// TestStandingAfterOverride: a level set by the coordination shows no
// "missing" list and no commitment choice.
func TestStandingAfterOverride(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e, ctx := f.e, t.Context()
	if err := e.srv.course.Enrol(ctx, f.coord, f.session.ID, f.part.ID); err != nil {
		t.Fatal(err)
	}
	part := e.browser()
	part.login(f.part)
	sp := "/sessions/" + f.session.ID
	p := part.get(sp)
	if p.Doc.Find(`form[action$="/commitment"]`).Length() != 1 || !strings.Contains(p.Doc.Text(), "il manque") && p.Doc.Find(".card ul li").Length() == 0 {
		t.Fatalf("before the override: no commitment form or nothing missing")
	}
	if err := e.srv.certs.SetOverride(ctx, f.coord, f.session.ID, f.part.ID, 2, "Jury de test"); err != nil {
		t.Fatal(err)
	}
	p = part.get(sp)
	card := p.Doc.Find("section.card").First()
	if got := card.Find(".badge").First().Text(); got != e.srv.translators["fr"].T("app.level.2") {
		t.Errorf("badge %q", got)
	}
	if !strings.Contains(card.Text(), "attribué par la coordination") || card.Find("ul li").Length() != 0 || card.Find(`form[action$="/commitment"]`).Length() != 0 {
		t.Errorf("after the override: %q", strings.Join(strings.Fields(card.Text()), " "))
	}
}

// TestCertificateMeaning: the certificate states the thresholds its holder
// met under the rules it was issued with, or that the coordination set the
// level.
func TestCertificateMeaning(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fr, en := e.srv.translators["fr"], e.srv.translators["en"]
	r := certificates.DefaultRules()
	r.Level2Evaluation = 72.5
	cert := &certificates.Certificate{Level: certificates.LevelII, Rules: r}
	for _, tc := range []struct {
		tr    *translator
		coord bool
		want  []string
	}{
		{fr, false, []string{"au moins 6 des 6 exercices", "au moins 72,5\u202f%", "rendu à temps", "s’engage à animer"}},
		{en, false, []string{"at least 6 of the 6", "at least 72.5%"}},
		{fr, true, []string{"attribué par la coordination"}},
	} {
		got := levelMeaning(tc.tr, cert, tc.coord)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s (coordination %v): %q lacks %q", tc.tr.lang, tc.coord, got, w)
			}
		}
		if tc.coord && strings.Contains(got, "exercices") {
			t.Errorf("an override claims results: %q", got)
		}
	}
}
