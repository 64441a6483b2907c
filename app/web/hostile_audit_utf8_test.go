package web

import (
	"net/http"
	"strings"
	"testing"

	"librecours/course"
)

// A JSON body that is not UTF-8 is refused (400 invalid_utf8) whatever
// Content-Type it comes with: sent as text/plain, octet-stream or with
// none, Latin-1 text was decoded anyway with U+FFFD in place of each
// accented letter and saved ("caf� au lait"), since only bodies labelled
// JSON were checked.
func TestHostileJSONNotUTF8AnyContentType(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.user("latin@example.org", "Zoé Latin", course.RoleParticipant)
	tok := e.token(u)
	for _, ct := range []string{"text/plain", "application/octet-stream", "", "application/json; charset=iso-8859-1"} {
		for _, body := range []string{"{\"name\":\"Ren\xe9e Caf\xe9\"}", `{"name":"Ren\ud800e"}`} {
			for _, lang := range []string{"fr", "en"} {
				res := e.api("PUT", "/api/v1/me/name", tok, body, "Content-Type", ct, "Accept-Language", lang)
				want := map[string]string{"fr": "mal encodé", "en": "badly encoded"}[lang]
				if res.Status != http.StatusBadRequest || res.errorCode() != "invalid_utf8" || !strings.Contains(res.errorMessage(), want) {
					t.Errorf("Content-Type %q, %q, %s: %d %s", ct, body, lang, res.Status, res.Body)
				}
			}
		}
	}
	got, err := e.srv.auth.AccountByID(t.Context(), u.ID)
	if err != nil || got.Name != "Zoé Latin" {
		t.Fatalf("name now %q (%v), want it unchanged", got.Name, err)
	}
}
