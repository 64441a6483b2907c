package grading

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"librecours/course"
)

func TestNextSteps(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	part := func(n int) course.Part {
		o := t0.Add(time.Duration(n-1) * 7 * day)
		return course.Part{Number: n, OpensAt: o, SubmissionDue: o.Add(5 * day), ReviewDue: o.Add(13 * day)}
	}
	sess := func() *course.Session {
		return &course.Session{ID: "s", Parts: []course.Part{part(1), part(2), part(3)},
			Evaluation: course.Window{OpensAt: t0.Add(30 * day), Due: t0.Add(33 * day)}}
	}
	p1, p2 := part(1), part(2)
	review := func(part int, st ReviewStatus) Review { return Review{Part: part, Status: st} }
	reviewing := map[int]PartState{1: {Phase: PhaseReview}}
	closed := sess()
	closedAt := t0
	closed.ClosedAt = &closedAt
	for _, tc := range []struct {
		name    string
		sess    *course.Session
		states  map[int]PartState
		mine    []*Submission
		reviews []Review
		now     time.Time
		want    NextStep
	}{
		{"before the start: part 1 opens", sess(), nil, nil, nil, t0.Add(-day),
			NextStep{Due: &course.Deadline{Part: 1, Kind: "opens", At: p1.OpensAt}}},
		{"part 1 open, nothing submitted", sess(), nil, nil, nil, t0.Add(day),
			NextStep{Due: &course.Deadline{Part: 1, Kind: "submission", At: p1.SubmissionDue}}},
		{"part 1 submitted: part 2 opens next", sess(), nil, []*Submission{{Part: 1}}, nil, t0.Add(day),
			NextStep{Due: &course.Deadline{Part: 2, Kind: "opens", At: p2.OpensAt}}},
		{"reviews of part 1 due before part 2's submission", sess(), reviewing, []*Submission{{Part: 1}},
			[]Review{review(1, ReviewAssigned), review(1, ReviewDone), review(1, ReviewAssigned)}, t0.Add(8 * day),
			NextStep{Due: &course.Deadline{Part: 2, Kind: "submission", At: p2.SubmissionDue}, ReviewsToDo: 2}},
		{"part 2 submitted: the reviews are next", sess(), reviewing, []*Submission{{Part: 1}, {Part: 2}},
			[]Review{review(1, ReviewAssigned)}, t0.Add(8 * day),
			NextStep{Due: &course.Deadline{Part: 1, Kind: "review", At: p1.ReviewDue}, ReviewsToDo: 1}},
		{"reviews past their deadline are not counted", sess(), reviewing, []*Submission{{Part: 1}, {Part: 2}, {Part: 3}},
			[]Review{review(1, ReviewAssigned)}, t0.Add(20 * day),
			NextStep{Due: &course.Deadline{Kind: "evaluation_opens", At: t0.Add(30 * day)}}},
		{"evaluation open", sess(), nil, []*Submission{{Part: 1}, {Part: 2}, {Part: 3}}, nil, t0.Add(31 * day),
			NextStep{Due: &course.Deadline{Kind: "evaluation", At: t0.Add(33 * day)}, EvaluationOpen: true}},
		{"all over", sess(), nil, nil, nil, t0.Add(40 * day), NextStep{}},
		{"closed session: nothing to do", closed, reviewing, nil, []Review{review(1, ReviewAssigned)}, t0.Add(8 * day), NextStep{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.want.Evaluation = tc.sess.Evaluation
			got := NextSteps(tc.sess, tc.states, tc.mine, tc.reviews, tc.now)
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Fatalf("NextSteps (-want +got):\n%s", d)
			}
		})
	}
}

func TestSummarizeQueue(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	items := []QueueItem{
		{Reasons: []string{ReasonAppeal}, EnteredAt: t0.Add(time.Hour), Urgent: true},
		{Reasons: []string{"disagreement"}, EnteredAt: t0, Urgent: true},
		{Reasons: []string{"missing_reviews"}, EnteredAt: t0.Add(2 * time.Hour)},
	}
	if d := cmp.Diff(QueueSummary{Size: 3, Urgent: 2, Appeals: 1, Oldest: t0}, SummarizeQueue(items)); d != "" {
		t.Fatalf("SummarizeQueue (-want +got):\n%s", d)
	}
	if d := cmp.Diff(QueueSummary{}, SummarizeQueue(nil)); d != "" {
		t.Fatalf("empty queue (-want +got):\n%s", d)
	}
}
