package web

import (
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"librecours/course"
)

func init() {
	maps.Copy(matrix, map[string]authz{
		"GET /animators": {allowed: "C", strict: true}, "GET /api/v1/animators": {allowed: "C", strict: true},
		"POST /animators/:uid/release": {allowed: "C"}, "POST /api/v1/animators/:uid/release": {allowed: "C"},
		"POST /availability": {allowed: "XNC"}, "PUT /api/v1/me/availability": {allowed: "XNC"},
		"GET /api/v1/me/availability": {allowed: "OERXNC"},
		"GET /audit":                  {allowed: "C", strict: true}, "GET /api/v1/audit": {allowed: "C", strict: true},
	})
	moreRenderCases = append(moreRenderCases, func(t *testing.T, f *fixture, who map[string]*browser) map[string]renderCase {
		committed(t, f)
		return map[string]renderCase{
			"pages/animators/index": {who["coord"], "/animators", `form[action$="/release"] input[name="reason"]`},
			"pages/audit/index":     {who["coord"], "/audit", `table.audit td`},
		}
	})
	moreFormPages = append(moreFormPages, func(t *testing.T, f *fixture, coord, part *browser) (map[string]*browser, []string) {
		q := committed(t, f)
		return map[string]*browser{"/animators": coord, "/dashboard": coord},
			[]string{"/animators/" + q.ID + "/release", "/availability"}
	})
}

