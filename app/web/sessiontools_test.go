package web

import (
	"maps"
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
	maps.Copy(matrix, map[string]authz{
		"POST /sessions/:id/duplicate": {allowed: "C"}, "POST /api/v1/sessions/:id/duplicate": {allowed: "C"},
		"POST /sessions/:id/shift": {allowed: "C"}, "POST /api/v1/sessions/:id/shift": {allowed: "C"},
	})
	moreFormPages = append(moreFormPages, func(t *testing.T, f *fixture, coord, part *browser) (map[string]*browser, []string) {
		sp := "/sessions/" + f.session.ID
		return nil, []string{sp + "/duplicate", sp + "/shift"}
	})
}

// TestDuplicateAndShift: a coordinator duplicates LCIII-001 to a new start
// date, across a daylight-saving change, keeping its exercises, evaluation,
// rules, settings and moved windows; then shifts the copy's deadlines.
func TestDuplicateAndShift(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e, ctx := f.e, t.Context()
	src := f.session
	paris, _ := time.LoadLocation("Europe/Paris")

	// Customise the source.
	ex, err := e.srv.grading.Exercise(ctx, f.coord, src.ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	ex.Instructions = "Consignes revues pour la partie 2."
	if err := e.srv.grading.PutExercise(ctx, f.coord, src.ID, ex); err != nil {
		t.Fatal(err)
	}
	qs := grading.DefaultEvaluation()[:5]
	if err := e.srv.quiz.PutEvaluation(ctx, f.coord, src.ID, grading.Evaluation{Questions: qs, Settings: grading.DefaultEvaluationSettings()}); err != nil {
		t.Fatal(err)
	}
	rules := certificates.DefaultRules()
	rules.PassGrade = 60
	if err := e.srv.certs.SetRules(ctx, f.coord, src.ID, rules); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.course.SetCapacity(ctx, f.coord, src.ID, 25); err != nil {
		t.Fatal(err)
	}
	// Part 3 submissions close a day later, at 18:00.
	p3 := src.Parts[2]
	late := time.Date(2026, 3, 11, 18, 0, 0, 0, paris).UTC()
	if _, err := e.srv.course.UpdatePart(ctx, f.coord, src.ID, 3, course.PartPatch{SubmissionDue: &late}); err != nil {
		t.Fatal(err)
	}

	ctok := e.token(f.coord)
	for _, bad := range []string{"", "2026-13-01", "demain"} {
		if res := e.api("POST", "/api/v1/sessions/"+src.ID+"/duplicate", ctok, map[string]string{"starts_on": bad}); res.Status != http.StatusUnprocessableEntity {
			t.Errorf("duplicate starting %q: %d %s", bad, res.Status, res.Body)
		}
	}
	res := e.api("POST", "/api/v1/sessions/"+src.ID+"/duplicate", ctok, map[string]string{"starts_on": "2026-10-05"})
	if res.Status != http.StatusCreated {
		t.Fatalf("duplicate: %d %s", res.Status, res.Body)
	}
	var j map[string]any
	res.decode(t, &j)
	id, _ := j["id"].(string)
	if j["code"] != "LCIII-002" || j["starts_on"] != "2026-10-05" || j["ends_on"] != "2026-10-25" || j["capacity"].(float64) != 25 {
		t.Fatalf("copy: %v", j)
	}
	cp, err := e.db.Stores().Course.SessionByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	local := func(tm time.Time) string { return tm.In(paris).Format("2006-01-02 15:04") }
	if got := local(cp.Parts[0].OpensAt); got != "2026-10-05 00:00" {
		t.Errorf("part 1 of the copy opens %s", got)
	}
	if got := local(cp.Parts[2].SubmissionDue); got != "2026-10-14 18:00" {
		t.Errorf("the moved part 3 deadline became %s, want 2026-10-14 18:00 (same place, same wall clock)", got)
	}
	if cp.Parts[2].Title != p3.Title || cp.Settings != src.Settings || len(cp.Animators) != 0 || cp.Enrolled != 0 {
		t.Errorf("copy carries %+v", cp)
	}
	if ex2, _ := e.srv.grading.Exercise(ctx, f.coord, cp.ID, 2); ex2.Instructions != ex.Instructions {
		t.Errorf("exercise 2 of the copy: %q", ex2.Instructions)
	}
	if ev, err := e.srv.quiz.Store.Evaluation(ctx, cp.ID); err != nil || len(ev.Questions) != 5 {
		t.Errorf("evaluation of the copy: %v", err)
	}
	if r, _ := e.srv.certs.SessionRules(ctx, f.coord, cp.ID); r.PassGrade != 60 {
		t.Errorf("rules of the copy: %+v", r)
	}

	// Shift the copy a week later through the page: wall clocks are kept
	// across the end of daylight-saving time (25 October 2026).
	coord := e.browser()
	coord.login(f.coord)
	sp := "/sessions/" + cp.ID
	tok := coord.csrf(sp)
	for _, bad := range []url.Values{{"days": {"0"}}, {"days": {"400"}}, {"days": {"1"}, "hours": {"30"}}, {"days": {"x"}}} {
		bad.Set("_csrf", tok)
		if p := coord.post(sp+"/shift", bad); p.Status != http.StatusUnprocessableEntity || p.Doc.Find(".alert").Length() == 0 {
			t.Errorf("shift %v: %d", bad, p.Status)
		}
	}
	// The first post states the shift and asks to confirm; nothing moves yet.
	p := coord.post(sp+"/shift", url.Values{"_csrf": {tok}, "days": {"7"}, "hours": {"1"}})
	if got := p.Doc.Find(".confirm").Text(); p.Status != http.StatusOK || !strings.Contains(got, "7 jours et 1 h") {
		t.Fatalf("shift confirmation: %d %q", p.Status, got)
	}
	if sh, _ := e.db.Stores().Course.SessionByID(ctx, cp.ID); sh.StartsOn != cp.StartsOn {
		t.Fatalf("the shift was made before it was confirmed: starts %s", sh.StartsOn)
	}
	if p := coord.post(sp+"/shift", url.Values{"_csrf": {tok}, "days": {"7"}, "hours": {"1"}, "confirm": {"yes"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("shift: %d %s", p.Status, p.Doc.Find(".alert").Text())
	}
	sh, _ := e.db.Stores().Course.SessionByID(ctx, cp.ID)
	if sh.StartsOn != "2026-10-12" || local(sh.Parts[0].OpensAt) != "2026-10-12 01:00" || local(sh.Parts[5].ReviewDue) != "2026-11-02 00:59" ||
		local(sh.Evaluation.Due) != "2026-11-02 00:59" {
		t.Errorf("shifted: starts %s, part 1 opens %s, part 6 reviews due %s, evaluation due %s", sh.StartsOn,
			local(sh.Parts[0].OpensAt), local(sh.Parts[5].ReviewDue), local(sh.Evaluation.Due))
	}
	if local(cp.Parts[5].ReviewDue) != "2026-10-25 23:59" {
		t.Fatalf("copy part 6 reviews due %s", local(cp.Parts[5].ReviewDue))
	}

	// A closed session keeps its schedule; only coordinators shift.
	if _, err := e.srv.certs.Close(ctx, f.coord, src.ID); err != nil {
		t.Fatal(err)
	}
	if res := e.api("POST", "/api/v1/sessions/"+src.ID+"/shift", ctok, map[string]int{"days": 1}); res.Status != http.StatusConflict {
		t.Errorf("shift a closed session: %d", res.Status)
	}
	if res := e.api("POST", "/api/v1/sessions/"+cp.ID+"/shift", e.token(f.anim), map[string]int{"days": 1}); res.Status != http.StatusForbidden {
		t.Errorf("an animator shifts: %d", res.Status)
	}
	var log []auditJSON
	e.api("GET", "/api/v1/audit?session="+cp.ID, ctok, nil).decode(t, &log)
	actions := map[string]bool{}
	for _, a := range log {
		actions[a.Action] = true
	}
	if !actions[course.AuditSessionCopy] || !actions[course.AuditShift] {
		t.Errorf("audit of the copy: %+v", log)
	}
}
