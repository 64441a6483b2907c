package grading_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"librecours/course"
	"librecours/grading"
	"librecours/grading/gradingtest"
)

func TestLeaseEnd(t *testing.T) {
	t.Parallel()
	p := part(1) // reviews due 14 days after t0
	tests := []struct {
		name     string
		assigned time.Time
		want     time.Time
	}{
		{name: "a full lease", assigned: p.SubmissionDue, want: p.SubmissionDue.Add(grading.ReviewLease)},
		{name: "cut a day before the deadline", assigned: p.ReviewDue.Add(-60 * time.Hour), want: p.ReviewDue.Add(-grading.ReviewLeaseMargin)},
		{name: "halfway when the deadline is close", assigned: p.ReviewDue.Add(-10 * time.Hour), want: p.ReviewDue.Add(-5 * time.Hour)},
		{name: "at least a minute", assigned: p.ReviewDue, want: p.ReviewDue.Add(time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := grading.LeaseEnd(p, tt.assigned); !got.Equal(tt.want) {
				t.Errorf("LeaseEnd = %v, want %v", got, tt.want)
			}
		})
	}
}

// closed is a session whose part 1 was submitted by p1..p5, assigned, and
// reviewed by everyone but p5, then graded at its review deadline: p5's
// reviews are missing, so some submissions are short of reviews.
func closed(t *testing.T) (*env, map[string]*grading.Submission) {
	t.Helper()
	return closedWith(t, nil)
}

// closedWith is closed with the reviews of the authors of fond given that
// many points for their work's substance.
func closedWith(t *testing.T, fondOf map[string]int) (*env, map[string]*grading.Submission) {
	t.Helper()
	e := newEnv(t)
	subs := e.submit(t, 1, "p1", "p2", "p3", "p4", "p5")
	e.assign(t, 1)
	e.clock.Set(part(1).SubmissionDue.Add(day))
	for _, id := range []string{"p1", "p2", "p3", "p4"} {
		for _, r := range e.reviewsOf(t, 1, id) {
			fond := 6
			if r.AuthorID == "p1" {
				fond = 8 // everyone finds p1's work excellent
			}
			if r.AuthorID == "p2" {
				fond = 1 // and p2's poor
			}
			if f, ok := fondOf[r.AuthorID]; ok {
				fond = f
			}
			e.review(t, r, fond, 2)
		}
	}
	e.clock.Set(part(1).ReviewDue)
	n, err := e.svc.ClosePart(ctx, nil, sid, 1)
	noErr(t, err)
	if n != 5 {
		t.Fatalf("%d graded, want 5", n)
	}
	return e, subs
}

