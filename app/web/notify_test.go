package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gofiber/fiber/v2"

	"librecours/app/config"
	"librecours/course"
	"librecours/notify"
	"librecours/notify/notifytest"
)

func init() {
	for k, v := range map[string]authz{
		"GET /account/notifications": {allowed: "OERXNC"}, "POST /account/notifications": {allowed: "OERXNC"},
		"GET /api/v1/me/notifications": {allowed: "OERXNC"}, "PUT /api/v1/me/notifications": {allowed: "OERXNC"},
		"POST /sessions/:id/webhook": {allowed: "C"}, "PUT /api/v1/sessions/:id/webhook": {allowed: "C"},
		"GET /api/v1/sessions/:id/webhook": {allowed: "NC"},
	} {
		matrix[k] = v
	}
	moreRenderCases = append(moreRenderCases, func(t *testing.T, f *fixture, who map[string]*browser) map[string]renderCase {
		return map[string]renderCase{
			"pages/account/notifications": {who["part"], "/account/notifications", `form[action="/account/notifications"] input[type="checkbox"][name="kind_deadline"]`},
		}
	})
	moreFormPages = append(moreFormPages, func(t *testing.T, f *fixture, coord, part *browser) (map[string]*browser, []string) {
		return map[string]*browser{"/account/notifications": part, "/sessions/" + f.session.ID: coord},
			[]string{"/account/notifications", "/sessions/" + f.session.ID + "/webhook"}
	})
}

// notifyFixture is the fixture on a platform configured with an SMTP
// server (a real one, on loopback) and a Mattermost webhook server.
type notifyFixture struct {
	*fixture
	smtp *notifytest.SMTPServer
	mm   *notifytest.MattermostServer
}

func newNotifyFixture(t *testing.T) *notifyFixture {
	t.Helper()
	srv := notifytest.StartSMTP(t, notifytest.SMTPOptions{})
	cfg := testConfig()
	cfg.SMTPHost, cfg.SMTPPort, cfg.SMTPTLS, cfg.SMTPFrom = srv.Host(), srv.Port(), notify.TLSNone, "Libre cours <noreply@librecours.test>"
	cfg.WebhookAllowPrivate = true // the Mattermost stand-in listens on loopback
	e := newEnvWith(t, cfg)
	if _, ok := e.notifier.dispatch.Mailer.(*notify.SMTPMailer); !ok {
		t.Fatalf("mailer: %T, want SMTP", e.notifier.dispatch.Mailer)
	}
	return &notifyFixture{fixture: fixtureOn(t, e), smtp: srv, mm: notifytest.StartMattermost(t)}
}

// at sets the clock to an RFC 3339 time.
func (f *notifyFixture) at(t *testing.T, ts string) {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		t.Fatal(err)
	}
	f.e.clock.Set(tm)
}

// deliver runs the outbox once and returns the mails and posts it sent.
func (f *notifyFixture) deliver(t *testing.T) ([]notifytest.SMTPMessage, []notifytest.MattermostPost) {
	t.Helper()
	m0, p0 := len(f.smtp.Messages()), len(f.mm.Posts())
	rep := f.e.jobs.DeliverOutbox(t.Context())
	if rep.Failed+rep.Retried+rep.Lost != 0 {
		t.Fatalf("delivery: %+v", rep)
	}
	return f.smtp.Messages()[m0:], f.mm.Posts()[p0:]
}

// gotMail is a received e-mail, decoded.
type gotMail struct {
	To, Subject, Lang, Body, MessageID string
}

func decodeMails(t *testing.T, msgs []notifytest.SMTPMessage) map[string]gotMail {
	t.Helper()
	out := map[string]gotMail{}
	dec := new(mime.WordDecoder)
	for _, m := range msgs {
		subj, err := dec.DecodeHeader(m.Header.Get("Subject"))
		if err != nil || len(m.To) != 1 {
			t.Fatalf("mail %+v: %v", m, err)
		}
		if _, dup := out[m.To[0]]; dup {
			t.Fatalf("two mails to %s in one delivery", m.To[0])
		}
		out[m.To[0]] = gotMail{To: m.To[0], Subject: subj, Lang: m.Header.Get("Content-Language"), Body: m.Body, MessageID: m.Header.Get("Message-Id")}
	}
	return out
}

// checkMail checks a mail's language, subject and body.
func checkMail(t *testing.T, m gotMail, lang, subject string, body ...string) {
	t.Helper()
	if m.Lang != lang || m.Subject != subject {
		t.Errorf("mail to %s: %s %q, want %s %q", m.To, m.Lang, m.Subject, lang, subject)
	}
	for _, b := range body {
		if !strings.Contains(m.Body, b) {
			t.Errorf("mail to %s lacks %q:\n%s", m.To, b, m.Body)
		}
	}
}

// anonymous fails when a text names someone other than its recipient.
func anonymous(t *testing.T, what, text string, people []*course.User, recipient string) {
	t.Helper()
	for _, u := range people {
		if u.Email == recipient {
			continue
		}
		if strings.Contains(text, u.Name) || strings.Contains(text, u.Email) || strings.Contains(text, u.ID) {
			t.Errorf("%s reveals %s:\n%s", what, u.Name, text)
		}
	}
}

