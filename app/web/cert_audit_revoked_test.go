package web

import (
	"strings"
	"testing"
)

// TestRevokedCertificateFiles: once a certificate is revoked its holder
// gets no PDF or badge of it any more (410, with a message saying why):
// the dashboard stopped offering them, but their addresses still
// answered a fresh, valid-looking PDF. A coordinator still gets them.
func TestRevokedCertificateFiles(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	code := f.granted(t, 2).Code
	files := []string{"/certificates/" + code + ".pdf", "/certificates/" + code + "/badge.jwt", "/certificates/" + code + "/badge.svg"}
	holder, coord := f.e.token(f.part), f.e.token(f.coord)
	for _, path := range files[:2] { // badge.svg takes the web session only
		if res := f.e.api("GET", path, holder, nil); res.Status != 200 {
			t.Fatalf("before revocation, holder GET %s: %d", path, res.Status)
		}
	}
	if err := f.e.srv.certs.Revoke(ctx, f.coord, code, "Plagiat établi", false); err != nil {
		t.Fatal(err)
	}
	for _, path := range files[:2] {
		for _, lang := range []string{"fr", "en"} {
			res := f.e.api("GET", path, holder, nil, "Accept-Language", lang)
			want := map[string]string{"fr": "révoqué", "en": "revoked"}[lang]
			if res.Status != 410 || !strings.Contains(string(res.Body), want) {
				t.Errorf("holder GET %s (%s) after revocation: %d %.200s, want 410 saying %q", path, lang, res.Status, res.Body, want)
			}
		}
		if res := f.e.api("GET", path, coord, nil); res.Status != 200 {
			t.Errorf("coordinator GET %s after revocation: %d, want 200", path, res.Status)
		}
	}
	b := f.e.browser()
	b.login(f.part)
	if pg := b.get(files[2]); pg.Status != 410 {
		t.Errorf("holder GET %s after revocation: %d, want 410", files[2], pg.Status)
	}
}
