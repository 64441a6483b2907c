package web

import (
	"net/http"
	"strings"
	"testing"
)

// An audit search from a day before 2000 is refused with a message that
// says so, not "this date is not written YYYY-MM-DD" for 0001-01-01,
// which is.
func TestHostileAuditDateOutOfRange(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tok := f.e.token(f.coord)
	for _, q := range []string{"from=0001-01-01", "to=1999-12-31", "from=1970-01-01&to=2026-03-01"} {
		for _, lang := range []string{"fr", "en"} {
			res := f.e.api("GET", "/api/v1/audit?"+q, tok, nil, "Accept-Language", lang)
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.errorMessage(), "2000") || strings.Contains(res.errorMessage(), "YYYY") || strings.Contains(res.errorMessage(), "AAAA") {
				t.Errorf("%s (%s): %d %s", q, lang, res.Status, res.Body)
			}
		}
	}
	if res := f.e.api("GET", "/api/v1/audit?from=2026-13-45", tok, nil, "Accept-Language", "en"); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.errorMessage(), "YYYY-MM-DD") {
		t.Errorf("a date not written YYYY-MM-DD: %d %s", res.Status, res.Body)
	}
}
