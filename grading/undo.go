package grading

import (
	"context"
	"errors"

	"librecours/course"
)

// Unenrol takes a participant out of a session, for a coordinator: the undo
// of an enrolment made by mistake. Someone who has submitted work or been
// given reviews to do keeps their place (course.ErrConflict): their work is
// part of other people's grades. A closed session keeps its participants.
func (s *Service) Unenrol(ctx context.Context, actor *course.User, sessionID, userID string) error {
	if !actor.IsCoordinator() {
		return course.ErrForbidden
	}
	sess, err := s.Course.SessionByID(ctx, sessionID)
	if err != nil {
		return err
	}
	if sess.ClosedAt != nil {
		return course.ErrSessionClosed
	}
	if ok, err := s.Course.IsEnrolled(ctx, sessionID, userID); err != nil {
		return err
	} else if !ok {
		return course.Invalid("user_id", "course.enrol.not_enrolled")
	}
	work, err := s.hasWork(ctx, sessionID, userID)
	if err != nil {
		return err
	}
	if work {
		return &course.ValidationError{Field: "user_id", Key: "course.enrol.has_work"}
	}
	if err := s.Course.Unenrol(ctx, sessionID, userID); err != nil {
		return err
	}
	return course.RecordAudit(ctx, s.Audit, s.Now(), actor, course.AuditEntry{Action: course.AuditUnenrol, SessionID: sessionID, Target: userID, Detail: course.AuditDetail("audit.detail.unenrol", map[string]string{"Session": sess.Code})})
}

// hasWork reports whether userID submitted work or was given reviews in
// the session.
func (s *Service) hasWork(ctx context.Context, sessionID, userID string) (bool, error) {
	subs, err := s.Store.SubmissionsByAuthor(ctx, sessionID, userID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return false, err
	}
	if len(subs) > 0 {
		return true, nil
	}
	rs, err := s.Store.ReviewsInvolving(ctx, sessionID, userID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return false, err
	}
	return len(rs) > 0, nil
}

// CancelSession removes a session created by mistake, for a coordinator: only
// while nobody is enrolled and nothing was submitted (course.ErrConflict
// otherwise), with its exercises, evaluation and rules.
func (s *Service) CancelSession(ctx context.Context, actor *course.User, sessionID string) (*course.Session, error) {
	if !actor.IsCoordinator() {
		return nil, course.ErrForbidden
	}
	sess, err := s.Course.SessionByID(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	if !Cancellable(sess) {
		return nil, course.Invalid("session", "course.session.cancel_has_participants")
	}
	if err := s.Course.DeleteSession(ctx, sessionID); err != nil {
		if errors.Is(err, course.ErrConflict) {
			return nil, course.Invalid("session", "course.session.cancel_has_participants")
		}
		return nil, err
	}
	e := course.AuditEntry{Action: course.AuditSessionCancel, SessionID: sessionID, Target: sess.Code, Detail: course.AuditDetail("audit.detail.cancel", map[string]string{"Session": sess.Code})}
	return sess, course.RecordAudit(ctx, s.Audit, s.Now(), actor, e)
}

// Cancellable reports whether a session may be cancelled, as far as the
// session alone tells: not closed and nobody enrolled (the store also
// refuses one with submissions).
func Cancellable(sess *course.Session) bool { return sess.ClosedAt == nil && sess.Enrolled == 0 }