func TestServiceClosePart(t *testing.T) {
	t.Parallel()
	t.Run("grades follow the reviews", func(t *testing.T) {
		t.Parallel()
		e, subs := closed(t)
		st, err := e.store.PartState(ctx, sid, 1)
		noErr(t, err)
		if st.Phase != grading.PhaseClosed || !st.ClosedAt.Equal(part(1).ReviewDue) {
			t.Errorf("state %+v", st)
		}
		grade := map[string]*grading.Grade{}
		for id, s := range subs {
			sub, err := e.store.SubmissionByID(ctx, s.ID)
			noErr(t, err)
			g := sub.Grade
			if g == nil || g.Source != grading.SourcePeers || g.Score < 0 || g.Score > 100 || g.ReviewCount < 1 || g.ReviewCount > 3 {
				t.Fatalf("%s: grade %+v", id, g)
			}
			grade[id] = g
			// Fewer than k done reviews: the animators must look at it.
			if (g.ReviewCount < 3) != (sub.QueuedAt != nil) {
				t.Errorf("%s: %d reviews, queued %v", id, g.ReviewCount, sub.QueuedAt)
			}
		}
		if grade["p1"].Score <= grade["p2"].Score {
			t.Errorf("p1 reviewed 100%% scores %v, p2 reviewed 30%% scores %v", grade["p1"].Score, grade["p2"].Score)
		}
		ev := e.events.Events()
		if last := ev[len(ev)-1]; last.Kind != "graded" || last.Graded != 5 || last.Part != 1 {
			t.Errorf("last event %+v", last)
		}
		// Closing again only counts.
		n, err := e.svc.ClosePart(ctx, coord, sid, 1)
		noErr(t, err)
		if n != 5 {
			t.Errorf("closing again: %d", n)
		}
	})
	t.Run("errors", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		_, err := e.svc.ClosePart(ctx, user("p1"), sid, 1)
		wantErr(t, err, course.ErrForbidden)
		_, err = e.svc.ClosePart(ctx, coord, sid, 7)
		wantErr(t, err, grading.ErrNotFound)
		_, err = e.svc.ClosePart(ctx, coord, sid, 1)
		wantErr(t, err, grading.ErrReviewsNotOpen)
		_, err = e.svc.ClosePart(ctx, nil, "nope", 1)
		wantErr(t, err, course.ErrNotFound)
		e.store.SetPartState(grading.PartState{SessionID: sid, Part: 1, Phase: grading.PhaseClosing, ClaimedAt: t0})
		_, err = e.svc.ClosePart(ctx, coord, sid, 1)
		wantErr(t, err, grading.ErrConflict)
	})
	t.Run("scheduler assigns then grades a part never assigned", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.submit(t, 1, "p1", "p2")
		e.clock.Set(part(1).ReviewDue)
		n, err := e.svc.ClosePart(ctx, nil, sid, 1)
		noErr(t, err)
		if n != 0 {
			t.Errorf("%d graded without reviews", n)
		}
		st, err := e.store.PartState(ctx, sid, 1)
		noErr(t, err)
		if st.Phase != grading.PhaseClosed || st.Mode != grading.AssignModeAllPairs {
			t.Errorf("state %+v", st)
		}
	})
	t.Run("staff close early, the animator's grade stands", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		subs := e.submit(t, 1, "p1", "p2", "p3", "p4")
		e.assign(t, 1)
		e.clock.Set(part(1).SubmissionDue.Add(day))
		for _, id := range []string{"p1", "p2", "p3", "p4"} {
			e.finishAll(t, 1, id, 5, 1)
		}
		_, err := e.svc.SetGrade(ctx, anim, subs["p3"].ID, 42.04, "Revu par l’animateur")
		noErr(t, err)
		n, err := e.svc.ClosePart(ctx, anim, sid, 1)
		noErr(t, err)
		if n != 4 {
			t.Errorf("%d graded, want 4", n)
		}
		if u := e.course.Updated; len(u) != 1 || !u[0].ReviewDue.Equal(part(1).SubmissionDue.Add(day)) {
			t.Errorf("review deadline not moved to now: %+v", u)
		}
		sub, err := e.store.SubmissionByID(ctx, subs["p3"].ID)
		noErr(t, err)
		if g := sub.Grade; g.Source != grading.SourceAnimator || g.Score != 42 || g.Method != grading.GradeMethodAnimator {
			t.Errorf("animator's grade replaced: %+v", g)
		}
		for _, id := range []string{"p1", "p2", "p4"} {
			sub, err := e.store.SubmissionByID(ctx, subs[id].ID)
			noErr(t, err)
			if sub.Grade == nil || sub.Grade.Source != grading.SourcePeers || sub.QueuedAt != nil {
				t.Errorf("%s: grade %+v, queued %v", id, sub.Grade, sub.QueuedAt)
			}
		}
	})
}

