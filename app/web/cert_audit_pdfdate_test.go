package web

import (
	"strings"
	"testing"
	"time"

	"librecours/certificates"
	"librecours/certificates/pdftest"
	"librecours/course"
)

// TestCertificatePDFIssueDateLocal: the PDF dates its issue in the
// platform's time zone, as the verification page and the LinkedIn link
// do. A certificate issued at 23:30 UTC on 1 March (00:30 on 2 March in
// Paris) once said "le 1 mars 2026" on paper and "lundi 2 mars 2026" on
// its verification page.
func TestCertificatePDFIssueDateLocal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		zone, pdf, wrongPDF, page string
	}{
		{"Europe/Paris", "le 2 mars 2026", "le 1 mars 2026", "lundi 2 mars 2026 à 00:30"},
		// Where the platform says it runs, the page too.
		{"America/Montreal", "le 1er mars 2026", "le 2 mars 2026", "dimanche 1er mars 2026 à 18:30"},
	} {
		t.Run(tc.zone, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig()
			cfg.TimeZone = tc.zone
			issueDateCase(t, newEnvWith(t, cfg), tc.pdf, tc.wrongPDF, tc.page)
		})
	}
}

func issueDateCase(t *testing.T, e *testEnv, wantPDF, wrongPDF, wantPage string) {
	ada := e.user("ada@example.org", "Ada Lovelace", course.RoleParticipant)
	code, _ := certificates.NormalizeCode("LC3-7K2Q-M9XD-4TPA-Q8ZC")
	c := certificates.Certificate{Code: code, SessionID: "s1", SessionCode: "LCIII-1", SessionStart: "2026-02-09", SessionEnd: "2026-03-01",
		UserID: ada.ID, HolderName: ada.Name, Level: certificates.LevelI, Lang: "fr", Salt: "sel", Badge: "b",
		Rules: certificates.DefaultRules(), IssuedAt: time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC), StatusIndex: 77}
	if err := e.srv.certs.Store.InsertCertificate(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	res := e.api("GET", "/certificates/"+code+".pdf", e.token(ada), nil)
	if res.Status != 200 {
		t.Fatalf("PDF: %d", res.Status)
	}
	text := pdftest.Text(t, res.Body)
	if !strings.Contains(text, wantPDF) || strings.Contains(text, wrongPDF) {
		t.Errorf("the PDF should be dated %q; its text:\n%s", wantPDF, text)
	}
	page := e.api("GET", "/certificates/"+code, "", nil)
	if !strings.Contains(string(page.Body), wantPage) {
		t.Errorf("the verification page should say %q:\n%s", wantPage, between(string(page.Body), "<dl>", "</dl>"))
	}
}

// TestDateFirstOfMonth: French writes the first day of a month « 1er »
// (« du 1er décembre »), on the certificate and on the pages; English
// keeps 1.
func TestDateFirstOfMonth(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct{ lang, date, want string }{
		{"fr", "2026-12-01", "1er décembre 2026"},
		{"fr", "2026-12-11", "11 décembre 2026"},
		{"fr", "2026-12-21", "21 décembre 2026"},
		{"en", "2026-12-01", "1 December 2026"},
	} {
		if got := datePhrase(e.srv.translators[tc.lang], tc.date); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.lang, tc.date, got, tc.want)
		}
	}
}
