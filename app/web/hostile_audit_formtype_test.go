package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A page's form that receives a body which is not form data (JSON, plain
// text, XML), with a valid CSRF token in X-CSRF-Token, is refused with 415
// and changes nothing: it used to be read as a form with every field
// empty, so the session's capacity became "no limit" and every e-mail
// notification was turned off.
func TestHostileFormWrongContentType(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.e
	ctok := e.token(f.coord)
	sp := "/sessions/" + f.session.ID
	if res := e.api("PATCH", "/api/v1"+sp, ctok, `{"capacity":25}`); res.Status != http.StatusOK {
		t.Fatalf("capacity 25: %d %s", res.Status, res.Body)
	}
	b := e.browser()
	b.login(f.coord)
	for _, tc := range []struct{ ctype, body string }{
		{"application/json", `{"capacity":"0","kind_deadline":"off"}`},
		{"text/plain", "capacity=0"},
		{"application/xml", "<capacity>0</capacity>"},
		{"", "capacity=0"},
	} {
		for _, lang := range []string{"fr", "en"} {
			for _, path := range []string{sp + "/capacity", "/account/notifications"} {
				tok := b.csrf(sp)
				req := httptest.NewRequest("POST", path, strings.NewReader(tc.body))
				if tc.ctype != "" {
					req.Header.Set("Content-Type", tc.ctype)
				}
				req.Header.Set("X-CSRF-Token", tok)
				b.lang = lang
				p := b.send(req)
				want := map[string]string{"fr": "données de formulaire", "en": "form data"}[lang]
				if p.Status != http.StatusUnsupportedMediaType || !strings.Contains(p.Doc.Find("main").Text(), want) {
					t.Errorf("%s with %q (%s): %d %q", path, tc.ctype, lang, p.Status, strings.TrimSpace(p.Doc.Find("main").Text()))
				}
			}
		}
	}
	sess, err := e.srv.course.Session(t.Context(), f.coord, f.session.ID)
	if err != nil || sess.Capacity != 25 {
		t.Errorf("capacity now %d (%v), want 25 kept", sess.Capacity, err)
	}
	prefs, err := e.srv.outbox.Prefs(t.Context(), f.coord)
	if err != nil {
		t.Fatal(err)
	}
	if len(prefs.Off) != 0 {
		t.Errorf("notifications turned off: %v", prefs.Off)
	}
	// A real form still goes through.
	tok := b.csrf(sp)
	req := httptest.NewRequest("POST", sp+"/capacity", strings.NewReader("_csrf="+tok+"&capacity=30"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
	if p := b.send(req); p.Status != http.StatusSeeOther {
		t.Errorf("urlencoded form: %d", p.Status)
	}
}