func TestServiceCorrections(t *testing.T) {
	t.Parallel()
	for _, stamped := range []bool{false, true} {
		name := "plain store"
		if stamped {
			name = "stamped store"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			// p4's work is found half good: its grade could be on either
			// side of the pass mark.
			e, subs := closedWith(t, map[string]int{"p4": 3})
			if stamped {
				e.svc.Store = gradingtest.Stamped{Store: e.store}
			}
			_, err := e.svc.Corrections(ctx, nil, sid)
			wantErr(t, err, course.ErrUnauthenticated)
			_, err = e.svc.Corrections(ctx, user("p1"), sid)
			wantErr(t, err, course.ErrForbidden)
			_, err = e.svc.Corrections(ctx, anim, "nope")
			wantErr(t, err, course.ErrNotFound)

			queue, err := e.svc.Corrections(ctx, anim, sid)
			noErr(t, err)
			// Work short of reviews shows it; only the work whose pass or
			// fail is in doubt (p4's, around 50) is queued for it.
			var short []string
			for id, s := range subs {
				sub, err := e.store.SubmissionByID(ctx, s.ID)
				noErr(t, err)
				if sub.Grade.ReviewCount >= 3 {
					continue
				}
				short = append(short, sub.ID)
				it, err := e.svc.StaffSubmission(ctx, anim, s.ID)
				noErr(t, err)
				want := []string{grading.ReasonMissingReviews}
				if id == "p4" {
					want = append(want, grading.ReasonDoubt)
				}
				if !slices.Equal(it.Reasons, want) {
					t.Errorf("%s (grade %v ± %.1f): reasons %v, want %v", id, it.Model.Grade, it.Model.SD, it.Reasons, want)
				}
			}
			if len(short) < 2 || !slices.Contains(short, subs["p4"].ID) {
				t.Fatalf("%d submissions short of reviews, p4's among them: want it and another", len(short))
			}
			if len(queue) != 1 || queue[0].Submission.ID != subs["p4"].ID || !queue[0].Urgent || queue[0].Resolved || queue[0].Doubt <= 0 {
				t.Fatalf("queue %+v, want p4's work alone, urgent", queue)
			}
			sum, err := e.svc.Queue(ctx, anim, sid)
			noErr(t, err)
			if sum.Size != len(queue) || sum.Urgent != len(queue) || sum.Appeals != 0 || !sum.Oldest.Equal(part(1).ReviewDue) {
				t.Errorf("summary %+v", sum)
			}

			// An appeal puts its submission first.
			done := slices.IndexFunc(e.reviewsOf(t, 1, "p1"), func(r grading.Review) bool { return !slices.Contains(short, r.SubmissionID) })
			if done < 0 {
				t.Fatal("no fully reviewed submission reviewed by p1")
			}
			r := e.reviewsOf(t, 1, "p1")[done]
			e.clock.Set(part(1).ReviewDue.Add(day))
			noErr(t, e.svc.FlagReview(ctx, user(r.AuthorID), r.ID, "Cette évaluation est injuste."))
			queue, err = e.svc.Corrections(ctx, coord, sid)
			noErr(t, err)
			if len(queue) != 2 || queue[0].Submission.ID != r.SubmissionID || queue[0].Reasons[0] != grading.ReasonAppeal {
				t.Fatalf("after the appeal, queue head %+v", queue[0])
			}
			if !queue[0].EnteredAt.Equal(part(1).ReviewDue.Add(day)) {
				t.Errorf("appeal entered at %v", queue[0].EnteredAt)
			}

			// NextInQueue goes round the queue.
			next, err := e.svc.NextInQueue(ctx, anim, sid, queue[0].Submission.ID)
			noErr(t, err)
			if next != queue[1].Submission.ID {
				t.Errorf("next = %q, want %q", next, queue[1].Submission.ID)
			}
			next, err = e.svc.NextInQueue(ctx, anim, sid, "not-in-queue")
			noErr(t, err)
			if next != queue[0].Submission.ID {
				t.Errorf("next after an unknown item = %q, want the head", next)
			}
			_, err = e.svc.NextInQueue(ctx, user("p1"), sid, "x")
			wantErr(t, err, course.ErrForbidden)

			// Deciding resolves it.
			_, err = e.svc.ConfirmGrade(ctx, anim, r.SubmissionID, "")
			noErr(t, err)
			queue, err = e.svc.Corrections(ctx, coord, sid)
			noErr(t, err)
			if slices.ContainsFunc(queue, func(it grading.QueueItem) bool { return it.Submission.ID == r.SubmissionID }) {
				t.Error("confirmed appeal still in the queue")
			}
		})
	}
}

func TestServiceStaffSubmission(t *testing.T) {
	t.Parallel()
	e, subs := closed(t)
	it, err := e.svc.StaffSubmission(ctx, anim, subs["p1"].ID)
	noErr(t, err)
	if it.Submission.Text != "Le travail de p1" || it.Part != 1 || len(it.Reviews) != 3 {
		t.Errorf("item %+v", it)
	}
	for _, r := range it.Reviews {
		if r.Reliability < 0 || r.Reliability > 1 || r.Quality < 0 || r.Quality > 100 {
			t.Errorf("review standing %+v", r)
		}
	}
	_, err = e.svc.StaffSubmission(ctx, user("p1"), subs["p1"].ID)
	wantErr(t, err, course.ErrForbidden)
	_, err = e.svc.StaffSubmission(ctx, anim, "nope")
	wantErr(t, err, grading.ErrNotFound)
}

