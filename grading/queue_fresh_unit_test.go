package grading_test

import (
	"testing"
	"time"

	"librecours/grading/gradingtest"
)

// TestCorrectionQueueFreshness: the page's queue says when it was
// computed, and a view kept while nothing changed keeps that time.
func TestCorrectionQueueFreshness(t *testing.T) {
	t.Parallel()
	e, _ := closedWith(t, map[string]int{"p4": 3}) // p4's grade is in doubt: queued
	e.svc.Store = gradingtest.Stamped{Store: e.store}
	at := e.clock.Now()
	q, err := e.svc.CorrectionQueue(ctx, anim, sid)
	noErr(t, err)
	want, err := e.svc.Corrections(ctx, anim, sid)
	noErr(t, err)
	if len(q.Items) == 0 || len(q.Items) != len(want) || q.Stale || !q.At.Equal(at) {
		t.Fatalf("first queue: %d items (Corrections %d), stale %v, at %v (want %v)", len(q.Items), len(want), q.Stale, q.At, at)
	}
	e.clock.Set(at.Add(time.Hour))
	again, err := e.svc.CorrectionQueue(ctx, anim, sid)
	noErr(t, err)
	if !again.At.Equal(at) || again.Stale {
		t.Fatalf("nothing changed: computed at %v (want the kept view of %v), stale %v", again.At, at, again.Stale)
	}
	if _, err := e.svc.CorrectionQueue(ctx, nil, sid); err == nil {
		t.Fatal("a queue for nobody")
	}
}
