package grading

import (
	"context"

	"librecours/course"
)

// Notifier hears what the grading service did, to tell people (e-mails,
// a session's channel). The service calls it on the run that did the work,
// whether staff or the scheduler asked: the part's claim makes that one run.
// It returns nothing: a notification that cannot be queued must not undo an
// assignment or a grading, so the notifier logs its own failures.
type Notifier interface {
	// ReviewsAssigned follows the assignment of a part's reviews (before
	// the part opens for reviews, so a retried assignment tells again and
	// the outbox folds the repeat).
	ReviewsAssigned(ctx context.Context, sess *course.Session, part course.Part, report AssignReport, reviews []Review)
	// PartGraded follows the grading of a part, once it is closed.
	PartGraded(ctx context.Context, sess *course.Session, part course.Part, graded int)
}

func (s *Service) reviewsAssigned(ctx context.Context, sess *course.Session, p course.Part, rep AssignReport, reviews []Review) {
	if s.Events != nil {
		s.Events.ReviewsAssigned(ctx, sess, p, rep, reviews)
	}
}

func (s *Service) partGraded(ctx context.Context, sess *course.Session, p course.Part, graded int) {
	if s.Events != nil {
		s.Events.PartGraded(ctx, sess, p, graded)
	}
}
