package notify_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"librecours/course"
	"librecours/notify"
	"librecours/notify/notifytest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// texts shows a message ID with its arguments, sorted: "[lang] id A=1 B=2".
type texts struct{}

func (texts) T(lang, id string, args map[string]any) string {
	if id == "notify.date_layout" {
		return "2006-01-02"
	}
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "[%s] %s", lang, id)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%v", k, args[k])
	}
	return b.String()
}

type users map[string]*course.User

func (u users) UserByID(_ context.Context, id string) (*course.User, error) {
	if v, ok := u[id]; ok {
		return v, nil
	}
	return nil, course.ErrNotFound
}

var people = users{
	"u-fr": {ID: "u-fr", Email: "lea@example.org", Name: "Léa Dupont"},
	"u-en": {ID: "u-en", Email: "sam@example.org", Name: "Sam Smith", Locale: "en"},
}

type rig struct {
	clk    *clock
	store  *notifytest.Memory
	outbox *notify.Outbox
	smtp   *notifytest.SMTPServer
	mm     *notifytest.MattermostServer
	d      *notify.Dispatcher
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{clk: &clock{t: notifytest.T0}, store: notifytest.NewMemory(), smtp: notifytest.StartSMTP(t, notifytest.SMTPOptions{}),
		mm: notifytest.StartMattermost(t)}
	r.outbox = &notify.Outbox{Store: r.store, Now: r.clk.Now, Location: time.UTC}
	r.d = r.dispatcher()
	return r
}

// dispatcher returns a new dispatcher over the rig's outbox (another
// instance, or the same after a restart).
func (r *rig) dispatcher() *notify.Dispatcher {
	return &notify.Dispatcher{Store: r.store, Users: people, Now: r.clk.Now,
		Mailer:         &notify.SMTPMailer{Host: r.smtp.Host(), Port: r.smtp.Port(), From: "Libre cours <noreply@librecours.test>", TLS: notify.TLSNone},
		Poster:         &notify.Mattermost{AllowPrivate: true}, // the test server listens on loopback
		Renderer:       notify.Renderer{Texts: texts{}, BaseURL: "https://librecours.test"},
		UnsubscribeKey: func(context.Context) ([]byte, error) { return testKey, nil }}
}

func (r *rig) deliver(t *testing.T) notify.Report {
	t.Helper()
	rep, err := r.d.DeliverDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func event(key string, part int) notify.Event {
	return notify.Event{Key: key, SessionID: "s1", SessionCode: "LCIII-001", TimeZone: "Europe/Paris", Part: part, Count: 3,
		At: time.Date(2026, 3, 3, 22, 59, 0, 0, time.UTC)}
}

func TestBackoff(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want time.Duration
	}{{1, time.Minute}, {2, 2 * time.Minute}, {3, 4 * time.Minute}, {9, 256 * time.Minute}, {10, 6 * time.Hour}, {60, 6 * time.Hour}} {
		if got := notify.Backoff(time.Minute, 6*time.Hour, tc.n); got != tc.want {
			t.Errorf("Backoff(%d) = %s, want %s", tc.n, got, tc.want)
		}
	}
}

func TestValidateWebhookURL(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"", "", true}, {"  ", "", true},
		{"https://chat.example.org/hooks/abc", "https://chat.example.org/hooks/abc", true},
		{" http://chat.example.org:8065/hooks/x ", "http://chat.example.org:8065/hooks/x", true},
		{"ftp://chat.example.org/hooks/abc", "", false}, {"javascript:alert(1)", "", false},
		{"https://", "", false}, {"chat.example.org/hooks", "", false}, {"https://chat example.org/x", "", false},
		{"https://chat.example.org/" + strings.Repeat("a", notify.MaxURLLength), "", false},
	} {
		got, err := notify.ValidateWebhookURL(tc.in)
		var ve *course.ValidationError
		switch {
		case tc.ok && (err != nil || got != tc.want):
			t.Errorf("%q: %q, %v; want %q", tc.in, got, err, tc.want)
		case !tc.ok && (!errors.As(err, &ve) || ve.Field != "url" || ve.Key != "notify.webhook.url_invalid"):
			t.Errorf("%q: %v, want a validation error on url", tc.in, err)
		}
	}
}