func TestServiceSetGrade(t *testing.T) {
	t.Parallel()
	e, subs := closed(t)
	id := subs["p2"].ID
	tests := []struct {
		name    string
		actor   *course.User
		sub     string
		score   float64
		comment string
		wantErr error
		wantKey string
	}{
		{name: "anonymous", sub: id, score: 50, comment: "ok", wantErr: course.ErrUnauthenticated},
		{name: "participant", actor: user("p3"), sub: id, score: 50, comment: "ok", wantErr: course.ErrForbidden},
		{name: "unknown submission", actor: anim, sub: "nope", score: 50, comment: "ok", wantErr: grading.ErrNotFound},
		{name: "score above 100", actor: anim, sub: id, score: 100.5, comment: "ok", wantKey: "grading.grade.score_range"},
		{name: "negative score", actor: anim, sub: id, score: -1, comment: "ok", wantKey: "grading.grade.score_range"},
		{name: "no comment", actor: anim, sub: id, score: 50, comment: "  ", wantKey: "grading.grade.comment_required"},
		{name: "comment too long", actor: anim, sub: id, score: 50, comment: strings.Repeat("é", 5001), wantKey: "grading.review.comment_too_long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.SetGrade(ctx, tt.actor, tt.sub, tt.score, tt.comment)
			if tt.wantErr != nil {
				wantErr(t, err, tt.wantErr)
			} else {
				wantKey(t, err, tt.wantKey)
			}
		})
	}
	before, err := e.store.SubmissionByID(ctx, id)
	noErr(t, err)
	e.clock.Set(part(1).ReviewDue.Add(2 * day))
	sub, err := e.svc.SetGrade(ctx, coord, id, 64.36, " Relu en entier. ")
	noErr(t, err)
	if g := sub.Grade; g.Score != 64.4 || g.Source != grading.SourceAnimator || g.ReviewCount != before.Grade.ReviewCount {
		t.Errorf("grade %+v", g)
	}
	if a := sub.Animator; a == nil || a.By != "coord" || a.Comment != "Relu en entier." || a.Confirm || !a.At.Equal(e.clock.Now()) {
		t.Errorf("animator decision %+v", a)
	}
	audit := e.audit.Entries()
	if len(audit) != 1 || audit[0].Action != course.AuditGradeOverride || audit[0].Target != id || audit[0].ActorID != "coord" || audit[0].Detail != course.AuditDetail("audit.detail.grade", map[string]string{"Part": "1", "Score": "64.4"}) {
		t.Errorf("audit %+v", audit)
	}
}

func TestServiceSetRubricGrade(t *testing.T) {
	t.Parallel()
	e, subs := closed(t)
	sub, err := e.svc.SetRubricGrade(ctx, anim, subs["p3"].ID, map[string]int{"fond": 5, "forme": 2}, "Selon la grille")
	noErr(t, err)
	if sub.Grade.Score != 70 || sub.Grade.Source != grading.SourceAnimator {
		t.Errorf("grade %+v", sub.Grade)
	}
	_, err = e.svc.SetRubricGrade(ctx, anim, subs["p3"].ID, map[string]int{"fond": 5}, "Selon la grille")
	wantKey(t, err, "grading.review.score_missing")
	_, err = e.svc.SetRubricGrade(ctx, user("p3"), subs["p3"].ID, map[string]int{"fond": 5, "forme": 2}, "x")
	wantErr(t, err, course.ErrForbidden)
}

