package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestWebhookChangeInAuditLog: saving a session's webhook from its page
// is in the audit log in words, naming the host but never the URL's secret.
func TestWebhookChangeInAuditLog(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.e.browser()
	b.login(f.coord)
	sp := "/sessions/" + f.session.ID
	p := b.post(sp+"/webhook", url.Values{"_csrf": {b.csrf(sp)}, "url": {"https://chat.example.org/hooks/s3cr3t"}, "threshold": {"5"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("save: %d", p.Status)
	}
	for _, tc := range []struct{ lang, want string }{
		{"fr", "vers chat.example.org, file signalée à 5 travaux"},
		{"en", "to chat.example.org, queue reported at 5 works"},
	} {
		b.lang = tc.lang
		text := b.get("/audit?action=webhook.change").Doc.Find("table.audit tbody").Text()
		if !strings.Contains(text, tc.want) || strings.Contains(text, "s3cr3t") {
			t.Errorf("%s: %q", tc.lang, text)
		}
	}
}
