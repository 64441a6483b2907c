package certificates

import (
	"context"
	"slices"
	"strings"
	"time"

	"librecours/course"
)

// Overview is what a coordinator's dashboard says: how many sessions are in
// each state, which ones wait to be closed, and the commitments nobody has
// fulfilled yet.
type Overview struct {
	// Sessions by state (course.Session.Status).
	Upcoming, Running, Ended, Closed int
	// ClosuresDue are the sessions past their last day and not closed,
	// earliest end first.
	ClosuresDue []*course.Session
	// PendingCommitments counts the level II commitments still pending.
	PendingCommitments int
}

// SummarizeSessions is the pure part of Overview.
func SummarizeSessions(sessions []*course.Session, commitments []Commitment, now time.Time) Overview {
	var o Overview
	for _, sess := range sessions {
		switch sess.Status(now) {
		case course.StatusUpcoming:
			o.Upcoming++
		case course.StatusRunning:
			o.Running++
		case course.StatusEnded:
			o.Ended++
			o.ClosuresDue = append(o.ClosuresDue, sess)
		case course.StatusClosed:
			o.Closed++
		}
	}
	slices.SortFunc(o.ClosuresDue, func(a, b *course.Session) int {
		if c := strings.Compare(a.EndsOn, b.EndsOn); c != 0 {
			return c
		}
		return strings.Compare(a.Code, b.Code)
	})
	for _, c := range commitments {
		if c.Status == CommitmentPending {
			o.PendingCommitments++
		}
	}
	return o
}

// Overview reads, for coordinators, every session and commitment once (two
// queries) and summarizes them.
func (s *Service) Overview(ctx context.Context, actor *course.User) (Overview, error) {
	if actor == nil {
		return Overview{}, course.ErrUnauthenticated
	}
	if !actor.IsCoordinator() {
		return Overview{}, course.ErrForbidden
	}
	sessions, err := s.Course.ListSessions(ctx)
	if err != nil {
		return Overview{}, err
	}
	commitments, err := s.Store.Commitments(ctx)
	if err != nil {
		return Overview{}, err
	}
	return SummarizeSessions(sessions, commitments, s.Now()), nil
}
