package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"librecours/certificates"
	"librecours/course"
)

func init() {
	for k, v := range map[string]authz{
		"GET /account": {allowed: "OERXNC"}, "GET /account/export.json": {allowed: "OERXNC", strict: true},
		"POST /account/delete":  {allowed: "OERXNC"}, // without a password: 422, nobody is deleted
		"GET /api/v1/me/export": {allowed: "OERXNC", strict: true}, "DELETE /api/v1/me": {allowed: "OERXNC"},
	} {
		matrix[k] = v
	}
	moreRenderCases = append(moreRenderCases, func(t *testing.T, f *fixture, who map[string]*browser) map[string]renderCase {
		return map[string]renderCase{
			"pages/account/show": {who["part"], "/account", `form[action="/account/delete"] input[name="password"]`},
		}
	})
	moreFormPages = append(moreFormPages, func(t *testing.T, f *fixture, coord, part *browser) (map[string]*browser, []string) {
		return map[string]*browser{"/account": part}, []string{"/account/delete"}
	})
}

// privacyWork is the fixture after part 1's reviews: the participant (Paul)
// reviewed someone and was reviewed, and holds a level I certificate of the
// closed session; part 1 is still open for reviews.
type privacyWork struct {
	f                  *fixture
	own, reviewed      string // Paul's submission, the one he reviewed
	written, received  string // the two review comments
	reviewer           *course.User
	code               string
	ownText            string
	reviewedAuthorText string
}

