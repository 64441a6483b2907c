package web

import (
	"bytes"
	"context"
	"fmt"
	"librecours/app/storetest"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"librecours/course"
)

func init() {
	maps.Copy(matrix, map[string]authz{
		"GET /sessions/:id/import": {allowed: "C", strict: true}, "POST /sessions/:id/import": {allowed: "C"},
		"POST /api/v1/sessions/:id/enrolments/import": {allowed: "C"},
		"GET /invitations/:token":                     {allowed: "*"}, "POST /invitations/:token": {allowed: "*"},
		"GET /sessions/:id/results.csv": {allowed: "NC", strict: true}, "GET /api/v1/sessions/:id/results.csv": {allowed: "NC", strict: true},
		"GET /sessions/:id/certificates.csv": {allowed: "C", strict: true}, "GET /api/v1/sessions/:id/certificates.csv": {allowed: "C", strict: true},
		"GET /sessions/:id/calendar": {allowed: "ERNC", strict: true}, "POST /sessions/:id/calendar": {allowed: "ERNC", strict: true},
		"POST /sessions/:id/calendar/revoke": {allowed: "ERNC", strict: true},
		"GET /calendar/:token":               {allowed: "*"},
	})
	moreRenderCases = append(moreRenderCases, func(t *testing.T, f *fixture, who map[string]*browser) map[string]renderCase {
		sp := "/sessions/" + f.session.ID
		tok := inviteOne(t, f)
		return map[string]renderCase{
			"pages/sessions/import":    {who["coord"], sp + "/import", `form[action$="/import"][enctype="multipart/form-data"] input[type="file"]`},
			"pages/sessions/calendar":  {who["part"], sp + "/calendar", `form[action$="/calendar"] button`},
			"pages/account/invitation": {who["anon"], "/invitations/" + tok, `form input[name="password_confirm"]`},
		}
	})
	moreFormPages = append(moreFormPages, func(t *testing.T, f *fixture, coord, part *browser) (map[string]*browser, []string) {
		sp := "/sessions/" + f.session.ID
		if _, _, err := f.e.srv.course.NewCalendarFeed(t.Context(), f.part, f.session.ID); err != nil {
			t.Fatal(err) // so that the revoke form shows
		}
		inv := "/invitations/" + inviteOne(t, f)
		return map[string]*browser{sp + "/import": coord, sp + "/calendar": part, inv: f.e.browser()},
			[]string{sp + "/import", sp + "/calendar", sp + "/calendar/revoke", inv}
	})
}

