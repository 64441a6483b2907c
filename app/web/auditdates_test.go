package web

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"librecours/course"
)

// TestAuditDateFilters (issue #13 item 9): the audit page, its export and
// the API keep the entries of the days asked for, both included, in the
// platform's time zone (Paris); a date that does not read, or a range that
// ends before it starts, is a 422 in the reader's language.
func TestAuditDateFilters(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.e
	ada := e.user("ada@example.org", "Ada Lovelace", course.RoleParticipant)
	b := e.browser()
	// Three reset links: 1 March 11:00 Paris; 3 March 11:00 Paris; 4 March
	// 23:30 UTC, which is already 5 March in Paris.
	for _, at := range []string{"2026-03-01T10:00:00Z", "2026-03-03T10:00:00Z", "2026-03-04T23:30:00Z"} {
		tm, _ := time.Parse(time.RFC3339, at)
		e.clock.Set(tm)
		b.login(f.coord) // days apart: a new session each time
		if p := b.post("/users/"+ada.ID+"/reset", url.Values{"_csrf": {b.csrf("/users")}}); p.Status != http.StatusSeeOther {
			t.Fatalf("reset at %s: %d", at, p.Status)
		}
	}
	rows := func(p page2) []string {
		var out []string
		p.Doc.Find("table.audit tbody tr td:first-child").Each(func(_ int, s *goquery.Selection) { out = append(out, strings.TrimSpace(s.Text())) })
		return out
	}
	for _, tc := range []struct {
		lang, query string
		want        int
		label       string
	}{
		{"fr", "?action=user.reset_link", 3, "Du"},
		{"fr", "?from=2026-03-05&to=2026-03-05&action=user.reset_link", 1, "Du"}, // 23:30 UTC on the 4th is the 5th in Paris
		{"en", "?to=2026-03-04&action=user.reset_link", 2, "From"},
		{"fr", "?from=2026-03-01&to=2026-03-01&action=user.reset_link", 1, "Du"},
		{"en", "?from=2026-03-02&to=2026-03-04&action=user.reset_link", 1, "From"},
		{"en", "?from=2026-03-06", 0, "From"},
	} {
		b.lang = tc.lang
		p := b.get("/audit" + tc.query)
		if p.Status != http.StatusOK {
			t.Fatalf("%s %s: %d", tc.lang, tc.query, p.Status)
		}
		if got := rows(p); len(got) != tc.want {
			t.Errorf("%s %s: %d rows %v, want %d", tc.lang, tc.query, len(got), got, tc.want)
		}
		if l := strings.TrimSpace(p.Doc.Find(`label[for="f-from"]`).Text()); l != tc.label {
			t.Errorf("%s: from label %q", tc.lang, l)
		}
		q, _ := url.ParseQuery(strings.TrimPrefix(tc.query, "?"))
		if v, _ := p.Doc.Find(`input[name="from"]`).Attr("value"); v != q.Get("from") {
			t.Errorf("%s %s: the from field keeps %q", tc.lang, tc.query, v)
		}
		href, _ := p.Doc.Find(`a[href^="/audit.csv"]`).Attr("href")
		if !strings.Contains(href, "from="+q.Get("from")) || !strings.Contains(href, "to="+q.Get("to")) {
			t.Errorf("%s %s: export link %q lacks the dates", tc.lang, tc.query, href)
		}
		// The export follows the same filters (a header line more).
		c := b.get("/audit.csv" + tc.query)
		r := csv.NewReader(bytes.NewReader([]byte(strings.TrimPrefix(c.HTML, "\uFEFF"))))
		r.Comma = map[string]rune{"fr": ';', "en": ','}[tc.lang]
		recs, err := r.ReadAll()
		if c.Status != http.StatusOK || err != nil || len(recs) != tc.want+1 {
			t.Errorf("%s export %s: %d, %d records, %v", tc.lang, tc.query, c.Status, len(recs), err)
		}
	}

	// Bad dates: 422, said in the page's language, the typed value kept.
	for _, tc := range []struct{ lang, query, want string }{
		{"fr", "?from=2026-13-45", "n’est pas au format AAAA-MM-JJ"},
		{"en", "?to=01/03/2026", "is not written YYYY-MM-DD"},
		{"fr", "?from=2026-03-05&to=2026-03-01", "la date de début est après la date de fin"},
		{"en", "?from=2026-03-05&to=2026-03-01", "the start date is after the end date"},
	} {
		b.lang = tc.lang
		p := b.get("/audit" + tc.query)
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Doc.Find(".alert").Text(), tc.want) {
			t.Errorf("%s %s: %d %q", tc.lang, tc.query, p.Status, p.Doc.Find(".alert").Text())
		}
		if c := b.get("/audit.csv" + tc.query); c.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s export %s: %d", tc.lang, tc.query, c.Status)
		}
	}
	b.lang = "fr"
	p := b.get("/audit?from=2026-13-45")
	if p.Doc.Find(`input[name="from"]`).AttrOr("value", "") != "2026-13-45" {
		t.Error("the refused date is not kept in its field")
	}
	if p.Doc.Find("#f-from").AttrOr("aria-invalid", "") != "true" || p.Doc.Find("#f-to").AttrOr("aria-invalid", "") != "" ||
		!strings.Contains(p.Doc.Find("#error-from").Text(), "AAAA-MM-JJ") {
		t.Error("the refused date's field is not marked with its message")
	}
	if p := b.get("/audit?from=2026-03-05&to=2026-03-01"); p.Doc.Find("#f-to").AttrOr("aria-invalid", "") != "true" {
		t.Error("a range ending before it starts does not mark the end date")
	}

	// The API: the same filters, the same 422.
	token := e.token(f.coord)
	res := e.api("GET", "/api/v1/audit?from=2026-03-02&to=2026-03-05&action=user.reset_link", token, nil)
	var got []auditJSON
	if res.decode(t, &got); res.Status != http.StatusOK || len(got) != 2 {
		t.Fatalf("API: %d %s", res.Status, res.Body)
	}
	res = e.api("GET", "/api/v1/audit?from=yesterday", token, nil, "Accept-Language", "en")
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(string(res.Body), "is not written YYYY-MM-DD") {
		t.Fatalf("API, bad date: %d %s", res.Status, res.Body)
	}
}

