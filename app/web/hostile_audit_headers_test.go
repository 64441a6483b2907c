package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"librecours/course"
)

// A request whose headers overflow the transport's buffer (an ID of
// thousands of characters in an API path, a huge Accept-Language) is
// answered 431 with the API's JSON error body: fasthttp forgets the
// request before the error handler runs, which then drew the French HTML
// error page for what was, as often as not, an API call.
func TestHostileHeadersTooLarge(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.user("headers@example.org", "Hélène Entêtes", course.RoleParticipant)
	tok := e.token(u)
	base := serveBrowser(t, e)
	for name, tc := range map[string]struct{ path, lang string }{
		"long id":       {"/api/v1/sessions/" + strings.Repeat("a", 6000), "en"},
		"long language": {"/api/v1/me", "en, " + strings.Repeat("fr;q=0.5, ", 800)},
	} {
		res := sendRaw(t, "GET", base+tc.path, "", "Authorization", "Bearer "+tok, "Accept-Language", tc.lang)
		var b struct {
			Error struct{ Code, Message string }
		}
		if res.Status != http.StatusRequestHeaderFieldsTooLarge || json.Unmarshal(res.Body, &b) != nil || b.Error.Code == "" || b.Error.Message == "" {
			t.Errorf("%s: %d %s %.120s", name, res.Status, res.Header.Get("Content-Type"), res.Body)
		}
	}
	// An ordinary page's errors keep their HTML page.
	if res := sendRaw(t, "GET", base+"/nowhere", ""); res.Status != http.StatusNotFound || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Errorf("page 404: %d %s", res.Status, res.Header.Get("Content-Type"))
	}
}
