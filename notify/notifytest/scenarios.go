package notifytest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"librecours/notify"
)

// T0 is the time the scenarios start at (milliseconds: what databases keep).
var T0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// Mail returns a pending e-mail message with one event.
func Mail(kind notify.Kind, user, day, key string, at time.Time) notify.Message {
	return notify.Message{ID: notify.MailID(kind, user, day), Kind: kind, UserID: user, Status: notify.StatusPending,
		NextAt: at, CreatedAt: at, UpdatedAt: at,
		Events: []notify.Event{{Key: key, SessionID: "s1", SessionCode: "LCIII-001", TimeZone: "Europe/Paris", Part: 1, Count: 3, At: at.Add(48 * time.Hour)}}}
}

// StoreScenarios runs the behaviour every notify.Store must have against
// the stores open returns (a fresh, empty one per call).
func StoreScenarios(t *testing.T, open func(t *testing.T) notify.Store) {
	ctx := context.Background()
	lease := 2 * time.Minute

	t.Run("add merges into a pending message and drops after", func(t *testing.T) {
		s := open(t)
		m := Mail(notify.KindReviewsAssigned, "u1", "2026-03-01", "p1", T0)
		for i, want := range []notify.AddResult{notify.Queued, notify.Dropped} {
			if got, err := s.Add(ctx, m); err != nil || got != want {
				t.Fatalf("add #%d: %v, %v; want %v", i+1, got, err, want)
			}
		}
		m2 := Mail(notify.KindReviewsAssigned, "u1", "2026-03-01", "p2", T0.Add(time.Minute))
		m2.Events[0].Part = 2
		if got, err := s.Add(ctx, m2); err != nil || got != notify.Merged {
			t.Fatalf("add of a second event: %v, %v; want merged", got, err)
		}
		got, err := s.Message(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Events) != 2 || got.Events[0].Key != "p1" || got.Events[1].Key != "p2" || got.Events[1].Part != 2 ||
			got.UserID != "u1" || got.Kind != notify.KindReviewsAssigned || got.Status != notify.StatusPending {
			t.Fatalf("merged message: %+v", got)
		}
		if !got.Events[0].At.Equal(T0.Add(48*time.Hour)) || got.Events[0].SessionCode != "LCIII-001" || got.Events[0].Count != 3 {
			t.Fatalf("event fields lost: %+v", got.Events[0])
		}
		c, err := s.Claim(ctx, T0.Add(time.Hour), T0.Add(time.Hour+lease))
		if err != nil || c.ID != m.ID {
			t.Fatalf("claim: %+v, %v", c, err)
		}
		m3 := Mail(notify.KindReviewsAssigned, "u1", "2026-03-01", "p3", T0.Add(2*time.Hour))
		if got, err := s.Add(ctx, m3); err != nil || got != notify.Dropped {
			t.Fatalf("add while sending: %v, %v; want dropped", got, err)
		}
		if ok, err := s.Finish(ctx, m.ID, c.Attempts, notify.Outcome{Status: notify.StatusSent, At: T0.Add(time.Hour)}); !ok || err != nil {
			t.Fatalf("finish: %v %v", ok, err)
		}
		if got, err := s.Add(ctx, m3); err != nil || got != notify.Dropped {
			t.Fatalf("add after sent: %v, %v; want dropped", got, err)
		}
		if _, err := s.Message(ctx, "nope"); !errors.Is(err, notify.ErrNotFound) {
			t.Fatalf("unknown message: %v", err)
		}
	})

	t.Run("claim, lease, retry and purge", func(t *testing.T) {
		s := open(t)
		if _, err := s.Claim(ctx, T0, T0.Add(lease)); !errors.Is(err, notify.ErrNothingDue) {
			t.Fatalf("claim of an empty outbox: %v", err)
		}
		a := Mail(notify.KindDeadline, "u1", "2026-03-01", "a", T0.Add(time.Minute))
		b := Mail(notify.KindDeadline, "u2", "2026-03-01", "b", T0)
		later := Mail(notify.KindDeadline, "u3", "2026-03-01", "c", T0.Add(time.Hour))
		for _, m := range []notify.Message{a, b, later} {
			if _, err := s.Add(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		now := T0.Add(2 * time.Minute)
		first, err := s.Claim(ctx, now, now.Add(lease))
		if err != nil || first.ID != b.ID || first.Attempts != 1 || first.Status != notify.StatusSending || !first.LeaseUntil.Equal(now.Add(lease)) {
			t.Fatalf("first claim: %+v, %v (want the most overdue)", first, err)
		}
		second, err := s.Claim(ctx, now, now.Add(lease))
		if err != nil || second.ID != a.ID {
			t.Fatalf("second claim: %+v, %v", second, err)
		}
		if m, err := s.Claim(ctx, now, now.Add(lease)); !errors.Is(err, notify.ErrNothingDue) {
			t.Fatalf("third claim: %+v, %v (the other one is not due, the claimed ones are leased)", m, err)
		}
		// The first attempt fails: retry in 5 minutes.
		retryAt := now.Add(5 * time.Minute)
		if ok, err := s.Finish(ctx, b.ID, 1, notify.Outcome{Status: notify.StatusPending, NextAt: retryAt, At: now, Error: "451"}); !ok || err != nil {
			t.Fatalf("finish retry: %v %v", ok, err)
		}
		if got, _ := s.Message(ctx, b.ID); got.Status != notify.StatusPending || !got.NextAt.Equal(retryAt) || got.LastError != "451" || got.Attempts != 1 {
			t.Fatalf("after a failure: %+v", got)
		}
		// The second claimer dies: its lease expires, someone else takes
		// over, and the dead one's late outcome is refused.
		after := now.Add(lease + time.Second)
		taken, err := s.Claim(ctx, after, after.Add(lease))
		if err != nil || taken.ID != a.ID || taken.Attempts != 2 {
			t.Fatalf("take-over: %+v, %v", taken, err)
		}
		if ok, err := s.Finish(ctx, a.ID, 1, notify.Outcome{Status: notify.StatusSent, At: after}); ok || err != nil {
			t.Fatalf("finish by the lease's former holder: %v %v, want refused", ok, err)
		}
		if ok, err := s.Finish(ctx, a.ID, 2, notify.Outcome{Status: notify.StatusSent, At: after}); !ok || err != nil {
			t.Fatalf("finish by the holder: %v %v", ok, err)
		}
		if ok, err := s.Finish(ctx, a.ID, 2, notify.Outcome{Status: notify.StatusSent, At: after}); ok || err != nil {
			t.Fatalf("finish twice: %v %v, want refused", ok, err)
		}
		// Not due yet at retryAt - 1s; due at retryAt.
		if m, err := s.Claim(ctx, retryAt.Add(-time.Second), retryAt.Add(lease)); !errors.Is(err, notify.ErrNothingDue) {
			t.Fatalf("claim before the retry time: %+v, %v", m, err)
		}
		if m, err := s.Claim(ctx, retryAt, retryAt.Add(lease)); err != nil || m.ID != b.ID || m.Attempts != 2 {
			t.Fatalf("claim at the retry time: %+v, %v", m, err)
		}
		if ok, err := s.Finish(ctx, b.ID, 2, notify.Outcome{Status: notify.StatusFailed, At: retryAt, Error: "550"}); !ok || err != nil {
			t.Fatalf("finish failed: %v %v", ok, err)
		}
		if n, err := s.Purge(ctx, retryAt); err != nil || n != 1 {
			t.Fatalf("purge before %s: %d, %v; want the sent one", retryAt, n, err)
		}
		if n, err := s.Purge(ctx, retryAt.Add(time.Second)); err != nil || n != 1 {
			t.Fatalf("purge: %d, %v; want the failed one", n, err)
		}
		if got, err := s.Message(ctx, later.ID); err != nil || got.Status != notify.StatusPending {
			t.Fatalf("a pending message was purged: %+v %v", got, err)
		}
	})

	t.Run("concurrent claims take each message once", func(t *testing.T) {
		s := open(t)
		const n = 12
		for i := range n {
			if _, err := s.Add(ctx, Mail(notify.KindGradeAvailable, fmt.Sprintf("u%02d", i), "2026-03-01", "k", T0)); err != nil {
				t.Fatal(err)
			}
		}
		var mu sync.Mutex
		var got []string
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					m, err := s.Claim(ctx, T0, T0.Add(lease))
					if errors.Is(err, notify.ErrNothingDue) {
						return
					}
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					got = append(got, m.ID)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		slices.Sort(got)
		if len(got) != n || len(slices.Compact(got)) != n {
			t.Fatalf("claimed %d messages, %d distinct: %v", len(got), len(slices.Compact(got)), got)
		}
	})

	t.Run("preferences and hooks", func(t *testing.T) {
		s := open(t)
		p, err := s.Prefs(ctx, "u1")
		if err != nil || len(p.Off) != 0 {
			t.Fatalf("default prefs: %+v %v", p, err)
		}
		want := notify.Prefs{Off: []notify.Kind{notify.KindDeadline, notify.KindQueueNew}}
		if err := s.SetPrefs(ctx, "u1", want); err != nil {
			t.Fatal(err)
		}
		if p, err = s.Prefs(ctx, "u1"); err != nil || !slices.Equal(p.Off, want.Off) {
			t.Fatalf("prefs: %+v %v", p, err)
		}
		if err := s.SetPrefs(ctx, "u1", notify.Prefs{}); err != nil {
			t.Fatal(err)
		}
		if p, err = s.Prefs(ctx, "u1"); err != nil || len(p.Off) != 0 {
			t.Fatalf("prefs back on: %+v %v", p, err)
		}

		h, err := s.Hook(ctx, "s1")
		if err != nil || h.URL != "" || h.SessionID != "s1" || h.QueueThreshold() != notify.DefaultThreshold {
			t.Fatalf("default hook: %+v %v", h, err)
		}
		if ok, err := s.MarkReminded(ctx, "s1", "1|submission|1"); !ok || err != nil {
			t.Fatalf("mark reminded: %v %v", ok, err)
		}
		if ok, err := s.MarkReminded(ctx, "s1", "1|submission|1"); ok || err != nil {
			t.Fatalf("mark reminded twice: %v %v", ok, err)
		}
		if err := s.SetWebhook(ctx, "s1", "https://chat.example.org/hooks/abc", 4); err != nil {
			t.Fatal(err)
		}
		for i, want := range []bool{true, false} {
			if ok, err := s.SetQueueAlerted(ctx, "s1", true); ok != want || err != nil {
				t.Fatalf("set alerted #%d: %v %v", i+1, ok, err)
			}
		}
		h, err = s.Hook(ctx, "s1")
		if err != nil || h.URL != "https://chat.example.org/hooks/abc" || h.Threshold != 4 || !h.QueueAlerted || !h.HasReminded("1|submission|1") {
			t.Fatalf("hook: %+v %v", h, err)
		}
		if ok, err := s.SetQueueAlerted(ctx, "s1", false); !ok || err != nil {
			t.Fatalf("reset alerted: %v %v", ok, err)
		}
		if err := s.SetWebhook(ctx, "s1", "", 0); err != nil {
			t.Fatal(err)
		}
		if h, err = s.Hook(ctx, "s1"); err != nil || h.URL != "" || h.QueueAlerted || !h.HasReminded("1|submission|1") {
			t.Fatalf("cleared hook: %+v %v", h, err)
		}
	})
}
