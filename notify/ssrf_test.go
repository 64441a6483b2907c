package notify_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"librecours/course"
	"librecours/notify"
)

// TestWebhookInternalAddresses: webhooks to the server's own machine, its
// private network or cloud metadata are refused when saved, in every
// spelling of the address, unless the operator allows private targets.
func TestWebhookInternalAddresses(t *testing.T) {
	internal := []string{
		"http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:27017/", "http://[::1]/hooks/x",
		"http://2130706433/", "http://0x7f.1/", "http://017700000001/", "http://127.1/",
		"http://metadata.google.internal/computeMetadata/v1/", "http://localhost:8065/hooks/x", "http://LOCALHOST./x",
		"http://[::ffff:127.0.0.1]/x", "http://100.64.1.1/x", "http://10.0.0.1:8065/hooks/x", "http://192.168.1.5/x",
		"http://172.16.0.1/x", "http://[fd00:ec2::254]/x", "http://[fe80::1]/x", "http://0.0.0.0/x", "http://printer.local/x",
	}
	for _, raw := range internal {
		_, err := notify.ValidateWebhookURL(raw)
		var ve *course.ValidationError
		if !errors.As(err, &ve) || ve.Field != "url" || ve.Key != "notify.webhook.url_internal" {
			t.Errorf("%s: %v, want refused as internal", raw, err)
		}
		if got, err := notify.ValidateWebhook(raw, true); err != nil || got != raw {
			t.Errorf("%s with private webhooks allowed: %q, %v", raw, got, err)
		}
	}
	for _, raw := range []string{
		"https://chat.example.org/hooks/abc", "https://93.184.216.34/hooks/x", "https://[2606:4700::1111]/x",
		"https://1password.example/x", "https://123.example.org/x", "https://mattermost.framasoft.org/hooks/zz",
	} {
		if _, err := notify.ValidateWebhookURL(raw); err != nil {
			t.Errorf("%s: %v, want accepted", raw, err)
		}
	}
}

// TestWebhookPostRefusesInternal: delivery checks again, on the address it
// connects to, so a hook saved before (or a name rebound since) cannot
// reach an internal service; with private targets allowed it is delivered.
func TestWebhookPostRefusesInternal(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	m := &notify.Mattermost{}
	err := m.Post(context.Background(), srv.URL+"/hooks/x", "bonjour")
	if err == nil || !notify.IsPermanent(err) || hits.Load() != 0 {
		t.Fatalf("post to %s: %v (permanent %v), %d requests received", srv.URL, err, notify.IsPermanent(err), hits.Load())
	}
	allowed := &notify.Mattermost{AllowPrivate: true}
	if err := allowed.Post(context.Background(), srv.URL+"/hooks/x", "bonjour"); err != nil || hits.Load() != 1 {
		t.Fatalf("allowed post: %v, %d requests", err, hits.Load())
	}
}
