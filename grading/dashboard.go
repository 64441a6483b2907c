package grading

import (
	"context"
	"time"

	"librecours/course"
)

// NextStep is what a participant should do next in a session, for the
// dashboard: the next thing due, the reviews left and the evaluation window.
type NextStep struct {
	// Due is the next thing the participant has to do, with its deadline:
	// Kind "submission" (Part set), "review" (Part set), "evaluation", or
	// "opens" (nothing to do before part Part opens). Nil: nothing left.
	Due *course.Deadline
	// ReviewsToDo counts the reviews assigned to the participant that are
	// not done and can still be saved.
	ReviewsToDo int
	// Evaluation is the final evaluation's window; EvaluationOpen tells
	// whether it is open now.
	Evaluation     course.Window
	EvaluationOpen bool
}

// NextSteps is the pure part of Service.NextStep: where a participant
// stands at now given the session, its part states, the participant's
// submissions and the reviews assigned to them.
func NextSteps(sess *course.Session, states map[int]PartState, mine []*Submission, reviews []Review, now time.Time) NextStep {
	out := NextStep{Evaluation: sess.Evaluation}
	if sess.ClosedAt != nil {
		return out
	}
	out.EvaluationOpen = !sess.Evaluation.OpensAt.IsZero() && !now.Before(sess.Evaluation.OpensAt) && now.Before(sess.Evaluation.Due)
	submitted := make(map[int]bool, len(mine))
	for _, s := range mine {
		submitted[s.Part] = true
	}
	var due *course.Deadline
	earlier := func(d course.Deadline) {
		if due == nil || d.At.Before(due.At) {
			due = &d
		}
	}
	for _, r := range reviews {
		p, ok := sess.Part(r.Part)
		if !ok || r.Status == ReviewDone || PartPhase(p, states[r.Part], now) != ShownReview {
			continue
		}
		out.ReviewsToDo++
		earlier(course.Deadline{Part: r.Part, Kind: "review", At: p.ReviewDue})
	}
	var opens *course.Deadline
	for _, p := range sess.Parts {
		switch PartPhase(p, states[p.Number], now) {
		case ShownSubmission:
			if !submitted[p.Number] {
				earlier(course.Deadline{Part: p.Number, Kind: "submission", At: p.SubmissionDue})
			}
		case ShownUpcoming:
			if opens == nil || p.OpensAt.Before(opens.At) {
				opens = &course.Deadline{Part: p.Number, Kind: "opens", At: p.OpensAt}
			}
		}
	}
	if out.EvaluationOpen {
		earlier(course.Deadline{Kind: "evaluation", At: sess.Evaluation.Due})
	}
	if due == nil && opens != nil {
		due = opens
	}
	if due == nil && now.Before(sess.Evaluation.OpensAt) {
		due = &course.Deadline{Kind: "evaluation_opens", At: sess.Evaluation.OpensAt}
	}
	out.Due = due
	return out
}

// NextStep tells a participant what to do next in sess, which the caller
// read (the dashboard lists sessions once): three indexed reads, whatever
// the session's size.
func (s *Service) NextStep(ctx context.Context, actor *course.User, sess *course.Session) (NextStep, error) {
	if actor == nil {
		return NextStep{}, course.ErrUnauthenticated
	}
	if sess.ClosedAt != nil {
		return NextSteps(sess, nil, nil, nil, s.Now()), nil
	}
	states, err := s.states(ctx, sess.ID)
	if err != nil {
		return NextStep{}, err
	}
	mine, err := s.Store.SubmissionsByAuthor(ctx, sess.ID, actor.ID)
	if err != nil {
		return NextStep{}, err
	}
	reviews, err := s.Store.ReviewsByReviewer(ctx, sess.ID, actor.ID)
	if err != nil {
		return NextStep{}, err
	}
	return NextSteps(sess, states, mine, reviews, s.Now()), nil
}

// QueueSummary is an animator's view of a session's correction queue on the
// dashboard.
type QueueSummary struct {
	Size    int
	Urgent  int
	Appeals int
	// Oldest is when the item waiting longest entered the queue (zero when
	// the queue is empty).
	Oldest time.Time
}

// SummarizeQueue counts a correction queue (Corrections' answer).
func SummarizeQueue(items []QueueItem) QueueSummary {
	var q QueueSummary
	for _, it := range items {
		q.Size++
		if it.Urgent {
			q.Urgent++
		}
		for _, r := range it.Reasons {
			if r == ReasonAppeal {
				q.Appeals++
				break
			}
		}
		if !it.EnteredAt.IsZero() && (q.Oldest.IsZero() || it.EnteredAt.Before(q.Oldest)) {
			q.Oldest = it.EnteredAt
		}
	}
	return q
}

// Queue summarizes the session's correction queue for its staff; it reads
// the staff's view that Corrections keeps per session.
func (s *Service) Queue(ctx context.Context, actor *course.User, sessionID string) (QueueSummary, error) {
	items, err := s.Corrections(ctx, actor, sessionID)
	if err != nil {
		return QueueSummary{}, err
	}
	return SummarizeQueue(items), nil
}
