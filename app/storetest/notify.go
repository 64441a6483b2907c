package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"librecours/notify"
	"librecours/notify/notifytest"
)

// Notify is the conformance suite of notify.Store: the scenarios every
// store passes (notifytest.StoreScenarios, the in-memory one included), then
// races on one message or one session, and the backup.
func Notify(t *testing.T, open Open) {
	t.Run("Scenarios", func(t *testing.T) {
		notifytest.StoreScenarios(t, func(t *testing.T) notify.Store { return open(t).Stores().Outbox })
	})
	t.Run("ClaimRace", func(t *testing.T) { notifyClaimRace(t, open) })
	t.Run("AddRace", func(t *testing.T) { notifyAddRace(t, open) })
	t.Run("HookRace", func(t *testing.T) { notifyHookRace(t, open) })
	t.Run("Backup", func(t *testing.T) { notifyBackup(t, open) })
}

// notifyRace runs fn in n goroutines released at once and returns how many
// returned true.
func notifyRace(t *testing.T, n int, fn func(i int) (bool, error)) int {
	t.Helper()
	var won atomic.Int32
	together(n, func(i int) {
		ok, err := fn(i)
		if err != nil {
			t.Error(err)
			return
		}
		if ok {
			won.Add(1)
		}
	})
	return int(won.Load())
}

// notifyClaimRace: claimers racing for one due message; exactly one gets it.
func notifyClaimRace(t *testing.T, open Open) {
	ctx := context.Background()
	for _, n := range []int{2, 8} {
		t.Run(fmt.Sprintf("%d claimers", n), func(t *testing.T) {
			s := open(t).Stores().Outbox
			m := notifytest.Mail(notify.KindGradeAvailable, "u1", "2026-03-02", "k", T0)
			if _, err := s.Add(ctx, m); err != nil {
				t.Fatal(err)
			}
			wins := notifyRace(t, n, func(int) (bool, error) {
				c, err := s.Claim(ctx, T0, T0.Add(time.Minute))
				if errors.Is(err, notify.ErrNothingDue) {
					return false, nil
				}
				if err != nil {
					return false, err
				}
				if c.ID != m.ID || c.Attempts != 1 {
					return false, fmt.Errorf("claimed %+v", c)
				}
				return true, nil
			})
			if wins != 1 {
				t.Fatalf("%d claimers got the message, want 1", wins)
			}
			got, err := s.Message(ctx, m.ID)
			if err != nil || got.Status != notify.StatusSending || got.Attempts != 1 {
				t.Fatalf("after the race: %+v, %v", got, err)
			}
		})
	}
}

// notifyAddRace: events added at once to one message all land in it,
// exactly one of the adds creating it.
func notifyAddRace(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t).Stores().Outbox
	const n = 8
	var queued atomic.Int32
	merged := notifyRace(t, n, func(i int) (bool, error) {
		m := notifytest.Mail(notify.KindReviewsAssigned, "u1", "2026-03-02", fmt.Sprintf("p%d", i), T0)
		r, err := s.Add(ctx, m)
		if r == notify.Queued {
			queued.Add(1)
		}
		return r == notify.Merged, err
	})
	if queued.Load() != 1 || merged != n-1 {
		t.Fatalf("%d queued and %d merged, want 1 and %d", queued.Load(), merged, n-1)
	}
	got, err := s.Message(ctx, notify.MailID(notify.KindReviewsAssigned, "u1", "2026-03-02"))
	if err != nil || len(got.Events) != n {
		t.Fatalf("message: %+v, %v; want %d events", got, err, n)
	}
}

// notifyHookRace: racing calls on one session's hook change it once.
func notifyHookRace(t *testing.T, open Open) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		call func(s notify.Store) (bool, error)
	}{
		{"mark reminded", func(s notify.Store) (bool, error) { return s.MarkReminded(ctx, "s1", "1|review|2") }},
		{"set queue alerted", func(s notify.Store) (bool, error) { return s.SetQueueAlerted(ctx, "s1", true) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t).Stores().Outbox
			if wins := notifyRace(t, 8, func(int) (bool, error) { return tc.call(s) }); wins != 1 {
				t.Fatalf("%d calls changed the hook, want 1", wins)
			}
		})
	}
}

