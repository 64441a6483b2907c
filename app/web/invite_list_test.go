package web

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// TestInvitationList: the import's result page offers the invitation links
// as a CSV download (a data: URL, the links being kept nowhere else), with
// the page language's separator and formula cells neutralised.
func TestInvitationList(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.e
	sp := "/sessions/" + f.session.ID
	coord := e.browser()
	coord.login(f.coord)
	for _, tc := range []struct {
		lang  string
		comma rune
		head  string
	}{{"fr", ';', "Lien d’invitation"}, {"en", ',', "Invitation link"}} {
		coord.lang = tc.lang
		p := coord.uploadForm(sp+"/import", map[string]string{"_csrf": coord.csrf(sp + "/import"), "renew": "yes"}, "l.csv",
			[]byte("email;nom\nzoe@example.org;=Zoé\nava@example.org;Ava\n"))
		if p.Status != http.StatusOK {
			t.Fatalf("%s import: %d", tc.lang, p.Status)
		}
		a := p.Doc.Find("a.invitation-list")
		href, _ := a.Attr("href")
		name, _ := a.Attr("download")
		data, ok := strings.CutPrefix(href, "data:text/csv;charset=utf-8;base64,")
		if !ok || name != "invitations-"+f.session.Code+".csv" {
			t.Fatalf("%s: link %q, file %q", tc.lang, href, name)
		}
		raw, err := base64.StdEncoding.DecodeString(data)
		if err != nil || !bytes.HasPrefix(raw, []byte("\uFEFF")) {
			t.Fatalf("%s: %v, %q", tc.lang, err, raw)
		}
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\uFEFF"))))
		r.Comma = tc.comma
		recs, err := r.ReadAll()
		if err != nil || len(recs) != 3 || recs[0][2] != tc.head {
			t.Fatalf("%s: %v %q", tc.lang, err, recs)
		}
		// The list has the links the page shows (new on each renewal).
		shown := map[string]bool{}
		p.Doc.Find("code.invitation-url").Each(func(_ int, s *goquery.Selection) { shown[s.Text()] = true })
		for _, rec := range recs[1:] {
			if !shown[rec[2]] || !strings.HasPrefix(rec[2], "http://librecours.test/invitations/") {
				t.Errorf("%s: row %q is not a link of the page %v", tc.lang, rec, shown)
			}
		}
		if recs[1][0] != "'=Zoé" || recs[1][1] != "zoe@example.org" {
			t.Errorf("%s: first row %q", tc.lang, recs[1])
		}
	}
	// An import without invitations has no list.
	coord.lang = "fr"
	p := coord.uploadForm(sp+"/import", map[string]string{"_csrf": coord.csrf(sp + "/import")}, "l.csv", []byte("email;nom\n"+f.part.Email+";P\n"))
	if p.Status != http.StatusOK || p.Doc.Find("a.invitation-list").Length() != 0 {
		t.Fatalf("no invitations: %d, %d lists", p.Status, p.Doc.Find("a.invitation-list").Length())
	}
}
