package grading

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"librecours/course"
)

// GradeChangeStep is the rounding step of grades (0.1 point): a recomputed
// grade that moves by no more than this is stored, but its author is not
// told.
const GradeChangeStep = 0.1

// GradeChange is a grade that a recomputation moved, or gave to work that
// had none (New).
type GradeChange struct {
	SubmissionID string
	AuthorID     string
	Before       float64 // the grade the author saw; 0 when New
	After        float64
	New          bool
}

// Notable reports whether the author should be told: a first grade, or one
// that moved by more than a rounding step.
func (c GradeChange) Notable() bool {
	return c.New || math.Abs(c.After-c.Before) > GradeChangeStep+1e-9
}

// decisions sums up the animator decisions on a part's submissions, to
// tell whether any came while a grading ran.
func decisions(subs []*Submission, part int) string {
	var b strings.Builder
	for _, sub := range subs {
		if sub.Part == part && sub.Animator != nil {
			a := sub.Animator
			fmt.Fprintf(&b, "%s|%g|%t|%s|%d;", sub.ID, a.Score, a.Confirm, a.By, a.At.UnixNano())
		}
	}
	return b.String()
}

// regradeAfter follows an animator's decision g on sub: once the part is
// closed, its grades are recomputed (the decision is ground truth and moves
// every reviewer's estimates) and those whose grade changed are told. Before
// the close, the close will use it. The author of sub is told of their new
// grade even when another request recomputes the part.
func (s *Service) regradeAfter(ctx context.Context, sess *course.Session, sub *Submission, g AnimatorGrade) error {
	p, err := sessionPart(sess, sub.Part)
	if err != nil {
		return err
	}
	var own []GradeChange
	if !g.Confirm {
		c := GradeChange{SubmissionID: sub.ID, AuthorID: sub.AuthorID, After: g.Score, New: sub.Grade == nil}
		if sub.Grade != nil {
			c.Before = sub.Grade.Score
		}
		own = append(own, c)
	}
	return s.settle(ctx, sess, p, "", own)
}

// settleRounds bounds how many times settle recomputes a part while
// decisions keep coming; the next decision settles the rest.
const settleRounds = 3

// settle recomputes the grades of closed part p unless its animator
// decisions are still those a grading just used (used; "" forces one), and
// tells who saw their grade change, with own (changes the caller made
// itself) among them. The recomputation claims the part as closing does
// (closed → closing → closed, a stale claim taken over), so two animators
// deciding at once recompute one after the other, never over each other:
// the one that loses the claim leaves its decision to the holder, which
// reads the decisions again once it released the part and runs again when
// they changed. Running it twice changes nothing the second time.
func (s *Service) settle(ctx context.Context, sess *course.Session, p course.Part, used string, own []GradeChange) error {
	var changes []GradeChange
	defer func() { s.gradesChanged(ctx, sess, p, changes) }()
	for range settleRounds {
		subs, err := s.Store.SubmissionsMeta(ctx, sess.ID, p.Number)
		if err != nil {
			return err
		}
		if used != "" && decisions(subs, p.Number) == used {
			return nil
		}
		st, err := s.Store.PartState(ctx, sess.ID, p.Number)
		if err != nil {
			return err
		}
		if st.ClosedAt.IsZero() || (st.Phase != PhaseClosed && st.Phase != PhaseClosing) {
			return nil // not graded yet: the close will use the decisions
		}
		if own != nil {
			changes, own = mergeChanges(changes, own), nil
		}
		now := s.Now().UTC()
		claim := st
		claim.Phase, claim.ClaimedAt = PhaseClosing, now
		won, err := s.Store.TransitionPart(ctx, claim, []Phase{PhaseClosed}, now.Add(-claimTimeout))
		if err != nil || !won {
			return err // the holder runs again after its release
		}
		run, gerr := s.grade(ctx, sess, p.Number, st.EffectiveK, now)
		claim.Phase = PhaseClosed
		if _, err := s.Store.TransitionPart(ctx, claim, []Phase{PhaseClosing}, time.Time{}); err != nil {
			return err
		}
		if gerr != nil {
			return gerr
		}
		changes = mergeChanges(changes, run.changes)
		used = run.decisions
	}
	return nil
}

// mergeChanges adds later to changes: a grade that moved twice keeps its
// first Before and its last After.
func mergeChanges(changes, later []GradeChange) []GradeChange {
	at := make(map[string]int, len(changes))
	for i, c := range changes {
		at[c.SubmissionID] = i
	}
	for _, c := range later {
		if i, ok := at[c.SubmissionID]; ok {
			changes[i].After = c.After
			continue
		}
		at[c.SubmissionID] = len(changes)
		changes = append(changes, c)
	}
	return changes
}

// gradesChanged tells the Notifier of the notable changes.
func (s *Service) gradesChanged(ctx context.Context, sess *course.Session, p course.Part, changes []GradeChange) {
	changes = slices.DeleteFunc(changes, func(c GradeChange) bool { return !c.Notable() })
	if s.Events != nil && len(changes) > 0 {
		slices.SortFunc(changes, func(a, b GradeChange) int { return strings.Compare(a.SubmissionID, b.SubmissionID) })
		s.Events.GradesChanged(ctx, sess, p, changes)
	}
}