func notifyBackup(t *testing.T, open Open) {
	ctx := context.Background()
	b := open(t)
	s := b.Stores().Outbox
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	paris := time.FixedZone("CET", 3600)
	sent := notifytest.Mail(notify.KindDeadline, "u1", "2026-03-02", "a", T0.In(paris))
	digest := notifytest.Mail(notify.KindReviewsAssigned, "u1", "2026-03-02", "p1", T0)
	digest2 := notifytest.Mail(notify.KindReviewsAssigned, "u1", "2026-03-02", "p2", T0.Add(time.Minute))
	digest2.Events[0].At = time.Time{}
	post := notify.Message{ID: "post-1", Kind: notify.KindMattermost, URL: "https://chat.example.org/hooks/a", Lang: "fr",
		Status: notify.StatusPending, NextAt: T0.Add(time.Hour), CreatedAt: T0, UpdatedAt: T0,
		Events: []notify.Event{{Key: "closed", What: notify.PostClosed, SessionID: "s1", SessionCode: "LCIII-001", Text: "Fin."}}}
	for _, m := range []notify.Message{sent, digest, digest2, post} {
		if _, err := s.Add(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	c, err := s.Claim(ctx, T0.Add(time.Minute), T0.Add(2*time.Minute))
	must(err)
	_, err = s.Finish(ctx, c.ID, c.Attempts, notify.Outcome{Status: notify.StatusPending, NextAt: T0.Add(10 * time.Minute),
		At: T0.Add(time.Minute), Error: "451 try later"})
	must(err)
	must(s.SetPrefs(ctx, "u1", notify.Prefs{Off: []notify.Kind{notify.KindDeadline, notify.KindQueueNew}}))
	must(s.SetPrefs(ctx, "u2", notify.Prefs{}))
	must(s.SetWebhook(ctx, "s1", "https://chat.example.org/hooks/a", 4))
	_, err = s.SetQueueAlerted(ctx, "s1", true)
	must(err)
	for _, k := range []string{"2|review|1", "1|submission|1"} { // kept in the order recorded
		_, err = s.MarkReminded(ctx, "s1", k)
		must(err)
	}
	_, err = s.MarkReminded(ctx, "s2", "1|submission|1")
	must(err)

	r := backupRoundTrip(t, open, b, []string{"outbox", "notify_prefs", "session_hooks"}).Stores().Outbox
	checkRestored(t, s, r, []storeRead[notify.Store]{
		{"claimed message", func(s notify.Store) (any, error) { return s.Message(ctx, c.ID) }},
		{"digest", func(s notify.Store) (any, error) { return s.Message(ctx, digest.ID) }},
		{"post", func(s notify.Store) (any, error) { return s.Message(ctx, post.ID) }},
		{"prefs", func(s notify.Store) (any, error) { return s.Prefs(ctx, "u1") }},
		{"default prefs", func(s notify.Store) (any, error) { return s.Prefs(ctx, "u2") }},
		{"hook", func(s notify.Store) (any, error) { return s.Hook(ctx, "s1") }},
		{"reminders only", func(s notify.Store) (any, error) { return s.Hook(ctx, "s2") }},
	})
	// The restored outbox goes on: the other message of T0 is due first,
	// then the claimed one at its retry time.
	other := sent.ID
	if c.ID == sent.ID {
		other = digest.ID
	}
	for _, want := range []struct {
		id       string
		attempts int
	}{{other, 1}, {c.ID, 2}} {
		if m, err := r.Claim(ctx, T0.Add(10*time.Minute), T0.Add(12*time.Minute)); err != nil || m.ID != want.id || m.Attempts != want.attempts {
			t.Fatalf("claim after a restore: %+v, %v; want %s, attempt %d", m, err, want.id, want.attempts)
		}
	}
}
