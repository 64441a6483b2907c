package grading

import (
	"context"
	"errors"

	"librecours/course"
)

// PartPage is what a part's page shows to one person: the session and part,
// the exercise, the part's phase, and for a participant their submission and
// the reviews they were given to do.
type PartPage struct {
	Session  *course.Session
	Part     course.Part
	Exercise Exercise
	State    PartState
	Shown    Shown // the phase as shown (PartPhase): badges and staff actions follow it
	Manage   bool  // a coordinator or one of the session's animators
	Enrolled bool

	Mine      *MySubmission // nil before the person submits
	CanSubmit bool          // a submission is accepted now
	LateOnly  bool          // ... but only as late work
	Reviews   []ReviewTask  // the reviews assigned to the person in this part
	AllDone   bool          // every one of them is done

	Stats *PartStats // staff only
}

// PartStats counts a part's work for its staff.
type PartStats struct{ Submissions, Reviews, ReviewsDone int }

// PartPage reads what the page of part n shows to actor, reading the session,
// the enrolment, the exercises and the part states once each.
func (s *Service) PartPage(ctx context.Context, actor *course.User, sessionID string, n int) (*PartPage, error) {
	sess, manage, enrolled, err := s.session(ctx, actor, sessionID)
	if err != nil {
		return nil, err
	}
	if !manage && !enrolled {
		return nil, course.ErrForbidden
	}
	part, err := sessionPart(sess, n)
	if err != nil {
		return nil, err
	}
	exs, err := s.exercisesOf(ctx, sessionID, n)
	if err != nil {
		return nil, err
	}
	states, err := s.states(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	pg := &PartPage{Session: sess, Part: part, Exercise: exs[n], State: states[n], Manage: manage, Enrolled: enrolled}
	pg.Shown = PartPhase(part, pg.State, s.Now())
	if enrolled {
		if err := s.participantView(ctx, actor.ID, pg, exs, states); err != nil {
			return nil, err
		}
	}
	if manage {
		if pg.Stats, err = s.partStats(ctx, sessionID, n); err != nil {
			return nil, err
		}
	}
	return pg, nil
}

func (s *Service) participantView(ctx context.Context, userID string, pg *PartPage, exs map[int]Exercise, states map[int]PartState) error {
	mine, err := s.mySubmission(ctx, userID, pg.Session.ID, pg.Part.Number, pg.State)
	switch {
	case err == nil:
		pg.Mine = mine
	case !errors.Is(err, ErrNotFound):
		return err
	}
	now, part, phase := s.Now(), pg.Part, pg.State.Phase
	open := !now.Before(part.OpensAt)
	onTime := phase == PhaseSubmission && now.Before(part.SubmissionDue)
	lateOK := pg.Mine == nil && pg.Session.Settings.AcceptLate && now.Before(part.ReviewDue) &&
		(phase == PhaseSubmission || phase == PhaseReview)
	pg.CanSubmit, pg.LateOnly = open && (onTime || lateOK), open && !onTime && lateOK
	if pg.Reviews, err = s.myReviews(ctx, userID, pg.Session, part.Number, exs, states); err != nil {
		return err
	}
	pg.AllDone = true
	for _, r := range pg.Reviews {
		if r.Review.Status != ReviewDone {
			pg.AllDone = false
		}
	}
	return nil
}

func (s *Service) partStats(ctx context.Context, sessionID string, n int) (*PartStats, error) {
	subs, err := s.Store.Submissions(ctx, sessionID, n)
	if err != nil {
		return nil, err
	}
	rs, err := s.Store.Reviews(ctx, sessionID, n)
	if err != nil {
		return nil, err
	}
	st := &PartStats{Submissions: len(subs), Reviews: len(rs)}
	for _, r := range rs {
		if r.Status == ReviewDone {
			st.ReviewsDone++
		}
	}
	return st, nil
}