// TestAuditDetailsTranslated: details written as a message (an import's
// counts) read in the page's language; an older free-text detail is shown
// as it was written.
func TestAuditDetailsTranslated(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.e
	if err := e.db.Stores().Certificates.Audit(t.Context(), course.AuditEntry{At: testStart, ActorID: f.coord.ID, Action: course.AuditGradeOverride,
		SessionID: f.session.ID, Target: f.part.ID, Detail: "part 1: 64.4"}); err != nil {
		t.Fatal(err)
	}
	coord := e.browser()
	coord.login(f.coord)
	sp := "/sessions/" + f.session.ID
	p := coord.uploadForm(sp+"/import", map[string]string{"_csrf": coord.csrf(sp + "/import")}, "l.csv",
		[]byte("email;nom\nzoe@example.org;Zoé\nava@example.org;Ava\n"))
	if p.Status != http.StatusOK {
		t.Fatalf("import: %d", p.Status)
	}
	for _, tc := range []struct{ lang, action, detail string }{
		{"fr", "inscriptions importées", "2 personnes inscrites (comptes créés\u202f: 2, liens renouvelés\u202f: 0)"},
		{"en", "enrolments imported", "2 people enrolled (accounts created: 2, links renewed: 0)"},
	} {
		coord.lang = tc.lang
		page := coord.get("/audit?action=" + course.AuditRosterImport)
		text := page.Doc.Find("table.audit").Text()
		if !strings.Contains(text, tc.action) || !strings.Contains(text, tc.detail) || strings.Contains(text, "i18n:") {
			t.Errorf("%s: the import reads\n%s", tc.lang, text)
		}
		if all := coord.get("/audit").Doc.Find("table.audit").Text(); !strings.Contains(all, "part 1: 64.4") {
			t.Errorf("%s: the older detail is not shown as written", tc.lang)
		}
	}
	var got []auditJSON
	res := e.api("GET", "/api/v1/audit?action="+course.AuditRosterImport, e.token(f.coord), nil, "Accept-Language", "en")
	if res.decode(t, &got); len(got) != 1 || got[0].Detail != "2 people enrolled (accounts created: 2, links renewed: 0)" ||
		got[0].DetailKey != "audit.detail.roster_import" || got[0].DetailArgs["Count"] != float64(2) || got[0].Target != f.session.Code {
		t.Fatalf("API: %s", res.Body)
	}
}