func TestMemoryStore(t *testing.T) {
	notifytest.StoreScenarios(t, func(*testing.T) notify.Store { return notifytest.NewMemory() })
}

func TestOneMailADayPerKind(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	add := func(kind notify.Kind, user, key string, want notify.AddResult) {
		t.Helper()
		if got, err := r.outbox.Email(ctx, kind, user, event(key, int(key[len(key)-1]-'0'))); err != nil || got != want {
			t.Fatalf("%s %s %s: %v, %v; want %v", kind, user, key, got, err, want)
		}
	}
	add(notify.KindReviewsAssigned, "u-fr", "p1", notify.Queued)
	add(notify.KindReviewsAssigned, "u-fr", "p1", notify.Dropped) // the same event again
	add(notify.KindReviewsAssigned, "u-fr", "p2", notify.Merged)  // another event the same day
	add(notify.KindGradeAvailable, "u-fr", "p1", notify.Queued)   // another kind
	add(notify.KindReviewsAssigned, "u-en", "p1", notify.Queued)  // another person
	if rep := r.deliver(t); rep.Sent != 3 {
		t.Fatalf("report: %+v", rep)
	}
	msgs := r.smtp.Messages()
	if len(msgs) != 3 {
		t.Fatalf("%d mails, want 3", len(msgs))
	}
	var digest *notifytest.SMTPMessage
	for i, m := range msgs {
		if m.To[0] == "lea@example.org" && strings.Contains(m.Body, "reviews_assigned") {
			digest = &msgs[i]
		}
	}
	if digest == nil || strings.Count(digest.Body, "notify.reviews_assigned.line") != 2 ||
		!strings.Contains(digest.Body, "Part=1") || !strings.Contains(digest.Body, "Part=2") {
		t.Fatalf("digest of the day: %+v", digest)
	}
	// Later the same day: dropped; the next day: a new mail.
	r.clk.Add(3 * time.Hour)
	add(notify.KindReviewsAssigned, "u-fr", "p3", notify.Dropped)
	r.clk.Add(24 * time.Hour)
	add(notify.KindReviewsAssigned, "u-fr", "p3", notify.Queued)
	if rep := r.deliver(t); rep.Sent != 1 || len(r.smtp.Messages()) != 4 {
		t.Fatalf("next day: %+v, %d mails", rep, len(r.smtp.Messages()))
	}
	if rep := r.deliver(t); rep.Delivered() != 0 {
		t.Fatalf("sent messages went out again: %+v", rep)
	}
}

func TestOptOut(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	u := people["u-fr"]
	p, err := r.outbox.SetPrefs(ctx, u, map[notify.Kind]bool{notify.KindDeadline: false})
	if err != nil || p.Enabled(notify.KindDeadline) || !p.Enabled(notify.KindGradeAvailable) {
		t.Fatalf("set prefs: %+v %v", p, err)
	}
	if got, err := r.outbox.Email(ctx, notify.KindDeadline, u.ID, event("d", 1)); err != nil || got != notify.Skipped {
		t.Fatalf("switched-off kind: %v %v", got, err)
	}
	if got, err := r.outbox.Email(ctx, notify.KindGradeAvailable, u.ID, event("g", 1)); err != nil || got != notify.Queued {
		t.Fatalf("kind left on: %v %v", got, err)
	}
	// Naming one kind keeps the others.
	if p, err = r.outbox.SetPrefs(ctx, u, map[notify.Kind]bool{notify.KindQueueNew: false}); err != nil || p.Enabled(notify.KindDeadline) || p.Enabled(notify.KindQueueNew) {
		t.Fatalf("prefs: %+v %v", p, err)
	}
	var ve *course.ValidationError
	if _, err := r.outbox.SetPrefs(ctx, u, map[notify.Kind]bool{"spam": true}); !errors.As(err, &ve) || ve.Field != "kinds" {
		t.Fatalf("unknown kind: %v", err)
	}
	if _, err := r.outbox.SetPrefs(ctx, nil, nil); !errors.Is(err, course.ErrUnauthenticated) {
		t.Fatalf("anonymous: %v", err)
	}
}

