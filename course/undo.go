package course

import (
	"cmp"
	"context"
	"strings"
	"time"
)

// Audit actions of the undo tools.
const (
	AuditUnenrol        = "session.unenrol"
	AuditAnimatorRemove = "session.animator_remove"
	AuditSessionCancel  = "session.cancel"
)

// RemoveAnimator takes userID off the session's animators, for a
// coordinator: the undo of AddAnimator. The person keeps the animator role
// (they may animate other sessions). A closed session keeps its animators:
// their commitments were counted when it closed.
func (s *Service) RemoveAnimator(ctx context.Context, actor *User, sessionID, userID string) error {
	if !actor.IsCoordinator() {
		return ErrForbidden
	}
	sess, err := s.Store.SessionByID(ctx, sessionID)
	if err != nil {
		return err
	}
	if sess.ClosedAt != nil {
		return ErrSessionClosed
	}
	if !sess.HasAnimator(userID) {
		return Invalid("user_id", "course.animator.not_animator")
	}
	if err := s.Store.RemoveAnimator(ctx, sessionID, userID); err != nil {
		return err
	}
	return RecordAudit(ctx, s.Audit, s.Now(), actor, AuditEntry{Action: AuditAnimatorRemove, SessionID: sessionID, Target: userID, Detail: AuditDetail("audit.detail.animator_of", map[string]string{"Session": sess.Code})})
}

// StartsInPast reports whether a session starting on startsOn (a
// YYYY-MM-DD date in the platform's time zone) would start before today
// there: the form then asks to confirm the date. An invalid date is not
// past (NewSession.Validate reports it).
func (s *Service) StartsInPast(startsOn string) bool {
	loc, err := time.LoadLocation(cmp.Or(s.TimeZone, DefaultTimeZone))
	if err != nil {
		return false
	}
	d, err := time.ParseInLocation(DateLayout, strings.TrimSpace(startsOn), loc)
	if err != nil {
		return false
	}
	y, m, day := s.Now().In(loc).Date()
	return d.Before(time.Date(y, m, day, 0, 0, 0, 0, loc))
}
