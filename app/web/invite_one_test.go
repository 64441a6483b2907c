package web

import (
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func init() {
	maps.Copy(matrix, map[string]authz{
		"POST /sessions/:id/invite": {allowed: "C"}, "POST /api/v1/sessions/:id/invitations": {allowed: "C"},
	})
}

// TestInviteOne: a coordinator invites one person by address and name from
// the import page; the new account's invitation is e-mailed and works; a
// bad address is a 422 on its field, the typed values kept; the API does
// the same.
func TestInviteOne(t *testing.T) {
	t.Parallel()
	f := newNotifyFixture(t)
	e := f.e
	sp := "/sessions/" + f.session.ID
	coord := e.browser()
	coord.login(f.coord)
	if p := coord.get(sp + "/import"); p.Doc.Find(`form[action="`+sp+`/invite"] input[name="email"]`).Length() != 1 {
		t.Fatal("the import page has no form to invite one person")
	}
	tok := coord.csrf(sp + "/import")
	p := coord.post(sp+"/invite", url.Values{"_csrf": {tok}, "email": {"not an address"}, "name": {"Léon"}})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad address: %d", p.Status)
	}
	if v, _ := p.Doc.Find("#invite_email").Attr("aria-invalid"); v != "true" {
		t.Error("the address field is not marked")
	}
	if v, _ := p.Doc.Find("#invite_name").Attr("value"); v != "Léon" {
		t.Errorf("the typed name is lost: %q", v)
	}
	p = coord.post(sp+"/invite", url.Values{"_csrf": {tok}, "email": {"Leon@Example.org"}, "name": {"Léon Invité"}})
	if p.Status != http.StatusOK || p.Doc.Find("table.roster-created code.invitation-url").Length() != 1 ||
		!strings.Contains(p.Doc.Find(".invitations-mailed").Text(), "par e-mail") {
		t.Fatalf("invite: %d\n%s", p.Status, p.Doc.Find("main").Text())
	}
	mails, _ := f.deliver(t)
	m, ok := decodeMails(t, mails)["leon@example.org"]
	link := invitationLink.FindString(strings.ReplaceAll(m.Body, "=\r\n", ""))
	if !ok || link == "" {
		t.Fatalf("no invitation mail: %v", mails)
	}
	path := strings.TrimPrefix(link, "http://librecours.test")
	b := e.browser()
	p = b.post(path, url.Values{"_csrf": {b.csrf(path)}, "name": {"Léon Invité"}, "password": {"une phrase de passe"}, "password_confirm": {"une phrase de passe"}})
	if p.Status != http.StatusSeeOther || p.Location != "/dashboard" {
		t.Fatalf("activation: %d %s", p.Status, p.Location)
	}
	audit := coord.get("/audit?action=session.invite").Doc.Find("table.audit tbody tr")
	if audit.Length() != 1 || !strings.Contains(audit.Text(), "1 personne inscrite") {
		t.Fatalf("audit: %q", audit.Text())
	}

	res := e.api("POST", "/api/v1/sessions/"+f.session.ID+"/invitations", e.token(f.coord), map[string]string{"email": "mia@example.org", "name": "Mia"})
	var out struct {
		Enrolled    int
		Invitations []invitationJSON
	}
	if res.decode(t, &out); res.Status != http.StatusOK || out.Enrolled != 1 || len(out.Invitations) != 1 || !out.Invitations[0].Mailed {
		t.Fatalf("API: %d %s", res.Status, res.Body)
	}
	res = e.api("POST", "/api/v1/sessions/"+f.session.ID+"/invitations", e.token(f.coord), map[string]string{"email": "x", "name": "X"})
	if res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("API, bad address: %d %s", res.Status, res.Body)
	}
}
