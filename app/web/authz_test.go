package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"librecours/course"
	"librecours/grading"
)

// Callers of the authorization matrix.
const (
	anon      = 'A' // not signed in
	outsider  = 'O' // participant not enrolled
	enrolled  = 'E' // enrolled, not reviewing the target submission
	reviewer  = 'R' // enrolled, assigned the target review, holds the target certificate
	otherAnim = 'X' // animator of another session
	animator  = 'N' // animator of the session
	coord     = 'C' // coordinator
)

const everyone = "AOERXNC"

// authz says who may call a route; "*" means the route is public and may
// answer anything but a server error (sign-in with bad credentials is 401),
// "skip" marks routes that end the caller's own session (tested elsewhere).
// strict routes must answer 2xx/3xx to allowed callers: their denial is 404.
type authz struct {
	allowed string
	strict  bool
}

// matrix has one entry per route of the router: a new route without an
// entry fails TestAuthorizationMatrix.
var matrix = map[string]authz{
	"GET /healthz": {allowed: everyone}, "GET /readyz": {allowed: everyone}, "GET /static/*": {allowed: everyone},
	"GET /": {allowed: everyone}, "GET /api/v1/openapi.json": {allowed: everyone}, "GET /login": {allowed: everyone},
	"GET /register": {allowed: everyone}, "GET /.well-known/jwks.json": {allowed: everyone},
	"GET /certificates/:code": {allowed: everyone}, "GET /api/v1/certificates/:code": {allowed: everyone},
	"POST /login": {allowed: "*"}, "POST /register": {allowed: "*"}, "POST /api/v1/auth/token": {allowed: "*"},
	"POST /api/v1/auth/register": {allowed: "*"}, "POST /lang": {allowed: everyone},
	"POST /api/v1/auth/forgot": {allowed: "*"}, "POST /api/v1/auth/reset": {allowed: "*"}, "POST /api/v1/auth/email": {allowed: "*"}, // a link's token decides
	"PUT /api/v1/me/password": {allowed: "skip"}, // ends the caller's other sessions
	"PUT /api/v1/me/name":     {allowed: "OERXNC"}, "POST /api/v1/me/email": {allowed: "OERXNC"},
	"POST /logout": {allowed: "skip"}, "DELETE /api/v1/auth/token": {allowed: "skip"},

	"GET /users": {allowed: "C"}, "GET /api/v1/users": {allowed: "C"}, "POST /users": {allowed: "C"}, "POST /api/v1/users": {allowed: "C"},
	"GET /api/v1/me": {allowed: "OERXNC"}, "GET /dashboard": {allowed: "OERXNC"}, "GET /sessions": {allowed: "OERXNC"},
	"GET /sessions/new": {allowed: "C"}, "POST /sessions": {allowed: "C"}, "POST /api/v1/sessions/": {allowed: "C"},
	"GET /sessions/:id": {allowed: "OERXNC"}, "GET /api/v1/sessions/": {allowed: "OERXNC"}, "GET /api/v1/sessions/:id": {allowed: "OERXNC"},
	"GET /api/v1/sessions/:id/enrolments": {allowed: "NC"},
	"POST /sessions/:id/enrol":            {allowed: "OERC"}, "POST /api/v1/sessions/:id/enrolments": {allowed: "OERC"},
	"POST /sessions/:id/enrolments": {allowed: "C"}, "POST /sessions/:id/capacity": {allowed: "C"}, "POST /sessions/:id/workload": {allowed: "C"}, "PATCH /api/v1/sessions/:id": {allowed: "C"},
	"POST /sessions/:id/animators": {allowed: "C"}, "POST /api/v1/sessions/:id/animators": {allowed: "C"},
	"POST /sessions/:id/animators/:uid/delete": {allowed: "C"}, "POST /sessions/:id/cancel": {allowed: "C"},
	"POST /sessions/:id/enrolments/:uid/delete": {allowed: "C"},
	"GET /sessions/:id/parts/:n/assign":         {allowed: "NC"}, "GET /sessions/:id/parts/:n/close": {allowed: "NC"},
	"POST /sessions/:id/parts/:n": {allowed: "NC"}, "PATCH /api/v1/sessions/:id/parts/:n": {allowed: "NC"},
	"POST /sessions/:id/evaluation": {allowed: "C"}, "PATCH /api/v1/sessions/:id/evaluation": {allowed: "C"},

	"GET /sessions/:id/parts/:n": {allowed: "ERNC"}, "GET /api/v1/sessions/:id/parts/:n/exercise": {allowed: "ERNC"},
	"GET /sessions/:id/parts/:n/exercise/edit": {allowed: "NC"}, "POST /sessions/:id/parts/:n/exercise": {allowed: "NC"},
	"PUT /api/v1/sessions/:id/parts/:n/exercise": {allowed: "NC"},
	"GET /submissions/:sid/file":                 {allowed: "RNC", strict: true}, "GET /api/v1/submissions/:sid/file": {allowed: "RNC", strict: true},
	"GET /api/v1/sessions/:id/parts/:n/submission": {allowed: "ER"}, "PUT /api/v1/sessions/:id/parts/:n/submission": {allowed: "ER"},
	"POST /sessions/:id/parts/:n/submission": {allowed: "ER"}, "POST /api/v1/sessions/:id/parts/:n/submission/attachment": {allowed: "ER"},
	"POST /sessions/:id/parts/:n/assign": {allowed: "NC"}, "POST /api/v1/sessions/:id/parts/:n/assign": {allowed: "NC"},
	"POST /sessions/:id/parts/:n/close": {allowed: "NC"}, "POST /api/v1/sessions/:id/parts/:n/close": {allowed: "NC"},
	"GET /sessions/:id/reviews": {allowed: "ER"}, "GET /api/v1/me/reviews": {allowed: "ER"},
	"GET /reviews/:rid": {allowed: "R", strict: true}, "POST /reviews/:rid": {allowed: "R"}, "PUT /api/v1/reviews/:rid": {allowed: "R"},
	"POST /sessions/:id/parts/:n/extra": {allowed: "ER"}, "POST /api/v1/sessions/:id/parts/:n/reviews/extra": {allowed: "ER"},
	"POST /reviews/:rid/flag": {allowed: ""}, "POST /api/v1/reviews/:rid/flag": {allowed: ""}, // the author only, not a caller here
	"POST /reviews/:rid/reply": {allowed: ""}, "PUT /api/v1/reviews/:rid/reply": {allowed: ""}, // the author only, not a caller here
	"GET /sessions/:id/corrections": {allowed: "NC"}, "GET /sessions/:id/submissions": {allowed: "NC"}, "GET /api/v1/sessions/:id/corrections": {allowed: "NC"},
	"GET /submissions/:sid": {allowed: "NC", strict: true}, "GET /api/v1/submissions/:sid": {allowed: "NC", strict: true},
	"POST /submissions/:sid/grade": {allowed: "NC"}, "PUT /api/v1/submissions/:sid/grade": {allowed: "NC"},
	"POST /submissions/:sid/confirm": {allowed: "NC"}, "POST /api/v1/submissions/:sid/confirm": {allowed: "NC"},
	"POST /reviews/:rid/reassign": {allowed: "NC"}, "POST /api/v1/reviews/:rid/reassign": {allowed: "NC"},

	"GET /sessions/:id/evaluation": {allowed: "ERNC"}, "GET /api/v1/sessions/:id/evaluation": {allowed: "ERNC"},
	"GET /sessions/:id/evaluation/edit": {allowed: "C"}, "POST /sessions/:id/evaluation/questions": {allowed: "C"},
	"PUT /api/v1/sessions/:id/evaluation":   {allowed: "C"},
	"POST /sessions/:id/evaluation/answers": {allowed: "ER"}, "POST /api/v1/sessions/:id/evaluation/attempt": {allowed: "ER"},
	"PUT /api/v1/sessions/:id/evaluation/draft": {allowed: "ER"},
	"POST /sessions/:id/commitment":             {allowed: "ER"}, "PUT /api/v1/sessions/:id/commitment": {allowed: "ER"},
	"GET /sessions/:id/close": {allowed: "C"}, "POST /sessions/:id/close": {allowed: "C"}, "POST /api/v1/sessions/:id/close": {allowed: "C"},
	"POST /sessions/:id/reopen": {allowed: "C"}, "POST /api/v1/sessions/:id/reopen": {allowed: "C"},
	"POST /sessions/:id/rules": {allowed: "C"}, "PUT /api/v1/sessions/:id/rules": {allowed: "C"}, "GET /api/v1/sessions/:id/rules": {allowed: "NC"},
	"POST /sessions/:id/overrides": {allowed: "C"}, "PUT /api/v1/sessions/:id/overrides/:uid": {allowed: "C"},
	"GET /sessions/:id/report": {allowed: "NC"}, "GET /api/v1/sessions/:id/report": {allowed: "NC"},
	"GET /api/v1/sessions/:id/results": {allowed: "NC"},
	"GET /sessions/:id/certificates":   {allowed: "C"}, "GET /api/v1/sessions/:id/certificates": {allowed: "C"},
	"GET /certificates/:code.pdf": {allowed: "RC", strict: true}, "GET /certificates/:code/badge.jwt": {allowed: "RC", strict: true},
	"GET /api/v1/me/certificates":     {allowed: "OERXNC"},
	"POST /certificates/:code/revoke": {allowed: "C"}, "POST /api/v1/certificates/:code/revoke": {allowed: "C"},
	"POST /certificates/:code/reissue": {allowed: "C"}, "POST /api/v1/certificates/:code/reissue": {allowed: "C"},
}

