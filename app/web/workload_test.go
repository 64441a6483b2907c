package web

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"librecours/certificates"
	"librecours/certificates/pdftest"
)

// TestSessionWorkload: a coordinator creates a session of 30 hours through
// the API; its certificate states 30 hours on the PDF and in the badge's
// achievement, and keeps them when the session changes to 40 afterwards.
// The served achievement, shared by every session, states no hours.
func TestSessionWorkload(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e, ctx := f.e, t.Context()
	coord := e.token(f.coord)

	var sess sessionJSON
	res := e.api("POST", "/api/v1/sessions", coord, map[string]any{"format": "LCVI", "starts_on": "2026-04-06", "workload_hours": 30})
	if res.Status != 201 {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	res.decode(t, &sess)
	if sess.WorkloadHours != 30 {
		t.Fatalf("created session states %d h, want 30", sess.WorkloadHours)
	}
	res = e.api("POST", "/api/v1/sessions", coord, map[string]any{"format": "LCVI", "starts_on": "2026-04-06"})
	var plain sessionJSON
	res.decode(t, &plain)
	if res.Status != 201 || plain.WorkloadHours != 25 {
		t.Errorf("a session created without workload_hours: %d, %d h; want 201 and 25", res.Status, plain.WorkloadHours)
	}
	for _, bad := range []any{0, -1, 501, 2.5, "30"} {
		res := e.api("PATCH", "/api/v1/sessions/"+sess.ID, coord, map[string]any{"workload_hours": bad})
		if res.Status/100 != 4 {
			t.Errorf("PATCH workload_hours %v: %d, want a 4xx", bad, res.Status)
		}
	}
	res = e.api("POST", "/api/v1/sessions", coord, map[string]any{"format": "LCVI", "starts_on": "2026-04-06", "workload_hours": 501})
	if res.Status != 422 && res.Status != 400 || !strings.Contains(string(res.Body), "workload_hours") {
		t.Errorf("create with 501 h: %d %s, want a validation error on workload_hours", res.Status, res.Body)
	}
	if res := e.api("PATCH", "/api/v1/sessions/"+sess.ID, e.token(f.anim), map[string]any{"workload_hours": 10}); res.Status != 403 {
		t.Errorf("an animator's PATCH: %d, want 403", res.Status)
	}

	// Paul passes by a coordinator's decision; the session closes.
	if err := e.srv.course.Enrol(ctx, f.coord, sess.ID, f.part.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.certs.SetOverride(ctx, f.coord, sess.ID, f.part.ID, 1, "Jury de test"); err != nil {
		t.Fatal(err)
	}
	closed, err := e.srv.certs.Close(ctx, f.coord, sess.ID)
	if err != nil || len(closed.Issued) != 1 {
		t.Fatalf("close: %+v %v", closed, err)
	}
	code := closed.Issued[0].Code

	// Afterwards the session says 40 hours: the issued certificate keeps 30.
	res = e.api("PATCH", "/api/v1/sessions/"+sess.ID, coord, map[string]any{"workload_hours": 40})
	var patched sessionJSON
	res.decode(t, &patched)
	if res.Status != 200 || patched.WorkloadHours != 40 {
		t.Fatalf("PATCH workload_hours 40: %d %s", res.Status, res.Body)
	}
	res = e.api("GET", "/api/v1/sessions/"+sess.ID, coord, nil)
	res.decode(t, &patched)
	if patched.WorkloadHours != 40 {
		t.Errorf("GET after PATCH: %d h, want 40", patched.WorkloadHours)
	}

	cert, err := e.srv.certs.Lookup(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	if cert.WorkloadHours != 30 {
		t.Errorf("stored certificate states %d h, want 30", cert.WorkloadHours)
	}
	res = e.api("GET", "/certificates/"+code+".pdf", e.token(f.part), nil)
	if res.Status != 200 {
		t.Fatalf("PDF: %d", res.Status)
	}
	text := strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(pdftest.Text(t, res.Body))
	if !strings.Contains(text, "Volume de travail : 30 heures") || strings.Contains(text, "40 heures") || strings.Contains(text, "25 heures") {
		t.Errorf("PDF text does not state 30 hours alone:\n%s", text)
	}

	a := badgeAchievement(t, cert.Badge)
	if want := "Volume de travail de la session\u202f: 30 heures."; !strings.HasSuffix(a.Criteria.Narrative, want) {
		t.Errorf("badge criteria %q, want it to end with %q", a.Criteria.Narrative, want)
	}
	if !strings.HasPrefix(a.ID, "http://librecours.test/achievements/level-1") {
		t.Errorf("badge achievement id %q, want the shared level-1 one", a.ID)
	}
	var served certificates.Achievement
	res = e.api("GET", pathOf(t, a.ID), "", nil)
	res.decode(t, &served)
	if res.Status != 200 || strings.Contains(served.Criteria.Narrative, "30") ||
		!strings.Contains(served.Criteria.Narrative, "fixé pour chaque session et indiqué dans chaque certificat") {
		t.Errorf("served achievement criteria %q (%d): want no hours and the per-session sentence", served.Criteria.Narrative, res.Status)
	}
	if served.Name != a.Name || !strings.HasPrefix(a.Criteria.Narrative, strings.TrimSuffix(served.Criteria.Narrative, " Le volume de travail est fixé pour chaque session et indiqué dans chaque certificat.")) {
		t.Errorf("the badge's achievement and the served one differ beyond the workload:\n%q\n%q", a.Criteria.Narrative, served.Criteria.Narrative)
	}
}

// badgeAchievement reads the achievement embedded in a VC-JWT's payload.
func badgeAchievement(t *testing.T, jwt string) certificates.Achievement {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("badge %q is not a JWS", jwt)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	var cred certificates.Credential
	if err != nil || json.Unmarshal(raw, &cred) != nil {
		t.Fatalf("badge payload: %v", err)
	}
	return cred.CredentialSubject.Achievement
}

// TestSessionWorkloadForms: the create form sends the workload (25 filled
// in), the session page changes it, and a wrong value is refused on the
// field.
func TestSessionWorkloadForms(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.e
	b := e.browser()
	b.login(f.coord)

	p := b.get("/sessions/new")
	if v, _ := p.Doc.Find(`input[name="workload_hours"]`).Attr("value"); v != "25" {
		t.Errorf("new session form: workload %q, want 25", v)
	}
	tok := b.csrf("/sessions/new")
	p = b.post("/sessions", url.Values{"_csrf": {tok}, "format": {"LCIII"}, "starts_on": {"2026-05-04"}, "capacity": {"0"}, "workload_hours": {"30"}})
	if p.Status != 303 || !strings.HasPrefix(p.Location, "/sessions/") {
		t.Fatalf("create: %d %s", p.Status, p.Location)
	}
	id := strings.TrimPrefix(p.Location, "/sessions/")
	sess, err := e.srv.course.Session(t.Context(), f.coord, id)
	if err != nil || sess.WorkloadHours != 30 {
		t.Fatalf("created session: %+v %v", sess, err)
	}

	p = b.post("/sessions", url.Values{"_csrf": {tok}, "format": {"LCIII"}, "starts_on": {"2026-05-04"}, "workload_hours": {"501"}})
	if p.Status != 422 && p.Status != 400 || p.Doc.Find(`input[name="workload_hours"][aria-invalid="true"]`).Length() != 1 {
		t.Errorf("create with 501 h: %d, want the field marked invalid", p.Status)
	}

	show := b.get("/sessions/" + id)
	if v, _ := show.Doc.Find(`form[action="/sessions/` + id + `/workload"] input[name="workload_hours"]`).Attr("value"); v != "30" {
		t.Errorf("session page: workload %q, want 30", v)
	}
	p = b.post("/sessions/"+id+"/workload", url.Values{"_csrf": {tok}, "workload_hours": {"12"}})
	if p.Status != 303 {
		t.Fatalf("save workload: %d", p.Status)
	}
	if sess, _ := e.srv.course.Session(t.Context(), f.coord, id); sess.WorkloadHours != 12 {
		t.Errorf("after the form: %d h, want 12", sess.WorkloadHours)
	}
	for _, bad := range []string{"", "0", "2.5", "501"} {
		p = b.post("/sessions/"+id+"/workload", url.Values{"_csrf": {tok}, "workload_hours": {bad}})
		if p.Status == 303 {
			t.Errorf("workload %q accepted", bad)
		}
	}
	if sess, _ := e.srv.course.Session(t.Context(), f.coord, id); sess.WorkloadHours != 12 {
		t.Errorf("after refused values: %d h, want 12", sess.WorkloadHours)
	}
}
