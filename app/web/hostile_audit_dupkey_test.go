package web

import (
	"net/http"
	"strings"
	"testing"
)

// A JSON body naming the same field twice in one object is refused (400
// json_duplicate_key, naming it) rather than decoded with the last value
// winning silently; Go's decoder also matches names whatever their case,
// so "name" and "NAME" are the same field. The same name in different
// objects (the ids of several questions) is fine.
func TestHostileJSONDuplicateKey(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.e
	tok := e.token(f.part)
	ctok := e.token(f.coord)
	for _, tc := range []struct{ method, path, token, body, field string }{
		{"PUT", "/api/v1/me/name", tok, `{"name":"Paul Premier","name":"Paul Second"}`, "name"},
		{"PUT", "/api/v1/me/name", tok, `{"name":"Paul Premier","NAME":"Paul Second"}`, "NAME"},
		{"PUT", "/api/v1/me/notifications", tok, `{"kinds":{"deadline":true,"deadline":false}}`, "deadline"},
		{"PATCH", "/api/v1/sessions/" + f.session.ID, ctok, `{"capacity":25,"workload_hours":4,"capacity":0}`, "capacity"},
	} {
		for _, lang := range []string{"fr", "en"} {
			res := e.api(tc.method, tc.path, tc.token, tc.body, "Accept-Language", lang)
			want := map[string]string{"fr": "deux fois", "en": "twice"}[lang]
			if res.Status != http.StatusBadRequest || res.errorCode() != "bad_request" ||
				!strings.Contains(res.errorMessage(), want) || !strings.Contains(res.errorMessage(), tc.field) {
				t.Errorf("%s %s %s (%s): %d %s", tc.method, tc.path, tc.body, lang, res.Status, res.Body)
			}
		}
	}
	if u, err := e.srv.auth.AccountByID(t.Context(), f.part.ID); err != nil || u.Name != "Paul Participant" {
		t.Errorf("name now %q (%v)", u.Name, err)
	}
	body := `{"questions":[{"id":"q1","text":"Une ?","choices":[{"id":"a","text":"Oui","correct":true},{"id":"b","text":"Non","correct":false}]},` +
		`{"id":"q2","text":"Deux ?","choices":[{"id":"a","text":"Oui","correct":false},{"id":"b","text":"Non","correct":true}]}],"attempts":1,"time_limit_minutes":0}`
	if res := e.api("PUT", "/api/v1/sessions/"+f.session.ID+"/evaluation", ctok, body); res.Status != http.StatusOK {
		t.Errorf("same names in different objects: %d %s", res.Status, res.Body)
	}
}

func TestDuplicateName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		body string
		want string // "" for none
	}{
		{`{"a":1,"b":2}`, ""},
		{`{"a":1,"a":2}`, "a"},
		{`{"a":1,"A":2}`, "A"},
		{`{"name":1,"\u006eame":2}`, "name"},
		{`{"a":{"b":1},"b":2}`, ""},
		{`{"a":{"b":1,"b":2}}`, "b"},
		{`[{"id":1},{"id":2}]`, ""},
		{`{"q":[{"id":1,"t":"x"},{"id":2,"id":3}]}`, "id"},
		{`{"text":"a \"b\": {\"a\":1,\"a\":2} ,","a":1}`, ""},
		{`{"text":"\\","text2":"x"}`, ""},
		{`{"a":[1,{"a":2}],"b":{"a":3}}`, ""},
		{`{"a":"}","a":1}`, "a"},
		{`"a"`, ""},
		{`{"a":`, ""},
	} {
		got, ok := duplicateName([]byte(tc.body))
		if ok != (tc.want != "") || got != tc.want {
			t.Errorf("%s: %q %v, want %q", tc.body, got, ok, tc.want)
		}
	}
}

func BenchmarkDuplicateName(b *testing.B) {
	body := []byte(`{"text":"` + strings.Repeat(`Un texte assez long, avec des accents é et des \"guillemets\". `, 3000) + `"}`)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		duplicateName(body)
	}
}
