package course

import "context"

// ParticipantSession loads a session for actor, who must be enrolled in it:
// ErrUnauthenticated without an actor, ErrForbidden to anyone not enrolled
// (staff included). The domain services share it for participant-only
// actions.
func ParticipantSession(ctx context.Context, s Store, actor *User, sessionID string) (*Session, error) {
	if actor == nil {
		return nil, ErrUnauthenticated
	}
	sess, err := s.SessionByID(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	enrolled, err := s.IsEnrolled(ctx, sessionID, actor.ID)
	if err != nil {
		return nil, err
	}
	if !enrolled {
		return nil, ErrForbidden
	}
	return sess, nil
}