func TestServiceConfirmGrade(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	subs := e.submit(t, 1, "p1", "p2")
	_, err := e.svc.ConfirmGrade(ctx, anim, subs["p1"].ID, "")
	wantErr(t, err, grading.ErrConflict) // nothing to confirm yet
	_, err = e.svc.ConfirmGrade(ctx, nil, subs["p1"].ID, "")
	wantErr(t, err, course.ErrUnauthenticated)

	e, cl := closed(t)
	before, err := e.store.SubmissionByID(ctx, cl["p1"].ID)
	noErr(t, err)
	sub, err := e.svc.ConfirmGrade(ctx, anim, cl["p1"].ID, " juste ")
	noErr(t, err)
	if !sub.Animator.Confirm || sub.Animator.Score != before.Grade.Score || sub.Animator.Comment != "juste" {
		t.Errorf("confirmation %+v", sub.Animator)
	}
	if sub.Grade.Source != grading.SourcePeers || sub.Grade.Score != before.Grade.Score {
		t.Errorf("confirming changed the grade: %+v", sub.Grade)
	}
	if a := e.audit.Entries(); len(a) != 1 || a[0].Action != course.AuditGradeConfirm {
		t.Errorf("audit %+v", a)
	}
}

func TestServiceReassign(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	subs := e.submit(t, 1, "p1", "p2", "p3", "p4", "p5")
	e.assign(t, 1)
	e.clock.Set(part(1).SubmissionDue.Add(day))
	mine := e.reviewsOf(t, 1, "p1")
	done := e.review(t, mine[0], 4, 1)
	open := mine[1]
	others, err := e.store.ReviewsBySubmission(ctx, open.SubmissionID)
	noErr(t, err)
	otherReviewer := ""
	for _, r := range others {
		if r.ReviewerID != "p1" {
			otherReviewer = r.ReviewerID
		}
	}
	tests := []struct {
		name     string
		actor    *course.User
		review   string
		reviewer string
		wantErr  error
		wantKey  string
	}{
		{name: "anonymous", review: open.ID, reviewer: "p6", wantErr: course.ErrUnauthenticated},
		{name: "participant", actor: user("p2"), review: open.ID, reviewer: "p6", wantErr: course.ErrForbidden},
		{name: "unknown review", actor: anim, review: "nope", reviewer: "p6", wantErr: grading.ErrNotFound},
		{name: "done already", actor: anim, review: done.ID, reviewer: "p6", wantErr: grading.ErrConflict},
		{name: "not enrolled", actor: anim, review: open.ID, reviewer: "out", wantKey: "grading.review.reviewer_invalid"},
		{name: "the author", actor: anim, review: open.ID, reviewer: open.AuthorID, wantKey: "grading.review.reviewer_invalid"},
		{name: "already reviewing it", actor: anim, review: open.ID, reviewer: otherReviewer, wantKey: "grading.review.reviewer_invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.Reassign(ctx, tt.actor, tt.review, tt.reviewer)
			if tt.wantErr != nil {
				wantErr(t, err, tt.wantErr)
			} else {
				wantKey(t, err, tt.wantKey)
			}
		})
	}
	got, err := e.svc.Reassign(ctx, coord, open.ID, "p6")
	noErr(t, err)
	if got.ReviewerID != "p6" || got.TakenFrom != "p1" || got.Required || !got.AssignedAt.Equal(e.clock.Now()) {
		t.Errorf("reassigned %+v", got)
	}
	if a := e.audit.Entries(); len(a) != 1 || a[0].Action != course.AuditReassign || a[0].Target != open.ID {
		t.Errorf("audit %+v", a)
	}
	// p1 no longer holds it.
	_, err = e.svc.SaveReview(ctx, user("p1"), open.ID, map[string]int{"fond": 1, "forme": 1}, comment)
	wantErr(t, err, course.ErrForbidden)
	_ = subs
}

