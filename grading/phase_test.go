package grading

import (
	"testing"
	"time"

	"librecours/course"
)

func TestPartPhase(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	p := course.Part{Number: 1, OpensAt: t0, SubmissionDue: t0.Add(48 * time.Hour), ReviewDue: t0.Add(96 * time.Hour)}
	before, open, afterSub, afterRev := t0.Add(-7*24*time.Hour), t0.Add(time.Hour), t0.Add(50*time.Hour), t0.Add(100*time.Hour)
	for _, tc := range []struct {
		name   string
		phase  Phase
		now    time.Time
		want   Shown
		assign bool
		close  bool
	}{
		{"opens next week", PhaseSubmission, before, ShownUpcoming, false, false},
		{"open", PhaseSubmission, open, ShownSubmission, true, false},
		{"submissions due passed, not assigned", PhaseSubmission, afterSub, ShownAwaiting, true, false},
		{"not assigned after the review deadline", PhaseSubmission, afterRev, ShownAwaiting, true, false},
		{"assigning", PhaseAssigning, afterSub, ShownAssigning, false, false},
		{"assigned early, before the part opened", PhaseReview, before, ShownReview, false, true},
		{"reviews open", PhaseReview, afterSub, ShownReview, false, true},
		{"reviews due passed", PhaseReview, afterRev, ShownGrading, false, true},
		{"closing", PhaseClosing, afterRev, ShownGrading, false, true},
		{"closed early", PhaseClosed, open, ShownClosed, false, false},
		{"closed", PhaseClosed, afterRev, ShownClosed, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := PartPhase(p, PartState{Phase: tc.phase}, tc.now)
			if got != tc.want || got.CanAssign() != tc.assign || got.CanClose() != tc.close {
				t.Fatalf("PartPhase = %s (assign %v, close %v), want %s (%v, %v)", got, got.CanAssign(), got.CanClose(), tc.want, tc.assign, tc.close)
			}
		})
	}
}

func TestPlannedReviews(t *testing.T) {
	for _, tc := range []struct{ n, k, want int }{
		{0, 3, 0}, {1, 3, 0}, {2, 3, 2}, {3, 3, 6}, {4, 3, 12}, {12, 3, 36}, {12, 0, 0},
	} {
		if got := PlannedReviews(tc.n, tc.k); got != tc.want {
			t.Errorf("PlannedReviews(%d, %d) = %d, want %d", tc.n, tc.k, got, tc.want)
		}
	}
}

func TestAssignAndCloseImpact(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	sess := &course.Session{Enrolled: 15, Settings: course.Settings{ReviewsPerSubmission: 3, AcceptLate: true}}
	pg := &PartPage{Session: sess, Part: course.Part{SubmissionDue: t0.Add(24 * time.Hour), ReviewDue: t0.Add(72 * time.Hour)},
		Stats: &PartStats{Submissions: 12, Reviews: 36, ReviewsDone: 30}}
	got := pg.AssignImpact(t0)
	want := AssignImpact{Enrolled: 15, Submitted: 12, Missing: 3, TimeLost: 24 * time.Hour, Reviews: 36, LateAccepted: true}
	if got != want {
		t.Fatalf("AssignImpact = %+v, want %+v", got, want)
	}
	if got := pg.AssignImpact(t0.Add(48 * time.Hour)); got.TimeLost != 0 {
		t.Fatalf("time lost after the deadline = %v", got.TimeLost)
	}
	if got, want := pg.CloseImpact(t0), (CloseImpact{Reviews: 36, Undone: 6, TimeLost: 72 * time.Hour}); got != want {
		t.Fatalf("CloseImpact = %+v, want %+v", got, want)
	}
}
