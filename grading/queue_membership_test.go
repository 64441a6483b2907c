package grading

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestQueueMembership: what puts work in the correction queue. Missing
// reviews (when the work has a peer grade) and unreliable reviewers are
// shown on an item but do not queue it; a closed part's grade whose pass
// or fail is in doubt does (ReasonDoubt), as do work without any review and
// a strong disagreement. Before the close no grade is in doubt yet.
func TestQueueMembership(t *testing.T) {
	t0 := time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)
	// Part 1 is closed, part 2 under review; each submission's reviews by
	// reviewers of their own, "" for one not handed in.
	work := []struct {
		id     string
		part   int
		scores []float64 // -1: assigned, not handed in
		want   []string  // its reasons
		queued bool
	}{
		{"agreed", 1, []float64{80, 80, 80}, nil, false},
		{"short, sure", 1, []float64{90, 90, -1}, []string{ReasonMissingReviews}, false},
		{"short, around 50", 1, []float64{50, 55, -1}, []string{ReasonMissingReviews, ReasonDoubt}, true},
		{"around 50", 1, []float64{50, 52, 48}, []string{ReasonDoubt}, true},
		{"no review", 1, []float64{-1, -1, -1}, []string{ReasonMissingReviews}, true},
		{"split", 1, []float64{100, 100, 60}, []string{ReasonDisagreement}, true},
		{"open, around 50", 2, []float64{50, 50, -1}, nil, false},
	}
	var subs []*Submission
	var rs []Review
	for i, w := range work {
		subs = append(subs, &Submission{ID: w.id, SessionID: "s", Part: w.part, AuthorID: fmt.Sprintf("a%d", i)})
		for j, sc := range w.scores {
			r := Review{ID: fmt.Sprintf("r%d-%d", i, j), SessionID: "s", Part: w.part, SubmissionID: w.id, AuthorID: fmt.Sprintf("a%d", i),
				ReviewerID: fmt.Sprintf("v%d-%d", i, j), Status: ReviewAssigned, AssignedAt: t0, UpdatedAt: t0, Required: true}
			if sc >= 0 {
				r.Status, r.Percent = ReviewDone, sc
			}
			rs = append(rs, r)
		}
	}
	states := map[int]PartState{
		1: {SessionID: "s", Part: 1, Phase: PhaseClosed, Mode: AssignModeFull, EffectiveK: 3, ClosedAt: t0},
		2: {SessionID: "s", Part: 2, Phase: PhaseReview, Mode: AssignModeFull, EffectiveK: 3},
	}
	v, err := newStaffView(t0, subs, rs, states, 3, 15)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range work {
		it := v.item(w.id)
		if !slices.Equal(it.Reasons, w.want) {
			t.Errorf("%s: reasons %v, want %v (grade %+v)", w.id, it.Reasons, w.want, it.Model)
		}
		in := slices.ContainsFunc(v.queue, func(q QueueItem) bool { return q.Submission.ID == w.id })
		if in != w.queued {
			t.Errorf("%s: queued %v, want %v", w.id, in, w.queued)
		}
	}
	// An unreliable reviewer is shown, not queued.
	unreliable := QueueItem{Reasons: []string{ReasonUnreliable, ReasonMissingReviews}, ReviewsDone: 2}
	if queued(&unreliable) {
		t.Error("queued for an unreliable reviewer and missing reviews alone")
	}
	if unreliable.Reasons = append(unreliable.Reasons, ReasonDoubt); !queued(&unreliable) {
		t.Error("a grade in doubt not queued")
	}
	if unreliable.Resolved = true; queued(&unreliable) {
		t.Error("a resolved item queued")
	}
}