// inviteOne imports one new person into a new, upcoming session and returns
// their invitation token.
func inviteOne(t *testing.T, f *fixture) string {
	t.Helper()
	ctx := t.Context()
	sess, err := f.e.srv.course.CreateSession(ctx, f.coord, course.NewSession{Format: "LCVI", StartsOn: "2026-09-07"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.e.srv.course.ImportRoster(ctx, f.coord, sess.ID, []byte("email;nom\ninvitee@example.org;Inès Invitée\n"))
	if err != nil || len(res.Created) != 1 {
		t.Fatalf("import: %+v %v", res, err)
	}
	return res.Created[0].Token
}

// uploadForm posts a multipart form with an optional file.
func (b *browser) uploadForm(path string, fields map[string]string, filename string, data []byte) page2 {
	b.e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if filename != "" {
		w, err := mw.CreateFormFile("file", filename)
		if err != nil {
			b.e.t.Fatal(err)
		}
		_, _ = w.Write(data)
	}
	_ = mw.Close()
	req := httptest.NewRequest("POST", path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.send(req)
}

// rosterCounts is what an import may change: accounts, enrolments of the
// session and its seat count, invitations.
func rosterCounts(t *testing.T, e *testEnv, sessionID string) string {
	t.Helper()
	ctx := context.Background()
	users, err := e.db.Stores().Course.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	enrols, err := e.db.Stores().Course.EnrolmentsBySession(ctx, sessionID)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := e.db.Stores().Course.SessionByID(ctx, sessionID)
	if err != nil {
		t.Fatal(err)
	}
	invs := len(storetest.Records(e.t, e.db)["invitations"])
	return fmt.Sprintf("users=%d enrolments=%d enrolled=%d invitations=%d", len(users), len(enrols), sess.Enrolled, invs)
}

const importFile = "\uFEFFemail;nom\r\nzoe@example.org;Zoé Écrivaine\r\n\r\n\"Part@Example.org\";\"Paul; déjà inscrit\"\r\nnouveau@example.org;\"Dupont, Jean\"\r\n"

// TestImportPage: a coordinator uploads a file in the browser; new people
// get accounts and invitation links, everyone is enrolled.
func TestImportPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.e
	sp := "/sessions/" + f.session.ID
	if err := e.srv.course.Enrol(t.Context(), f.coord, f.session.ID, f.part.ID); err != nil {
		t.Fatal(err)
	}
	coord := e.browser()
	coord.login(f.coord)
	tok := coord.csrf(sp + "/import")
	p := coord.uploadForm(sp+"/import", map[string]string{"_csrf": tok}, "inscriptions.csv", []byte(importFile))
	if p.Status != http.StatusOK {
		t.Fatalf("import: %d\n%s", p.Status, p.Doc.Find(".alert, .roster-errors").Text())
	}
	links := p.Doc.Find("table.roster-created code.invitation-url")
	if links.Length() != 2 {
		t.Fatalf("%d invitation links, want 2\n%s", links.Length(), p.Doc.Find("main").Text())
	}
	if !strings.HasPrefix(links.First().Text(), "http://librecours.test/invitations/") {
		t.Fatalf("invitation link %q", links.First().Text())
	}
	if txt := p.Doc.Find(".roster-result").Text(); !strings.Contains(txt, "Zoé Écrivaine") || !strings.Contains(txt, "Paul Participant") {
		t.Fatalf("result page does not list the people:\n%s", txt)
	}
	zoe, err := e.db.Stores().Course.UserByEmail(t.Context(), "zoe@example.org")
	if err != nil || zoe.Name != "Zoé Écrivaine" || !zoe.Has(course.RoleParticipant) {
		t.Fatalf("new account: %+v %v", zoe, err)
	}
	if ok, _ := e.db.Stores().Course.IsEnrolled(t.Context(), f.session.ID, zoe.ID); !ok {
		t.Fatal("new account not enrolled")
	}
	// The new account has no usable password until the invitation is used.
	if res := e.api("POST", "/api/v1/auth/token", "", map[string]string{"email": "zoe@example.org", "password": ""}); res.Status != http.StatusUnauthorized {
		t.Fatal("an invited account signs in without a password")
	}
	// The textarea works too; the same people again change nothing.
	before := rosterCounts(t, e, f.session.ID)
	tok = coord.csrf(sp + "/import")
	p = coord.post(sp+"/import", url.Values{"_csrf": {tok}, "csv": {"email,name\nzoe@example.org,Zoé\n"}})
	if p.Status != http.StatusOK || p.Doc.Find("table.roster-created").Length() != 0 || rosterCounts(t, e, f.session.ID) != before {
		t.Fatalf("second import: %d", p.Status)
	}
	// Nothing sent.
	p = coord.post(sp+"/import", url.Values{"_csrf": {tok}, "csv": {"  "}})
	if p.Status != http.StatusUnprocessableEntity || p.Doc.Find(".alert").Length() == 0 {
		t.Fatalf("empty form: %d", p.Status)
	}
}

// TestImportRefused: bad files answer 422 listing each line, in the page
// and the API, and write nothing.
func TestImportRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.e
	sp := "/sessions/" + f.session.ID
	api := "/api/v1" + sp + "/enrolments/import"
	coord := e.token(f.coord)
	before := rosterCounts(t, e, f.session.ID)
	var big strings.Builder
	big.WriteString("email;name\n")
	for i := range course.MaxRosterLines + 1 {
		fmt.Fprintf(&big, "p%d@example.org;P %d\n", i, i)
	}
	type line struct {
		Line   int
		Code   string
		Reason string
		Value  string
	}
	for _, tc := range []struct {
		name string
		body string
		want []line
	}{
		{"bad lines", "email;name\nok@example.org;OK\nnot-an-email;X\n;Sans adresse\nseule@example.org\nOK@example.org;Bis\n",
			[]line{{Line: 3, Code: "email_invalid", Value: "not-an-email"}, {Line: 4, Code: "email_required"},
				{Line: 5, Code: "columns_missing"}, {Line: 6, Code: "duplicate", Value: "ok@example.org"}}},
		{"Latin-1", "email;nom\nok@example.org;OK\njose@example.org;Jos\xe9\n", []line{{Line: 3, Code: "encoding"}}},
		{"no header", "ok@example.org;OK\n", []line{{Line: 1, Code: "header_missing"}}},
		{"too many lines", big.String(), []line{{Line: course.MaxRosterLines + 2, Code: "too_many"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := e.api("POST", api, coord, tc.body, "Content-Type", "text/csv")
			if res.Status != http.StatusUnprocessableEntity || res.errorCode() != "invalid" {
				t.Fatalf("status %d %s", res.Status, res.Body)
			}
			var out struct {
				Error struct {
					Message string
					Lines   []line
				}
			}
			res.decode(t, &out)
			if len(out.Error.Lines) != len(tc.want) || !strings.Contains(out.Error.Message, "rien n’a été importé") {
				t.Fatalf("answer %s", res.Body)
			}
			for i, w := range tc.want {
				got := out.Error.Lines[i]
				if got.Line != w.Line || got.Code != w.Code || got.Reason == "" || strings.HasPrefix(got.Reason, "course.") || (w.Value != "" && got.Value != w.Value) {
					t.Errorf("line %d: %+v, want %+v", i, got, w)
				}
			}
			if got := rosterCounts(t, e, f.session.ID); got != before {
				t.Fatalf("a refused file wrote: %s, before %s", got, before)
			}
		})
	}
	// English reasons; the duplicate names the first line.
	res := e.api("POST", api, coord, "email,name\na@b.fr,A\nA@B.FR,B\n", "Accept-Language", "en", "Content-Type", "text/csv")
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(string(res.Body), "address already on line 2") {
		t.Fatalf("english: %d %s", res.Status, res.Body)
	}
	// The page lists the lines too.
	b := e.browser()
	b.login(f.coord)
	tok := b.csrf(sp + "/import")
	p := b.uploadForm(sp+"/import", map[string]string{"_csrf": tok}, "latin1.csv", []byte("email;nom\nok@example.org;OK\nx@example.org;Fran\xe7ois\nnope;Y\n"))
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("page: %d", p.Status)
	}
	items := p.Doc.Find(".roster-errors li")
	if items.Length() != 1 || !strings.HasPrefix(items.First().Text(), "Ligne 3\u202f: ligne mal encodée") {
		t.Fatalf("page lists %d lines: %q", items.Length(), items.Text())
	}
	p = b.post(sp+"/import", url.Values{"_csrf": {tok}, "csv": {"email;nom\nnope;Y\n"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Doc.Find(".roster-errors").Text(), "Ligne 2\u202f: adresse électronique invalide («\u202fnope\u202f»)") {
		t.Fatalf("page: %d %q", p.Status, p.Doc.Find(".roster-errors").Text())
	}
	if v, _ := p.Doc.Find("textarea#csv").Html(); !strings.Contains(v, "nope;Y") {
		t.Fatal("the pasted list is not kept after an error")
	}
	if got := rosterCounts(t, e, f.session.ID); got != before {
		t.Fatalf("a refused page import wrote: %s", got)
	}
	// A session that is full for the file: 422, nothing written.
	if _, err := e.srv.course.SetCapacity(t.Context(), f.coord, f.session.ID, 1); err != nil {
		t.Fatal(err)
	}
	before = rosterCounts(t, e, f.session.ID)
	res = e.api("POST", api, coord, "email;name\na@example.org;A\nb@example.org;B\n", "Content-Type", "text/csv")
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(string(res.Body), `"line":0,"code":"capacity"`) || rosterCounts(t, e, f.session.ID) != before {
		t.Fatalf("capacity: %d %s", res.Status, res.Body)
	}
}

// TestImportAPI: a text/csv body or a multipart file; only coordinators.
func TestImportAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.e
	api := "/api/v1/sessions/" + f.session.ID + "/enrolments/import"
	if res := e.api("POST", api, e.token(f.part), importFile, "Content-Type", "text/csv"); res.Status != http.StatusForbidden {
		t.Fatalf("participant: %d", res.Status)
	}
	if res := e.api("POST", api, e.token(f.anim), importFile, "Content-Type", "text/csv"); res.Status != http.StatusForbidden {
		t.Fatalf("animator: %d", res.Status)
	}
	if res := e.api("POST", api, "", importFile, "Content-Type", "text/csv"); res.Status != http.StatusUnauthorized {
		t.Fatalf("anonymous: %d", res.Status)
	}
	if res := e.api("POST", "/api/v1/sessions/nope/enrolments/import", e.token(f.coord), importFile, "Content-Type", "text/csv"); res.Status != http.StatusNotFound {
		t.Fatalf("unknown session: %d", res.Status)
	}
	coord := e.token(f.coord)
	res := e.api("POST", api, coord, importFile, "Content-Type", "text/csv")
	if res.Status != http.StatusOK {
		t.Fatalf("import: %d %s", res.Status, res.Body)
	}
	var out struct {
		Enrolled, Created int
		AlreadyEnrolled   []string `json:"already_enrolled"`
		Invitations       []struct{ Email, Name, URL string }
	}
	res.decode(t, &out)
	if out.Enrolled != 3 || out.Created != 2 || len(out.Invitations) != 2 || len(out.AlreadyEnrolled) != 0 {
		t.Fatalf("answer %s", res.Body)
	}
	if inv := out.Invitations[0]; inv.Email != "zoe@example.org" || !strings.HasPrefix(inv.URL, "http://librecours.test/invitations/") {
		t.Fatalf("invitation %+v", inv)
	}
	firstLink := out.Invitations[0].URL
	// Multipart, the same people plus one: only the new one is enrolled.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile("file", "more.csv")
	_, _ = w.Write([]byte(importFile + "autre@example.org;Autre\n"))
	_ = mw.Close()
	res = e.api("POST", api, coord, buf.Bytes(), "Content-Type", mw.FormDataContentType())
	out.AlreadyEnrolled = nil
	res.decode(t, &out)
	if res.Status != http.StatusOK || out.Enrolled != 1 || out.Created != 1 || len(out.AlreadyEnrolled) != 3 {
		t.Fatalf("multipart: %d %s", res.Status, res.Body)
	}
	// renew=true gives the two accounts never activated new links; the
	// earlier ones stop working.
	res = e.api("POST", api+"?renew=true", coord, importFile, "Content-Type", "text/csv")
	var again struct {
		Enrolled    int
		Invitations []struct {
			Email, URL string
			Renewed    bool
		}
	}
	res.decode(t, &again)
	if res.Status != http.StatusOK || again.Enrolled != 0 || len(again.Invitations) != 2 || !again.Invitations[0].Renewed || again.Invitations[0].URL == firstLink {
		t.Fatalf("renew: %d %s", res.Status, res.Body)
	}
	old := strings.TrimPrefix(firstLink, "http://librecours.test")
	if p := e.browser().get(old); p.Status != http.StatusNotFound {
		t.Fatalf("a replaced invitation link: %d", p.Status)
	}
	if p := e.browser().get(strings.TrimPrefix(again.Invitations[0].URL, "http://librecours.test")); p.Status != http.StatusOK {
		t.Fatalf("the renewed link: %d", p.Status)
	}
	// A closed session takes no one.
	if err := e.srv.course.Store.SetClosed(t.Context(), f.session.ID, &testStart); err != nil {
		t.Fatal(err)
	}
	if res := e.api("POST", api, coord, "email;name\nlate@example.org;Late\n", "Content-Type", "text/csv"); res.Status != http.StatusConflict {
		t.Fatalf("closed session: %d %s", res.Status, res.Body)
	}
}

// TestInvitation: the link sets the password once and signs the person in;
// then signing in works and the link is gone (404), as are unknown and
// expired links.
func TestInvitation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.e
	tok := inviteOne(t, f)
	path := "/invitations/" + tok
	b := e.browser()
	p := b.get(path)
	if p.Status != http.StatusOK {
		t.Fatalf("invitation page: %d", p.Status)
	}
	if v, _ := p.Doc.Find(`input[name="name"]`).Attr("value"); v != "Inès Invitée" {
		t.Fatalf("name not prefilled: %q", v)
	}
	if p.Header.Get("Cache-Control") != "no-store" {
		t.Fatal("the invitation page may be cached")
	}
	csrf := b.csrf(path)
	for _, tc := range []struct{ name, pw, confirm string }{
		{"mismatch", "une phrase de passe", "autre chose"}, {"short", "court", "court"}, {"common", "password", "password"},
	} {
		p = b.post(path, url.Values{"_csrf": {csrf}, "name": {"Inès"}, "password": {tc.pw}, "password_confirm": {tc.confirm}})
		if p.Status != http.StatusUnprocessableEntity || p.Doc.Find(".alert").Length() == 0 {
			t.Fatalf("%s: %d", tc.name, p.Status)
		}
	}
	p = b.post(path, url.Values{"_csrf": {csrf}, "name": {" Inès Nouvelle "}, "password": {"une phrase de passe"}, "password_confirm": {"une phrase de passe"}})
	if p.Status != http.StatusSeeOther || p.Location != "/dashboard" {
		t.Fatalf("accept: %d %s", p.Status, p.Location)
	}
	if flash := b.get("/dashboard").Doc.Find(".flash").Text(); !strings.Contains(flash, "Votre compte est activé") {
		t.Fatalf("flash %q", flash)
	}
	signedIn := e.api("POST", "/api/v1/auth/token", "", map[string]string{"email": "invitee@example.org", "password": "une phrase de passe"})
	var signed struct{ User userJSON }
	if signedIn.decode(t, &signed); signedIn.Status != http.StatusOK || signed.User.Name != "Inès Nouvelle" {
		t.Fatalf("sign in after the invitation: %d %s", signedIn.Status, signedIn.Body)
	}
	if p := b.get(path); p.Status != http.StatusNotFound {
		t.Fatalf("used invitation: %d", p.Status)
	}
	p = b.post(path, url.Values{"_csrf": {b.csrf("/dashboard")}, "password": {"encore une phrase"}, "password_confirm": {"encore une phrase"}})
	if p.Status != http.StatusNotFound {
		t.Fatalf("reused invitation: %d", p.Status)
	}
	if p := b.get("/invitations/not-a-token"); p.Status != http.StatusNotFound {
		t.Fatalf("unknown invitation: %d", p.Status)
	}
	// An invitation expires after 14 days.
	other, err := e.srv.course.CreateSession(t.Context(), f.coord, course.NewSession{Format: "LCIII", StartsOn: "2026-10-05"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.srv.course.ImportRoster(t.Context(), f.coord, other.ID, []byte("email;name\nlate@example.org;Late\n"))
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Set(e.clock.Now().Add(course.InvitationTTL - time.Minute))
	if p := b.get("/invitations/" + res.Created[0].Token); p.Status != http.StatusOK {
		t.Fatalf("invitation on its last day: %d", p.Status)
	}
	e.clock.Set(e.clock.Now().Add(time.Minute))
	if p := b.get("/invitations/" + res.Created[0].Token); p.Status != http.StatusNotFound {
		t.Fatalf("expired invitation: %d", p.Status)
	}
}

// FuzzImportAPI: no enrolment file makes the import answer a server error
// or panic; it is imported (200) or refused (422, or 413 when too large).
func FuzzImportAPI(f *testing.F) {
	for _, seed := range []string{importFile, "email;name\n", "email;name\nnope;X\n", "\xff\xfee\x00", "email;nom\r\na@b.fr;Jos\xe9\r\n",
		"\"email;name\n", "email,name\n=1+1@example.org,=HYPERLINK(\"x\")\n", "{}", ""} {
		f.Add([]byte(seed))
	}
	e := newEnv(f)
	coord := e.user("coord@example.org", "Coordination", course.RoleCoordinator)
	token := e.token(coord)
	sess, err := e.srv.course.CreateSession(context.Background(), coord, course.NewSession{Format: "LCVI", StartsOn: "2026-09-07"})
	if err != nil {
		f.Fatal(err)
	}
	path := "/api/v1/sessions/" + sess.ID + "/enrolments/import"
	f.Fuzz(func(t *testing.T, data []byte) {
		req := httptest.NewRequest("POST", path, bytes.NewReader(data))
		req.Header.Set("Content-Type", "text/csv")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := e.srv.App().Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK, http.StatusUnprocessableEntity, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d for %q", resp.StatusCode, data)
		}
	})
}

func TestRedactSecrets(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"/invitations/abc_DEF-123": "/invitations/[redacted]", "/calendar/xyz.ics": "/calendar/[redacted]",
		"/sessions/1/calendar": "/sessions/1/calendar", "/invitations/": "/invitations/", "/": "/",
	} {
		if got := redactSecrets(in); got != want {
			t.Errorf("redactSecrets(%q) = %q, want %q", in, got, want)
		}
	}
}
