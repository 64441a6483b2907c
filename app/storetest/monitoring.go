package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"librecours/app/store"
	"librecours/notify"
	"librecours/notify/notifytest"
)

// Monitoring is the conformance suite of store.Monitor: the outbox summary
// the metrics read at each scrape.
func Monitoring(t *testing.T, open Open) {
	ctx := context.Background()
	b := open(t)
	mon, ok := b.(store.Monitor)
	if !ok {
		t.Fatalf("%s backend does not implement store.Monitor", b.Kind())
	}
	got, err := mon.OutboxStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Fatalf("empty outbox: got %+v", got)
	}

	s := b.Stores().Outbox
	add := func(m notify.Message) {
		t.Helper()
		if _, err := s.Add(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	// Three e-mails of one kind (the oldest at T0), one of another, one
	// post; then one e-mail sent, one claimed (sending) and one given up.
	add(notifytest.Mail(notify.KindGradeAvailable, "u1", "2026-03-02", "k", T0))
	add(notifytest.Mail(notify.KindGradeAvailable, "u2", "2026-03-02", "k", T0.Add(time.Minute)))
	add(notifytest.Mail(notify.KindGradeAvailable, "u3", "2026-03-02", "k", T0.Add(2*time.Minute)))
	add(notifytest.Mail(notify.KindDeadline, "u1", "2026-03-02", "k", T0.Add(3*time.Minute)))
	post := notifytest.Mail(notify.KindMattermost, "", "2026-03-02", "k", T0.Add(4*time.Minute))
	post.ID, post.URL = "post-1", "https://chat.example/hooks/x"
	add(post)

	now := T0.Add(10 * time.Minute)
	finish := func(st notify.Status) {
		t.Helper()
		m, err := s.Claim(ctx, now, now.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if st == notify.StatusSending {
			return
		}
		if ok, err := s.Finish(ctx, m.ID, m.Attempts, notify.Outcome{Status: st, At: now}); err != nil || !ok {
			t.Fatalf("finish %s: %v, %v", m.ID, ok, err)
		}
	}
	finish(notify.StatusSent)    // u1's grade (the most overdue)
	finish(notify.StatusFailed)  // u2's grade
	finish(notify.StatusSending) // u3's grade, claimed

	got, err = mon.OutboxStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.OutboxStat{
		{Kind: notify.KindDeadline, Status: notify.StatusPending, Count: 1, Oldest: T0.Add(3 * time.Minute)},
		{Kind: notify.KindGradeAvailable, Status: notify.StatusFailed, Count: 1, Oldest: T0.Add(time.Minute)},
		{Kind: notify.KindGradeAvailable, Status: notify.StatusSending, Count: 1, Oldest: T0.Add(2 * time.Minute)},
		{Kind: notify.KindMattermost, Status: notify.StatusPending, Count: 1, Oldest: T0.Add(4 * time.Minute)},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("outbox statistics (-want +got):\n%s", d)
	}
}
