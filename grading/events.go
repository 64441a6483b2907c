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
	// ReviewAppealed follows an author's appeal of a review: its
	// submission joined the correction queue.
	ReviewAppealed(ctx context.Context, sess *course.Session, part int, reviewID string)
	// ReviewsReassigned follows the scheduler handing lapsed reviews to
	// participants who had finished theirs: reviews hold the new reviewer
	// (ReviewerID) and the one who let it lapse (TakenFrom).
	ReviewsReassigned(ctx context.Context, sess *course.Session, part course.Part, reviews []Review)
	// GradesChanged follows a recomputation of a closed part's grades
	// (an animator graded or confirmed work after the close): changes are
	// the grades that moved by more than GradeChangeStep or appeared, by
	// submission ID. A recomputation that changed nothing tells nothing.
	GradesChanged(ctx context.Context, sess *course.Session, part course.Part, changes []GradeChange)
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

func (s *Service) reviewsReassigned(ctx context.Context, sess *course.Session, p course.Part, reviews []Review) {
	if s.Events != nil {
		s.Events.ReviewsReassigned(ctx, sess, p, reviews)
	}
}

func (s *Service) reviewAppealed(ctx context.Context, sessionID string, part int, reviewID string) {
	if s.Events == nil {
		return
	}
	sess, err := s.Course.SessionByID(ctx, sessionID)
	if err != nil {
		return // the appeal is stored; only its notification is missed
	}
	s.Events.ReviewAppealed(ctx, sess, part, reviewID)
}