func postText(t *testing.T, p notifytest.MattermostPost) string {
	t.Helper()
	var body map[string]any
	if err := json.Unmarshal(p.Raw, &body); err != nil || len(body) != 1 || p.ContentType != "application/json" {
		t.Fatalf("post body %s (%s): %v", p.Raw, p.ContentType, err)
	}
	return body["text"].(string)
}

// TestNotifyPeerWorkflow follows a session through real SMTP and a
// Mattermost server: each kind of e-mail, in each recipient's language,
// without naming anyone, once per event, whether staff or the scheduler
// acted; and each staff post.
func TestNotifyPeerWorkflow(t *testing.T) {
	t.Parallel()
	f := newNotifyFixture(t)
	e := f.e
	ctx := t.Context()
	sid := f.session.ID
	ct := e.token(f.coord)
	if res := e.api("PUT", "/api/v1/sessions/"+sid+"/webhook", ct, map[string]any{"url": f.mm.URL, "threshold": 2}); res.Status != 200 {
		t.Fatalf("webhook: %d %s", res.Status, res.Body)
	}

	// This test follows reminders: no lapsed review is handed over
	// (TestLapsedReviewsHandedOver covers that notification).
	e.srv.grading.ReviewLease = -1
	// Part 1's reviews are assigned by staff.
	f.peerWork(t)
	people := []*course.User{f.coord, f.anim, f.part}
	for i := range 4 {
		u, err := e.db.Stores().Course.UserByEmail(ctx, fmt.Sprintf("peer%d@example.org", i))
		if err != nil {
			t.Fatal(err)
		}
		people = append(people, u)
	}
	peer := people[3:7]
	if err := e.db.Stores().Course.SetUserLocale(ctx, peer[0].ID, "en"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.grading.AssignPart(ctx, f.coord, sid, 1); err != nil { // again: already done
		t.Fatal(err)
	}
	msgs, posts := f.deliver(t)
	mails := decodeMails(t, msgs)
	if len(mails) != 5 {
		t.Fatalf("reviews assigned: %d mails, want 5", len(mails))
	}
	reviews := "http://librecours.test/sessions/" + sid + "/reviews"
	checkMail(t, mails["part@example.org"], "fr", "Libre cours\u202f: des évaluations vous attendent (LCIII-001)",
		"Bonjour Paul Participant,", "Session LCIII-001, partie 1\u202f: 3 évaluations anonymes vous sont attribuées, à faire avant le 05/03/2026 à 23:59 (CET).", reviews,
		"http://librecours.test/account/notifications")
	checkMail(t, mails["peer0@example.org"], "en", "Libre cours: reviews are waiting for you (LCIII-001)",
		"Hello Pair 0,", "Session LCIII-001, part 1: 3 anonymous reviews are assigned to you, due by March 5, 2026 at 23:59 (CET).", reviews)
	for to, m := range mails {
		anonymous(t, "mail to "+to, m.Subject+m.Body, people, to)
	}
	if want := (notify.Renderer{BaseURL: "http://librecours.test"}).MessageID(notify.MailID(notify.KindReviewsAssigned, f.part.ID, "2026-03-02")); mails["part@example.org"].MessageID != want {
		t.Errorf("Message-ID %q, want %q", mails["part@example.org"].MessageID, want)
	}
	if len(posts) != 1 || postText(t, posts[0]) != "**LCIII-001**, partie 1\u202f: évaluations attribuées (5 travaux remis, 15 évaluations)." {
		t.Fatalf("posts: %+v", posts)
	}

	// Paul does his reviews; the day before review_due, the others are
	// reminded, once however often the scheduler runs.
	ex, err := e.srv.grading.Exercise(ctx, f.coord, sid, 1)
	if err != nil {
		t.Fatal(err)
	}
	scores := map[string]int{}
	for _, c := range ex.Rubric {
		scores[c.ID] = c.MaxPoints
	}
	tasks, err := e.srv.grading.MyReviews(ctx, f.part, sid, 1)
	if err != nil {
		t.Fatal(err)
	}
	var reviewed []string // the authors Paul reviewed
	for _, tk := range tasks {
		if _, err := e.srv.grading.SaveReview(ctx, f.part, tk.Review.ID, scores, "Une relecture attentive et argumentée."); err != nil {
			t.Fatal(err)
		}
		reviewed = append(reviewed, tk.Review.AuthorID)
	}
	f.at(t, "2026-03-04T22:00:00Z") // 25 hours before review_due: not yet
	e.jobs.Tick(ctx)
	if msgs, _ := f.deliver(t); len(msgs) != 0 {
		t.Fatalf("reminded 25 hours ahead: %d mails", len(msgs))
	}
	f.at(t, "2026-03-05T00:00:00Z")
	e.jobs.Tick(ctx)
	e.jobs.Tick(ctx)
	msgs, _ = f.deliver(t)
	mails = decodeMails(t, msgs)
	if len(mails) != 4 {
		t.Fatalf("review reminders: %d mails, want 4 (not Paul, who is done)", len(mails))
	}
	if _, ok := mails["part@example.org"]; ok {
		t.Error("Paul, whose reviews are done, was reminded")
	}
	checkMail(t, mails["peer1@example.org"], "fr", "Libre cours\u202f: échéance dans 24 heures (LCIII-001)",
		"Session LCIII-001, partie 1\u202f: il vous reste 3 évaluations à terminer avant le 05/03/2026 à 23:59 (CET).", reviews)
	checkMail(t, mails["peer0@example.org"], "en", "Libre cours: deadline in 24 hours (LCIII-001)",
		"you have 3 reviews left to finish by March 5, 2026 at 23:59 (CET).")
	if want := (notify.Renderer{BaseURL: "http://librecours.test"}).MessageID(notify.MailID(notify.KindDeadline, peer[1].ID, "2026-03-04")); mails["peer1@example.org"].MessageID != want {
		t.Errorf("reminder Message-ID %q, want %q (the day it fell due)", mails["peer1@example.org"].MessageID, want)
	}
	f.at(t, "2026-03-05T01:00:00Z")
	e.jobs.Tick(ctx)
	if msgs, _ := f.deliver(t); len(msgs) != 0 {
		t.Fatalf("reminded twice: %d mails", len(msgs))
	}

	// Three of them hand in part 2; part 1 closes (by the scheduler): grades
	// are out, the queue fills, the channel hears it, and those who have
	// not handed in part 2 are reminded.
	f.at(t, "2026-03-05T10:00:00Z")
	for i := range 3 {
		if _, err := e.srv.grading.Submit(ctx, peer[i], sid, 2, fmt.Sprintf("Travail de la partie 2, numéro %d.", i), nil); err != nil {
			t.Fatal(err)
		}
	}
	f.at(t, "2026-03-05T23:30:00Z")
	e.jobs.Tick(ctx)
	e.jobs.Tick(ctx)
	msgs, posts = f.deliver(t)
	var grades, reminders []gotMail
	var queue *gotMail
	for _, m := range msgs {
		d := decodeMails(t, []notifytest.SMTPMessage{m})[m.To[0]]
		// The Message-ID is a hash (it names no one): the subject tells the kind.
		switch {
		case strings.Contains(d.Subject, "note est disponible") || strings.Contains(d.Subject, "grade is available"):
			grades = append(grades, d)
		case strings.Contains(d.Subject, "échéance") || strings.Contains(d.Subject, "deadline"):
			reminders = append(reminders, d)
		case strings.Contains(d.Subject, "travaux à corriger") || strings.Contains(d.Subject, "to correct"):
			queue = &d
		default:
			t.Errorf("unexpected mail %+v", d)
		}
	}
	var graded []string
	for _, g := range grades {
		u, _ := e.db.Stores().Course.UserByEmail(ctx, g.To)
		graded = append(graded, u.ID)
		anonymous(t, "grade mail", g.Body, people, g.To)
		if !strings.Contains(g.Body, "http://librecours.test/sessions/"+sid+"/parts/1") {
			t.Errorf("grade mail without its link:\n%s", g.Body)
		}
	}
	slices.Sort(graded)
	slices.Sort(reviewed)
	if !slices.Equal(graded, reviewed) {
		t.Errorf("grade mails to %v, want the authors with a grade %v", graded, reviewed)
	}
	if g := grades[0]; g.Lang == "fr" && g.Subject != "Libre cours\u202f: votre note est disponible (LCIII-001)" {
		t.Errorf("grade subject %q", g.Subject)
	}
	if queue == nil {
		t.Fatal("the animator heard nothing of the queue")
	}
	// The mail counts the part's work in the queue (those whose grade may
	// be on the wrong side of 50, or with no review at all).
	items, err := e.srv.grading.Corrections(ctx, f.anim, sid)
	if err != nil || len(items) < 2 {
		t.Fatalf("queue of %d items (%v), want at least the channel's threshold, 2", len(items), err)
	}
	checkMail(t, *queue, "fr", "Libre cours\u202f: des travaux à corriger (LCIII-001)",
		"Bonjour Aurélie Animation,", fmt.Sprintf("Session LCIII-001, partie 1\u202f: %d travaux attendent une correction.", len(items)), "http://librecours.test/sessions/"+sid+"/corrections")
	anonymous(t, "queue mail", queue.Body, people, queue.To)
	var reminded []string
	for _, r := range reminders {
		reminded = append(reminded, r.To)
		if r.Lang == "fr" && !strings.Contains(r.Body, "partie 2\u202f: votre travail est à remettre avant le 06/03/2026 à 23:59 (CET).") {
			t.Errorf("submission reminder:\n%s", r.Body)
		}
	}
	slices.Sort(reminded)
	if !slices.Equal(reminded, []string{"part@example.org", "peer3@example.org"}) {
		t.Errorf("submission reminders to %v, want those who have not handed in", reminded)
	}
	if len(posts) != 1 || !strings.HasPrefix(postText(t, posts[0]), fmt.Sprintf("**LCIII-001**\u202f: la file de correction compte %d travaux (seuil\u202f: 2).", len(items))) {
		t.Fatalf("queue post: %+v", posts)
	}

	// The scheduler assigns part 2, once however often it runs.
	f.at(t, "2026-03-06T23:30:00Z")
	e.jobs.Tick(ctx)
	e.jobs.Tick(ctx)
	if _, err := e.srv.grading.AssignPart(ctx, nil, sid, 2); err != nil {
		t.Fatal(err)
	}
	m, err := e.notifier.store.Message(ctx, notify.MailID(notify.KindReviewsAssigned, peer[0].ID, "2026-03-07"))
	if err != nil || len(m.Events) != 1 || m.Events[0].Part != 2 || m.Events[0].Count != 2 {
		t.Fatalf("part 2's message: %+v %v", m, err)
	}
	msgs, posts = f.deliver(t)
	mails = decodeMails(t, msgs)
	if len(mails) != 3 {
		t.Fatalf("part 2 assigned: %d mails, want 3", len(mails))
	}
	checkMail(t, mails["peer0@example.org"], "en", "Libre cours: reviews are waiting for you (LCIII-001)",
		"Session LCIII-001, part 2: 2 anonymous reviews are assigned to you, due by March 8, 2026 at 23:59 (CET).")
	if len(posts) != 1 || postText(t, posts[0]) != "**LCIII-001**, partie 2\u202f: évaluations attribuées (3 travaux remis, 6 évaluations)." {
		t.Fatalf("posts: %+v", posts)
	}

	// An author appeals Paul's review of their part 1: the animator hears
	// of the queue again (a new day, so a new mail), without names.
	var appellant *course.User
	for _, u := range people {
		if u.ID == tasks[0].Review.AuthorID {
			appellant = u
		}
	}
	if err := e.srv.grading.FlagReview(ctx, appellant, tasks[0].Review.ID, "Cette évaluation ignore la moitié de mon travail."); err != nil {
		t.Fatal(err)
	}
	msgs, _ = f.deliver(t)
	mails = decodeMails(t, msgs)
	if len(mails) != 1 {
		t.Fatalf("appeal: %d mails, want 1 to the animator", len(mails))
	}
	checkMail(t, mails["anim@example.org"], "fr", "Libre cours\u202f: des travaux à corriger (LCIII-001)",
		"Session LCIII-001, partie 1\u202f: 1 travail attend une correction.")
	anonymous(t, "appeal mail", mails["anim@example.org"].Body, people, "anim@example.org")

	// The session closes: the holder hears of the certificate, the channel
	// gets the report's sentence.
	if err := e.srv.certs.SetOverride(ctx, f.coord, sid, f.part.ID, 1, "Jury de test"); err != nil {
		t.Fatal(err)
	}
	res := e.api("POST", "/api/v1/sessions/"+sid+"/close", ct, nil)
	if res.Status != 200 {
		t.Fatalf("close: %d %s", res.Status, res.Body)
	}
	certs, err := e.srv.certs.MyCertificates(ctx, f.part)
	if err != nil || len(certs) != 1 {
		t.Fatalf("certificates: %v %v", certs, err)
	}
	msgs, posts = f.deliver(t)
	mails = decodeMails(t, msgs)
	if len(mails) != 1 {
		t.Fatalf("close: %d mails, want 1", len(mails))
	}
	checkMail(t, mails["part@example.org"], "fr", "Libre cours\u202f: votre certificat est délivré (LCIII-001)",
		"Session LCIII-001\u202f: votre certificat de niveau 1 est délivré. Son code est "+certs[0].Code,
		"http://librecours.test/certificates/"+certs[0].Code)
	if len(posts) != 1 || postText(t, posts[0]) != "**LCIII-001** est close. 1 participant·e sur 5 a validé la formation, dont 0 au niveau II.\nhttp://librecours.test/sessions/"+sid+"/report" {
		t.Fatalf("closed post: %+v", posts)
	}
	for _, p := range f.mm.Posts() {
		anonymous(t, "post", p.Text, people, "")
	}
}

// TestNotifyPreferences: the page and the API switch kinds off and on, and
// a kind switched off is not sent.
func TestNotifyPreferences(t *testing.T) {
	t.Parallel()
	f := newNotifyFixture(t)
	e := f.e
	b := e.browser()
	b.login(f.part)
	p := b.get("/account/notifications")
	if p.Status != 200 || p.Doc.Find(`input[type="checkbox"][checked]`).Length() != len(notify.MailKinds) {
		t.Fatalf("page: %d, %d boxes checked", p.Status, p.Doc.Find(`input[type="checkbox"][checked]`).Length())
	}
	tok, _ := p.Doc.Find(`input[name="_csrf"]`).First().Attr("value")
	form := url.Values{"_csrf": {tok}, "kind_reviews_assigned": {"on"}, "kind_certificate_issued": {"on"}, "kind_queue_new": {"on"}}
	if p = b.post("/account/notifications", form); p.Status != http.StatusSeeOther || p.Location != "/account/notifications" {
		t.Fatalf("save: %d %s", p.Status, p.Location)
	}
	p = b.get("/account/notifications")
	if !strings.Contains(p.Doc.Find(".flash").Text(), "préférences") {
		t.Errorf("no flash: %q", p.Doc.Find(".flash").Text())
	}
	checked := map[string]bool{}
	p.Doc.Find(`input[type="checkbox"]`).Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		_, on := s.Attr("checked")
		checked[name] = on
	})
	if checked["kind_deadline"] || checked["kind_grade_available"] || !checked["kind_reviews_assigned"] {
		t.Fatalf("after saving: %v", checked)
	}

	tok2 := e.token(f.part)
	res := e.api("GET", "/api/v1/me/notifications", tok2, nil)
	var got struct{ Kinds map[string]bool }
	res.decode(t, &got)
	if res.Status != 200 || len(got.Kinds) != len(notify.MailKinds) || got.Kinds["deadline"] || !got.Kinds["queue_new"] {
		t.Fatalf("GET: %d %s", res.Status, res.Body)
	}
	res = e.api("PUT", "/api/v1/me/notifications", tok2, map[string]any{"kinds": map[string]bool{"deadline": true, "queue_new": false}})
	res.decode(t, &got)
	if res.Status != 200 || !got.Kinds["deadline"] || got.Kinds["queue_new"] || got.Kinds["grade_available"] {
		t.Fatalf("PUT: %d %s", res.Status, res.Body)
	}
	for body, code := range map[string]string{`{"kinds":{"spam":true}}`: "invalid", `{"kinds":{"deadline":"yes"}}`: "invalid", `{"kind":{}}`: "bad_request"} {
		if res := e.api("PUT", "/api/v1/me/notifications", tok2, body); res.errorCode() != code {
			t.Errorf("PUT %s: %d %s, want %s", body, res.Status, res.Body, code)
		}
	}
	if res := e.api("PUT", "/api/v1/me/notifications", tok2, `{"kinds":{"spam":true}}`); res.Status != 422 || !strings.Contains(res.errorMessage(), "spam") {
		t.Errorf("unknown kind: %d %s", res.Status, res.Body)
	}

	// grade_available is off: Paul's grade is not mailed, the others' is.
	ctx := t.Context()
	other := e.user("lea@example.org", "Léa", course.RoleParticipant)
	for _, u := range []*course.User{f.part, other} {
		e2 := notify.Event{Key: "graded|x|1", SessionID: f.session.ID, SessionCode: f.session.Code, Part: 1}
		r, err := e.notifier.outbox.Email(ctx, notify.KindGradeAvailable, u.ID, e2)
		if want := map[bool]notify.AddResult{true: notify.Skipped, false: notify.Queued}[u == f.part]; err != nil || r != want {
			t.Errorf("%s: %v %v, want %v", u.Name, r, err, want)
		}
	}
	msgs, _ := f.deliver(t)
	if len(msgs) != 1 || msgs[0].To[0] != "lea@example.org" {
		t.Fatalf("mails: %+v", msgs)
	}
}

