package certificates

import "context"

// Standing is a participant's level as every page shows it: the one place
// that decides which level badge, which "still missing" lists and which
// commitment choice go together, so that they never contradict each other.
type Standing struct {
	Level Level
	// ByCoordination: the level was set by the coordination (an override);
	// nothing is "missing" then, and the rules' lists are not shown.
	ByCoordination bool
	// MissingI and MissingII are what is still missing for each level; a
	// list is empty once its level is reached (or set by the coordination).
	MissingI, MissingII []Missing
	// Declined: the participant declined the animator commitment.
	Declined bool
	// CanDecline and CanAccept: the commitment choice offered now (never
	// after the session closed, nor once the coordination set the level).
	CanDecline, CanAccept bool
}

// Standing returns r's standing; closed is whether the session is closed.
func (r Result) Standing(closed bool) Standing {
	st := Standing{Level: r.Level(), Declined: r.Input.CommitmentDeclined}
	if r.Override != nil {
		st.ByCoordination = true
		return st
	}
	if st.Level < LevelI {
		st.MissingI = r.Outcome.MissingLevelI
	}
	if st.Level < LevelII {
		st.MissingII = r.Outcome.MissingLevelII
	}
	if !closed {
		st.CanDecline, st.CanAccept = !st.Declined, st.Declined
	}
	return st
}

// ByCoordination reports whether cert's level was set by the coordination
// (an override of that level is recorded for its holder in its session),
// so that the certificate does not claim results the rules did not see.
func (s *Service) ByCoordination(ctx context.Context, cert *Certificate) (bool, error) {
	overrides, err := s.Store.Overrides(ctx, cert.SessionID)
	if err != nil {
		return false, err
	}
	o, ok := overrides[cert.UserID]
	return ok && o.Level == cert.Level, nil
}