func TestServiceFlagReview(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.submit(t, 1, "p1", "p2", "p3", "p4")
	e.assign(t, 1)
	e.clock.Set(part(1).SubmissionDue.Add(day))
	rs := e.reviewsOf(t, 1, "p1")
	done := e.review(t, rs[0], 2, 0)
	reason := "La note ne suit pas la grille."
	tests := []struct {
		name    string
		actor   *course.User
		review  string
		reason  string
		wantErr error
		wantKey string
	}{
		{name: "anonymous", review: done.ID, reason: reason, wantErr: course.ErrUnauthenticated},
		{name: "unknown review", actor: user(done.AuthorID), review: "nope", reason: reason, wantErr: grading.ErrNotFound},
		{name: "not the author", actor: user("p1"), review: done.ID, reason: reason, wantErr: grading.ErrNotFound},
		{name: "not handed in", actor: user(rs[1].AuthorID), review: rs[1].ID, reason: reason, wantErr: grading.ErrConflict},
		{name: "reason too short", actor: user(done.AuthorID), review: done.ID, reason: " injuste ", wantKey: "grading.flag.reason_length"},
		{name: "reason too long", actor: user(done.AuthorID), review: done.ID, reason: strings.Repeat("a", 5001), wantKey: "grading.flag.reason_length"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.svc.FlagReview(ctx, tt.actor, tt.review, tt.reason)
			if tt.wantErr != nil {
				wantErr(t, err, tt.wantErr)
			} else {
				wantKey(t, err, tt.wantKey)
			}
		})
	}
	noErr(t, e.svc.FlagReview(ctx, user(done.AuthorID), done.ID, reason))
	r, err := e.store.ReviewByID(ctx, done.ID)
	noErr(t, err)
	if r.Flag == nil || r.Flag.Reason != reason || !r.Flag.At.Equal(e.clock.Now()) {
		t.Errorf("flag %+v", r.Flag)
	}
	sub, err := e.store.SubmissionByID(ctx, done.SubmissionID)
	noErr(t, err)
	if sub.QueuedAt == nil {
		t.Error("appealed submission not queued")
	}
	ev := e.events.Events()
	if last := ev[len(ev)-1]; last.Kind != "appealed" || last.ReviewID != done.ID || last.Part != 1 {
		t.Errorf("event %+v", last)
	}
	wantErr(t, e.svc.FlagReview(ctx, user(done.AuthorID), done.ID, reason), grading.ErrAlreadyFlagged)
	// Without a notifier the appeal is still recorded.
	e.svc.Events = nil
	noErr(t, e.svc.FlagReview(ctx, user(rs[2].AuthorID), e.review(t, rs[2], 1, 1).ID, reason))
}

func TestServiceExtraReview(t *testing.T) {
	t.Parallel()
	t.Run("errors", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		_, err := e.svc.ExtraReview(ctx, nil, sid, 1)
		wantErr(t, err, course.ErrUnauthenticated)
		_, err = e.svc.ExtraReview(ctx, anim, sid, 1)
		wantErr(t, err, course.ErrForbidden)
		_, err = e.svc.ExtraReview(ctx, user("p1"), sid, 9)
		wantErr(t, err, grading.ErrNotFound)
		_, err = e.svc.ExtraReview(ctx, user("p1"), sid, 1)
		wantErr(t, err, grading.ErrReviewsClosed) // not assigned yet
	})
	e := newEnv(t)
	subs := e.submit(t, 1, "p1", "p2", "p3", "p4", "p5")
	e.assign(t, 1)
	e.clock.Set(part(1).SubmissionDue.Add(time.Hour))
	_, err := e.svc.ExtraReview(ctx, user("p1"), sid, 1)
	wantErr(t, err, grading.ErrNoWork) // own reviews first
	e.finishAll(t, 1, "p1", 5, 1)
	_, err = e.svc.ExtraReview(ctx, user("p1"), sid, 1)
	wantErr(t, err, grading.ErrNoWork) // no lease has run out
	// Past the lease, p1 takes over an untouched review of the one other
	// submission they do not review yet.
	e.clock.Set(grading.LeaseEnd(part(1), part(1).SubmissionDue))
	_, err = e.svc.ExtraReview(ctx, user("p2"), sid, 1)
	wantErr(t, err, grading.ErrNoWork) // p2 has not finished theirs
	r, err := e.svc.ExtraReview(ctx, user("p1"), sid, 1)
	noErr(t, err)
	reviewed := map[string]bool{}
	for _, o := range e.reviewsOf(t, 1, "p1") {
		if o.ID != r.ID {
			reviewed[o.SubmissionID] = true
		}
	}
	if r.ReviewerID != "p1" || r.TakenFrom == "" || r.TakenFrom == "p1" || r.SubmissionID == subs["p1"].ID || reviewed[r.SubmissionID] || r.Required {
		t.Errorf("extra review %+v", r)
	}
	// Once it is done, p1 reviews every other submission: no lapsed review
	// is theirs to take.
	e.review(t, *r, 3, 1)
	_, err = e.svc.ExtraReview(ctx, user("p1"), sid, 1)
	wantErr(t, err, grading.ErrNoWork)
	// A late submission is given first.
	late, err := e.svc.Submit(ctx, user("p6"), sid, 1, "En retard", nil)
	noErr(t, err)
	got, err := e.store.ReviewsBySubmission(ctx, late.ID)
	noErr(t, err)
	if !slices.ContainsFunc(got, func(r grading.Review) bool { return r.ReviewerID == "p1" }) {
		t.Fatalf("late work not given to p1: %+v", got)
	}
	e.finishAll(t, 1, "p1", 3, 1)
	_, err = e.svc.ExtraReview(ctx, user("p1"), sid, 1)
	if err != nil && !errors.Is(err, grading.ErrNoWork) {
		t.Fatal(err)
	}
}

