package grading_test

import (
	"errors"
	"testing"

	"librecours/course"
	"librecours/grading"
	"librecours/grading/gradingtest"
)

// TestEarlyClosesAudited (issue #13 item 9): staff closing a part's
// submissions or reviews before their deadline is in the audit log, the
// session's code as target and the counts as message arguments; the
// scheduler doing it at the deadline is not; a failing audit reaches the
// caller.
func TestEarlyClosesAudited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.submit(t, 1, "p1", "p2", "p3", "p4")
	early := part(1).OpensAt.Add(2 * day)
	e.clock.Set(early)
	rep, err := e.svc.AssignPart(ctx, coord, sid, 1)
	noErr(t, err)
	a := e.audit.Entries()
	if len(a) != 1 || a[0].Action != course.AuditAssignEarly || a[0].ActorID != "coord" || a[0].SessionID != sid || a[0].Target != "LCIII-001" || !a[0].At.Equal(early) {
		t.Fatalf("after an early assignment: %+v", a)
	}
	key, args, ok := course.ParseAuditDetail(a[0].Detail)
	if !ok || key != "audit.detail.assign_early" || args["Part"] != 1 || args["Submissions"] != 4 || args["Count"] != rep.ReviewsAssigned || rep.ReviewsAssigned == 0 {
		t.Fatalf("detail %q: %s %v (report %+v)", a[0].Detail, key, args, rep)
	}

	later := early.Add(day)
	e.clock.Set(later)
	for _, p := range []string{"p1", "p2", "p3", "p4"} {
		e.finishAll(t, 1, p, 6, 2)
	}
	graded, err := e.svc.ClosePart(ctx, anim, sid, 1)
	noErr(t, err)
	a = e.audit.Entries()
	if len(a) != 2 || a[1].Action != course.AuditPartClose || a[1].ActorID != "anim" || a[1].Target != "LCIII-001" || !a[1].At.Equal(later) {
		t.Fatalf("after an early close: %+v", a)
	}
	if key, args, ok := course.ParseAuditDetail(a[1].Detail); !ok || key != "audit.detail.close_early" || args["Part"] != 1 || args["Count"] != graded || graded == 0 {
		t.Fatalf("detail %q: %s %v, graded %d", a[1].Detail, key, args, graded)
	}
	// Closing again changes nothing and records nothing.
	_, err = e.svc.ClosePart(ctx, coord, sid, 1)
	noErr(t, err)
	if n := len(e.audit.Entries()); n != 2 {
		t.Fatalf("%d entries after closing a closed part", n)
	}

	// The scheduler, at the deadlines: nothing recorded.
	e.submit(t, 2, "p1", "p2", "p3")
	e.assign(t, 2)
	e.clock.Set(part(2).ReviewDue)
	_, err = e.svc.ClosePart(ctx, nil, sid, 2)
	noErr(t, err)
	if n := len(e.audit.Entries()); n != 2 {
		t.Fatalf("%d entries after the scheduler's work", n)
	}
}

func TestEarlyCloseAuditFailure(t *testing.T) {
	t.Parallel()
	down := errors.New("audit down")
	e := newEnv(t)
	e.submit(t, 1, "p1", "p2", "p3")
	e.audit.Fail = func(string) error { return down }
	e.clock.Set(part(1).OpensAt.Add(2 * day))
	_, err := e.svc.AssignPart(ctx, coord, sid, 1)
	wantErr(t, err, down)
}

// TestExerciseEditAudited: staff replacing a part's exercise is logged with
// the part, the rubric's criteria and points; a refused exercise is not.
func TestExerciseEditAudited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ex := grading.Exercise{Part: 3, Instructions: "Écrivez encore.", Rubric: rubric}
	noErr(t, e.svc.PutExercise(ctx, anim, sid, ex))
	a := e.audit.Entries()
	if len(a) != 1 || a[0].Action != course.AuditExerciseEdit || a[0].ActorID != "anim" || a[0].Target != "LCIII-001" || a[0].SessionID != sid {
		t.Fatalf("entries %+v", a)
	}
	if key, args, ok := course.ParseAuditDetail(a[0].Detail); !ok || key != "audit.detail.exercise_edit" || args["Part"] != 3 || args["Count"] != 2 || args["Points"] != 10 {
		t.Fatalf("detail %q: %s %v", a[0].Detail, key, args)
	}
	ex.Part = 9
	if err := e.svc.PutExercise(ctx, anim, sid, ex); err == nil {
		t.Fatal("part 9 accepted")
	}
	wantErr(t, e.svc.PutExercise(ctx, user("p1"), sid, grading.Exercise{Part: 1, Instructions: "x", Rubric: rubric}), course.ErrForbidden)
	if n := len(e.audit.Entries()); n != 1 {
		t.Fatalf("%d entries after refused exercises", n)
	}
}

// TestQuestionsEditAudited: a coordinator replacing the final evaluation's
// questions is logged with their count; a refused change is not.
func TestQuestionsEditAudited(t *testing.T) {
	t.Parallel()
	q := newQuiz(t, grading.EvaluationSettings{})
	log := &gradingtest.Auditor{}
	q.quiz.Audit = log
	qs := questions(t)
	noErr(t, q.quiz.PutEvaluation(ctx, coord, sid, grading.Evaluation{Questions: qs[:2]}))
	if err := q.quiz.PutEvaluation(ctx, coord, sid, grading.Evaluation{}); err == nil {
		t.Fatal("no questions accepted")
	}
	a := log.Entries()
	if len(a) != 1 || a[0].Action != course.AuditQuestionsEdit || a[0].ActorID != "coord" || a[0].Target != "LCIII-001" {
		t.Fatalf("entries %+v", a)
	}
	if key, args, ok := course.ParseAuditDetail(a[0].Detail); !ok || key != "audit.detail.questions" || args["Count"] != 2 {
		t.Fatalf("detail %q", a[0].Detail)
	}
}