func TestMailContent(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	for _, u := range []string{"u-fr", "u-en"} {
		if _, err := r.outbox.Email(ctx, notify.KindDeadline, u, notify.Event{Key: "k", What: notify.DeadlineReview, SessionID: "s1",
			SessionCode: "LCIII-001", TimeZone: "Europe/Paris", Part: 2, Count: 2, At: time.Date(2026, 3, 3, 22, 59, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
	}
	r.deliver(t)
	byTo := map[string]notifytest.SMTPMessage{}
	for _, m := range r.smtp.Messages() {
		byTo[m.To[0]] = m
	}
	for addr, lang := range map[string]string{"lea@example.org": "fr", "sam@example.org": "en"} {
		m, ok := byTo[addr]
		if !ok {
			t.Fatalf("no mail to %s", addr)
		}
		id := notify.MailID(notify.KindDeadline, map[string]string{"fr": "u-fr", "en": "u-en"}[lang], "2026-03-01")
		for k, want := range map[string]string{
			"Content-Language": lang, "Message-Id": notify.Renderer{BaseURL: "http://librecours.test"}.MessageID(id), "From": `"Libre cours" <noreply@librecours.test>`,
			"Auto-Submitted": "auto-generated", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		} {
			if got := m.Header.Get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", addr, k, got, want)
			}
		}
		uid := map[string]string{"fr": "u-fr", "en": "u-en"}[lang]
		for k, vs := range m.Header {
			for _, v := range vs {
				if strings.Contains(v, uid) || strings.Contains(v, base64.RawURLEncoding.EncodeToString([]byte(uid))) {
					t.Errorf("%s: header %s: %q carries the user ID", addr, k, v)
				}
			}
		}
		if m.From != "noreply@librecours.test" {
			t.Errorf("MAIL FROM %q", m.From)
		}
		if !strings.Contains(m.Header.Get("Subject"), "["+lang+"] notify.deadline.subject Session=LCIII-001") {
			t.Errorf("%s: subject %q", addr, m.Header.Get("Subject"))
		}
		for _, want := range []string{"[" + lang + "] notify.mail.greeting Name=", "[" + lang + "] notify.deadline.review Count=2",
			"Due=[" + lang + "] notify.time Clock=23:59 Date=2026-03-03 Zone=CET", "URL=https://librecours.test/sessions/s1/reviews",
			"URL=https://librecours.test/account/notifications"} {
			if !strings.Contains(m.Body, want) {
				t.Errorf("%s: body lacks %q:\n%s", addr, want, m.Body)
			}
		}
	}
	for addr, m := range byTo {
		if !strings.HasPrefix(m.Header.Get("Content-Type"), "multipart/alternative;") || !strings.Contains(m.HTML, `<a href="https://librecours.test/sessions/s1/reviews">`) {
			t.Errorf("%s: %s, HTML:\n%s", addr, m.Header.Get("Content-Type"), m.HTML)
		}
	}
	if to := byTo["lea@example.org"].Header.Get("To"); !strings.Contains(to, "lea@example.org") || !strings.HasPrefix(to, "=?utf-8?") {
		t.Errorf("To: %q (the name is encoded)", to)
	}
}

func TestRetryWithBackoff(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	if _, err := r.outbox.Email(ctx, notify.KindGradeAvailable, "u-fr", event("g", 1)); err != nil {
		t.Fatal(err)
	}
	r.smtp.FailData(451, 451)
	id := notify.MailID(notify.KindGradeAvailable, "u-fr", "2026-03-01")
	for i, wait := range []time.Duration{time.Minute, 2 * time.Minute} {
		rep := r.deliver(t)
		m, _ := r.store.Message(ctx, id)
		if rep.Retried != 1 || len(rep.Errors) != 1 || m.Status != notify.StatusPending || m.Attempts != i+1 ||
			!m.NextAt.Equal(r.clk.Now().Add(wait)) || !strings.Contains(m.LastError, "451") {
			t.Fatalf("attempt %d: %+v, message %+v", i+1, rep, m)
		}
		r.clk.Add(wait - time.Second)
		if rep := r.deliver(t); rep.Delivered() != 0 {
			t.Fatalf("retried before its time: %+v", rep)
		}
		r.clk.Add(time.Second)
	}
	if rep := r.deliver(t); rep.Sent != 1 {
		t.Fatalf("third attempt: %+v", rep)
	}
	if m, _ := r.store.Message(ctx, id); m.Status != notify.StatusSent || m.Attempts != 3 || len(r.smtp.Messages()) != 1 {
		t.Fatalf("after success: %+v, %d mails", m, len(r.smtp.Messages()))
	}
}

func TestGiveUp(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.d.MaxAttempts = 2
	for _, u := range []string{"u-fr", "u-en", "u-gone"} {
		if _, err := r.outbox.Email(ctx, notify.KindGradeAvailable, u, event("g", 1)); err != nil {
			t.Fatal(err)
		}
	}
	r.smtp.RejectRcpt("sam@example.org", 550) // no such mailbox: at once
	r.smtp.FailData(421, 421)                 // the other one: twice, then given up
	rep := r.deliver(t)
	if rep.Failed != 2 || rep.Retried != 1 {
		t.Fatalf("first pass: %+v", rep)
	}
	r.clk.Add(time.Hour)
	if rep = r.deliver(t); rep.Failed != 1 || rep.Delivered() != 1 {
		t.Fatalf("second pass: %+v", rep)
	}
	for _, u := range []string{"u-fr", "u-en", "u-gone"} {
		if m, _ := r.store.Message(ctx, notify.MailID(notify.KindGradeAvailable, u, "2026-03-01")); m.Status != notify.StatusFailed {
			t.Errorf("%s: %+v", u, m)
		}
	}
	if len(r.smtp.Messages()) != 0 {
		t.Fatalf("mails accepted: %d", len(r.smtp.Messages()))
	}
}

// TestRestartMidOutbox: a dispatcher claims a message and dies before the
// outcome; a new one (the restarted process) delivers it once the lease is
// over, exactly once, and leaves what was sent alone.
func TestRestartMidOutbox(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	for _, u := range []string{"u-fr", "u-en"} {
		if _, err := r.outbox.Email(ctx, notify.KindGradeAvailable, u, event("g", 1)); err != nil {
			t.Fatal(err)
		}
	}
	r.d.Batch = 1
	if rep := r.deliver(t); rep.Sent != 1 {
		t.Fatalf("first message: %+v", rep)
	}
	now := r.clk.Now()
	dead, err := r.store.Claim(ctx, now, now.Add(notify.DefaultLease)) // claimed, then the process dies
	if err != nil {
		t.Fatal(err)
	}
	r.d = r.dispatcher() // the restarted process
	if rep := r.deliver(t); rep.Delivered() != 0 {
		t.Fatalf("a leased message was taken: %+v", rep)
	}
	r.clk.Add(notify.DefaultLease + time.Second)
	if rep := r.deliver(t); rep.Sent != 1 || rep.Delivered() != 1 {
		t.Fatalf("after the lease: %+v", rep)
	}
	if ok, _ := r.store.Finish(ctx, dead.ID, dead.Attempts, notify.Outcome{Status: notify.StatusSent, At: r.clk.Now()}); ok {
		t.Fatal("the dead claim's outcome was recorded")
	}
	r.clk.Add(time.Hour)
	if rep := r.deliver(t); rep.Delivered() != 0 {
		t.Fatalf("sent messages again: %+v", rep)
	}
	msgs := r.smtp.Messages()
	if len(msgs) != 2 || msgs[0].To[0] == msgs[1].To[0] {
		t.Fatalf("mails: %d", len(msgs))
	}
	if m, _ := r.store.Message(ctx, dead.ID); m.Attempts != 2 || m.Status != notify.StatusSent {
		t.Fatalf("taken-over message: %+v", m)
	}
}

func TestDeliverDueStopsWithItsContext(t *testing.T) {
	r := newRig(t)
	if _, err := r.outbox.Email(context.Background(), notify.KindGradeAvailable, "u-fr", event("g", 1)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err := r.d.DeliverDue(ctx)
	if err != nil || rep.Delivered() != 0 {
		t.Fatalf("cancelled: %+v %v", rep, err)
	}
	if m := r.store.Messages(); m[0].Status != notify.StatusPending || m[0].Attempts != 0 {
		t.Fatalf("message touched: %+v", m[0])
	}
}

func TestSMTPSecurity(t *testing.T) {
	serverTLS, clientTLS := notifytest.TLSPair(t)
	users := map[string]string{"mailer": "s3cret"}
	for _, tc := range []struct {
		name string
		opts notifytest.SMTPOptions
		mode notify.TLSMode
	}{
		{"starttls", notifytest.SMTPOptions{StartTLS: serverTLS, Users: users}, notify.TLSStartTLS},
		{"implicit tls", notifytest.SMTPOptions{Implicit: serverTLS, Users: users}, notify.TLSImplicit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := notifytest.StartSMTP(t, tc.opts)
			m := &notify.SMTPMailer{Host: srv.Host(), Port: srv.Port(), Username: "mailer", Password: "s3cret",
				From: "noreply@librecours.test", TLS: tc.mode, TLSConfig: clientTLS}
			if err := m.Send(context.Background(), notify.Mail{To: "lea@example.org", Subject: "Objet accentué é", Body: "Bonjour,\nça va ?", Date: notifytest.T0, MessageID: "<x@y>"}); err != nil {
				t.Fatal(err)
			}
			msgs := srv.Messages()
			if len(msgs) != 1 || !msgs[0].TLS || msgs[0].Auth != "mailer" || msgs[0].Body != "Bonjour,\nça va ?\n" {
				t.Fatalf("%+v", msgs)
			}
			if got := msgs[0].Header.Get("Subject"); !strings.HasPrefix(got, "=?utf-8?q?") {
				t.Fatalf("subject not encoded: %q", got)
			}
			m.Password = "wrong"
			if err := m.Send(context.Background(), notify.Mail{To: "lea@example.org", Subject: "x", Body: "y"}); err == nil || notify.IsPermanent(err) {
				t.Fatalf("bad password: %v (want a retryable error)", err)
			}
		})
	}
	t.Run("starttls refuses an untrusted certificate", func(t *testing.T) {
		srv := notifytest.StartSMTP(t, notifytest.SMTPOptions{StartTLS: serverTLS})
		m := &notify.SMTPMailer{Host: srv.Host(), Port: srv.Port(), From: "noreply@librecours.test", TLS: notify.TLSStartTLS}
		if err := m.Send(context.Background(), notify.Mail{To: "lea@example.org", Subject: "x", Body: "y"}); err == nil || len(srv.Messages()) != 0 {
			t.Fatalf("sent over an unverified TLS: %v", err)
		}
	})
}

func TestMattermostPosts(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	hook := notify.Hook{SessionID: "s1", URL: r.mm.URL}
	e := notify.Event{What: notify.PostAssigned, SessionID: "s1", SessionCode: "LCIII-001", Part: 1, Count: 5, Total: 15}
	if got, err := r.outbox.Post(ctx, hook, "assigned|1", "fr", e); err != nil || got != notify.Queued {
		t.Fatalf("post: %v %v", got, err)
	}
	if got, err := r.outbox.Post(ctx, hook, "assigned|1", "fr", e); err != nil || got != notify.Dropped {
		t.Fatalf("same post again: %v %v", got, err)
	}
	if got, err := r.outbox.Post(ctx, notify.Hook{SessionID: "s2"}, "assigned|1", "fr", e); err != nil || got != notify.Skipped {
		t.Fatalf("no channel: %v %v", got, err)
	}
	r.mm.FailNext(http.StatusServiceUnavailable)
	if rep := r.deliver(t); rep.Retried != 1 {
		t.Fatalf("503: %+v", rep)
	}
	if strings.Contains(fmt.Sprint(r.store.Messages()[0].LastError), "xyz-secret-key") {
		t.Fatal("the webhook's secret is in the error")
	}
	r.clk.Add(time.Minute)
	if rep := r.deliver(t); rep.Sent != 1 {
		t.Fatalf("retry: %+v", rep)
	}
	posts := r.mm.Posts()
	if len(posts) != 1 || posts[0].Text != "[fr] notify.mattermost.assigned Part=1 Reviews=15 Session=LCIII-001 Submissions=5" {
		t.Fatalf("posts: %+v", posts)
	}
	// A webhook that is gone (404): given up at once.
	gone := notify.Hook{SessionID: "s3", URL: strings.Replace(r.mm.URL, "xyz-secret-key", "deleted", 1)}
	if _, err := r.outbox.Post(ctx, gone, "closed|1", "en", notify.Event{What: notify.PostClosed, Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if rep := r.deliver(t); rep.Failed != 1 {
		t.Fatalf("404: %+v", rep)
	}
}

func TestMattermostTimeout(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	defer srv.Close()
	defer close(block)
	m := &notify.Mattermost{Timeout: 50 * time.Millisecond, AllowPrivate: true}
	if err := m.Post(context.Background(), srv.URL+"/hooks/x", "hello"); err == nil || notify.IsPermanent(err) {
		t.Fatalf("a silent webhook: %v, want a retryable error", err)
	}
}

func TestLogMailer(t *testing.T) {
	var buf bytes.Buffer
	m := notify.LogMailer{Log: slog.New(slog.NewTextHandler(&buf, nil))}
	if err := m.Send(context.Background(), notify.Mail{To: "lea@example.org", Subject: "Sujet", Body: "Corps du message", MessageID: "<a@b>"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"to=lea@example.org", "subject=Sujet", `body="Corps du message"`, "message_id=<a@b>"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log lacks %q: %s", want, buf.String())
		}
	}
}

func TestWebhookSettings(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	sess := &course.Session{ID: "s1", Animators: []string{"anim"}}
	coord := &course.User{ID: "c", Roles: []course.Role{course.RoleCoordinator}}
	anim := &course.User{ID: "anim", Roles: []course.Role{course.RoleAnimator}}
	if _, err := r.outbox.SetWebhook(ctx, anim, sess, "ftp://x", 0); !errors.Is(err, course.ErrForbidden) {
		t.Fatalf("animator sets the webhook: %v (who may act is checked first)", err)
	}
	var ve *course.ValidationError
	if _, err := r.outbox.SetWebhook(ctx, coord, sess, "ftp://x", 0); !errors.As(err, &ve) || ve.Field != "url" {
		t.Fatalf("ftp: %v", err)
	}
	if _, err := r.outbox.SetWebhook(ctx, coord, sess, "https://chat.example.org/hooks/a", -1); !errors.As(err, &ve) || ve.Field != "threshold" {
		t.Fatalf("negative threshold: %v", err)
	}
	h, err := r.outbox.SetWebhook(ctx, coord, sess, " https://chat.example.org/hooks/a ", 3)
	if err != nil || h.URL != "https://chat.example.org/hooks/a" || h.QueueThreshold() != 3 {
		t.Fatalf("set: %+v %v", h, err)
	}
	if h, err = r.outbox.Webhook(ctx, anim, sess); err != nil || h.URL == "" {
		t.Fatalf("animator reads: %+v %v", h, err)
	}
	if _, err = r.outbox.Webhook(ctx, &course.User{ID: "p"}, sess); !errors.Is(err, course.ErrForbidden) {
		t.Fatalf("participant reads: %v", err)
	}
}

// TestAccountMails: the account e-mails go out whatever the preferences,
// once a day per person, with a link to sign in.
func TestAccountMails(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	u := people["u-fr"]
	off := map[notify.Kind]bool{}
	for _, k := range notify.MailKinds {
		off[k] = false
	}
	if _, err := r.outbox.SetPrefs(ctx, u, off); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if got, err := r.outbox.Email(ctx, notify.KindAccountExists, u.ID, notify.Event{Key: "account_exists"}); err != nil || got == notify.Skipped {
			t.Fatalf("account mail: %v %v", got, err)
		}
	}
	if _, err := r.outbox.SetPrefs(ctx, u, map[notify.Kind]bool{notify.KindAccountExists: false}); err == nil {
		t.Fatal("an account mail can be switched off")
	}
	r.deliver(t)
	msgs := r.smtp.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d mails, want 1", len(msgs))
	}
	if !strings.Contains(msgs[0].Body, "notify.account_exists.line Part=0 Session= URL=https://librecours.test/login") {
		t.Fatalf("body:\n%s", msgs[0].Body)
	}
	if h := msgs[0].Header.Get("List-Unsubscribe"); h != "" || strings.Contains(msgs[0].Body, "credentials.mail.unsubscribe") {
		t.Errorf("an account mail offers to unsubscribe: %q\n%s", h, msgs[0].Body)
	}
}

// TestAccountLinks: every link is its own mail, whatever the preferences;
// it carries its own URL, and an e-mail change goes to the new address.
func TestAccountLinks(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	u := people["u-fr"]
	for i, e := range []notify.Event{{Key: "k1", Code: "tok1"}, {Key: "k2", Code: "tok2"}, {Key: "k2", Code: "tok2"}} {
		got, err := r.outbox.Link(ctx, notify.KindPasswordReset, u.ID, e)
		want := notify.Queued
		if i == 2 {
			want = notify.Dropped
		}
		if err != nil || got != want {
			t.Fatalf("link %d: %v %v, want %v", i, got, err, want)
		}
	}
	if _, err := r.outbox.Link(ctx, notify.KindEmailChange, u.ID, notify.Event{Key: "k3", Code: "tok3", Text: "new@example.org"}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct {
		kind notify.Kind
		e    notify.Event
	}{
		{notify.KindPasswordReset, notify.Event{Key: "k4"}},
		{notify.KindEmailChange, notify.Event{Key: "k4", Code: "tok4"}},
		{notify.KindDeadline, notify.Event{Key: "k4", Code: "tok4"}},
	} {
		if _, err := r.outbox.Link(ctx, bad.kind, u.ID, bad.e); err == nil {
			t.Errorf("Link(%s, %+v) queued", bad.kind, bad.e)
		}
	}
	r.deliver(t)
	msgs := r.smtp.Messages()
	if len(msgs) != 3 {
		t.Fatalf("%d mails, want 3", len(msgs))
	}
	found := 0
	for _, m := range msgs {
		to := strings.Join(m.To, ",")
		for _, w := range []string{"/password/reset/tok1", "/password/reset/tok2", "/account/email/tok3"} {
			if strings.Contains(m.Body, "URL=https://librecours.test"+w) {
				found++
				if wantTo := map[bool]string{true: "new@example.org", false: u.Email}[strings.Contains(w, "email")]; to != wantTo {
					t.Errorf("mail with %s went to %q, want %q", w, to, wantTo)
				}
			}
		}
	}
	if found != 3 {
		t.Fatalf("links found %d times, want 3", found)
	}
}
