package web

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestLinkedInLink: the holder sees "Ajouter à LinkedIn" on their
// certificate's page, with LinkedIn's add-to-profile parameters; anyone
// else, signed in or not, does not, nor does the holder once it is revoked.
func TestLinkedInLink(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	cert := f.granted(t, 2)
	path := "/certificates/" + cert.Code
	holder := f.e.browser()
	holder.login(f.part)
	p := holder.get(path)
	a := p.Doc.Find("a.linkedin")
	href, _ := a.Attr("href")
	if p.Status != 200 || a.Length() != 1 || strings.TrimSpace(a.Text()) != "Ajouter à LinkedIn" {
		t.Fatalf("holder: %d, %d links %q", p.Status, a.Length(), a.Text())
	}
	u, err := url.Parse(href)
	if err != nil || u.Host != "www.linkedin.com" || u.Path != "/profile/add" {
		t.Fatalf("href %q", href)
	}
	q := u.Query()
	loc, err := time.LoadLocation(f.e.srv.cfg.TimeZone)
	if err != nil {
		t.Fatal(err)
	}
	issued := cert.IssuedAt.In(loc)
	for k, want := range map[string]string{
		"startTask": "CERTIFICATION_NAME", "name": "Libre cours Libre Culture — niveau II", "organizationName": f.e.srv.cfg.Organisation,
		"issueYear": itoa(issued.Year()), "issueMonth": itoa(int(issued.Month())),
		"certUrl": f.e.srv.cfg.BaseURL + "/certificates/" + cert.Code, "certId": cert.Code,
	} {
		if got := q.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if cc := p.Header.Get("Cache-Control"); !strings.Contains(cc, "private") {
		t.Errorf("the holder's page is cacheable by others: %q", cc)
	}
	for name, b := range map[string]*browser{"anonymous": f.e.browser(), "coordinator": func() *browser { b := f.e.browser(); b.login(f.coord); return b }()} {
		if p := b.get(path); p.Status != 200 || p.Doc.Find("a.linkedin").Length() != 0 || strings.Contains(p.HTML, "linkedin.com") {
			t.Errorf("%s sees the LinkedIn link (%d)", name, p.Status)
		}
	}
	holder.lang = "en"
	p = holder.get(path)
	href, _ = p.Doc.Find("a.linkedin").Attr("href")
	if strings.TrimSpace(p.Doc.Find("a.linkedin").Text()) != "Add to LinkedIn" || !strings.Contains(href, "name=Libre+cours+Libre+Culture+%E2%80%94+level+II&") {
		t.Errorf("in English: %q %q", p.Doc.Find("a.linkedin").Text(), href)
	}
	if err := f.e.srv.certs.Revoke(ctx, f.coord, cert.Code, "Erreur de saisie", false); err != nil {
		t.Fatal(err)
	}
	if p := holder.get(path); p.Doc.Find("a.linkedin").Length() != 0 {
		t.Error("a revoked certificate offers LinkedIn")
	}
}
