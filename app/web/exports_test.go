package web

import (
	"bytes"
	"encoding/csv"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"librecours/course"
)

// download fetches a file as a browser or with a Bearer token.
func download(t *testing.T, e *testEnv, b *browser, token, path, lang string) (int, http.Header, []byte) {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	if b != nil {
		for k, v := range b.cookies {
			req.AddCookie(&http.Cookie{Name: k, Value: v})
		}
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp := e.do(req)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}

// readCSV checks the export's framing and reads it back as a spreadsheet
// would.
func readCSV(t *testing.T, h http.Header, body []byte, comma rune) [][]string {
	t.Helper()
	if ct := h.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Fatalf("Content-Type %q", ct)
	}
	if h.Get("Cache-Control") != "no-store" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment; filename=") {
		t.Fatalf("headers %v", h)
	}
	if !bytes.HasPrefix(body, []byte("\xEF\xBB\xBF")) || !bytes.Contains(body, []byte("\r\n")) {
		t.Fatalf("not UTF-8 with BOM and CRLF: %q", body)
	}
	r := csv.NewReader(bytes.NewReader(body[3:]))
	r.Comma = comma // ';' in French, ',' in English
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestExports: the results and certificates of a closed session as CSV,
// for the pages and the API, with formula cells neutralised.
func TestExports(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.e
	ctx := t.Context()
	f.peerWork(t)
	evil := e.user("evil@example.org", `=HYPERLINK("http://evil.example";"clic; ici")`, course.RoleParticipant)
	if err := e.srv.course.Enrol(ctx, f.coord, f.session.ID, evil.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.certs.SetOverride(ctx, f.coord, f.session.ID, f.part.ID, 1, "Jury de test"); err != nil {
		t.Fatal(err)
	}
	closed, err := e.srv.certs.Close(ctx, f.coord, f.session.ID)
	if err != nil || len(closed.Issued) != 1 {
		t.Fatalf("close: %v", err)
	}
	sp := "/sessions/" + f.session.ID
	coord := e.browser()
	coord.login(f.coord)

	status, h, body := download(t, e, coord, "", sp+"/results.csv", "")
	if status != http.StatusOK {
		t.Fatalf("results: %d %s", status, body)
	}
	if cd := h.Get("Content-Disposition"); cd != `attachment; filename="LCIII-001-resultats.csv"` {
		t.Fatalf("Content-Disposition %q", cd)
	}
	recs := readCSV(t, h, body, ';')
	if strings.Join(recs[0], "|") != "Nom|Adresse électronique|Exercices réussis|Évaluations faites|Évaluations attribuées|Score à l’évaluation finale|Niveau" {
		t.Fatalf("header %v", recs[0])
	}
	if len(recs) != 1+6 {
		t.Fatalf("%d rows, want 6 participants", len(recs)-1)
	}
	byEmail := map[string][]string{}
	for _, r := range recs[1:] {
		byEmail[r[1]] = r
	}
	if r := byEmail["evil@example.org"]; r == nil || r[0] != `'=HYPERLINK("http://evil.example";"clic; ici")` {
		t.Fatalf("formula name exported as %q", r)
	}
	if r := byEmail["part@example.org"]; r == nil || r[0] != "Paul Participant" || r[6] != "1" || r[3] != "0" || r[4] != "3" {
		t.Fatalf("participant row %q", r)
	}

	// The API gives the same file, in English on request.
	anim := e.token(f.anim)
	status, h, body = download(t, e, nil, anim, "/api/v1"+sp+"/results.csv", "en")
	if status != http.StatusOK || h.Get("Content-Disposition") != `attachment; filename="LCIII-001-results.csv"` {
		t.Fatalf("API results as the animator: %d %v", status, h)
	}
	if recs := readCSV(t, h, body, ','); recs[0][0] != "Name" || len(recs) != 7 || len(recs[0]) != 7 {
		t.Fatalf("English export %v", recs[0])
	}

	status, h, body = download(t, e, coord, "", sp+"/certificates.csv", "")
	if status != http.StatusOK {
		t.Fatalf("certificates: %d", status)
	}
	recs = readCSV(t, h, body, ';')
	code := closed.Issued[0].Code
	want := []string{code, "Paul Participant", "1", closed.Issued[0].IssuedAt.In(f.session.Location()).Format("2006-01-02 15:04"), "valide", "http://librecours.test/certificates/" + code}
	if len(recs) != 2 || strings.Join(recs[1], "|") != strings.Join(want, "|") {
		t.Fatalf("certificates CSV %q, want %q", recs, want)
	}
	status, _, body = download(t, e, nil, e.token(f.coord), "/api/v1"+sp+"/certificates.csv", "")
	if status != http.StatusOK || !bytes.Contains(body, []byte(code)) {
		t.Fatalf("API certificates: %d", status)
	}

	// Who may not.
	part := e.browser()
	part.login(f.part)
	for _, tc := range []struct {
		b     *browser
		token string
		path  string
		want  int
	}{
		{part, "", sp + "/results.csv", http.StatusForbidden},
		{nil, e.token(f.part), "/api/v1" + sp + "/results.csv", http.StatusForbidden},
		{nil, anim, "/api/v1" + sp + "/certificates.csv", http.StatusForbidden},
		{nil, "", "/api/v1" + sp + "/results.csv", http.StatusUnauthorized},
		{e.browser(), "", sp + "/certificates.csv", http.StatusSeeOther}, // to the sign-in page
		{coord, "", "/sessions/nope/results.csv", http.StatusNotFound},
	} {
		if status, _, body := download(t, e, tc.b, tc.token, tc.path, ""); status != tc.want {
			t.Errorf("%s: %d, want %d\n%s", tc.path, status, tc.want, body)
		}
	}
}

// unfoldICS unfolds a calendar and returns its content lines.
func unfoldICS(body []byte) []string {
	s := strings.ReplaceAll(string(body), "\r\n ", "")
	return strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n")
}

// TestCalendarFeed: a participant gets a secret address from the page; the
// feed is valid iCalendar with the session's deadlines in its time zone; a
// new address or a revocation makes the old one 404.
func TestCalendarFeed(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.e
	sp := "/sessions/" + f.session.ID
	if err := e.srv.course.Enrol(t.Context(), f.coord, f.session.ID, f.part.ID); err != nil {
		t.Fatal(err)
	}
	part := e.browser()
	part.login(f.part)
	p := part.get(sp + "/calendar")
	if p.Status != http.StatusOK || p.Doc.Find("#calendar-url").Length() != 0 {
		t.Fatalf("calendar page: %d", p.Status)
	}
	tok := part.csrf(sp + "/calendar")
	p = part.post(sp+"/calendar", url.Values{"_csrf": {tok}})
	feedURL, _ := p.Doc.Find("#calendar-url").Attr("value")
	webcal, _ := p.Doc.Find(`a[href^="webcal://"]`).Attr("href")
	if p.Status != http.StatusOK || !strings.HasPrefix(feedURL, "http://librecours.test/calendar/") || !strings.HasSuffix(feedURL, ".ics") ||
		webcal != "webcal://"+strings.TrimPrefix(feedURL, "http://") {
		t.Fatalf("new address: %d %q %q", p.Status, feedURL, webcal)
	}
	path := strings.TrimPrefix(feedURL, "http://librecours.test")

	// The feed is public: no cookie, no token.
	status, h, body := download(t, e, nil, "", path, "")
	if status != http.StatusOK || h.Get("Content-Type") != "text/calendar; charset=utf-8" {
		t.Fatalf("feed: %d %v", status, h)
	}
	lines := unfoldICS(body)
	for _, want := range []string{"BEGIN:VCALENDAR", "VERSION:2.0", "METHOD:PUBLISH", "X-WR-TIMEZONE:Europe/Paris", "X-WR-CALNAME:Libre cours LCIII-001",
		"BEGIN:VTIMEZONE", "TZID:Europe/Paris"} {
		if !strings.Contains("\n"+strings.Join(lines, "\n")+"\n", "\n"+want+"\n") {
			t.Errorf("feed lacks %q", want)
		}
	}
	paris := f.session.Location()
	due := f.session.Parts[0].SubmissionDue
	var found bool
	events := 0
	for i, l := range lines {
		if l == "BEGIN:VEVENT" {
			events++
		}
		if v, ok := strings.CutPrefix(l, "DTSTART;TZID=Europe/Paris:"); ok {
			at, err := time.ParseInLocation("20060102T150405", v, paris)
			if err != nil {
				t.Fatal(err)
			}
			if at.Equal(due) && strings.Contains(strings.Join(lines[i:i+3], "\n"), "SUMMARY:LCIII-001 · partie 1\u202f: remise du travail") {
				found = true
			}
		}
	}
	if !found || events != 3*course.PartCount+1 {
		t.Fatalf("feed has %d events; part 1 submission found: %v\n%s", events, found, body)
	}
	// Without the .ics suffix too.
	if status, _, _ := download(t, e, nil, "", strings.TrimSuffix(path, ".ics"), ""); status != http.StatusOK {
		t.Fatalf("feed without .ics: %d", status)
	}

	// A second address replaces the first.
	p = part.post(sp+"/calendar", url.Values{"_csrf": {tok}})
	second, _ := p.Doc.Find("#calendar-url").Attr("value")
	if second == feedURL || second == "" {
		t.Fatalf("regenerated address %q", second)
	}
	if status, _, _ := download(t, e, nil, "", path, ""); status != http.StatusNotFound {
		t.Fatalf("old address after regeneration: %d", status)
	}
	// The page no longer shows the address, only that it exists.
	if p := part.get(sp + "/calendar"); p.Doc.Find("#calendar-url").Length() != 0 || p.Doc.Find(`form[action$="/calendar/revoke"]`).Length() != 1 {
		t.Fatal("the calendar page shows a stored address or no revoke form")
	}
	p = part.post(sp+"/calendar/revoke", url.Values{"_csrf": {tok}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", p.Status)
	}
	second = strings.TrimPrefix(second, "http://librecours.test")
	if status, _, _ := download(t, e, nil, "", second, ""); status != http.StatusNotFound {
		t.Fatalf("revoked address: %d", status)
	}
	// Someone not in the session has no calendar.
	out := e.browser()
	out.login(e.user("outsider@example.org", "Outsider", course.RoleParticipant))
	if p := out.get(sp + "/calendar"); p.Status != http.StatusForbidden {
		t.Fatalf("outsider: %d", p.Status)
	}
	if status, _, _ := download(t, e, nil, "", "/calendar/"+strings.Repeat("A", 43)+".ics", ""); status != http.StatusNotFound {
		t.Fatalf("unknown token: %d", status)
	}
}
