package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"librecours/course"
)

// MaxURLLength bounds a webhook URL.
const MaxURLLength = 2000

// ValidateWebhookURL checks a Mattermost incoming-webhook URL: http or https
// with a host that is not internal (see ValidateWebhook). An empty URL is
// valid (no channel). It returns the URL trimmed.
func ValidateWebhookURL(raw string) (string, error) { return ValidateWebhook(raw, false) }

// ValidateWebhook is ValidateWebhookURL; allowPrivate accepts hosts on the
// server's own machine or network (LIBRECOURS_WEBHOOK_ALLOW_PRIVATE).
func ValidateWebhook(raw string, allowPrivate bool) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil || len(raw) > MaxURLLength || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" ||
		strings.ContainsAny(raw, " \t\r\n") {
		return "", course.Invalid("url", "notify.webhook.url_invalid")
	}
	if err := checkWebhookHost(u.Hostname(), allowPrivate); err != nil {
		return "", err
	}
	return raw, nil
}

// Poster posts a text to a webhook.
type Poster interface {
	Post(ctx context.Context, webhookURL, text string) error
}

// Mattermost posts to incoming webhooks: a JSON body {"text": ...}.
type Mattermost struct {
	// Client posts; when nil, a client that refuses internal addresses
	// (unless AllowPrivate), ignores proxies and follows no redirect.
	Client  *http.Client
	Timeout time.Duration // per post; 10 s when zero
	// AllowPrivate lets webhooks reach the server's own machine or network.
	AllowPrivate bool

	once    sync.Once
	guarded *http.Client
}

// Post sends text to the webhook. A 2xx answer is success; a 4xx answer other
// than 408 and 429 is permanent (the webhook is gone or refuses the post).
func (m *Mattermost) Post(ctx context.Context, webhookURL, text string) error {
	if _, err := ValidateWebhook(webhookURL, m.AllowPrivate); err != nil || webhookURL == "" {
		return Permanent(errors.New("notify: webhook URL is not an allowed http(s) URL")) // the URL holds a secret: never in logs
	}
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	body, err := json.Marshal(struct {
		Text string `json:"text"`
	}{text})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, webhookURL, bytes.NewReader(body))
	if err != nil {
		return Permanent(fmt.Errorf("notify: webhook request: %w", err))
	}
	req.Header.Set("Content-Type", "application/json")
	client := m.Client
	if client == nil {
		m.once.Do(func() { m.guarded = guardedClient(m.AllowPrivate) })
		client = m.guarded
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, which holds a secret
		}
		if errors.Is(err, ErrInternalAddress) {
			return Permanent(fmt.Errorf("notify: post to webhook: %w", ErrInternalAddress))
		}
		return fmt.Errorf("notify: post to webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusTooManyRequests:
		return Permanent(fmt.Errorf("notify: webhook answered %s", resp.Status))
	default:
		return fmt.Errorf("notify: webhook answered %s", resp.Status)
	}
}
