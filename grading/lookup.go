package grading

import (
	"context"
	"errors"

	"librecours/course"
)

// Reviews found by ID for one person. Each answers ErrNotFound, never
// ErrForbidden, to whoever may not see the review: a review's ID tells
// nothing of who wrote it or whose work it is about.

// MyReview is the actor's review task with that ID (a reviewer sees only
// their own).
func (s *Service) MyReview(ctx context.Context, actor *course.User, reviewID string) (*ReviewTask, error) {
	r, err := s.reviewFor(ctx, actor, reviewID, func(r *Review) string { return r.ReviewerID })
	if err != nil {
		return nil, err
	}
	tasks, err := s.MyReviews(ctx, actor, r.SessionID, r.Part)
	if err != nil {
		return nil, err
	}
	for i := range tasks {
		if tasks[i].Review.ID == reviewID {
			return &tasks[i], nil
		}
	}
	return nil, ErrNotFound
}

// ReviewOfMyWork is a review of the actor's own submission (to appeal it).
func (s *Service) ReviewOfMyWork(ctx context.Context, actor *course.User, reviewID string) (*Review, error) {
	return s.reviewFor(ctx, actor, reviewID, func(r *Review) string { return r.AuthorID })
}

// reviewFor loads a review for the person who is its who (its reviewer, its
// author): ErrNotFound for anyone else.
func (s *Service) reviewFor(ctx context.Context, actor *course.User, reviewID string, who func(*Review) string) (*Review, error) {
	if actor == nil {
		return nil, course.ErrUnauthenticated
	}
	r, err := s.Store.ReviewByID(ctx, reviewID)
	if err != nil {
		return nil, err
	}
	if who(r) != actor.ID {
		return nil, ErrNotFound
	}
	return r, nil
}

// StaffReview is a review of a session the actor runs (an animator of it
// or a coordinator).
func (s *Service) StaffReview(ctx context.Context, actor *course.User, reviewID string) (*Review, error) {
	r, _, err := s.staffReview(ctx, actor, reviewID, ErrNotFound)
	return r, err
}

// staffReview loads a review and its session, which actor must run; denied
// is the error for anyone else.
func (s *Service) staffReview(ctx context.Context, actor *course.User, reviewID string, denied error) (*Review, *course.Session, error) {
	if actor == nil {
		return nil, nil, course.ErrUnauthenticated
	}
	r, err := s.Store.ReviewByID(ctx, reviewID)
	if err != nil {
		return nil, nil, err
	}
	sess, err := s.managedSession(ctx, actor, r.SessionID, denied)
	if err != nil {
		return nil, nil, err
	}
	return r, sess, nil
}

// CopySession sets up the duplicate toID of session fromID: its part
// states, and a copy of each of fromID's exercises (course.SessionCopier).
func (s *Service) CopySession(ctx context.Context, fromID, toID string) error {
	if err := s.InitSession(ctx, toID); err != nil {
		return err
	}
	exercises, err := s.Store.Exercises(ctx, fromID)
	if err != nil {
		return err
	}
	for _, ex := range exercises {
		if err := s.Store.PutExercise(ctx, toID, ex); err != nil {
			return err
		}
	}
	return nil
}

// CopySession gives the duplicate toID the final evaluation of fromID, if
// it has one (course.SessionCopier).
func (q *Quiz) CopySession(ctx context.Context, fromID, toID string) error {
	ev, err := q.Store.Evaluation(ctx, fromID)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil
	case err != nil:
		return err
	}
	return q.Store.PutEvaluation(ctx, toID, *ev)
}
