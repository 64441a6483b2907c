package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"librecours/certificates"
	"librecours/course"
	"librecours/grading"
)

// Undo is the conformance suite of the undo tools of course.Store:
// Unenrol gives the seat back, RemoveAnimator, and DeleteSession removes a
// session without enrolments or submissions, with its content.
func Undo(t *testing.T, open Open) {
	t.Run("Unenrol", func(t *testing.T) {
		s := open(t).Stores().Course
		ctx := context.Background()
		sess := courseSession(t, s, course.LCVI, 1, T0)
		enrol := func(u string) error {
			return s.Enrol(ctx, course.Enrolment{SessionID: sess.ID, UserID: u, EnrolledAt: T0})
		}
		if err := enrol("u1"); err != nil {
			t.Fatal(err)
		}
		courseWant(t, "full", enrol("u2"), course.ErrSessionFull)
		if err := s.Unenrol(ctx, sess.ID, "u1"); err != nil {
			t.Fatal(err)
		}
		courseWant(t, "unenrol twice", s.Unenrol(ctx, sess.ID, "u1"), course.ErrNotFound)
		courseWant(t, "unenrol from a missing session", s.Unenrol(ctx, "missing", "u1"), course.ErrNotFound)
		if got := courseGetSession(t, s, sess.ID); got.Enrolled != 0 {
			t.Fatalf("enrolled after unenrol = %d, want 0", got.Enrolled)
		}
		if ok, err := s.IsEnrolled(ctx, sess.ID, "u1"); err != nil || ok {
			t.Fatalf("IsEnrolled after unenrol = %v, %v", ok, err)
		}
		if err := enrol("u2"); err != nil { // the seat is free again
			t.Fatal(err)
		}
		es, err := s.EnrolmentsBySession(ctx, sess.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 1 || es[0].UserID != "u2" {
			t.Fatalf("enrolments = %+v, want u2 alone", es)
		}
	})
	t.Run("RemoveAnimator", func(t *testing.T) {
		s := open(t).Stores().Course
		ctx := context.Background()
		sess := courseSession(t, s, course.LCIII, 0, T0)
		for _, id := range []string{"amy", "bob", "cid"} {
			if err := s.AddAnimator(ctx, sess.ID, id); err != nil {
				t.Fatal(err)
			}
		}
		for _, id := range []string{"bob", "bob", "nobody"} { // removing twice or a stranger changes nothing
			if err := s.RemoveAnimator(ctx, sess.ID, id); err != nil {
				t.Fatal(err)
			}
		}
		if diff := cmp.Diff([]string{"amy", "cid"}, courseGetSession(t, s, sess.ID).Animators); diff != "" {
			t.Fatalf("animators (-want +got):\n%s", diff)
		}
		courseWant(t, "missing session", s.RemoveAnimator(ctx, "missing", "amy"), course.ErrNotFound)
	})
	t.Run("DeleteSession", func(t *testing.T) {
		st := open(t).Stores()
		s := st.Course
		ctx := context.Background()
		empty := courseSession(t, s, course.LCIII, 0, T0)
		other := courseSession(t, s, course.LCIII, 0, T0)
		for _, id := range []string{empty.ID, other.ID} {
			if err := s.AddAnimator(ctx, id, "amy"); err != nil {
				t.Fatal(err)
			}
			if err := st.Grading.PutExercise(ctx, id, grading.Exercise{Part: 1, Instructions: "x", Rubric: []grading.Criterion{{ID: "c", Label: "C", MaxPoints: 2}}}); err != nil {
				t.Fatal(err)
			}
			if err := st.Certificates.PutRules(ctx, id, certificates.DefaultRules()); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.DeleteSession(ctx, empty.ID); err != nil {
			t.Fatal(err)
		}
		courseWant(t, "deleted session", func() error { _, err := s.SessionByID(ctx, empty.ID); return err }(), course.ErrNotFound)
		courseWant(t, "delete twice", s.DeleteSession(ctx, empty.ID), course.ErrNotFound)
		if exs, err := st.Grading.Exercises(ctx, empty.ID); err != nil || len(exs) != 0 {
			t.Fatalf("exercises of a deleted session = %v, %v", exs, err)
		}
		if _, err := st.Certificates.Rules(ctx, empty.ID); !errors.Is(err, certificates.ErrNotFound) {
			t.Fatalf("rules of a deleted session: err = %v, want ErrNotFound", err)
		}
		// The other session keeps everything.
		if got := courseGetSession(t, s, other.ID); !got.HasAnimator("amy") {
			t.Fatalf("other session lost its animator: %v", got.Animators)
		}
		if exs, err := st.Grading.Exercises(ctx, other.ID); err != nil || len(exs) != 1 {
			t.Fatalf("exercises of the other session = %v, %v", exs, err)
		}

		// Someone enrolled, or a submission left: refused.
		if err := s.Enrol(ctx, course.Enrolment{SessionID: other.ID, UserID: "u1", EnrolledAt: T0}); err != nil {
			t.Fatal(err)
		}
		courseWant(t, "session with a participant", s.DeleteSession(ctx, other.ID), course.ErrConflict)
		if err := s.Unenrol(ctx, other.ID, "u1"); err != nil {
			t.Fatal(err)
		}
		sub := newSubmission(other.ID, 1, "u1", T0)
		if err := st.Grading.SaveSubmission(ctx, sub, versionOf(sub)); err != nil {
			t.Fatal(err)
		}
		courseWant(t, "session with a submission", s.DeleteSession(ctx, other.ID), course.ErrConflict)
		courseGetSession(t, s, other.ID)
	})
}
