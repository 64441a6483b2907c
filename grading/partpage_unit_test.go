package grading_test

import (
	"errors"
	"testing"
	"time"

	"librecours/course"
	"librecours/grading"
	"librecours/grading/gradingtest"
)

func TestServicePartPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.submit(t, 1, "p1", "p2", "p3", "p4")
	t.Run("errors", func(t *testing.T) {
		_, err := e.svc.PartPage(ctx, nil, sid, 1)
		wantErr(t, err, course.ErrUnauthenticated)
		_, err = e.svc.PartPage(ctx, outsider, sid, 1)
		wantErr(t, err, course.ErrForbidden)
		_, err = e.svc.PartPage(ctx, user("p1"), sid, 4)
		wantErr(t, err, grading.ErrNotFound)
	})
	tests := []struct {
		name  string
		at    time.Time
		setup func(t *testing.T)
		actor *course.User
		check func(t *testing.T, pg *grading.PartPage)
	}{
		{name: "participant who submitted, on time", at: t0.Add(2 * day), actor: user("p1"), check: func(t *testing.T, pg *grading.PartPage) {
			if pg.Mine == nil || pg.Mine.Submission.AuthorID != "p1" || !pg.CanSubmit || pg.LateOnly || pg.Shown != grading.ShownSubmission || pg.Stats != nil || pg.Manage {
				t.Errorf("page %+v", pg)
			}
			if pg.Exercise.Part != 1 || pg.Exercise.MaxTotal() != 10 {
				t.Errorf("exercise %+v", pg.Exercise)
			}
		}},
		{name: "participant yet to submit, after the deadline", at: part(1).SubmissionDue.Add(time.Hour), actor: user("p6"), check: func(t *testing.T, pg *grading.PartPage) {
			if pg.Mine != nil || !pg.CanSubmit || !pg.LateOnly || pg.Shown != grading.ShownAwaiting {
				t.Errorf("page %+v", pg)
			}
		}},
		{name: "participant who submitted, after the deadline", at: part(1).SubmissionDue.Add(time.Hour), actor: user("p2"), check: func(t *testing.T, pg *grading.PartPage) {
			if pg.CanSubmit || pg.LateOnly {
				t.Errorf("page %+v", pg)
			}
		}},
		{name: "staff before assignment", at: t0.Add(2 * day), actor: anim, check: func(t *testing.T, pg *grading.PartPage) {
			if !pg.Manage || pg.Enrolled || pg.Stats == nil || *pg.Stats != (grading.PartStats{Submissions: 4}) {
				t.Errorf("page %+v, stats %+v", pg, pg.Stats)
			}
			im := pg.AssignImpact(t0.Add(2 * day))
			if im.Enrolled != 6 || im.Submitted != 4 || im.Missing != 2 || im.Reviews != 12 || im.TimeLost != 5*day || !im.LateAccepted {
				t.Errorf("assign impact %+v", im)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.clock.Set(tt.at)
			pg, err := e.svc.PartPage(ctx, tt.actor, sid, 1)
			noErr(t, err)
			tt.check(t, pg)
		})
	}
	t.Run("part 2 before it opens", func(t *testing.T) {
		e.clock.Set(t0.Add(day))
		pg, err := e.svc.PartPage(ctx, user("p1"), sid, 2)
		noErr(t, err)
		if pg.CanSubmit || pg.Shown != grading.ShownUpcoming || pg.Mine != nil {
			t.Errorf("page %+v", pg)
		}
	})

	e.assign(t, 1)
	e.clock.Set(part(1).SubmissionDue.Add(day))
	e.finishAll(t, 1, "p1", 5, 2)
	for _, tt := range []struct {
		id      string
		allDone bool
	}{{"p1", true}, {"p2", false}} {
		pg, err := e.svc.PartPage(ctx, user(tt.id), sid, 1)
		noErr(t, err)
		if len(pg.Reviews) != 3 || pg.AllDone != tt.allDone || pg.Shown != grading.ShownReview {
			t.Errorf("%s: %d reviews, all done %v, shown %s", tt.id, len(pg.Reviews), pg.AllDone, pg.Shown)
		}
	}
	pg, err := e.svc.PartPage(ctx, coord, sid, 1)
	noErr(t, err)
	if *pg.Stats != (grading.PartStats{Submissions: 4, Reviews: 12, ReviewsDone: 3}) {
		t.Errorf("stats %+v", pg.Stats)
	}
	if im := pg.CloseImpact(e.clock.Now()); im.Reviews != 12 || im.Undone != 9 || im.TimeLost != 6*day {
		t.Errorf("close impact %+v", im)
	}
}

