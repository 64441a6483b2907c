package web

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"librecours/course"
	"librecours/grading"
	"librecours/notify"
)

// TestLapsedReviewsHandedOver: the scheduler hands a review untouched past
// its lease to a participant who finished theirs, tells them, and gives
// nothing to someone who has not finished.
func TestLapsedReviewsHandedOver(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e, ctx, sid := f.e, t.Context(), f.session.ID
	f.peerWork(t) // assigned by staff on 2026-03-02 at 10:00 UTC
	part, _ := f.session.Part(1)
	leaseEnd := grading.LeaseEnd(part, time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	if want := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC); !leaseEnd.Equal(want) {
		t.Fatalf("lease ends %v, want %v (48 h, more than a day before review_due)", leaseEnd, want)
	}
	ex, err := e.srv.grading.Exercise(ctx, f.part, sid, 1)
	if err != nil {
		t.Fatal(err)
	}
	scores := map[string]int{}
	for _, c := range ex.Rubric {
		scores[c.ID] = c.MaxPoints
	}
	doAll := func(u *course.User) int {
		tasks, err := e.srv.grading.MyReviews(ctx, u, sid, 1)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, tk := range tasks {
			if tk.Review.Status == grading.ReviewDone {
				continue
			}
			if _, err := e.srv.grading.SaveReview(ctx, u, tk.Review.ID, scores, "Une relecture attentive et argumentée."); err != nil {
				t.Fatal(err)
			}
			n++
		}
		return n
	}
	doAll(f.part)
	held := func() (mine []grading.Review) {
		rs, err := e.srv.grading.Store.Reviews(ctx, sid, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if r.ReviewerID == f.part.ID && r.TakenFrom != "" {
				mine = append(mine, r)
			}
		}
		return mine
	}

	e.clock.Set(leaseEnd.Add(-time.Minute))
	e.jobs.Tick(ctx)
	if got := held(); len(got) != 0 {
		t.Fatalf("handed over before the lease ended: %+v", got)
	}
	e.clock.Set(leaseEnd)
	e.jobs.Tick(ctx)
	got := held()
	if len(got) != 1 {
		t.Fatalf("handed over at the lease's end: %d reviews, want 1 (one at a time)", len(got))
	}
	r := got[0]
	if r.Required || r.Status != grading.ReviewAssigned || r.AuthorID == f.part.ID || r.TakenFrom == f.part.ID {
		t.Fatalf("handed-over review %+v", r)
	}
	// The new reviewer is told, in the day's reviews-assigned e-mail.
	m, err := e.notifier.store.Message(ctx, notify.MailID(notify.KindReviewsAssigned, f.part.ID, "2026-03-04"))
	if err != nil || !slices.ContainsFunc(m.Events, func(ev notify.Event) bool {
		return ev.Key == fmt.Sprintf("reassigned|%s|%s", r.ID, f.part.ID) && ev.Count == 1
	}) {
		t.Fatalf("no notification of the handed-over review: %+v %v", m, err)
	}
	// Busy again: the next scans give Paul nothing more until he is done.
	e.clock.Set(leaseEnd.Add(time.Hour))
	e.jobs.Tick(ctx)
	if got := held(); len(got) != 1 {
		t.Fatalf("%d reviews handed to someone still busy, want 1", len(got))
	}
	if n := doAll(f.part); n != 1 {
		t.Fatalf("did %d handed-over reviews, want 1", n)
	}
	// Done again, but Paul now reviews every other submission of the part:
	// none of the lapsed reviews left may go to him.
	e.clock.Set(leaseEnd.Add(2 * time.Hour))
	e.jobs.Tick(ctx)
	if got := held(); len(got) != 1 {
		t.Fatalf("after finishing: %d handed-over reviews, want still 1 (nothing he may take)", len(got))
	}
}

// TestTickAssignsEachPartOnItsOwnDates: part 1's submission deadline moved
// past part 2's holds part 2 back no longer.
func TestTickAssignsEachPartOnItsOwnDates(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e, ctx, sid := f.e, t.Context(), f.session.ID
	p1, _ := f.session.Part(1)
	p2, _ := f.session.Part(2)
	p1.SubmissionDue, p1.ReviewDue = p2.SubmissionDue.Add(48*time.Hour), p2.ReviewDue.Add(48*time.Hour)
	if err := e.db.Stores().Course.UpdatePart(ctx, sid, p1); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(p2.OpensAt.Add(time.Hour))
	for i := range 4 {
		u := e.user(fmt.Sprintf("p%d@example.org", i), fmt.Sprintf("P %d", i), course.RoleParticipant)
		if err := e.srv.course.Enrol(ctx, f.coord, sid, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.srv.grading.Submit(ctx, u, sid, 2, "Un travail de la partie 2.", nil); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Set(p2.SubmissionDue.Add(time.Minute)) // before part 1's deadline
	e.jobs.Tick(ctx)
	states, err := e.srv.grading.PartStates(ctx, sid)
	if err != nil {
		t.Fatal(err)
	}
	if states[2].Phase != grading.PhaseReview || states[1].Phase != grading.PhaseSubmission {
		t.Fatalf("part 1 %s, part 2 %s; want submission and review", states[1].Phase, states[2].Phase)
	}
}

// TestLateSubmitterOwesReviews: who submits late gets the part's reviews to
// do, required like everyone's, never their own work.
func TestLateSubmitterOwesReviews(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e, ctx, sid := f.e, t.Context(), f.session.ID
	f.peerWork(t)
	late := e.user("late@example.org", "Léa Tardive", course.RoleParticipant)
	if err := e.srv.course.Enrol(ctx, f.coord, sid, late.ID); err != nil {
		t.Fatal(err)
	}
	sub, err := e.srv.grading.Submit(ctx, late, sid, 1, "Remis en retard.", nil)
	if err != nil || !sub.Late {
		t.Fatalf("late submission: %+v %v", sub, err)
	}
	rs, err := e.srv.grading.Store.ReviewsByReviewer(ctx, sid, late.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 {
		t.Fatalf("the late submitter owes %d reviews, want 3", len(rs))
	}
	seen := map[string]bool{}
	for _, r := range rs {
		if !r.Required || r.AuthorID == late.ID || seen[r.SubmissionID] {
			t.Fatalf("owed review %+v", r)
		}
		seen[r.SubmissionID] = true
	}
}
