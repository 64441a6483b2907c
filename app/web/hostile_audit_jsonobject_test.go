package web

import (
	"net/http"
	"strings"
	"testing"
)

// An API body that is JSON but not an object (null, an array, a string, a
// number, true) is refused with 400 and changes nothing: null used to
// decode as an empty object, so PUT /api/v1/sessions/{id}/rules with the
// body "null" set every rule to 0 (any grade passes, no exercise needed).
func TestHostileJSONBodyNotAnObject(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.e
	ctok := e.token(f.coord)
	rules := "/api/v1/sessions/" + f.session.ID + "/rules"
	before := e.api("GET", rules, ctok, nil)
	if before.Status != http.StatusOK {
		t.Fatalf("rules: %d %s", before.Status, before.Body)
	}
	for _, body := range []string{"null", " null ", "[]", `[{"pass_grade":0}]`, `"x"`, "0", "true"} {
		for _, lang := range []string{"fr", "en"} {
			res := e.api("PUT", rules, ctok, body, "Accept-Language", lang)
			want := map[string]string{"fr": "objet JSON", "en": "JSON object"}[lang]
			if res.Status != http.StatusBadRequest || !strings.Contains(res.errorMessage(), want) {
				t.Errorf("%q (%s): %d %s", body, lang, res.Status, res.Body)
			}
		}
	}
	if after := e.api("GET", rules, ctok, nil); string(after.Body) != string(before.Body) {
		t.Errorf("rules changed:\n%s\n%s", before.Body, after.Body)
	}
	if res := e.api("PUT", "/api/v1/me/name", ctok, " \n{\"name\":\"Camille C.\"}\n"); res.Status != http.StatusOK {
		t.Errorf("an object with white space around: %d %s", res.Status, res.Body)
	}
}