// TestAuthorizationMatrix calls every route of the router, pages and API,
// as each kind of caller, with objects that belong to someone else, and
// checks that exactly the allowed callers get through.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.e
	ctx := t.Context()
	sid, _ := f.peerWork(t) // five submitters of part 1, reviews assigned
	sub, _ := e.srv.grading.Store.SubmissionByID(ctx, sid)
	// Give the target submission an attachment, then find one of its
	// reviewers (R) and an enrolled participant not reviewing it (E).
	up := &grading.Attachment{Name: "travail.pdf", ContentType: "application/pdf"}
	if err := e.srv.grading.Store.PutFile(ctx, up, []byte("%PDF-1.4"), f.session.ID, sub.AuthorID); err != nil {
		t.Fatal(err)
	}
	sub.Attachment = up
	if err := e.srv.grading.Store.SaveSubmission(ctx, sub, grading.Version{N: sub.Version + 1, Text: sub.Text, Attachment: up}); err != nil {
		t.Fatal(err)
	}
	rs, _ := e.srv.grading.Store.ReviewsBySubmission(ctx, sid)
	reviewing := map[string]string{}
	for _, r := range rs {
		reviewing[r.ReviewerID] = r.ID
	}
	people, _ := e.srv.course.Participants(ctx, f.coord, f.session.ID)
	var rUser, eUser *course.User
	var rid string
	for _, p := range people {
		switch id, ok := reviewing[p.User.ID]; {
		case p.User.ID == sub.AuthorID:
		case ok && rUser == nil:
			rUser, rid = p.User, id
		case !ok && eUser == nil:
			eUser = p.User
		}
	}
	if rUser == nil || eUser == nil {
		t.Fatal("fixture: no reviewer or non-reviewer found")
	}
	if err := e.srv.certs.SetOverride(ctx, f.coord, f.session.ID, rUser.ID, 1, "Jury de test"); err != nil {
		t.Fatal(err)
	}
	closed, err := e.srv.certs.Close(ctx, f.coord, f.session.ID)
	if err != nil || len(closed.Issued) != 1 {
		t.Fatalf("close: %v", err)
	}
	if err := e.srv.course.Store.SetClosed(ctx, f.session.ID, nil); err != nil {
		t.Fatal(err)
	}
	other, _ := e.srv.course.CreateSession(ctx, f.coord, course.NewSession{Format: "LCVI", StartsOn: "2026-03-02"})
	xUser := e.user("x@example.org", "Autre animatrice", course.RoleAnimator)
	if err := e.srv.course.AddAnimator(ctx, f.coord, other.ID, xUser.ID); err != nil {
		t.Fatal(err)
	}
	oUser := e.user("o@example.org", "Extérieur", course.RoleParticipant)

	users := map[rune]*course.User{outsider: oUser, enrolled: eUser, reviewer: rUser, otherAnim: xUser, animator: f.anim, coord: f.coord}
	browsers, tokens := map[rune]*browser{anon: e.browser()}, map[rune]string{}
	for k, u := range users {
		browsers[k] = e.browser()
		browsers[k].login(u)
		tokens[k] = e.token(u)
	}
	csrf := map[rune]string{}
	for k, b := range browsers {
		if k == anon {
			csrf[k] = b.csrf("/login")
		} else {
			csrf[k] = b.csrf("/dashboard")
		}
	}
	params := strings.NewReplacer(":id", f.session.ID, ":n", "1", ":rid", rid, ":sid", sid, ":code", closed.Issued[0].Code, ":uid", eUser.ID, "*", "app.css")

	seen := map[string]bool{}
	for _, r := range e.srv.App().GetRoutes(true) {
		if r.Method == http.MethodHead {
			continue
		}
		key := r.Method + " " + r.Path
		if seen[key] {
			continue
		}
		seen[key] = true
		want, ok := matrix[key]
		if !ok {
			t.Errorf("route %s has no entry in the authorization matrix", key)
			continue
		}
		if want.allowed == "skip" {
			continue
		}
		path := params.Replace(r.Path)
		if key == "POST /sessions/:id/enrol" || key == "POST /api/v1/sessions/:id/enrolments" {
			path = strings.Replace(path, f.session.ID, other.ID, 1) // enrolling must not change who is enrolled here
		}
		if strings.HasSuffix(path, "/me/reviews") {
			path += "?session=" + f.session.ID + "&part=1"
		}
		for _, caller := range everyone {
			status, loc := call(t, e, browsers[caller], tokens[caller], csrf[caller], r.Method, path)
			allowed := want.allowed == "*" || strings.ContainsRune(want.allowed, caller)
			denied := status == http.StatusUnauthorized || status == http.StatusForbidden || status == http.StatusNotFound ||
				(status == http.StatusSeeOther && strings.HasPrefix(loc, "/login"))
			switch {
			case status >= 500:
				t.Errorf("%s as %c: %d", key, caller, status)
			case want.allowed == "*":
			case allowed && want.strict && status >= 400:
				t.Errorf("%s as %c: %d, want success", key, caller, status)
			case allowed && denied && !(status == http.StatusNotFound && !want.strict):
				t.Errorf("%s as %c: %d (denied), want allowed", key, caller, status)
			case !allowed && !denied:
				t.Errorf("%s as %c: %d, want 401, 403 or 404", key, caller, status)
			}
		}
	}
	for key := range matrix {
		if !seen[key] {
			t.Errorf("matrix entry %s matches no route", key)
		}
	}
}

// call sends one request as a caller: pages with the caller's cookies and
// CSRF token, the API with the caller's Bearer token and an empty object.
func call(t *testing.T, e *testEnv, b *browser, token, csrf, method, path string) (int, string) {
	t.Helper()
	api := strings.HasPrefix(path, "/api/") || strings.HasSuffix(path, ".pdf") || strings.HasSuffix(path, ".jwt")
	var req *http.Request
	switch {
	case api && method != http.MethodGet:
		req = httptest.NewRequest(method, path, strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
	case method != http.MethodGet:
		req = httptest.NewRequest(method, path, strings.NewReader(url.Values{"_csrf": {csrf}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	default:
		req = httptest.NewRequest(method, path, nil)
	}
	if api {
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp := e.do(req)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Location")
	}
	p := b.send(req)
	return p.Status, p.Location
}