// committed gives the fixture a level II holder from a second session,
// closed, and an upcoming LCVI session to declare availability for.
func committed(t *testing.T, f *fixture) *course.User {
	t.Helper()
	ctx := t.Context()
	sess, err := f.e.srv.course.CreateSession(ctx, f.coord, course.NewSession{Format: "LCIII", StartsOn: "2026-04-06"})
	if err != nil {
		t.Fatal(err)
	}
	q := f.e.user("engagee@example.org", "Quitterie Engagée", course.RoleParticipant)
	if err := f.e.srv.course.Enrol(ctx, f.coord, sess.ID, q.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.e.srv.certs.SetOverride(ctx, f.coord, sess.ID, q.ID, 2, "Jury de test"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.srv.certs.Close(ctx, f.coord, sess.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.srv.course.CreateSession(ctx, f.coord, course.NewSession{Format: "LCVI", StartsOn: "2026-09-07"}); err != nil {
		t.Fatal(err)
	}
	return q
}

// TestCommitmentLifecycle: level II in LCIII-001, then animating LCVI-002,
// then fulfilled; a session that started earlier fulfils nothing, and the
// coordinator sees it all in the pool.
func TestCommitmentLifecycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e, ctx := f.e, t.Context()
	if f.session.Code != "LCIII-001" {
		t.Fatalf("fixture session %s", f.session.Code)
	}
	if err := e.srv.course.Enrol(ctx, f.coord, f.session.ID, f.part.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.certs.SetOverride(ctx, f.coord, f.session.ID, f.part.ID, 2, "Jury de test"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.certs.Close(ctx, f.coord, f.session.ID); err != nil {
		t.Fatal(err)
	}
	ctok, ptok := e.token(f.coord), e.token(f.part)
	pool := func() map[string]poolJSON {
		t.Helper()
		var list []poolJSON
		res := e.api("GET", "/api/v1/animators", ctok, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("animators: %d %s", res.Status, res.Body)
		}
		res.decode(t, &list)
		out := map[string]poolJSON{}
		for _, p := range list {
			out[p.UserID] = p
		}
		return out
	}
	got := pool()[f.part.ID]
	if got.Commitment == nil || got.Commitment.Status != "pending" || got.Commitment.FromSession != "LCIII-001" {
		t.Fatalf("after level II: %+v", got)
	}
	if a := pool()[f.anim.ID]; a.Commitment != nil || len(a.SessionsAnimated) != 1 || a.SessionsAnimated[0] != "LCIII-001" {
		t.Fatalf("the fixture animator: %+v", a)
	}

	// LCVI-001 started before LCIII-001: animating it fulfils nothing.
	before, err := e.srv.course.CreateSession(ctx, f.coord, course.NewSession{Format: "LCVI", StartsOn: "2026-01-05"})
	if err != nil {
		t.Fatal(err)
	}
	later, err := e.srv.course.CreateSession(ctx, f.coord, course.NewSession{Format: "LCVI", StartsOn: "2026-09-07"})
	if err != nil || later.Code != "LCVI-002" {
		t.Fatalf("LCVI-002: %+v %v", later, err)
	}
	other := e.user("other@example.org", "Odile Autre", course.RoleAnimator)

	// The participant, now committed, declares themself available for
	// LCVI-002 and is proposed first; someone unavailable comes last.
	if res := e.api("PUT", "/api/v1/me/availability", ptok, map[string]any{"session_id": later.ID, "available": true}); res.Status != http.StatusOK {
		t.Fatalf("availability: %d %s", res.Status, res.Body)
	}
	ob := e.browser()
	ob.login(other)
	if p := ob.post("/availability", url.Values{"_csrf": {ob.csrf("/dashboard")}, "session_id": {later.ID}, "available": {"no"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("availability form: %d %s", p.Status, p.HTML)
	}
	if p := ob.get("/dashboard"); !strings.Contains(p.Doc.Find("table").Text(), "indisponible") {
		t.Errorf("the dashboard does not show the declaration:\n%s", p.HTML)
	}
	for _, bad := range []map[string]any{{"session_id": later.ID}, {"session_id": "", "available": true}, {"session_id": f.session.ID, "available": true}} {
		if res := e.api("PUT", "/api/v1/me/availability", ptok, bad); res.Status != http.StatusUnprocessableEntity {
			t.Errorf("availability %v: %d %s", bad, res.Status, res.Body)
		}
	}
	if res := e.api("PUT", "/api/v1/me/availability", e.token(e.user("p2@example.org", "Sans Engagement", course.RoleParticipant)),
		map[string]any{"session_id": later.ID, "available": true}); res.Status != http.StatusForbidden {
		t.Errorf("availability of someone neither committed nor animator: %d", res.Status)
	}
	cands, err := e.srv.certs.Candidates(ctx, f.coord, later.ID)
	if err != nil || len(cands) == 0 {
		t.Fatal(err)
	}
	if cands[0].User.ID != f.part.ID || !cands[0].Proposed || cands[len(cands)-1].User.ID != other.ID {
		t.Errorf("candidates for LCVI-002: first %s, last %s", cands[0].User.Name, cands[len(cands)-1].User.Name)
	}
	coord := e.browser()
	coord.login(f.coord)
	page := coord.get("/sessions/" + later.ID)
	if first := page.Doc.Find(`select[name="user_id"] option[value!=""]`).First(); first.AttrOr("value", "") != f.part.ID {
		t.Errorf("the session page proposes %q first", first.Text())
	}
	if got := pool()[f.part.ID]; len(got.Availability) != 1 || got.Availability[0].SessionCode != "LCVI-002" || got.Availability[0].Available == nil || !*got.Availability[0].Available {
		t.Errorf("pool availability: %+v", got.Availability)
	}

	if err := e.srv.course.AddAnimator(ctx, f.coord, before.ID, f.part.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.certs.Close(ctx, f.coord, before.ID); err != nil {
		t.Fatal(err)
	}
	if got := pool()[f.part.ID]; got.Commitment.Status != "pending" {
		t.Fatalf("an earlier session fulfilled the commitment: %+v", got.Commitment)
	}
	if res := e.api("POST", "/api/v1/sessions/"+later.ID+"/animators", ctok, map[string]string{"user_id": f.part.ID}); res.Status != http.StatusCreated {
		t.Fatalf("add animator: %d %s", res.Status, res.Body)
	}
	if _, err := e.srv.certs.Close(ctx, f.coord, later.ID); err != nil {
		t.Fatal(err)
	}
	got = pool()[f.part.ID]
	if got.Commitment.Status != "fulfilled" || got.Commitment.FulfilledBy != "LCVI-002" {
		t.Fatalf("after animating LCVI-002: %+v", got.Commitment)
	}
	if len(got.SessionsAnimated) != 2 || got.SessionsAnimated[1] != "LCVI-002" {
		t.Errorf("sessions animated: %v", got.SessionsAnimated)
	}
	// A fulfilled commitment cannot be released.
	if res := e.api("POST", "/api/v1/animators/"+f.part.ID+"/release", ctok, map[string]string{"commitment_id": got.Commitment.ID, "reason": "Plus disponible"}); res.Status != http.StatusConflict {
		t.Errorf("release of a fulfilled commitment: %d %s", res.Status, res.Body)
	}
}

// TestReleaseCorrectionsAndAuditLog: a coordinator releases a commitment
// with a reason in the browser; the pool counts an animator's corrections
// and their median delay; the audit log records the release, the grade
// override and the role change, and filters them.
func TestReleaseCorrectionsAndAuditLog(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e, ctx := f.e, t.Context()
	sid, _ := f.peerWork(t)
	q := committed(t, f)
	coord := e.browser()
	coord.login(f.coord)
	tok := coord.csrf("/animators")

	// Release: a reason is required, then it is kept.
	if p := coord.post("/animators/"+q.ID+"/release", url.Values{"_csrf": {tok}, "reason": {"non"}}); p.Status != http.StatusUnprocessableEntity || p.Doc.Find(".alert").Length() == 0 {
		t.Fatalf("release without a real reason: %d", p.Status)
	}
	if p := coord.post("/animators/"+q.ID+"/release", url.Values{"_csrf": {tok}, "reason": {"Déménage à l'étranger"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("release: %d %s", p.Status, p.HTML)
	}
	page := coord.get("/animators")
	if !strings.Contains(page.HTML, "Déménage à l&#39;étranger") || page.Doc.Find(".status-released").Length() != 1 {
		t.Errorf("the pool does not show the released commitment:\n%s", page.HTML)
	}
	if p := coord.post("/animators/"+q.ID+"/release", url.Values{"_csrf": {tok}, "reason": {"Encore une fois"}}); p.Status != http.StatusNotFound {
		t.Errorf("releasing again: %d", p.Status)
	}

	// Corrections: the submission enters the queue, the animator grades it
	// three hours later.
	t0 := e.clock.Now()
	if err := e.srv.grading.Store.MarkQueued(ctx, []string{sid}, t0); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(t0.Add(3 * time.Hour))
	if _, err := e.srv.grading.SetGrade(ctx, f.anim, sid, 72, "Travail solide, bien sourcé."); err != nil {
		t.Fatal(err)
	}
	coord.login(f.coord) // three hours idle ended the web session
	var list []poolJSON
	e.api("GET", "/api/v1/animators", e.token(f.coord), nil).decode(t, &list)
	var anim *poolJSON
	for i := range list {
		if list[i].UserID == f.anim.ID {
			anim = &list[i]
		}
	}
	if anim == nil || anim.Corrections != 1 || anim.MedianDelayHours == nil || *anim.MedianDelayHours != 3 {
		t.Fatalf("animator in the pool: %+v", anim)
	}
	if !strings.Contains(coord.get("/animators").HTML, "3 h 0 min") {
		t.Error("the pool page does not show the median delay")
	}

	// The audit log: who, what, why; filters by action, person and session.
	var all []auditJSON
	e.api("GET", "/api/v1/audit", e.token(f.coord), nil).decode(t, &all)
	seen := map[string]auditJSON{}
	for _, a := range all {
		seen[a.Action] = a
	}
	if r := seen["commitment.release"]; r.ActorID != f.coord.ID || r.Target != q.ID || r.Reason != "Déménage à l'étranger" {
		t.Errorf("release entry: %+v", r)
	}
	if r := seen["grade.override"]; r.ActorID != f.anim.ID || r.Target != sid || r.Reason != "Travail solide, bien sourcé." || r.SessionCode != "LCIII-001" {
		t.Errorf("grade override entry: %+v", r)
	}
	if r := seen["role.change"]; r.Target != f.anim.ID || r.Actor != f.coord.Name {
		t.Errorf("role change entry: %+v", r)
	}
	var only []auditJSON
	e.api("GET", "/api/v1/audit?action=commitment.release", e.token(f.coord), nil).decode(t, &only)
	if len(only) != 1 {
		t.Errorf("filter by action: %d entries", len(only))
	}
	e.api("GET", "/api/v1/audit?person="+f.anim.ID+"&session="+f.session.ID, e.token(f.coord), nil).decode(t, &only)
	for _, a := range only {
		if a.ActorID != f.anim.ID && a.Target != f.anim.ID || a.SessionID != f.session.ID {
			t.Errorf("filter by person and session let through %+v", a)
		}
	}
	if len(only) < 2 {
		t.Errorf("filter by person and session: %+v", only)
	}
	if res := e.api("GET", "/api/v1/audit?action=drop.tables", e.token(f.coord), nil); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("unknown action: %d", res.Status)
	}
	for _, lang := range []string{"fr", "en"} {
		coord.lang = lang
		p := coord.get("/audit?action=commitment.release")
		if p.Doc.Find("table.audit tbody tr").Length() != 1 || !strings.Contains(p.HTML, "Déménage") {
			t.Errorf("audit page (%s) filtered: %d\n%s", lang, p.Status, p.HTML)
		}
	}
}
