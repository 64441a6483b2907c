package web

import (
	"net/http"
	"strings"
	"testing"
)

// ?part= out of 1..6 on GET /api/v1/me/reviews is refused (422) with a
// message that says what is expected: "7" used to get "a whole number is
// expected", which 7 is.
func TestHostileMyReviewsPartOutOfRange(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tok := f.e.token(f.part)
	for _, part := range []string{"0", "7", "-1", "99999999999999999999", "abc", "1.5"} {
		for _, lang := range []string{"fr", "en"} {
			res := f.e.api("GET", "/api/v1/me/reviews?session="+f.session.ID+"&part="+part, tok, nil, "Accept-Language", lang)
			want := map[string]string{"fr": "de 1 à 6", "en": "from 1 to 6"}[lang]
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.errorMessage(), want) {
				t.Errorf("part=%s (%s): %d %s", part, lang, res.Status, res.Body)
			}
		}
	}
}