// TestWebhookSettings: only coordinators set a session's webhook; a URL
// that is not http(s) is refused with 422, by the API and by the form.
func TestWebhookSettings(t *testing.T) {
	t.Parallel()
	f := newNotifyFixture(t)
	e := f.e
	sid := f.session.ID
	ct, at := e.token(f.coord), e.token(f.anim)
	for _, bad := range []string{"ftp://chat.example.org/hooks/x", "javascript:alert(1)", "chat.example.org/hooks/x", "https://"} {
		res := e.api("PUT", "/api/v1/sessions/"+sid+"/webhook", ct, map[string]any{"url": bad})
		var body struct {
			Error struct{ Code, Field, Message string }
		}
		res.decode(t, &body)
		if res.Status != 422 || body.Error.Field != "url" || !strings.Contains(body.Error.Message, "http") {
			t.Errorf("%q: %d %s", bad, res.Status, res.Body)
		}
	}
	if res := e.api("PUT", "/api/v1/sessions/"+sid+"/webhook", ct, map[string]any{"url": f.mm.URL, "threshold": -3}); res.Status != 422 {
		t.Errorf("negative threshold: %d %s", res.Status, res.Body)
	}
	if res := e.api("PUT", "/api/v1/sessions/"+sid+"/webhook", at, map[string]any{"url": f.mm.URL}); res.Status != 403 {
		t.Errorf("animator: %d %s", res.Status, res.Body)
	}
	if res := e.api("PUT", "/api/v1/sessions/does-not-exist/webhook", ct, map[string]any{"url": f.mm.URL}); res.Status != 404 {
		t.Errorf("unknown session: %d %s", res.Status, res.Body)
	}
	res := e.api("PUT", "/api/v1/sessions/"+sid+"/webhook", ct, map[string]any{"url": " " + f.mm.URL + " ", "threshold": 4})
	if res.Status != 200 || !strings.Contains(string(res.Body), `"threshold":4`) {
		t.Fatalf("set: %d %s", res.Status, res.Body)
	}
	res = e.api("GET", "/api/v1/sessions/"+sid+"/webhook", at, nil)
	var h struct {
		URL       string
		Threshold int
	}
	res.decode(t, &h)
	if res.Status != 200 || h.URL != f.mm.URL || h.Threshold != 4 {
		t.Fatalf("read by the animator: %d %s", res.Status, res.Body)
	}

	// The form (the partial on the session page posts here).
	b := e.browser()
	b.login(f.coord)
	tok := b.csrf("/sessions/" + sid)
	p := b.post("/sessions/"+sid+"/webhook", url.Values{"_csrf": {tok}, "url": {"gopher://x"}, "threshold": {"3"}})
	if p.Status != 422 || !strings.Contains(p.Doc.Find(".alert").Text(), "http") {
		t.Fatalf("form with a bad URL: %d %q", p.Status, p.Doc.Find(".alert").Text())
	}
	if p = b.post("/sessions/"+sid+"/webhook", url.Values{"_csrf": {tok}, "url": {f.mm.URL}, "threshold": {"trois"}}); p.Status != 422 {
		t.Fatalf("form with a bad threshold: %d", p.Status)
	}
	if p = b.post("/sessions/"+sid+"/webhook", url.Values{"_csrf": {tok}, "url": {""}, "threshold": {""}}); p.Status != http.StatusSeeOther || p.Location != "/sessions/"+sid {
		t.Fatalf("clear: %d %s", p.Status, p.Location)
	}
	hook, err := e.notifier.store.Hook(t.Context(), sid)
	if err != nil || hook.URL != "" || hook.QueueThreshold() != notify.DefaultThreshold {
		t.Fatalf("after clearing: %+v %v", hook, err)
	}
	anim := e.browser()
	anim.login(f.anim)
	tok = anim.csrf("/sessions/" + sid)
	if p = anim.post("/sessions/"+sid+"/webhook", url.Values{"_csrf": {tok}, "url": {f.mm.URL}}); p.Status != 403 {
		t.Fatalf("animator's form: %d", p.Status)
	}
}