func newPrivacyWork(t *testing.T) *privacyWork {
	t.Helper()
	f := newFixture(t)
	ctx := t.Context()
	_, rid := f.peerWork(t)
	w := &privacyWork{f: f, written: "La relecture écrite par Paul, précise et utile.", received: "La relecture reçue par Paul, claire et argumentée."}
	ex, err := f.e.srv.grading.Exercise(ctx, f.coord, f.session.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	scores := map[string]int{}
	for _, c := range ex.Rubric {
		scores[c.ID] = c.MaxPoints
	}
	r, err := f.e.srv.grading.SaveReview(ctx, f.part, rid, scores, w.written)
	if err != nil {
		t.Fatal(err)
	}
	w.reviewed = r.SubmissionID
	target, _ := f.e.srv.grading.Store.SubmissionByID(ctx, w.reviewed)
	w.reviewedAuthorText = target.Text
	own, err := f.e.srv.grading.Store.SubmissionByAuthor(ctx, f.session.ID, 1, f.part.ID)
	if err != nil {
		t.Fatal(err)
	}
	w.own, w.ownText = own.ID, own.Text
	rs, _ := f.e.srv.grading.Store.ReviewsBySubmission(ctx, own.ID)
	if len(rs) == 0 {
		t.Fatal("nobody reviews the participant")
	}
	if w.reviewer, err = f.e.db.Stores().Course.UserByID(ctx, rs[0].ReviewerID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.srv.grading.SaveReview(ctx, w.reviewer, rs[0].ID, scores, w.received); err != nil {
		t.Fatal(err)
	}
	if err := f.e.srv.certs.SetOverride(ctx, f.coord, f.session.ID, f.part.ID, 1, "Jury de test"); err != nil {
		t.Fatal(err)
	}
	closed, err := f.e.srv.certs.Close(ctx, f.coord, f.session.ID)
	if err != nil || len(closed.Issued) != 1 || closed.Issued[0].UserID != f.part.ID {
		t.Fatalf("close: %+v %v", closed, err)
	}
	w.code = closed.Issued[0].Code
	return w
}

func TestPrivacyExportOwnData(t *testing.T) {
	t.Parallel()
	w := newPrivacyWork(t)
	e, f := w.f.e, w.f
	b := e.browser()
	b.login(f.part)
	p := b.get("/account")
	if p.Status != 200 || !strings.Contains(p.Doc.Find("main").Text(), f.part.Email) ||
		p.Doc.Find(`a[href="/account/export.json"]`).Length() != 1 || p.Doc.Find(`a[href="/account/notifications"]`).Length() != 1 {
		t.Fatalf("account page: %d\n%s", p.Status, p.HTML)
	}

	p = b.get("/account/export.json")
	if p.Status != 200 || !strings.HasPrefix(p.Header.Get("Content-Disposition"), "attachment;") ||
		!strings.HasPrefix(p.Header.Get("Content-Type"), "application/json") || p.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("export: %d %v", p.Status, p.Header)
	}
	raw := p.HTML
	var out struct {
		Format string
		User   struct{ ID, Email, Name string }
		// the sections checked here
		Submissions     []map[string]any `json:"submissions"`
		ReviewsWritten  []map[string]any `json:"reviews_written"`
		ReviewsReceived []map[string]any `json:"reviews_received"`
		Certificates    []map[string]any `json:"certificates"`
		Enrolments      []map[string]any `json:"enrolments"`
	}
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, raw)
	}
	if out.Format == "" || out.User.ID != f.part.ID || out.User.Email != f.part.Email || len(out.Enrolments) != 1 {
		t.Fatalf("export header: %+v", out)
	}
	if len(out.Submissions) != 1 || out.Submissions[0]["text"] != w.ownText {
		t.Fatalf("submissions: %v", out.Submissions)
	}
	if vs, _ := out.Submissions[0]["versions"].([]any); len(vs) != 1 {
		t.Fatalf("versions: %v", out.Submissions[0]["versions"])
	}
	if len(out.ReviewsWritten) != 3 || !strings.Contains(raw, w.written) {
		t.Fatalf("reviews written: %v", out.ReviewsWritten)
	}
	if len(out.ReviewsReceived) != 1 || out.ReviewsReceived[0]["comment"] != w.received {
		t.Fatalf("reviews received: %v", out.ReviewsReceived)
	}
	if len(out.Certificates) != 1 || out.Certificates[0]["id"] != w.code || out.Certificates[0]["holder_name"] != f.part.Name {
		t.Fatalf("certificates: %v", out.Certificates)
	}
	for _, s := range []string{"argon2", "password", "csrf", "token", w.reviewer.ID, w.reviewer.Name, w.reviewer.Email, strings.SplitN(w.reviewedAuthorText, "\n", 2)[0],
		f.coord.ID, f.anim.ID} {
		if strings.Contains(strings.ToLower(raw), strings.ToLower(s)) {
			t.Errorf("the export holds %q", s)
		}
	}

	// The API gives the same data; nobody else's.
	tok := e.token(f.part)
	res := e.api("GET", "/api/v1/me/export", tok, nil)
	var api struct {
		User        struct{ ID string }
		Submissions []map[string]any `json:"submissions"`
	}
	res.decode(t, &api)
	if res.Status != 200 || api.User.ID != f.part.ID || len(api.Submissions) != 1 || strings.Contains(string(res.Body), "argon2") {
		t.Fatalf("API export: %d %s", res.Status, res.Body)
	}
	if res := e.api("GET", "/api/v1/me/export", "", nil); res.Status != http.StatusUnauthorized {
		t.Fatalf("anonymous export: %d", res.Status)
	}
}

