package web

import (
	"net/http"
	"strings"
	"testing"

	"librecours/course"
)

// TestUniformNotFound: on reviews, submissions and a certificate's files,
// a caller who may not see the object gets 404 whether it exists or not,
// in the pages and the API alike: the answer tells nothing about IDs.
func TestUniformNotFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.e
	ctx := t.Context()
	sid, rid := f.peerWork(t) // another's submission; one of f.part's reviews
	code := f.granted(t, 1).Code
	if err := e.srv.course.Store.SetClosed(ctx, f.session.ID, nil); err != nil {
		t.Fatal(err)
	}
	other, _ := e.srv.course.CreateSession(ctx, f.coord, course.NewSession{Format: "LCVI", StartsOn: "2026-03-02"})
	xAnim := e.user("x@example.org", "Autre animatrice", course.RoleAnimator)
	if err := e.srv.course.AddAnimator(ctx, f.coord, other.ID, xAnim.ID); err != nil {
		t.Fatal(err)
	}
	outsider := e.user("o@example.org", "Extérieure", course.RoleParticipant)
	// An enrolled participant who neither wrote nor reviews the submission.
	enrolledOnly := e.user("e@example.org", "Inscrite", course.RoleParticipant)
	if err := e.srv.course.Enrol(ctx, f.coord, f.session.ID, enrolledOnly.ID); err != nil {
		t.Fatal(err)
	}
	callers := map[string]*course.User{"outsider": outsider, "enrolled": enrolledOnly, "other animator": xAnim}
	type who struct {
		b           *browser
		token, csrf string
	}
	as := map[string]who{}
	for name, u := range callers {
		b := e.browser()
		b.login(u)
		as[name] = who{b, e.token(u), b.csrf("/dashboard")}
	}
	real := strings.NewReplacer(":rid", rid, ":sid", sid, ":code", code)
	fake := strings.NewReplacer(":rid", strings.Repeat("0", len(rid)), ":sid", strings.Repeat("f", len(sid)), ":code", "LC-"+strings.Repeat("Z", 12))
	checked := 0
	for _, r := range e.srv.App().GetRoutes(true) {
		if r.Method == http.MethodHead || !hiddenPath(real.Replace(r.Path)) || !strings.ContainsAny(r.Path, ":") {
			continue
		}
		for name, c := range as {
			u := callers[name]
			if u.ID == f.part.ID {
				continue
			}
			got, _ := call(t, e, c.b, c.token, c.csrf, r.Method, real.Replace(r.Path))
			missing, _ := call(t, e, c.b, c.token, c.csrf, r.Method, fake.Replace(r.Path))
			if got == http.StatusForbidden || got != missing {
				t.Errorf("%s %s as %s: %d for the real object, %d for a missing one", r.Method, r.Path, name, got, missing)
			}
			checked++
		}
	}
	if checked < 30 {
		t.Fatalf("only %d calls checked", checked)
	}
	// A certificate's verification is public: revoking it stays 403.
	if res := e.api("POST", "/api/v1/certificates/"+code+"/revoke", as["outsider"].token, map[string]string{"reason": "essai"}); res.Status != http.StatusForbidden {
		t.Fatalf("revoke by a participant: %d", res.Status)
	}
	// The owner still sees their own review.
	if res := e.api("PUT", "/api/v1/reviews/"+rid, e.token(f.part), map[string]any{"scores": map[string]int{}, "comment": ""}); res.Status == http.StatusNotFound {
		t.Fatalf("own review: %d %s", res.Status, res.Body)
	}
}