func TestServiceTick(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	other := newSession()
	other.ID = "s-closed"
	closedAt := t0
	other.ClosedAt = &closedAt
	e.course.AddSession(other)
	// Six submissions, k=3: p1 does not review two of the others, so could
	// take over two lapsed reviews, but is given one per round.
	subs := e.submit(t, 1, "p1", "p2", "p3", "p4", "p5", "p6")

	e.clock.Set(part(1).SubmissionDue.Add(-time.Minute))
	noErr(t, e.svc.Tick(ctx))
	if st, _ := e.store.PartState(ctx, sid, 1); st.Phase != grading.PhaseSubmission {
		t.Fatalf("assigned before the deadline: %+v", st)
	}

	e.clock.Set(part(1).SubmissionDue)
	noErr(t, e.svc.Tick(ctx))
	states, err := e.svc.PartStates(ctx, sid)
	noErr(t, err)
	if states[1].Phase != grading.PhaseReview || states[2].Phase != grading.PhaseSubmission || len(states) != 6 {
		t.Fatalf("states after the deadline: %+v", states)
	}

	// p1 finishes; past the lease, the others' untouched reviews go to p1,
	// one per round.
	e.clock.Set(part(1).SubmissionDue.Add(time.Hour))
	e.finishAll(t, 1, "p1", 6, 1)
	lease := grading.LeaseEnd(part(1), part(1).SubmissionDue)
	e.clock.Set(lease)
	noErr(t, e.svc.Tick(ctx))
	ev := e.events.Events()
	last := ev[len(ev)-1]
	if last.Kind != "reassigned" || len(last.Reviews) != 1 || last.Reviews[0].ReviewerID != "p1" || last.Reviews[0].TakenFrom == "" {
		t.Fatalf("last event %+v", last)
	}
	if r := last.Reviews[0]; r.AuthorID == "p1" || r.SubmissionID == subs["p1"].ID {
		t.Errorf("p1 given their own work: %+v", r)
	}
	// The next tick in the same scan window does nothing more.
	e.clock.Set(lease.Add(time.Minute))
	noErr(t, e.svc.Tick(ctx))
	if n := len(e.events.Events()); n != len(ev) {
		t.Errorf("%d events after a tick inside the scan window, want %d", n, len(ev))
	}

	e.clock.Set(part(1).ReviewDue)
	noErr(t, e.svc.Tick(ctx))
	if st, _ := e.store.PartState(ctx, sid, 1); st.Phase != grading.PhaseClosed {
		t.Fatalf("not closed at the review deadline: %+v", st)
	}

	boom := errors.New("boom")
	e.store.Fail = func(op string) error {
		if op == "PartStates" {
			return boom
		}
		return nil
	}
	wantErr(t, e.svc.Tick(ctx), boom)
	e.course.Fail = func(string) error { return boom }
	wantErr(t, e.svc.Tick(ctx), boom)
}

// A negative lease turns the automatic hand-over off.
func TestServiceTickLeaseOff(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.svc.ReviewLease = -1
	e.submit(t, 1, "p1", "p2", "p3", "p4", "p5")
	e.assign(t, 1)
	e.clock.Set(part(1).SubmissionDue.Add(time.Hour))
	e.finishAll(t, 1, "p1", 6, 1)
	e.clock.Set(part(1).ReviewDue.Add(-time.Hour))
	noErr(t, e.svc.Tick(ctx))
	for _, ev := range e.events.Events() {
		if ev.Kind == "reassigned" {
			t.Fatalf("reassigned with the lease off: %+v", ev)
		}
	}
}
