package grading_test

import (
	"errors"
	"testing"

	"librecours/course"
	"librecours/grading"
	"librecours/grading/gradingtest"
)

// errBoom is the failure the fakes inject.
var errBoom = errors.New("boom")

// failOps are every method of the fakes a service may call.
var failOps = []string{
	"PutExercise", "Exercises", "Exercise", "PartState", "PartStates", "TransitionPart",
	"SaveSubmission", "SubmissionByID", "SubmissionByAuthor", "Submissions", "SubmissionsMeta",
	"SubmissionsByIDs", "SubmissionsByAuthor", "LateShort", "Versions", "SetGrades",
	"SetAnimatorGrade", "MarkQueued", "InsertReviews", "ReviewByID", "Reviews", "ReviewsByReviewer",
	"ReviewsInvolving", "ReviewsBySubmission", "SaveReview", "TakeOver", "SetFlag", "PutFile",
	"FileBytes", "File", "GradingStamp",
	"SessionByID", "OpenSessions", "IsEnrolled", "UpdatePart", "Unenrol", "DeleteSession",
	"Audit",
}

// reviewing is part 1 in review: p1..p5 submitted (p1 with a file) and were
// assigned; p1 handed in all their reviews but the last; the clock is a day
// after the submission deadline. ids: "sub" is p1's submission, "last"
// p1's review to do, "done" one p1 handed in.
func reviewing(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	e.clock.Set(t0.Add(day))
	sub, err := e.svc.Submit(ctx, user("p1"), sid, 1, "Avec un fichier", &grading.Upload{Data: pngFile(t)})
	noErr(t, err)
	e.submit(t, 1, "p2", "p3", "p4", "p5")
	e.assign(t, 1)
	e.clock.Set(part(1).SubmissionDue.Add(day))
	rs := e.reviewsOf(t, 1, "p1")
	for _, r := range rs[:len(rs)-1] {
		e.review(t, r, 5, 1)
	}
	e.ids["sub"], e.ids["last"], e.ids["done"], e.ids["doneAuthor"] = sub.ID, rs[len(rs)-1].ID, rs[0].ID, rs[0].AuthorID
	return e
}

// lapsing is reviewing once p1 finished, at the end of the others' lease.
func lapsing(t *testing.T) *env {
	t.Helper()
	e := reviewing(t)
	e.finishAll(t, 1, "p1", 1, 1)
	e.clock.Set(grading.LeaseEnd(part(1), part(1).SubmissionDue))
	return e
}

// graded is closed with ids["sub"] p1's submission.
func graded(t *testing.T) *env {
	t.Helper()
	e, subs := closed(t)
	e.ids["sub"] = subs["p1"].ID
	return e
}

func submitted(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	e.submit(t, 1, "p1", "p2", "p3", "p4")
	return e
}

