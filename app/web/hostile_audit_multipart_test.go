package web

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"librecours/course"
)

// A malformed multipart body sent to the JSON API is refused with the API's
// JSON error, in the language asked for, and not with the HTML error page
// in French: the transport used to parse multipart bodies before the
// request reached the app and, failing, forgot the request's path and
// headers (fasthttp resets the request), so the error handler could not
// tell an API call from a page.
func TestHostileMultipartMalformedAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.user("multipart@example.org", "Multi Part", course.RoleParticipant)
	tok := e.token(u)
	base := serveBrowser(t, e)
	bodies := map[string]string{
		"unterminated":  "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n",
		"no part":       "garbage without any boundary",
		"bad headers":   "--x\r\nContent-Disposition\r\n\r\nb\r\n--x--\r\n",
		"only boundary": "--x--",
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			res := sendRaw(t, "PUT", base+"/api/v1/me/name", body,
				"Authorization", "Bearer "+tok, "Content-Type", "multipart/form-data; boundary=x", "Accept-Language", "en")
			if res.Status >= 500 {
				t.Fatalf("status %d: %s", res.Status, res.Body)
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("status %d, Content-Type %q, want a JSON error: %.200s", res.Status, ct, res.Body)
			}
			var b struct {
				Error struct{ Code, Message string }
			}
			if err := json.Unmarshal(res.Body, &b); err != nil || b.Error.Code == "" || b.Error.Message == "" {
				t.Fatalf("status %d: not an API error body: %s", res.Status, res.Body)
			}
			if res.Status != http.StatusBadRequest && res.Status != http.StatusUnsupportedMediaType {
				t.Errorf("status %d, want 400 or 415: %s", res.Status, res.Body)
			}
			if strings.Contains(b.Error.Message, "Impossible") || strings.Contains(b.Error.Message, "requête") {
				t.Errorf("message %q is French, Accept-Language asked for English", b.Error.Message)
			}
		})
	}
}

// sendRaw sends body to url over a real connection with the headers given
// as name, value pairs.
func sendRaw(t *testing.T, method, url, body string, headers ...string) apiResult {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return apiResult{Status: resp.StatusCode, Body: out, Header: resp.Header}
}