func TestPrivacyDeleteAccount(t *testing.T) {
	t.Parallel()
	w := newPrivacyWork(t)
	e, f := w.f.e, w.f
	ctx := t.Context()
	tok := e.token(f.part)
	b := e.browser()
	b.lang = "en"
	b.login(f.part)
	csrf := b.csrf("/account")

	// Refusals leave the account as it was.
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"wrong password", url.Values{"password": {"not-my-password"}, "confirm_delete": {"yes"}}, "not your current password"},
		{"no password", url.Values{"confirm_delete": {"yes"}}, "enter your current password"},
		{"not confirmed", url.Values{"password": {testPassword(f.part.Email)}}, "tick the box"},
	} {
		tc.form.Set("_csrf", csrf)
		p := b.post("/account/delete", tc.form)
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Doc.Find(".alert").Text(), tc.want) {
			t.Fatalf("%s: %d %q", tc.name, p.Status, p.Doc.Find(".alert").Text())
		}
	}
	if res := e.api("DELETE", "/api/v1/me", tok, map[string]string{"password": "not-my-password"}); res.Status != http.StatusUnprocessableEntity || res.errorCode() != "invalid" {
		t.Fatalf("API, wrong password: %d %s", res.Status, res.Body)
	}
	if _, err := e.db.Stores().Course.UserByID(ctx, f.part.ID); err != nil {
		t.Fatalf("refused deletions removed the account: %v", err)
	}
	// Those failures count against the account like failed sign-ins: forget them.
	if err := e.srv.auth.Forget(ctx, "email:"+f.part.Email); err != nil {
		t.Fatal(err)
	}

	rep0, _, err := e.srv.certs.SessionReport(ctx, f.coord, f.session.ID)
	if err != nil {
		t.Fatal(err)
	}

	p := b.post("/account/delete", url.Values{"_csrf": {csrf}, "password": {testPassword(f.part.Email)}, "confirm_delete": {"yes"}})
	if p.Status != http.StatusSeeOther || p.Location != "/" {
		t.Fatalf("delete: %d %s\n%s", p.Status, p.Location, p.Doc.Find(".alert").Text())
	}
	if b.cookies[cookieSession] != "" {
		t.Fatal("the session cookie was not cleared")
	}
	if p := b.get("/"); !strings.Contains(p.Doc.Find(".flash").Text(), "Your account is deleted") || p.Doc.Find(".who").Length() != 0 {
		t.Fatalf("home after deletion: %q", p.Doc.Find(".flash").Text())
	}

	// The person can no longer sign in, nor use an old token.
	lb := e.browser()
	lt := lb.csrf("/login")
	if p := lb.post("/login", url.Values{"_csrf": {lt}, "email": {f.part.Email}, "password": {testPassword(f.part.Email)}}); p.Status != http.StatusUnauthorized {
		t.Fatalf("sign-in after deletion: %d", p.Status)
	}
	if res := e.api("GET", "/api/v1/me", tok, nil); res.Status != http.StatusUnauthorized {
		t.Fatalf("old token after deletion: %d", res.Status)
	}

	// The session's figures do not change: the deleted participant counts,
	// nameless, and a close after a reopening leaves their certificate be.
	rep1, results, err := e.srv.certs.SessionReport(ctx, f.coord, f.session.ID)
	if err != nil || rep1 != rep0 {
		t.Fatalf("report after the deletion: %+v, before %+v (%v)", rep1, rep0, err)
	}
	var gone []certificates.Result
	for _, r := range results {
		if r.Deleted {
			gone = append(gone, r)
		}
	}
	if len(gone) != 1 || !strings.HasPrefix(gone[0].User.ID, "deleted-") || gone[0].User.Name != "" || gone[0].Level() != 1 {
		t.Fatalf("the deleted participant's result: %+v", gone)
	}
	if err := e.srv.certs.Reopen(ctx, f.coord, f.session.ID, "Correction après suppression"); err != nil {
		t.Fatal(err)
	}
	if closed, err := e.srv.certs.Close(ctx, f.coord, f.session.ID); err != nil || len(closed.Issued)+len(closed.Revoked) != 0 {
		t.Fatalf("close after the deletion: %+v %v", closed, err)
	}
	cb := e.browser()
	cb.login(f.coord)
	if p := cb.get("/sessions/" + f.session.ID + "/close"); !strings.Contains(p.Doc.Find("table").Text(), "compte supprimé") {
		t.Fatalf("close page after the deletion:\n%s", p.Doc.Find("table").Text())
	}
	if p := cb.get("/sessions/" + f.session.ID + "/results.csv"); !strings.Contains(p.HTML, "(compte supprimé);;") {
		t.Fatalf("results CSV after the deletion:\n%s", p.HTML)
	}

	// The work stays under a tombstone, and still counts when part 1 closes.
	own, err := e.srv.grading.Store.SubmissionByID(ctx, w.own)
	if err != nil || !strings.HasPrefix(own.AuthorID, "deleted-") || own.Text != w.ownText {
		t.Fatalf("submission after deletion: %+v %v", own, err)
	}
	tomb := own.AuthorID
	if _, err := e.srv.grading.ClosePart(ctx, f.coord, f.session.ID, 1); err != nil {
		t.Fatal(err)
	}
	own, _ = e.srv.grading.Store.SubmissionByID(ctx, w.own)
	if own.Grade == nil || own.Grade.ReviewCount != 1 {
		t.Fatalf("the tombstone's submission is not graded from the review received: %+v", own.Grade)
	}
	reviewed, _ := e.srv.grading.Store.SubmissionByID(ctx, w.reviewed)
	rs, _ := e.srv.grading.Store.ReviewsBySubmission(ctx, w.reviewed)
	done, byTomb := 0, false
	for _, r := range rs {
		if r.Status == "done" {
			done++
			byTomb = byTomb || (r.ReviewerID == tomb && r.Comment == w.written)
		}
		if r.ReviewerID == f.part.ID {
			t.Fatal("a review still names the deleted person")
		}
	}
	if !byTomb || reviewed.Grade == nil || reviewed.Grade.ReviewCount != done {
		t.Fatalf("the review written does not count: by tombstone %v, grade %+v, %d done", byTomb, reviewed.Grade, done)
	}

	// The certificate stays verifiable, with the name as issued.
	anon := e.browser()
	if p := anon.get("/certificates/" + w.code); p.Status != 200 || !strings.Contains(p.Doc.Find(".verify").Text(), f.part.Name) {
		t.Fatalf("verification page: %d\n%s", p.Status, p.Doc.Find(".verify").Text())
	}
	var cert struct{ Holder, Status string }
	res := e.api("GET", "/api/v1/certificates/"+w.code, "", nil)
	if res.decode(t, &cert); cert.Holder != f.part.Name || cert.Status != "valid" {
		t.Fatalf("public certificate: %s", res.Body)
	}

	// The audit log says it happened, without saying who.
	log, _ := e.srv.certs.Store.AuditSearch(ctx, certificates.AuditFilter{})
	found := false
	for _, en := range log {
		if en.Action == course.AuditAccountDelete {
			found = en.ActorID == tomb && en.Target == tomb && en.Detail == ""
		}
		if en.ActorID == f.part.ID || en.Target == f.part.ID || strings.Contains(en.Detail, f.part.ID) {
			t.Fatalf("an audit entry still names the deleted person: %+v", en)
		}
	}
	if !found {
		t.Fatal("no account.delete audit entry")
	}

	// Staff pages of the session still work without the account.
	coord, anim := e.browser(), e.browser()
	coord.login(f.coord)
	anim.login(f.anim)
	sp := "/sessions/" + f.session.ID
	for _, pg := range []struct {
		b    *browser
		path string
	}{{coord, sp}, {coord, sp + "/corrections"}, {coord, "/submissions/" + w.own}, {coord, "/submissions/" + w.reviewed},
		{coord, sp + "/close"}, {coord, sp + "/report"}, {coord, sp + "/certificates"}, {coord, "/users"}, {coord, "/dashboard"},
		{anim, sp}, {anim, sp + "/corrections"}, {anim, sp + "/report"}, {anim, "/submissions/" + w.own}, {coord, sp + "/parts/1"}} {
		if p := pg.b.get(pg.path); p.Status != 200 {
			t.Errorf("%s after the deletion: %d", pg.path, p.Status)
		}
	}
	ct := e.token(f.coord)
	for _, path := range []string{sp, sp + "/results", sp + "/report", sp + "/certificates", sp + "/enrolments", sp + "/corrections"} {
		if res := e.api("GET", "/api/v1"+path, ct, nil); res.Status != 200 {
			t.Errorf("API %s after the deletion: %d %s", path, res.Status, res.Body)
		}
	}
}

func TestPrivacyDeleteByAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.e
	tok := e.token(f.part)
	if res := e.api("DELETE", "/api/v1/me", tok, map[string]any{"password": testPassword(f.part.Email), "confirm": true}); res.Status != http.StatusBadRequest {
		t.Fatalf("unknown field: %d %s", res.Status, res.Body)
	}
	if res := e.api("DELETE", "/api/v1/me", "", map[string]string{"password": "x"}); res.Status != http.StatusUnauthorized {
		t.Fatalf("anonymous: %d", res.Status)
	}
	// Repeated wrong passwords are throttled like sign-ins, then even the
	// right one waits.
	for i := range throttlePerAccount {
		if res := e.api("DELETE", "/api/v1/me", tok, map[string]string{"password": "guess-" + string(rune('a'+i))}); res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("guess %d: %d %s", i, res.Status, res.Body)
		}
	}
	if res := e.api("DELETE", "/api/v1/me", tok, map[string]string{"password": testPassword(f.part.Email)}); res.Status != http.StatusTooManyRequests {
		t.Fatalf("after %d guesses: %d %s", throttlePerAccount, res.Status, res.Body)
	}
	e.clock.Set(e.clock.Now().Add(throttleWindow + time.Minute))
	tok = e.token(f.part) // the old token idled out meanwhile
	if res := e.api("DELETE", "/api/v1/me", tok, map[string]string{"password": testPassword(f.part.Email)}); res.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", res.Status, res.Body)
	}
	if _, err := e.db.Stores().Course.UserByID(t.Context(), f.part.ID); err == nil {
		t.Fatal("the account is still there")
	}
	if res := e.api("GET", "/api/v1/me", tok, nil); res.Status != http.StatusUnauthorized {
		t.Fatalf("token after deletion: %d %s", res.Status, res.Body)
	}
}

