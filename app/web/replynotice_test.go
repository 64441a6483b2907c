package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"librecours/course"
	"librecours/grading"
	"librecours/notify"
)

// TestReviewReplyMailed: when the author answers a review, its reviewer
// gets a "reply to your review" e-mail the next morning, in their
// language, once, with a link to their review and nothing that names the
// author (body, subject or any header); a rating alone mails no one, nor
// does a reply to a reviewer who switched the kind off or deleted their
// account.
func TestReviewReplyMailed(t *testing.T) {
	t.Parallel()
	nf := newNotifyFixture(t)
	w := newDialogueWorldOn(t, nf.fixture)
	f, e := w.f, w.f.e
	ctx := t.Context()
	st := e.db.Stores()

	rs, err := st.Grading.ReviewsBySubmission(ctx, w.sub.ID)
	if err != nil || len(rs) != 3 {
		t.Fatalf("reviews of the participant's work: %d, %v", len(rs), err)
	}
	people := map[string]*course.User{f.part.ID: f.part}
	for i := range 4 {
		u, err := st.Course.UserByEmail(ctx, fmt.Sprintf("peer%d@example.org", i))
		if err != nil {
			t.Fatal(err)
		}
		people[u.ID] = u
	}
	everyone := make([]*course.User, 0, len(people))
	for _, u := range people {
		everyone = append(everyone, u)
	}
	enRev, frRev, quietRev := people[rs[0].ReviewerID], people[rs[1].ReviewerID], people[rs[2].ReviewerID]
	if err := st.Course.SetUserLocale(ctx, enRev.ID, "en"); err != nil {
		t.Fatal(err)
	}
	if res := e.api("PUT", "/api/v1/me/notifications", e.token(quietRev), map[string]any{"kinds": map[string]bool{"review_replied": false}}); res.Status != 200 {
		t.Fatalf("opt out: %d %s", res.Status, res.Body)
	}

	// The peer who did not review the participant's work deletes their
	// account after reviewing another peer's; that peer answers.
	var gone *course.User
	for id, u := range people {
		if id != f.part.ID && id != enRev.ID && id != frRev.ID && id != quietRev.ID {
			gone = u
		}
	}
	all, err := st.Grading.Reviews(ctx, w.sid, 1)
	if err != nil {
		t.Fatal(err)
	}
	var orphan grading.Review
	for _, r := range all {
		if r.ReviewerID == gone.ID {
			orphan = r
		}
	}
	if orphan.ID == "" {
		t.Fatalf("%s reviewed nothing", gone.Name)
	}
	orphanAuthor := people[orphan.AuthorID]
	orphanToken := e.token(orphanAuthor)
	if res := e.api("DELETE", "/api/v1/me", e.token(gone), map[string]string{"password": testPassword(gone.Email)}); res.Status/100 != 2 {
		t.Fatalf("delete %s: %d %s", gone.Name, res.Status, res.Body)
	}

	nf.deliver(t) // what the close sent
	tok := e.token(f.part)
	reply := func(r grading.Review, token string, body map[string]any, status int) {
		t.Helper()
		if res := e.api("PUT", "/api/v1/reviews/"+r.ID+"/reply", token, body); res.Status != status {
			t.Fatalf("reply to %s %v: %d %s, want %d", r.ID, body, res.Status, res.Body, status)
		}
	}
	nextMorning := func() []gotMail {
		t.Helper()
		if msgs, _ := nf.deliver(t); len(msgs) != 0 {
			t.Fatalf("%d mails the same day, want none before the morning", len(msgs))
		}
		e.clock.Set(e.notifier.outbox.DigestAt(e.clock.Now()))
		msgs, _ := nf.deliver(t)
		out := []gotMail{}
		for _, m := range decodeMails(t, msgs) {
			out = append(out, m)
		}
		for _, m := range msgs {
			for k, vs := range m.Header {
				for _, v := range vs {
					for _, u := range everyone {
						if strings.Contains(v, u.ID) {
							t.Errorf("header %s of the mail to %s holds the user ID of %s: %q", k, m.To[0], u.Name, v)
						}
					}
				}
			}
			anonymous(t, "the reply notice's headers", fmt.Sprint(m.Header), everyone, m.To[0])
		}
		return out
	}

	// A rating alone tells no one.
	reply(rs[1], tok, map[string]any{"helpfulness": 3}, http.StatusOK)
	if got := nextMorning(); len(got) != 0 {
		t.Fatalf("a rating alone mailed %+v", got)
	}

	reply(rs[0], tok, map[string]any{"text": "Merci, très utile.", "helpfulness": 4}, http.StatusOK)
	reply(rs[0], tok, map[string]any{"text": "Encore merci."}, http.StatusConflict)
	reply(rs[1], tok, map[string]any{"text": "Je n’avais pas vu."}, http.StatusOK)
	reply(rs[2], tok, map[string]any{"text": "D’accord."}, http.StatusOK)
	reply(orphan, orphanToken, map[string]any{"text": "Merci à vous."}, http.StatusOK)
	got := nextMorning()
	if len(got) != 2 {
		t.Fatalf("%d mails, want 2 (English and French reviewers): %+v", len(got), got)
	}
	mails := map[string]gotMail{}
	for _, m := range got {
		mails[m.To] = m
	}
	link := func(r grading.Review) string { return "http://librecours.test/reviews/" + r.ID }
	checkMail(t, mails[enRev.Email], "en", "Libre cours: a reply to your review (LCIII-001)", "Hello "+enRev.Name+",",
		"Session LCIII-001, part 1: the author of the work you reviewed replied to your review. Read the reply here:\n"+link(rs[0]))
	checkMail(t, mails[frRev.Email], "fr", "Libre cours\u202f: réponse à votre évaluation (LCIII-001)", "Bonjour "+frRev.Name+",",
		"Session LCIII-001, partie 1\u202f: la personne dont vous avez évalué le travail a répondu à votre évaluation. Lisez sa réponse ici\u202f:\n"+link(rs[1]))
	for _, m := range got {
		anonymous(t, "the reply notice", m.Subject+"\n"+m.Body, everyone, m.To)
		if strings.Count(m.Body, "/reviews/") != 1 {
			t.Errorf("the mail to %s tells %d replies, want 1:\n%s", m.To, strings.Count(m.Body, "/reviews/"), m.Body)
		}
	}

	// The reviewer's link leads to the reply.
	b := e.browser()
	b.login(frRev)
	if p := b.get("/reviews/" + rs[1].ID); p.Status != 200 || !strings.Contains(p.Doc.Find(".review-reply").Text(), "Je n’avais pas vu.") {
		t.Fatalf("the linked page: %d, reply %q", p.Status, p.Doc.Find(".review-reply").Text())
	}

	// A changed rating after the text tells nothing more.
	reply(rs[0], tok, map[string]any{"helpfulness": 2}, http.StatusOK)
	if got := nextMorning(); len(got) != 0 {
		t.Fatalf("a changed rating mailed %+v", got)
	}
	if !(notify.Prefs{}).Enabled(notify.KindReviewReplied) {
		t.Fatal("the kind is off by default")
	}
}
