package web

import (
	"strings"
	"testing"
)

// TestWebhookInternalRefused: by default a coordinator cannot point a
// session's webhook at the server's machine, network or cloud metadata
// (422 naming the setting that allows it, in both languages); with
// LIBRECOURS_WEBHOOK_ALLOW_PRIVATE the same address is accepted.
func TestWebhookInternalRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ct := f.e.token(f.coord)
	path := "/api/v1/sessions/" + f.session.ID + "/webhook"
	for _, lang := range []string{"fr", "en"} {
		for _, url := range []string{"http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:27017/", "http://[::1]/x", "http://2130706433/", "http://metadata.google.internal/"} {
			res := f.e.api("PUT", path, ct, map[string]any{"url": url}, "Accept-Language", lang)
			if res.Status != 422 || !strings.Contains(res.errorMessage(), "LIBRECOURS_WEBHOOK_ALLOW_PRIVATE") {
				t.Fatalf("%s %s: %d %s", lang, url, res.Status, res.Body)
			}
		}
	}
	cfg := testConfig()
	cfg.WebhookAllowPrivate = true
	g := fixtureOn(t, newEnvWith(t, cfg))
	if res := g.e.api("PUT", "/api/v1/sessions/"+g.session.ID+"/webhook", g.e.token(g.coord), map[string]any{"url": "http://10.0.0.5:8065/hooks/x"}); res.Status != 200 {
		t.Fatalf("allowed private webhook: %d %s", res.Status, res.Body)
	}
}
