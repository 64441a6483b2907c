package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"librecours/notify"
)

func init() {
	matrix["GET /unsubscribe/:token"] = authz{allowed: "skip"} // the signed token is the permission: TestOneClickUnsubscribe
	matrix["POST /unsubscribe/:token"] = authz{allowed: "skip"}
	moreRenderCases = append(moreRenderCases, func(t *testing.T, f *fixture, who map[string]*browser) map[string]renderCase {
		key, err := f.e.srv.unsubscribeKey(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		path := notify.UnsubscribePath + notify.UnsubscribeToken(key, f.part.ID, notify.KindQueueNew)
		return map[string]renderCase{"pages/account/unsubscribe": {who["anon"], path, `main form[action="` + path + `"] button`}}
	})
}

// TestOneClickUnsubscribe follows the List-Unsubscribe link of a real mail
// (SMTP on loopback): a GET shows a confirmation and changes nothing, the
// mail client's one-click POST (no cookie, no CSRF token) switches that kind
// off, the page's button too; a forged or altered token is 404.
func TestOneClickUnsubscribe(t *testing.T) {
	t.Parallel()
	f := newNotifyFixture(t)
	e := f.e
	ctx := t.Context()
	for _, k := range []notify.Kind{notify.KindDeadline, notify.KindGradeAvailable} {
		ev := notify.Event{Key: "k|" + string(k), What: notify.DeadlineSubmission, SessionID: f.session.ID, SessionCode: f.session.Code, TimeZone: "Europe/Paris", Part: 1}
		if _, err := e.notifier.outbox.Email(ctx, k, f.part.ID, ev); err != nil {
			t.Fatal(err)
		}
	}
	msgs, _ := f.deliver(t)
	if len(msgs) != 2 {
		t.Fatalf("%d mails", len(msgs))
	}
	links := map[string]string{} // kind → path
	for _, m := range msgs {
		link := strings.Trim(m.Header.Get("List-Unsubscribe"), "<>")
		path, ok := strings.CutPrefix(link, e.srv.cfg.BaseURL)
		if !ok || !strings.HasPrefix(path, "/unsubscribe/") || m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Fatalf("List-Unsubscribe %q, -Post %q", link, m.Header.Get("List-Unsubscribe-Post"))
		}
		if !strings.Contains(m.Body, "Se désabonner de ces courriels") || !strings.Contains(m.Body, link) || !strings.Contains(m.HTML, `href="`+link+`"`) {
			t.Errorf("the footer lacks the link:\n%s\n%s", m.Body, m.HTML)
		}
		kind := strings.SplitN(strings.TrimPrefix(path, "/unsubscribe/"), ".", 2)[0]
		links[kind] = path
	}
	prefsOff := func() []notify.Kind {
		p, err := e.notifier.store.Prefs(ctx, f.part.ID)
		if err != nil {
			t.Fatal(err)
		}
		return p.Off
	}

	b := e.browser() // signed out
	p := b.get(links["deadline"])
	if p.Status != http.StatusOK || !strings.Contains(p.Doc.Find("main").Text(), "Ne plus me prévenir par courriel quand une échéance arrive dans 24 heures") ||
		p.Doc.Find(`main form[method="post"] button`).Length() != 1 || len(p.Header.Values("Set-Cookie")) != 0 {
		t.Fatalf("confirmation page: %d, cookies %v\n%s", p.Status, p.Header.Values("Set-Cookie"), p.HTML)
	}
	if off := prefsOff(); len(off) != 0 {
		t.Fatalf("a GET switched %v off", off)
	}

	// The mail client's one-click POST: no cookie, no CSRF token.
	req := httptest.NewRequest("POST", links["deadline"], strings.NewReader("List-Unsubscribe=One-Click"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := e.srv.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || len(res.Header.Values("Set-Cookie")) != 0 {
		t.Fatalf("one-click: %d %s, cookies %v", res.StatusCode, body, res.Header.Values("Set-Cookie"))
	}
	if off := prefsOff(); len(off) != 1 || off[0] != notify.KindDeadline {
		t.Fatalf("off after one click: %v", off)
	}
	p = b.get(links["deadline"])
	if !strings.Contains(p.HTML, "vous ne recevrez plus les courriels") {
		t.Errorf("the page does not say it is done:\n%s", p.HTML)
	}

	// The page's button, for another kind, in the browser's language (the
	// person chose none).
	b.lang = "en"
	if p := b.post(links["grade_available"], nil); p.Status != http.StatusOK || !strings.Contains(p.HTML, "you will no longer receive the “my grade is available” e-mails") {
		t.Errorf("button: %d\n%s", p.Status, p.HTML)
	}
	if off := prefsOff(); len(off) != 2 {
		t.Errorf("off after the button: %v", off)
	}

	good := strings.TrimPrefix(links["deadline"], "/unsubscribe/")
	kind, sealed, ok := strings.Cut(good, ".")
	if !ok || kind != "deadline" || strings.Contains(links["deadline"], f.part.ID) {
		t.Fatalf("token %q (kind.SEALED, naming no one)", good)
	}
	flip := "A" // the first character: every bit of it counts
	if strings.HasPrefix(sealed, "A") {
		flip = "B"
	}
	for name, tok := range map[string]string{
		"another kind, same seal": "queue_new." + sealed,
		"seal altered":            kind + "." + flip + sealed[1:],
		"garbage":                 "nothing-here",
		"unknown person":          notify.UnsubscribeToken(e.unsubscribeKey(), "no-such-user", notify.KindDeadline),
	} {
		if p := b.get("/unsubscribe/" + tok); p.Status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", name, p.Status)
		}
		if p := b.post("/unsubscribe/"+tok, nil); p.Status != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", name, p.Status)
		}
	}
	if off := prefsOff(); len(off) != 2 {
		t.Errorf("bad tokens changed the preferences: %v", off)
	}
	if got := redactSecrets(links["deadline"]); got != "/unsubscribe/[redacted]" {
		t.Errorf("log path %q", got)
	}
}