// TestWebhookPartial renders the partial the session page includes.
func TestWebhookPartial(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	views := f.e.srv.App().Config().Views
	if _, err := f.e.notifier.outbox.SetWebhook(ctx, f.coord, f.session, "https://chat.example.org/hooks/a", 7); err != nil {
		t.Fatal(err)
	}
	view := func(u *course.User) any { // what the session page gives the partial
		v, err := f.e.srv.webhookView(ctx, u, f.session)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := view(f.anim); v != nil {
		t.Fatalf("an animator's view: %+v", v)
	}
	for _, tc := range []struct {
		user *course.User
		hook any
		want string
	}{
		{f.coord, view(f.coord), "https://chat.example.org/hooks/a"},
		{f.coord, nil, ""},
		{f.anim, view(f.anim), ""},
	} {
		for _, lang := range languages {
			pg := &page{translator: f.e.srv.translators[lang], User: tc.user, CSRF: "tok", static: f.e.srv.static,
				Data: fiber.Map{"Session": f.session, "Webhook": tc.hook}}
			var buf bytes.Buffer
			if err := views.Render(&buf, "partials/webhook", pg); err != nil {
				t.Fatal(err)
			}
			doc, err := goquery.NewDocumentFromReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			form := doc.Find(`form[method="post"][action="/sessions/` + f.session.ID + `/webhook"]`)
			if !tc.user.IsCoordinator() {
				if form.Length() != 0 {
					t.Fatal("the form is shown to an animator")
				}
				continue
			}
			if form.Find(`input[name="_csrf"][value="tok"]`).Length() != 1 || form.Find(`label[for="webhook-url"]`).Length() != 1 ||
				form.Find(`label[for="webhook-threshold"]`).Length() != 1 {
				t.Fatalf("form: %s", buf.String())
			}
			if v, _ := form.Find(`input[name="url"]`).Attr("value"); v != tc.want {
				t.Errorf("url value %q, want %q", v, tc.want)
			}
			if strings.Contains(doc.Text(), "app.") {
				t.Errorf("untranslated message in %s: %s", lang, doc.Text())
			}
		}
	}
	for _, k := range notify.MailKinds {
		for _, lang := range languages {
			for _, id := range []string{"app.notify.kind." + string(k), "app.notify.help." + string(k)} {
				if f.e.srv.translators[lang].T(id) == id {
					t.Errorf("%s: %s is missing", lang, id)
				}
			}
		}
	}
}

// TestNotifyRestartMidOutbox: a process claims a message and dies; the one
// started after it delivers the rest at once, the claimed message once its
// lease is over, exactly once, and sends nothing twice.
func TestNotifyRestartMidOutbox(t *testing.T) {
	t.Parallel()
	f := newNotifyFixture(t)
	e := f.e
	ctx := t.Context()
	people := []*course.User{f.part, f.anim, f.coord}
	for _, u := range people {
		ev := notify.Event{Key: "graded|" + f.session.ID + "|1", SessionID: f.session.ID, SessionCode: f.session.Code, Part: 1}
		if _, err := e.notifier.outbox.Email(ctx, notify.KindGradeAvailable, u.ID, ev); err != nil {
			t.Fatal(err)
		}
	}
	now := e.clock.Now()
	claimed, err := e.notifier.store.Claim(ctx, now, now.Add(notify.DefaultLease)) // ... and the process dies
	if err != nil {
		t.Fatal(err)
	}
	// The restarted platform, on the same database.
	_, jobs2, notifier2 := e.restart()
	if rep := jobs2.DeliverOutbox(ctx); rep.Sent != 2 {
		t.Fatalf("after the restart: %+v", rep)
	}
	e.clock.Set(now.Add(notify.DefaultLease - time.Second))
	if rep := jobs2.DeliverOutbox(ctx); rep.Delivered() != 0 {
		t.Fatalf("a leased message was taken: %+v", rep)
	}
	e.clock.Set(now.Add(notify.DefaultLease + time.Second))
	if rep := jobs2.DeliverOutbox(ctx); rep.Sent != 1 {
		t.Fatalf("after the lease: %+v", rep)
	}
	e.clock.Set(now.Add(time.Hour))
	if rep := jobs2.DeliverOutbox(ctx); rep.Delivered() != 0 {
		t.Fatalf("sent again: %+v", rep)
	}
	var to []string
	for _, m := range f.smtp.Messages() {
		to = append(to, m.To[0])
	}
	slices.Sort(to)
	if !slices.Equal(to, []string{"anim@example.org", "coord@example.org", "part@example.org"}) {
		t.Fatalf("mails to %v, want one each", to)
	}
	m, err := notifier2.store.Message(ctx, claimed.ID)
	if err != nil || m.Status != notify.StatusSent || m.Attempts != 2 {
		t.Fatalf("the claimed message: %+v %v", m, err)
	}
}

// TestNotifyRetries: a 4xx answer puts the mail back with a backoff; it goes
// out once the injected clock reaches the retry time.
func TestNotifyRetries(t *testing.T) {
	t.Parallel()
	f := newNotifyFixture(t)
	e := f.e
	ctx := t.Context()
	ev := notify.Event{Key: "k", SessionID: f.session.ID, SessionCode: f.session.Code, Part: 1}
	if _, err := e.notifier.outbox.Email(ctx, notify.KindGradeAvailable, f.part.ID, ev); err != nil {
		t.Fatal(err)
	}
	f.smtp.FailData(451)
	if rep := e.jobs.DeliverOutbox(ctx); rep.Retried != 1 {
		t.Fatalf("first attempt: %+v", rep)
	}
	e.clock.Set(e.clock.Now().Add(59 * time.Second))
	if rep := e.jobs.DeliverOutbox(ctx); rep.Delivered() != 0 {
		t.Fatalf("retried early: %+v", rep)
	}
	e.clock.Set(e.clock.Now().Add(time.Second))
	if rep := e.jobs.DeliverOutbox(ctx); rep.Sent != 1 || len(f.smtp.Messages()) != 1 {
		t.Fatalf("retry: %+v", rep)
	}
}

// TestOutboxStopsCleanly: the scheduler stops while a mail is on the wire;
// the delivery finishes and is recorded, so the next process sends nothing
// twice.
func TestOutboxStopsCleanly(t *testing.T) {
	t.Parallel()
	f := newNotifyFixture(t)
	e := f.e
	ctx := t.Context()
	ev := notify.Event{Key: "k", SessionID: f.session.ID, SessionCode: f.session.Code, Part: 1}
	if _, err := e.notifier.outbox.Email(ctx, notify.KindGradeAvailable, f.part.ID, ev); err != nil {
		t.Fatal(err)
	}
	arrived, release := f.smtp.Block()
	defer release()
	sctx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { e.jobs.Run(sctx, time.Hour); close(stopped) }()
	select {
	case <-arrived:
	case <-time.After(30 * time.Second):
		t.Fatal("the outbox sent nothing")
	}
	cancel() // shutdown while the server holds the mail
	release()
	select {
	case <-stopped:
	case <-time.After(30 * time.Second):
		t.Fatal("the scheduler and the outbox did not stop")
	}
	m, err := e.notifier.store.Message(ctx, notify.MailID(notify.KindGradeAvailable, f.part.ID, e.notifier.outbox.Day(e.clock.Now())))
	if err != nil || m.Status != notify.StatusSent || m.Attempts != 1 {
		t.Fatalf("after the stop: %+v %v", m, err)
	}
	e.clock.Set(e.clock.Now().Add(time.Hour))
	_, jobs2, _ := e.restart()
	if rep := jobs2.DeliverOutbox(ctx); rep.Delivered() != 0 || len(f.smtp.Messages()) != 1 {
		t.Fatalf("after a restart: %+v, %d mails", rep, len(f.smtp.Messages()))
	}
}

// TestNotifyLogFallback: without SMTP, mails are written to the log.
func TestNotifyLogFallback(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	db := openTestStore(t, "")
	clk := &clock{t: testStart}
	d, jobs, notifier := testWiring(testConfig(), db, clk.Now, nil, slog.New(slog.NewTextHandler(&buf, nil)))
	srv, err := newCheckedServer(d)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := notifier.dispatch.Mailer.(notify.LogMailer); !ok {
		t.Fatalf("mailer: %T", notifier.dispatch.Mailer)
	}
	u, err := srv.course.Bootstrap(t.Context(), course.NewUser{Email: "lea@example.org", Name: "Léa", Password: "password-long", Locale: "en"})
	if err != nil {
		t.Fatal(err)
	}
	ev := notify.Event{Key: "k", SessionID: "s1", SessionCode: "LCVI-004", Part: 3}
	if _, err := notifier.outbox.Email(t.Context(), notify.KindGradeAvailable, u.ID, ev); err != nil {
		t.Fatal(err)
	}
	if rep := jobs.DeliverOutbox(t.Context()); rep.Sent != 1 {
		t.Fatalf("%+v", rep)
	}
	out := buf.String()
	for _, want := range []string{"to=lea@example.org", `subject="Libre cours: your grade is available (LCVI-004)"`, "part 3: reviews are closed"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

func TestSMTPConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	c, err := config.FromEnv(env("LIBRECOURS_BASE_URL", "https://cours.example.org"))
	if err != nil || c.SMTPHost != "" || c.SMTPPort != 587 || c.SMTPTLS != notify.TLSStartTLS || c.SMTPFrom != "Libre cours <noreply@cours.example.org>" || c.NotifyInterval != 15*time.Second {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	c, err = config.FromEnv(env("LIBRECOURS_SMTP_HOST", "smtp.example.org", "LIBRECOURS_SMTP_PORT", "465", "LIBRECOURS_SMTP_TLS", "TLS",
		"LIBRECOURS_SMTP_USERNAME", "mailer", "LIBRECOURS_SMTP_PASSWORD_FILE", pw, "LIBRECOURS_SMTP_FROM", "cours@example.org",
		"LIBRECOURS_NOTIFY_INTERVAL", "1m"))
	if err != nil || c.SMTPPort != 465 || c.SMTPTLS != notify.TLSImplicit || c.SMTPPassword != "from-file" || c.SMTPFrom != "cours@example.org" || c.NotifyInterval != time.Minute {
		t.Fatalf("set: %+v %v", c, err)
	}
	for _, tc := range []struct {
		env  []string
		want string
	}{
		{[]string{"LIBRECOURS_SMTP_PORT", "0"}, "LIBRECOURS_SMTP_PORT"},
		{[]string{"LIBRECOURS_SMTP_PORT", "smtp"}, "LIBRECOURS_SMTP_PORT"},
		{[]string{"LIBRECOURS_SMTP_TLS", "ssl"}, "LIBRECOURS_SMTP_TLS"},
		{[]string{"LIBRECOURS_SMTP_FROM", "not an address"}, "LIBRECOURS_SMTP_FROM"},
		{[]string{"LIBRECOURS_SMTP_USERNAME", "mailer"}, "go together"},
		{[]string{"LIBRECOURS_SMTP_PASSWORD_FILE", filepath.Join(dir, "missing")}, "LIBRECOURS_SMTP_PASSWORD_FILE"},
		{[]string{"LIBRECOURS_SMTP_HOST", "smtp.example.org", "LIBRECOURS_SMTP_TLS", "none", "LIBRECOURS_SMTP_USERNAME", "u", "LIBRECOURS_SMTP_PASSWORD", "p"}, "in clear"},
		{[]string{"LIBRECOURS_NOTIFY_INTERVAL", "-1s"}, "LIBRECOURS_NOTIFY_INTERVAL"},
	} {
		if _, err := config.FromEnv(env(tc.env...)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error about %s", tc.env, err, tc.want)
		}
	}
	if _, err := config.FromEnv(env("LIBRECOURS_SMTP_HOST", "127.0.0.1", "LIBRECOURS_SMTP_TLS", "none", "LIBRECOURS_SMTP_USERNAME", "u", "LIBRECOURS_SMTP_PASSWORD", "p",
		"LIBRECOURS_SMTP_FROM", "cours@example.org")); err != nil {
		t.Errorf("a local relay without TLS: %v", err)
	}
}

// TestSMTPFrom: the default sender is noreply@ the base URL's host only when
// that host is a domain name; otherwise, with SMTP configured, the platform
// refuses to start until LIBRECOURS_SMTP_FROM names a usable sender.
func TestSMTPFrom(t *testing.T) {
	t.Parallel()
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	const smtp = "LIBRECOURS_SMTP_HOST"
	for _, tc := range []struct {
		name     string
		env      []string
		wantFrom string
		wantErr  string
	}{
		{"domain", []string{smtp, "smtp.example.org", "LIBRECOURS_BASE_URL", "https://cours.example.org"}, "Libre cours <noreply@cours.example.org>", ""},
		{"IP base URL", []string{smtp, "smtp.example.org", "LIBRECOURS_BASE_URL", "http://127.0.0.1:8080"}, "", "LIBRECOURS_SMTP_FROM: required"},
		{"IPv6 base URL", []string{smtp, "smtp.example.org", "LIBRECOURS_BASE_URL", "http://[::1]:8080"}, "", "LIBRECOURS_SMTP_FROM: required"},
		{"localhost base URL", []string{smtp, "smtp.example.org"}, "", "LIBRECOURS_SMTP_FROM: required"},
		{"single label", []string{smtp, "smtp.example.org", "LIBRECOURS_BASE_URL", "http://cours:8080"}, "", "LIBRECOURS_SMTP_FROM: required"},
		{".local", []string{smtp, "smtp.example.org", "LIBRECOURS_BASE_URL", "http://cours.local"}, "", "LIBRECOURS_SMTP_FROM: required"},
		{"IP base URL, From set", []string{smtp, "smtp.example.org", "LIBRECOURS_BASE_URL", "http://10.0.0.5", "LIBRECOURS_SMTP_FROM", "Cours <cours@example.org>"}, "Cours <cours@example.org>", ""},
		{"From at an IP", []string{smtp, "smtp.example.org", "LIBRECOURS_SMTP_FROM", "noreply@127.0.0.1"}, "", "not a domain name"},
		{"From at localhost", []string{smtp, "smtp.example.org", "LIBRECOURS_SMTP_FROM", "noreply@localhost"}, "", "not a domain name"},
		{"no SMTP, IP base URL: mails go to the log", []string{"LIBRECOURS_BASE_URL", "http://127.0.0.1:8080"}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := config.FromEnv(env(tc.env...))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("error %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error %v, want one about %q", err, tc.wantErr)
			case tc.wantErr == "" && c.SMTPFrom != tc.wantFrom:
				t.Fatalf("From %q, want %q", c.SMTPFrom, tc.wantFrom)
			}
			if tc.wantErr == "" && c.SMTPFrom != "" {
				if _, err := mail.ParseAddress(c.SMTPFrom); err != nil {
					t.Errorf("From %q: %v", c.SMTPFrom, err)
				}
			}
		})
	}
}
