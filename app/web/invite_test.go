package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var invitationLink = regexp.MustCompile(`http://librecours\.test/invitations/[A-Za-z0-9_-]+`)

// TestInvitationByEmail (issue #13 item 8): a roster import e-mails each new
// person their invitation through the outbox; the link lets them choose a
// password, which signs them in; the link then answers a page that says it
// was used, in the reader's language.
func TestInvitationByEmail(t *testing.T) {
	t.Parallel()
	f := newNotifyFixture(t)
	e := f.e
	sp := "/sessions/" + f.session.ID
	coord := e.browser()
	coord.login(f.coord)
	tok := coord.csrf(sp + "/import")
	p := coord.uploadForm(sp+"/import", map[string]string{"_csrf": tok}, "inscriptions.csv",
		[]byte("email;nom\nines@example.org;Inès Invitée\nzoe@example.org;Zoé Écrivaine\n"))
	if p.Status != http.StatusOK {
		t.Fatalf("import: %d\n%s", p.Status, p.Doc.Find(".alert, .roster-errors").Text())
	}
	if txt := p.Doc.Find(".invitations-mailed").Text(); !strings.Contains(txt, "reçu son lien d’invitation par e-mail") {
		t.Fatalf("the result page does not say the links were e-mailed: %q", txt)
	}
	// The page still lists the links, as a fallback.
	if n := p.Doc.Find("table.roster-created code.invitation-url").Length(); n != 2 {
		t.Fatalf("%d links on the page, want 2", n)
	}
	mails, _ := f.deliver(t)
	got := decodeMails(t, mails)
	if len(got) != 2 {
		t.Fatalf("%d mails, want 2: %v", len(got), got)
	}
	m, ok := got["zoe@example.org"]
	if !ok {
		t.Fatalf("no mail to zoe@example.org: %v", got)
	}
	if m.Subject != "Libre cours\u202f: activez votre compte pour "+f.session.Code || !strings.Contains(m.Body, "Zoé Écrivaine") {
		t.Fatalf("mail: %q\n%s", m.Subject, m.Body)
	}
	if !strings.Contains(m.Body, "jusqu’au") || !strings.Contains(m.Body, f.session.Code) {
		t.Fatalf("the mail does not say until when the link works:\n%s", m.Body)
	}
	link := invitationLink.FindString(strings.ReplaceAll(m.Body, "=\r\n", ""))
	if link == "" {
		t.Fatalf("no invitation link in the mail:\n%s", m.Body)
	}
	path := strings.TrimPrefix(link, "http://librecours.test")
	// Delivered: nothing more is sent.
	if more, _ := f.deliver(t); len(more) != 0 {
		t.Fatalf("%d more mails", len(more))
	}

	b := e.browser()
	if p := b.get(path); p.Status != http.StatusOK || p.Doc.Find(`input[name="password_confirm"]`).Length() != 1 {
		t.Fatalf("invitation page: %d", p.Status)
	}
	p = b.post(path, url.Values{"_csrf": {b.csrf(path)}, "name": {"Zoé Écrivaine"}, "password": {"une phrase de passe"}, "password_confirm": {"une phrase de passe"}})
	if p.Status != http.StatusSeeOther || p.Location != "/dashboard" {
		t.Fatalf("activation: %d %s", p.Status, p.Location)
	}
	dash := b.get("/dashboard")
	if dash.Status != http.StatusOK {
		t.Fatalf("dashboard after activation: %d (%s)", dash.Status, dash.Location)
	}
	if flash := dash.Doc.Find(".flash").Text(); !strings.Contains(flash, "vous êtes connecté·e") {
		t.Fatalf("flash %q", flash)
	}
	if txt := dash.Doc.Find("main").Text(); !strings.Contains(txt, f.session.Code) {
		t.Fatalf("the dashboard does not show the session %s:\n%s", f.session.Code, txt)
	}
	if me := b.get("/account"); me.Status != http.StatusOK || !strings.Contains(me.Doc.Find("main").Text(), "zoe@example.org") {
		t.Fatalf("account page after activation: %d", me.Status)
	}

	// The link a second time: a page that says so, in French and English.
	for _, tc := range []struct{ lang, want string }{
		{"fr", "Ce lien d’invitation n’est plus valable\u202f: il a déjà servi ou a expiré."},
		{"en", "This invitation link no longer works: it was used already or has expired."},
	} {
		again := e.browser()
		again.lang = tc.lang
		p := again.get(path)
		if p.Status != http.StatusNotFound || !strings.Contains(p.Doc.Find("main").Text(), tc.want) {
			t.Fatalf("%s, used link: %d\n%s", tc.lang, p.Status, p.Doc.Find("main").Text())
		}
		p = again.post(path, url.Values{"_csrf": {again.csrf("/login")}, "password": {"encore une phrase"}, "password_confirm": {"encore une phrase"}})
		if p.Status != http.StatusNotFound || !strings.Contains(p.Doc.Find("main").Text(), tc.want) {
			t.Fatalf("%s, used link posted again: %d", tc.lang, p.Status)
		}
	}
}

// TestInvitationByEmailAPI: the API's import queues the e-mails too and says
// so for each invitation.
func TestInvitationByEmailAPI(t *testing.T) {
	t.Parallel()
	f := newNotifyFixture(t)
	e := f.e
	coord := e.token(f.coord)
	res := e.api("POST", "/api/v1/sessions/"+f.session.ID+"/enrolments/import", coord, "email;name\nava@example.org;Ava\n", "Content-Type", "text/csv")
	var out struct {
		Invitations []invitationJSON
	}
	if res.decode(t, &out); res.Status != http.StatusOK || len(out.Invitations) != 1 || !out.Invitations[0].Mailed {
		t.Fatalf("import: %d %s", res.Status, res.Body)
	}
	mails, _ := f.deliver(t)
	got := decodeMails(t, mails)
	if m, ok := got["ava@example.org"]; !ok || !strings.Contains(m.Body, strings.TrimPrefix(out.Invitations[0].URL, "http://librecours.test")) {
		t.Fatalf("mails %v, want the link %s", got, out.Invitations[0].URL)
	}
}