// A store that fails makes the service fail with that error: never another
// error, never a panic, and never a success built on what was not read or
// written (a failure may only be ignored where the service says so, as a
// notification that could not be told).
func TestServiceStoreFailures(t *testing.T) {
	t.Parallel()
	type action struct {
		name  string
		setup func(t *testing.T) *env
		run   func(t *testing.T, e *env) error
	}
	p1 := user("p1")
	fresh := func(t *testing.T) *env { return newEnv(t) }
	actions := []action{
		{name: "Exercise", setup: fresh, run: func(t *testing.T, e *env) error {
			_, err := e.svc.Exercise(ctx, p1, sid, 3)
			return err
		}},
		{name: "PutExercise", setup: fresh, run: func(t *testing.T, e *env) error {
			return e.svc.PutExercise(ctx, coord, sid, grading.Exercise{Part: 1, Instructions: "x", Rubric: rubric})
		}},
		{name: "InitSession", setup: fresh, run: func(t *testing.T, e *env) error { return e.svc.InitSession(ctx, "s9") }},
		{name: "Submit with a file", setup: fresh, run: func(t *testing.T, e *env) error {
			_, err := e.svc.Submit(ctx, p1, sid, 1, "x", &grading.Upload{Data: pngFile(t)})
			return err
		}},
		{name: "Submit late in review", setup: reviewing, run: func(t *testing.T, e *env) error {
			_, err := e.svc.Submit(ctx, user("p6"), sid, 1, "En retard", nil)
			return err
		}},
		{name: "File", setup: reviewing, run: func(t *testing.T, e *env) error {
			_, _, err := e.svc.File(ctx, p1, e.ids["sub"])
			return err
		}},
		{name: "File to staff", setup: reviewing, run: func(t *testing.T, e *env) error {
			_, _, err := e.svc.File(ctx, anim, e.ids["sub"])
			return err
		}},
		{name: "MySubmission in review", setup: reviewing, run: func(t *testing.T, e *env) error {
			_, err := e.svc.MySubmission(ctx, p1, sid, 1)
			return err
		}},
		{name: "MySubmission closed", setup: graded, run: func(t *testing.T, e *env) error {
			_, err := e.svc.MySubmission(ctx, p1, sid, 1)
			return err
		}},
		{name: "AssignPart", setup: submitted, run: func(t *testing.T, e *env) error {
			e.clock.Set(part(1).SubmissionDue)
			_, err := e.svc.AssignPart(ctx, coord, sid, 1)
			return err
		}},
		{name: "AssignPart again", setup: reviewing, run: func(t *testing.T, e *env) error {
			_, err := e.svc.AssignPart(ctx, nil, sid, 1)
			return err
		}},
		{name: "MyReviews", setup: reviewing, run: func(t *testing.T, e *env) error {
			_, err := e.svc.MyReviews(ctx, p1, sid, 0)
			return err
		}},
		{name: "SaveReview finishing", setup: reviewing, run: func(t *testing.T, e *env) error {
			_, err := e.svc.SaveReview(ctx, p1, e.ids["last"], map[string]int{"fond": 1, "forme": 1}, comment)
			return err
		}},
		{name: "SaveDraft", setup: reviewing, run: func(t *testing.T, e *env) error {
			_, err := e.svc.SaveDraft(ctx, p1, e.ids["last"], map[string]int{"fond": 1}, "")
			return err
		}},
		{name: "ExtraReview", setup: lapsing, run: func(t *testing.T, e *env) error {
			_, err := e.svc.ExtraReview(ctx, p1, sid, 1)
			return err
		}},
		{name: "Reassign", setup: reviewing, run: func(t *testing.T, e *env) error {
			_, err := e.svc.Reassign(ctx, coord, e.ids["last"], "p6")
			return err
		}},
		{name: "FlagReview", setup: reviewing, run: func(t *testing.T, e *env) error {
			return e.svc.FlagReview(ctx, user(e.ids["doneAuthor"]), e.ids["done"], "Cette note est injuste.")
		}},
		{name: "PartPage participant", setup: reviewing, run: func(t *testing.T, e *env) error {
			_, err := e.svc.PartPage(ctx, p1, sid, 1)
			return err
		}},
		{name: "PartPage staff", setup: reviewing, run: func(t *testing.T, e *env) error {
			_, err := e.svc.PartPage(ctx, coord, sid, 1)
			return err
		}},
		{name: "ClosePart", setup: reviewing, run: func(t *testing.T, e *env) error {
			_, err := e.svc.ClosePart(ctx, coord, sid, 1)
			return err
		}},
		{name: "ClosePart unassigned", setup: submitted, run: func(t *testing.T, e *env) error {
			e.clock.Set(part(1).ReviewDue)
			_, err := e.svc.ClosePart(ctx, nil, sid, 1)
			return err
		}},
		{name: "ClosePart closed", setup: graded, run: func(t *testing.T, e *env) error {
			_, err := e.svc.ClosePart(ctx, nil, sid, 1)
			return err
		}},
		{name: "Tick lapsed", setup: lapsing, run: func(t *testing.T, e *env) error {
			return e.svc.Tick(ctx)
		}},
		{name: "Tick due", setup: submitted, run: func(t *testing.T, e *env) error {
			e.clock.Set(part(1).SubmissionDue)
			return e.svc.Tick(ctx)
		}},
		{name: "Corrections", setup: graded, run: func(t *testing.T, e *env) error {
			_, err := e.svc.Corrections(ctx, anim, sid)
			return err
		}},
		{name: "Corrections stamped", setup: func(t *testing.T) *env {
			e, _ := closed(t)
			e.svc.Store = gradingtest.Stamped{Store: e.store}
			return e
		}, run: func(t *testing.T, e *env) error {
			_, err := e.svc.Corrections(ctx, anim, sid)
			return err
		}},
		{name: "StaffSubmission", setup: graded, run: func(t *testing.T, e *env) error {
			_, err := e.svc.StaffSubmission(ctx, anim, e.ids["sub"])
			return err
		}},
		{name: "NextInQueue", setup: graded, run: func(t *testing.T, e *env) error {
			_, err := e.svc.NextInQueue(ctx, anim, sid, e.ids["sub"])
			return err
		}},
		{name: "SetGrade", setup: graded, run: func(t *testing.T, e *env) error {
			_, err := e.svc.SetGrade(ctx, anim, e.ids["sub"], 55, "Relu")
			return err
		}},
		{name: "SetRubricGrade", setup: graded, run: func(t *testing.T, e *env) error {
			_, err := e.svc.SetRubricGrade(ctx, anim, e.ids["sub"], map[string]int{"fond": 1, "forme": 1}, "Selon la grille")
			return err
		}},
		{name: "ConfirmGrade", setup: graded, run: func(t *testing.T, e *env) error {
			_, err := e.svc.ConfirmGrade(ctx, anim, e.ids["sub"], "")
			return err
		}},
		{name: "Unenrol", setup: reviewing, run: func(t *testing.T, e *env) error {
			err := e.svc.Unenrol(ctx, coord, sid, "p6")
			return err
		}},
		{name: "CancelSession", setup: func(t *testing.T) *env {
			e := newEnv(t)
			s := newSession()
			s.ID = "s-empty"
			e.course.AddSession(s)
			return e
		}, run: func(t *testing.T, e *env) error {
			_, err := e.svc.CancelSession(ctx, coord, "s-empty")
			return err
		}},
	}
	// Failures a service may ignore: the notification of an appeal, which
	// reads the session after the appeal is stored.
	ignored := map[string]bool{"FlagReview/SessionByID": true}
	for _, a := range actions {
		t.Run(a.name, func(t *testing.T) {
			t.Parallel()
			e := a.setup(t)
			called := map[string]bool{}
			record := func(op string) error { called[op] = true; return nil }
			e.store.Fail, e.course.Fail, e.audit.Fail = record, record, record
			noErr(t, a.run(t, e)) // it works when nothing fails
			if len(called) == 0 {
				t.Fatal("no store called")
			}
			for _, op := range failOps {
				if !called[op] {
					continue // a method it does not call cannot fail it
				}
				t.Run(op, func(t *testing.T) {
					e := a.setup(t)
					arm(e, op)
					err := a.run(t, e)
					switch {
					case err != nil && !errors.Is(err, errBoom):
						t.Fatalf("with %s failing: %v, want the store's error", op, err)
					case err == nil && !ignored[a.name+"/"+op]:
						t.Fatalf("with %s failing: success, want the store's error", op)
					}
				})
			}
		})
	}
}

