package web

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"librecours/course"
)

func init() {
	matrix["GET /audit.csv"] = authz{allowed: "C", strict: true}
}

// TestAuditInWords: the audit page and its CSV export name people and
// certificates, never raw IDs, with translated actions; the export follows
// the filters and the language's separators.
func TestAuditInWords(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	coord := e.user("coord@example.org", "Camille Coord", course.RoleCoordinator)
	ada := e.user("ada@example.org", "Ada Lovelace", course.RoleParticipant)
	codes := verifyCerts(t, e, ada)
	b := e.browser()
	b.login(coord)
	tok := b.csrf("/users")
	b.post("/users/"+ada.ID+"/reset", url.Values{"_csrf": {tok}})
	b.post("/certificates/"+codes[0]+"/revoke", url.Values{"_csrf": {tok}, "reason": {"=1+1 plagiat"}})
	page := b.get("/audit")
	text := page.Doc.Find("table.audit").Text()
	for _, want := range []string{"Camille Coord", "Ada Lovelace", codes[0], "lien de réinitialisation envoyé", "certificat révoqué"} {
		if !strings.Contains(text, want) {
			t.Errorf("the audit page lacks %q", want)
		}
	}
	for _, id := range []string{ada.ID, coord.ID} {
		if strings.Contains(text, id) {
			t.Errorf("the audit page shows the raw ID %s", id)
		}
	}
	if page.Doc.Find(`a[href^="/audit.csv"]`).Length() != 1 {
		t.Fatal("no export link")
	}
	for _, tc := range []struct {
		lang, query string
		comma       rune
		rows        int
		want        []string
	}{
		{"fr", "", ';', 3, []string{"Camille Coord", "lien de réinitialisation envoyé", "Ada Lovelace", "'=1+1 plagiat"}},
		{"en", "?action=user.reset_link", ',', 2, []string{"Camille Coord", "reset link sent", "Ada Lovelace"}},
	} {
		b.lang = tc.lang
		p := b.get("/audit.csv" + tc.query)
		if p.Status != http.StatusOK || !strings.HasPrefix(p.Header.Get("Content-Type"), "text/csv") || !strings.HasPrefix(p.HTML, "\uFEFF") {
			t.Fatalf("%s export: %d %s", tc.lang, p.Status, p.Header.Get("Content-Type"))
		}
		r := csv.NewReader(bytes.NewReader([]byte(strings.TrimPrefix(p.HTML, "\uFEFF"))))
		r.Comma = tc.comma
		recs, err := r.ReadAll()
		if err != nil || len(recs) != tc.rows {
			t.Fatalf("%s export: %d records, %v\n%s", tc.lang, len(recs), err, p.HTML)
		}
		all := p.HTML
		for _, w := range tc.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s export lacks %q:\n%s", tc.lang, w, all)
			}
		}
		if strings.Contains(all, ada.ID) || strings.Contains(all, coord.ID) {
			t.Errorf("%s export shows raw IDs", tc.lang)
		}
	}
	pb := e.browser()
	pb.login(ada)
	if p := pb.get("/audit.csv"); p.Status != http.StatusForbidden && p.Status != http.StatusNotFound {
		t.Fatalf("participant: %d", p.Status)
	}
}
