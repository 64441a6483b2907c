package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"librecours/certificates"
	"librecours/course"
)

func init() {
	matrix["GET /verify"] = authz{allowed: everyone}
	moreRenderCases = append(moreRenderCases, func(t *testing.T, f *fixture, who map[string]*browser) map[string]renderCase {
		return map[string]renderCase{
			"pages/certificates/lookup": {who["anon"], "/verify", `form[action="/verify"] input[name="code"]`},
		}
	})
}

// verifyCerts stores three certificates of Ada and returns their codes.
func verifyCerts(t *testing.T, e *testEnv, ada *course.User) []string {
	t.Helper()
	var codes []string
	for i, raw := range []string{"LC3-7K2Q-M9XD-4TPA-Q8ZC", "LC3-8K2Q-M9XD-4TPA-Q8ZC", "LC6-9K2Q-M9XD-4TPA-Q8ZC"} {
		code, _ := certificates.NormalizeCode(raw)
		c := certificates.Certificate{Code: code, SessionID: "s1", SessionCode: "LCIII-1", SessionStart: "2026-03-02", SessionEnd: "2026-04-13",
			UserID: ada.ID, HolderName: ada.Name, Level: certificates.LevelI, Lang: "fr", Salt: "sel", Badge: "b",
			Rules: certificates.DefaultRules(), IssuedAt: testStart, StatusIndex: 1000 + i}
		if err := e.srv.certs.Store.InsertCertificate(t.Context(), c); err != nil {
			t.Fatal(err)
		}
		codes = append(codes, code)
	}
	return codes
}

// TestVerifyForm: a code typed or pasted in any spelling leads to its page;
// a malformed one is a 422 on the form, an unknown one a clear 404 page with
// the form again.
func TestVerifyForm(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada := e.user("ada@example.org", "Ada Lovelace", course.RoleParticipant)
	code := verifyCerts(t, e, ada)[0]
	b := e.browser()
	if p := b.get("/verify"); p.Status != http.StatusOK || p.Doc.Find(`form[action="/verify"] input[name="code"]`).Length() != 1 {
		t.Fatalf("form: %d", p.Status)
	}
	for _, tc := range []struct {
		name, typed string
		status      int
		location    string
		says        string
	}{
		{"canonical", code, http.StatusSeeOther, "/certificates/" + code, ""},
		{"lower case and spaces", " lc3 7k2q m9xd 4tpa q8zc ", http.StatusSeeOther, "/certificates/" + code, ""},
		{"no dashes", "LC37K2QM9XD4TPAQ8ZC", http.StatusSeeOther, "/certificates/" + code, ""},
		{"malformed", "ABC-123", http.StatusUnprocessableEntity, "", "pas un code de certificat"},
		{"U is not Crockford", "LC3-UK2Q-M9XD-4TPA-Q8ZC", http.StatusUnprocessableEntity, "", "pas un code de certificat"},
		{"unknown", "LC3-0000-0000-0000-0000", http.StatusSeeOther, "/certificates/LC3-0000-0000-0000-0000", ""},
	} {
		p := b.get("/verify?code=" + url.QueryEscape(tc.typed))
		if p.Status != tc.status || p.Location != tc.location || !strings.Contains(p.HTML, tc.says) {
			t.Errorf("%s: %d %q, want %d %q saying %q", tc.name, p.Status, p.Location, tc.status, tc.location, tc.says)
		}
		if tc.status == http.StatusUnprocessableEntity {
			if v, _ := p.Doc.Find(`input[name="code"]`).Attr("value"); v != strings.TrimSpace(tc.typed) {
				t.Errorf("%s: the form lost the typed code: %q", tc.name, v)
			}
		}
	}
	for lang, says := range map[string]string{"fr": "Aucun certificat ne porte le code", "en": "No certificate has the code"} {
		b.lang = lang
		p := b.get("/certificates/LC3-0000-0000-0000-0000")
		if p.Status != http.StatusNotFound || !strings.Contains(p.Doc.Find(".alert").Text(), says) || p.Doc.Find(`form[action="/verify"]`).Length() != 1 {
			t.Errorf("unknown code (%s): %d %q", lang, p.Status, p.Doc.Find(".alert").Text())
		}
	}
	b.lang = ""
	if p := b.get("/certificates/" + code); p.Status != http.StatusOK || p.Doc.Find(`a[href="/verify"]`).Length() != 1 {
		t.Fatalf("certificate page: %d", p.Status)
	}
}

// TestRevocationReasonPublic: the reason shows on the public page and in
// the API only when the coordinator ticked "motif public".
func TestRevocationReasonPublic(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	coord := e.user("coord@example.org", "Coord", course.RoleCoordinator)
	ada := e.user("ada@example.org", "Ada Lovelace", course.RoleParticipant)
	codes := verifyCerts(t, e, ada)
	b := e.browser()
	b.login(coord)
	tok := b.csrf("/account")
	if p := b.post("/certificates/"+codes[0]+"/revoke", url.Values{"_csrf": {tok}, "reason": {"Plagiat établi en jury"}, "reason_public": {"yes"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("revoke, public: %d", p.Status)
	}
	if p := b.post("/certificates/"+codes[1]+"/revoke", url.Values{"_csrf": {tok}, "reason": {"Dossier disciplinaire interne"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", p.Status)
	}
	api := e.token(coord)
	if res := e.api("POST", "/api/v1/certificates/"+codes[2]+"/revoke", api, map[string]any{"reason": "Erreur d’identité", "reason_public": true}); res.Status != http.StatusOK {
		t.Fatalf("API revoke: %d %s", res.Status, res.Body)
	}
	anon := e.browser()
	for i, tc := range []struct{ reason string }{{"Plagiat établi en jury"}, {""}, {"Erreur d’identité"}} {
		hidden := []string{"Plagiat établi en jury", "Dossier disciplinaire interne", "Erreur d’identité"}[i]
		p := anon.get("/certificates/" + codes[i])
		alert := p.Doc.Find(".alert").Text()
		if !strings.Contains(alert, "révoqué") || (tc.reason == "") == strings.Contains(alert, hidden) {
			t.Errorf("page of %s: %q", codes[i], alert)
		}
		var v struct {
			Status       string
			RevokeReason *string `json:"revoke_reason"`
		}
		e.api("GET", "/api/v1/certificates/"+codes[i], "", nil).decode(t, &v)
		switch {
		case v.Status != "revoked":
			t.Errorf("API %s: status %q", codes[i], v.Status)
		case tc.reason == "" && v.RevokeReason != nil:
			t.Errorf("API %s publishes the internal reason %q", codes[i], *v.RevokeReason)
		case tc.reason != "" && (v.RevokeReason == nil || *v.RevokeReason != tc.reason):
			t.Errorf("API %s: reason %v, want %q", codes[i], v.RevokeReason, tc.reason)
		}
	}
	entries, err := e.srv.certs.AuditLog(t.Context(), coord, certificates.AuditFilter{Action: "certificate.revoke"})
	if err != nil || len(entries) != 3 {
		t.Fatalf("audit: %d entries, %v", len(entries), err)
	}
}
