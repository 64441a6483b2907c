package grading

import (
	"time"

	"librecours/course"
)

// Shown is a part's phase as every page shows it: the stored phase read
// with the clock, so that a part that has not opened yet never says
// "submissions" and one past its review deadline never says "reviews".
type Shown string

// The phases pages show, in the order a part goes through them.
const (
	ShownUpcoming   Shown = "upcoming"   // not open yet
	ShownSubmission Shown = "submission" // open, submissions due ahead
	ShownAwaiting   Shown = "awaiting"   // submissions due passed; reviews not assigned yet
	ShownAssigning  Shown = "assigning"  // reviews being assigned
	ShownReview     Shown = "review"     // reviews assigned and open
	ShownGrading    Shown = "grading"    // reviews due passed or grades being computed
	ShownClosed     Shown = "closed"     // grades computed
)

// PartPhase is the one function that says where part p stands at now,
// given its stored state st.
func PartPhase(p course.Part, st PartState, now time.Time) Shown {
	switch st.Phase {
	case PhaseClosed:
		return ShownClosed
	case PhaseClosing:
		return ShownGrading
	case PhaseAssigning:
		return ShownAssigning
	case PhaseReview:
		if now.Before(p.ReviewDue) {
			return ShownReview
		}
		return ShownGrading
	}
	switch {
	case now.Before(p.OpensAt):
		return ShownUpcoming
	case now.Before(p.SubmissionDue):
		return ShownSubmission
	default:
		return ShownAwaiting
	}
}

// CanAssign reports whether staff may close submissions and assign the
// reviews now; CanClose whether they may close reviews and compute grades.
func (sh Shown) CanAssign() bool { return sh == ShownSubmission || sh == ShownAwaiting }

// CanClose reports whether staff may close the reviews and grade now.
func (sh Shown) CanClose() bool { return sh == ShownReview || sh == ShownGrading }

// PlannedReviews is how many reviews assigning a part with n submissions
// gives when each should get k: every submission gets min(k, n-1), and a
// lone submission none (Assign's modes).
func PlannedReviews(n, k int) int {
	if n < 2 || k < 1 {
		return 0
	}
	return n * min(k, n-1)
}

// AssignImpact is what closing submissions and assigning now does, in
// numbers, for the confirmation.
type AssignImpact struct {
	Enrolled, Submitted int
	Missing             int           // participants without a submission
	TimeLost            time.Duration // taken from the submission deadline; 0 once it passed
	Reviews             int           // reviews assigned now
	LateAccepted        bool          // late work is still accepted after
}

// AssignImpact states what assigning the part's reviews at now would do.
func (pg *PartPage) AssignImpact(now time.Time) AssignImpact {
	subs := 0
	if pg.Stats != nil {
		subs = pg.Stats.Submissions
	}
	im := AssignImpact{Enrolled: pg.Session.Enrolled, Submitted: subs, Missing: max(pg.Session.Enrolled-subs, 0),
		Reviews: PlannedReviews(subs, pg.Session.Settings.ReviewsPerSubmission), LateAccepted: pg.Session.Settings.AcceptLate}
	if d := pg.Part.SubmissionDue.Sub(now); d > 0 {
		im.TimeLost = d
	}
	return im
}

// CloseImpact is what closing a part's reviews and grading now does.
type CloseImpact struct {
	Reviews, Undone int           // reviews assigned, and those not done
	TimeLost        time.Duration // taken from the review deadline; 0 once it passed
}

// CloseImpact states what closing the part's reviews at now would do.
func (pg *PartPage) CloseImpact(now time.Time) CloseImpact {
	var im CloseImpact
	if pg.Stats != nil {
		im.Reviews, im.Undone = pg.Stats.Reviews, pg.Stats.Reviews-pg.Stats.ReviewsDone
	}
	if d := pg.Part.ReviewDue.Sub(now); d > 0 {
		im.TimeLost = d
	}
	return im
}