// arm makes the fakes fail op.
func arm(e *env, op string) {
	fail := func(o string) error {
		if o == op {
			return errBoom
		}
		return nil
	}
	e.store.Fail, e.course.Fail, e.audit.Fail = fail, fail, fail
}

var _ course.Auditor = (*gradingtest.Auditor)(nil)

// TestSubmitRacingFirstVersions: when another first version of the same
// work is saved between Submit's reading and its saving (the store answers
// ErrConflict, as sqlstore's unique index does), this one is saved as that
// submission's next version, not refused.
func TestSubmitRacingFirstVersions(t *testing.T) {
	e := newEnv(t)
	e.clock.Set(part(1).OpensAt.Add(day))
	raced := false
	e.store.Fail = func(op string) error {
		if op != "SaveSubmission" || raced {
			return nil
		}
		raced = true
		other := &grading.Submission{SessionID: sid, Part: 1, AuthorID: "p1", Text: "Depuis l’autre onglet", Version: 1,
			SubmittedAt: e.clock.Now(), UpdatedAt: e.clock.Now()}
		noErr(t, e.store.SaveSubmission(ctx, other, grading.Version{N: 1, Text: other.Text, At: other.UpdatedAt}))
		e.ids["other"] = other.ID
		return grading.ErrConflict
	}
	sub, err := e.svc.Submit(ctx, user("p1"), sid, 1, "Depuis ce onglet-ci", nil)
	noErr(t, err)
	if sub.ID != e.ids["other"] || sub.Version != 2 || sub.Text != "Depuis ce onglet-ci" {
		t.Fatalf("saved %s version %d %q; want the other submission %s's version 2", sub.ID, sub.Version, sub.Text, e.ids["other"])
	}
	vs, err := e.store.Versions(ctx, sub.ID)
	noErr(t, err)
	if len(vs) != 2 {
		t.Fatalf("%d versions, want both texts kept", len(vs))
	}
}