func TestPrivacyLastCoordinator(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.e
	tok := e.token(f.coord)
	res := e.api("DELETE", "/api/v1/me", tok, map[string]string{"password": testPassword(f.coord.Email)}, "Accept-Language", "en")
	if res.Status != http.StatusConflict || res.errorCode() != "last_coordinator" || !strings.Contains(res.errorMessage(), "only coordinator") {
		t.Fatalf("last coordinator, API: %d %s", res.Status, res.Body)
	}
	b := e.browser()
	b.login(f.coord)
	p := b.get("/account")
	if !strings.Contains(p.Doc.Find(".alert").Text(), "seule personne coordinatrice") {
		t.Fatalf("the account page does not warn the last coordinator: %q", p.Doc.Find(".alert").Text())
	}
	csrf := b.csrf("/account")
	p = b.post("/account/delete", url.Values{"_csrf": {csrf}, "password": {testPassword(f.coord.Email)}, "confirm_delete": {"yes"}})
	if p.Status != http.StatusConflict || !strings.Contains(p.Doc.Find(".alert").Text(), "seule personne coordinatrice") {
		t.Fatalf("last coordinator, form: %d %q", p.Status, p.Doc.Find(".alert").Text())
	}
	if _, err := e.db.Stores().Course.UserByID(t.Context(), f.coord.ID); err != nil {
		t.Fatalf("the last coordinator was deleted: %v", err)
	}

	// With a second coordinator, one of them may go; when both try at
	// once, one stays.
	c2 := e.user("coord2@example.org", "Claude Coordination", course.RoleCoordinator)
	tok2 := e.token(c2)
	statuses := make(chan int, 2)
	for _, who := range []struct{ tok, email string }{{tok, f.coord.Email}, {tok2, c2.Email}} {
		go func() {
			statuses <- e.api("DELETE", "/api/v1/me", who.tok, map[string]string{"password": testPassword(who.email)}).Status
		}()
	}
	got := []int{<-statuses, <-statuses}
	slices.Sort(got)
	if !slices.Equal(got, []int{http.StatusNoContent, http.StatusConflict}) {
		t.Fatalf("two coordinators deleting at once: %v", got)
	}
	users, _ := e.db.Stores().Course.ListUsers(t.Context())
	left := 0
	for _, u := range users {
		if u.IsCoordinator() {
			left++
		}
	}
	if left != 1 {
		t.Fatalf("%d coordinators left", left)
	}
}