func TestServiceNextStep(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, err := e.svc.NextStep(ctx, nil, newSession())
	wantErr(t, err, course.ErrUnauthenticated)

	e.clock.Set(t0.Add(day))
	ns, err := e.svc.NextStep(ctx, user("p1"), newSession())
	noErr(t, err)
	if ns.Due == nil || ns.Due.Kind != "submission" || ns.Due.Part != 1 || !ns.Due.At.Equal(part(1).SubmissionDue) {
		t.Errorf("before submitting: %+v", ns.Due)
	}
	e.submit(t, 1, "p1", "p2", "p3")
	e.assign(t, 1)
	e.clock.Set(part(1).SubmissionDue.Add(time.Hour))
	ns, err = e.svc.NextStep(ctx, user("p1"), newSession())
	noErr(t, err)
	if ns.ReviewsToDo != 2 || ns.Due == nil {
		t.Fatalf("after assignment: %+v", ns)
	}
	// Part 2's submission (due at t0+14d) and part 1's reviews (same time):
	// either is next, both before part 2's review deadline.
	if ns.Due.Kind != "review" && ns.Due.Kind != "submission" {
		t.Errorf("next: %+v", ns.Due)
	}

	s := newSession()
	at := t0
	s.ClosedAt = &at
	ns, err = e.svc.NextStep(ctx, user("p1"), s)
	noErr(t, err)
	if ns.Due != nil || ns.ReviewsToDo != 0 {
		t.Errorf("closed session: %+v", ns)
	}

	boom := errors.New("boom")
	for _, op := range []string{"PartStates", "SubmissionsByAuthor", "ReviewsByReviewer"} {
		e.store.Fail = func(o string) error {
			if o == op {
				return boom
			}
			return nil
		}
		_, err := e.svc.NextStep(ctx, user("p1"), newSession())
		wantErr(t, err, boom)
	}
}

func TestServiceWarmQueues(t *testing.T) {
	t.Parallel()
	e, _ := closedWith(t, map[string]int{"p4": 3}) // p4's grade is in doubt: queued
	// Without a Stamper there is nothing to keep.
	noErr(t, e.svc.WarmQueues(ctx))

	upcoming := newSession()
	upcoming.ID, upcoming.StartsOn = "s-later", "2027-01-04"
	for i := range upcoming.Parts {
		upcoming.Parts[i].OpensAt = upcoming.Parts[i].OpensAt.AddDate(1, 0, 0)
	}
	e.course.AddSession(upcoming)
	stamped := gradingtest.Stamped{Store: e.store}
	e.svc.Store = stamped
	var stamps []string
	boom := errors.New("boom")
	e.store.Fail = func(op string) error {
		if op == "GradingStamp" {
			stamps = append(stamps, op)
		}
		return nil
	}
	noErr(t, e.svc.WarmQueues(ctx))
	if len(stamps) != 1 {
		t.Errorf("%d sessions warmed, want 1 (the other has not opened)", len(stamps))
	}
	// The warmed view is the one Corrections serves.
	q, err := e.svc.Corrections(ctx, anim, sid)
	noErr(t, err)
	if len(q) == 0 {
		t.Error("empty queue after warming")
	}

	e.store.Fail = func(op string) error {
		if op == "GradingStamp" || op == "Reviews" {
			return boom
		}
		return nil
	}
	wantErr(t, e.svc.WarmQueues(ctx), boom)
	e.store.Fail = nil
	e.course.Fail = func(string) error { return boom }
	wantErr(t, e.svc.WarmQueues(ctx), boom)

	// A store that cannot tell its stamp computes every time.
	e.course.Fail = nil
	e.svc.Store = gradingtest.Stamped{Store: e.store, Unknown: true}
	noErr(t, e.svc.WarmQueues(ctx))
	q2, err := e.svc.Corrections(ctx, anim, sid)
	noErr(t, err)
	if len(q2) != len(q) {
		t.Errorf("queue of %d without a stamp, %d with", len(q2), len(q))
	}
}
