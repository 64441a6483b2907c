package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"librecours/notify"
	"librecours/notify/notifytest"
)

// TestDigestAt: a day's digest goes out at DigestHour the next day, in the
// platform's time zone, whatever the hour of the event (and across a
// change of clocks and the end of a month).
func TestDigestAt(t *testing.T) {
	t.Parallel()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		loc      *time.Location
		at, want time.Time
	}{
		{nil, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)},
		{paris, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC)},
		// 23:30 UTC on the 1st is already the 2nd in Paris.
		{paris, time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC), time.Date(2026, 3, 3, 6, 0, 0, 0, time.UTC)},
		// Summer time starts on 29 March 2026: 07:00 in Paris is 05:00 UTC.
		{paris, time.Date(2026, 3, 28, 12, 0, 0, 0, time.UTC), time.Date(2026, 3, 29, 5, 0, 0, 0, time.UTC)},
		{nil, time.Date(2026, 12, 31, 18, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 7, 0, 0, 0, time.UTC)},
	} {
		o := &notify.Outbox{Location: tc.loc}
		if got := o.DigestAt(tc.at); !got.Equal(tc.want) {
			t.Errorf("DigestAt(%s) in %v = %s, want %s", tc.at, tc.loc, got, tc.want)
		}
	}
}

// replied is the event of a reply to review rid (what app/jobs queues).
func replied(rid string, part int) notify.Event {
	return notify.Event{Key: "replied|" + rid, SessionID: "s1", SessionCode: "LCIII-001", TimeZone: "Europe/Paris", Part: part, Code: rid}
}

// TestReviewRepliedDigest: the replies of a day wait for the next morning
// and go out in one mail, each once, with a link to the reviewer's own
// review; a reply queued twice is told once; a reviewer who switched the
// kind off gets nothing; the next day's replies make the next day's mail,
// not lost because a mail of the kind went out already.
func TestReviewRepliedDigest(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ctx := context.Background()
	day2 := time.Date(2026, 3, 2, notify.DigestHour, 0, 0, 0, time.UTC) // the rig's outbox is on UTC
	if notifytest.T0.Format("2006-01-02") != "2026-03-01" {
		t.Fatalf("the test assumes the rig starts on 1 March, not %s", notifytest.T0)
	}

	steps := []struct {
		user string
		e    notify.Event
		want notify.AddResult
	}{
		{"u-fr", replied("rev-a", 1), notify.Queued},
		{"u-fr", replied("rev-b", 2), notify.Merged},
		{"u-fr", replied("rev-a", 1), notify.Dropped}, // a retry, or a second server
		{"u-en", replied("rev-c", 1), notify.Skipped}, // switched off below
	}
	if _, err := r.outbox.SetPrefs(ctx, people["u-en"], map[notify.Kind]bool{notify.KindReviewReplied: false}); err != nil {
		t.Fatal(err)
	}
	for i, s := range steps {
		got, err := r.outbox.EmailDigest(ctx, notify.KindReviewReplied, s.user, s.e)
		if err != nil || got != s.want {
			t.Fatalf("step %d (%s to %s): %v, %v; want %v", i, s.e.Key, s.user, got, err, s.want)
		}
		r.clk.Add(time.Hour)
	}
	id := notify.MailID(notify.KindReviewReplied, "u-fr", "2026-03-01")
	m, err := r.store.Message(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !m.NextAt.Equal(day2) || len(m.Events) != 2 {
		t.Fatalf("message due %s with %d events, want %s and 2", m.NextAt, len(m.Events), day2)
	}

	// Nothing goes out the same day.
	if rep := r.deliver(t); rep.Delivered() != 0 {
		t.Fatalf("the same day: %+v", rep)
	}
	r.clk.Add(day2.Sub(r.clk.Now()))
	if rep := r.deliver(t); rep.Sent != 1 || rep.Delivered() != 1 {
		t.Fatalf("the next morning: %+v", rep)
	}
	msgs := r.smtp.Messages()
	if len(msgs) != 1 || len(msgs[0].To) != 1 || msgs[0].To[0] != "lea@example.org" {
		t.Fatalf("mails: %+v", msgs)
	}
	body := msgs[0].Body
	for _, want := range []string{
		"[fr] notify.review_replied.line Part=1 Session=LCIII-001 URL=https://librecours.test/reviews/rev-a",
		"[fr] notify.review_replied.line Part=2 Session=LCIII-001 URL=https://librecours.test/reviews/rev-b",
	} {
		if strings.Count(body, want) != 1 {
			t.Errorf("body holds %q %d times, want once:\n%s", want, strings.Count(body, want), body)
		}
	}
	if s := msgs[0].Header.Get("Subject"); !strings.Contains(s, "notify.review_replied.subject") {
		t.Errorf("subject %q", s)
	}
	for k, vs := range msgs[0].Header {
		for _, v := range vs {
			if strings.Contains(v, "u-fr") {
				t.Errorf("header %s holds the recipient's user ID: %q", k, v)
			}
		}
	}

	// A reply of the new day is the new day's mail, the next morning.
	got, err := r.outbox.EmailDigest(ctx, notify.KindReviewReplied, "u-fr", replied("rev-d", 2))
	if err != nil || got != notify.Queued {
		t.Fatalf("the next day's reply: %v, %v; want queued", got, err)
	}
	r.clk.Add(24 * time.Hour)
	if rep := r.deliver(t); rep.Sent != 1 {
		t.Fatalf("the third morning: %+v", rep)
	}
	if msgs := r.smtp.Messages(); len(msgs) != 2 || !strings.Contains(msgs[1].Body, "URL=https://librecours.test/reviews/rev-d") {
		t.Fatalf("mails: %d, last:\n%s", len(msgs), msgs[len(msgs)-1].Body)
	}
	if n := len(r.smtp.Messages()); n != 2 {
		t.Fatalf("%d mails in all, want 2 (the opted-out reviewer got one?)", n)
	}
}
