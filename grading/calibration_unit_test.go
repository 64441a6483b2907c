package grading_test

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"librecours/course"
	"librecours/grading"
	"librecours/grading/gradingtest"
)

// cohortEnv is the test session with n participants q00, q01, … enrolled
// and part 1's exercise a single criterion of 100 points, so a review can
// give any whole percentage.
func cohortEnv(t testing.TB, n int) (*env, []string) {
	t.Helper()
	e := &env{store: &gradingtest.Store{}, course: &gradingtest.Course{}, clock: &clock{now: t0},
		events: &gradingtest.Notifier{}, audit: &gradingtest.Auditor{}, ids: map[string]string{}}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("q%02d", i)
	}
	e.course.AddSession(newSession(), ids...)
	noErr(t, e.store.PutExercise(ctx, sid, grading.Exercise{Part: 1, Instructions: "Écrivez.", InstructionsHTML: "<p>Écrivez.</p>",
		Rubric: []grading.Criterion{{ID: "fond", Label: "Le fond", MaxPoints: 100}}}))
	e.svc = &grading.Service{Store: e.store, Course: e.course, Now: e.clock.Now, Audit: e.audit, Events: e.events}
	return e, ids
}

// sampleOf returns part n's calibration sample.
func (e *env) sampleOf(t testing.TB, n int) []string {
	t.Helper()
	st, err := e.store.PartState(ctx, sid, n)
	noErr(t, err)
	return st.Calibration
}

// queueReasons maps the submissions of the correction queue to their reasons.
func (e *env) queueReasons(t testing.TB) ([]grading.QueueItem, map[string][]string) {
	t.Helper()
	items, err := e.svc.Corrections(ctx, anim, sid)
	noErr(t, err)
	out := map[string][]string{}
	for _, it := range items {
		out[it.Submission.ID] = it.Reasons
	}
	return items, out
}

func TestCalibrationSampleDrawnAtAssignment(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		people, want int
	}{
		{6, 2},   // ⌈0.3⌉ = 1, raised to the minimum
		{40, 2},  // ⌈2⌉
		{45, 3},  // ⌈2.25⌉
		{100, 5}, // ⌈5⌉
	} {
		t.Run(fmt.Sprint(tt.people), func(t *testing.T) {
			t.Parallel()
			draw := func() ([]string, map[string]bool) {
				e, ids := cohortEnv(t, tt.people)
				subs := e.submit(t, 1, ids...)
				e.assign(t, 1)
				all := map[string]bool{}
				for _, s := range subs {
					all[s.ID] = true
				}
				sample := e.sampleOf(t, 1)
				// A retried assignment (another instance, the scheduler after
				// staff) keeps the sample.
				rep, err := e.svc.AssignPart(ctx, nil, sid, 1)
				noErr(t, err)
				if !rep.Already || !slices.Equal(e.sampleOf(t, 1), sample) {
					t.Fatalf("after a second assignment: %+v, sample %v, want %v", rep, e.sampleOf(t, 1), sample)
				}
				return sample, all
			}
			sample, all := draw()
			if len(sample) != tt.want || !slices.IsSorted(sample) {
				t.Fatalf("sample %v: want %d sorted IDs", sample, tt.want)
			}
			for _, id := range sample {
				if !all[id] {
					t.Fatalf("sample %v holds %s, not a submission of the part", sample, id)
				}
			}
			// The same part drawn again (same session, same submissions) gives
			// the same sample: it depends on nothing but them.
			if again, _ := draw(); !slices.Equal(again, sample) {
				t.Fatalf("second draw %v, first %v", again, sample)
			}
		})
	}
}

func TestCalibrationSampleDiffersBetweenParts(t *testing.T) {
	t.Parallel()
	e, ids := cohortEnv(t, 100)
	noErr(t, e.store.PutExercise(ctx, sid, grading.Exercise{Part: 2, Instructions: "Écrivez.", Rubric: rubric}))
	subs1 := e.submit(t, 1, ids...)
	e.assign(t, 1)
	subs2 := e.submit(t, 2, ids...)
	e.assign(t, 2)
	authors := func(subs map[string]*grading.Submission, sample []string) []string {
		var out []string
		for a, s := range subs {
			if slices.Contains(sample, s.ID) {
				out = append(out, a)
			}
		}
		slices.Sort(out)
		return out
	}
	a1, a2 := authors(subs1, e.sampleOf(t, 1)), authors(subs2, e.sampleOf(t, 2))
	if len(a1) != 5 || len(a2) != 5 || slices.Equal(a1, a2) {
		t.Fatalf("authors sampled in part 1 %v and part 2 %v: want 5 each, not the same people", a1, a2)
	}
}

func TestCalibrationInQueueUntilDecided(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	subs := e.submit(t, 1, people...)
	e.assign(t, 1)
	sample := e.sampleOf(t, 1)
	if len(sample) != 2 {
		t.Fatalf("sample %v, want 2 of 6", sample)
	}
	// An appeal on work outside the sample.
	e.clock.Set(part(1).SubmissionDue.Add(day))
	var appealed string
	for _, id := range people {
		for _, r := range e.reviewsOf(t, 1, id) {
			if appealed == "" && !slices.Contains(sample, r.SubmissionID) {
				e.review(t, r, 2, 1)
				noErr(t, e.svc.FlagReview(ctx, user(r.AuthorID), r.ID, "Cette évaluation ne lit pas mon travail."))
				appealed = r.SubmissionID
			}
		}
	}
	items, reasons := e.queueReasons(t)
	if len(items) != 3 || items[0].Submission.ID != appealed {
		t.Fatalf("queue %v: want the appeal first, then the 2 calibration items", reasons)
	}
	for _, it := range items[1:] {
		if !slices.Contains(sample, it.Submission.ID) || !slices.Equal(it.Reasons, []string{grading.ReasonCalibration}) || it.Resolved {
			t.Fatalf("item %s: reasons %v, want calibration (sample %v)", it.Submission.ID, it.Reasons, sample)
		}
		if !it.EnteredAt.Equal(part(1).SubmissionDue) {
			t.Errorf("item %s entered at %v, want the assignment %v", it.Submission.ID, it.EnteredAt, part(1).SubmissionDue)
		}
	}
	// Nothing to confirm before the close: there is no peer grade yet.
	_, err := e.svc.ConfirmGrade(ctx, anim, sample[1], "")
	wantErr(t, err, grading.ErrConflict)
	// A grade takes the item out of the queue.
	_, err = e.svc.SetGrade(ctx, anim, sample[0], 72, "Lu et noté pour le calibrage.")
	noErr(t, err)
	if _, reasons = e.queueReasons(t); reasons[sample[0]] != nil || !slices.Contains(reasons[sample[1]], grading.ReasonCalibration) {
		t.Fatalf("after grading %s: queue %v", sample[0], reasons)
	}
	// Once the part is closed, the sample is no longer offered as such.
	e.clock.Set(part(1).ReviewDue)
	_, err = e.svc.ClosePart(ctx, nil, sid, 1)
	noErr(t, err)
	_, reasons = e.queueReasons(t)
	for id, rs := range reasons {
		if slices.Contains(rs, grading.ReasonCalibration) {
			t.Fatalf("after the close, %s still has reasons %v", id, rs)
		}
	}
	got, err := e.store.SubmissionByID(ctx, sample[0])
	noErr(t, err)
	if got.Grade == nil || got.Grade.Score != 72 || got.Grade.Source != grading.SourceAnimator {
		t.Fatalf("calibrated grade %+v, want the animator's 72", got.Grade)
	}
	_ = subs
}

// biasedCohort runs part 1 of a 24-person cohort whose true scores are
// known: every reviewer scores the truth give or take 3 points, except
// one, who reviews a calibration item and adds 30 points to everything.
// When calibrate is set, an animator grades the calibration sample at its
// truth before the close. It returns the biased reviewer's other reviewed
// submissions with their truth, and the env after the close.
func biasedCohort(t *testing.T, calibrate bool) (*env, map[string]float64) {
	t.Helper()
	e, ids := cohortEnv(t, 24)
	subs := e.submit(t, 1, ids...)
	e.assign(t, 1)
	truth := map[string]float64{}
	for i, id := range ids {
		truth[subs[id].ID] = float64(25 + (i*37)%60)
	}
	sample := e.sampleOf(t, 1)
	rs, err := e.store.Reviews(ctx, sid, 1)
	noErr(t, err)
	biased := ""
	for _, r := range rs {
		if slices.Contains(sample, r.SubmissionID) && (biased == "" || r.ReviewerID < biased) {
			biased = r.ReviewerID
		}
	}
	e.clock.Set(part(1).SubmissionDue.Add(day))
	others := map[string]float64{}
	for i, r := range rs {
		score := truth[r.SubmissionID] + float64(i%7-3)
		if r.ReviewerID == biased {
			score = truth[r.SubmissionID] + 30
			if !slices.Contains(sample, r.SubmissionID) {
				others[r.SubmissionID] = truth[r.SubmissionID]
			}
		}
		_, err := e.svc.SaveReview(ctx, user(r.ReviewerID), r.ID, map[string]int{"fond": int(min(max(score, 0), 100))}, comment)
		noErr(t, err)
	}
	if calibrate {
		for _, id := range sample {
			_, err := e.svc.SetGrade(ctx, anim, id, truth[id], "Note de calibrage.")
			noErr(t, err)
		}
	}
	e.clock.Set(part(1).ReviewDue)
	_, err = e.svc.ClosePart(ctx, nil, sid, 1)
	noErr(t, err)
	if len(others) == 0 {
		t.Fatal("the biased reviewer reviewed nothing outside the sample")
	}
	return e, others
}

func TestCalibrationGradesAreGroundTruth(t *testing.T) {
	t.Parallel()
	errorOf := func(e *env, others map[string]float64) float64 {
		sum := 0.0
		for id, truth := range others {
			sub, err := e.store.SubmissionByID(ctx, id)
			noErr(t, err)
			if sub.Grade == nil {
				t.Fatalf("%s has no grade", id)
			}
			sum += math.Abs(sub.Grade.Score - truth)
		}
		return sum / float64(len(others))
	}
	plain, others := biasedCohort(t, false)
	calibrated, others2 := biasedCohort(t, true)
	before, after := errorOf(plain, others), errorOf(calibrated, others2)
	t.Logf("mean error on the biased reviewer's other work: %.2f without calibration, %.2f with", before, after)
	if after >= before-0.5 {
		t.Fatalf("calibration moved the biased reviewer's other work from %.2f to %.2f points off: want at least half a point closer", before, after)
	}
}

func TestConfirmationIsGroundTruth(t *testing.T) {
	t.Parallel()
	// A confirmed peer grade is kept as the animator saw it, and counts as
	// a known value: recomputing with it gives the grades an animator grade
	// at the same score gives.
	confirmed, _ := biasedCohort(t, false)
	graded, _ := biasedCohort(t, false)
	untouched := confirmed.partGrades(t)
	id := confirmed.sampleOf(t, 1)[0]
	before, err := confirmed.store.SubmissionByID(ctx, id)
	noErr(t, err)
	_, err = confirmed.svc.ConfirmGrade(ctx, anim, id, "D’accord avec les pairs.")
	noErr(t, err)
	_, err = graded.svc.SetGrade(ctx, anim, id, before.Grade.Score, "Même note que les pairs.")
	noErr(t, err)
	after, err := confirmed.store.SubmissionByID(ctx, id)
	noErr(t, err)
	if after.Grade.Score != before.Grade.Score || after.Grade.Source != grading.SourcePeers || after.Grade.Method != before.Grade.Method || after.Grade.SD != before.Grade.SD {
		t.Fatalf("confirmed grade %+v, want it kept as %+v", after.Grade, before.Grade)
	}
	a, b := confirmed.partGrades(t), graded.partGrades(t)
	if !mapsEqual(a, b) {
		t.Fatalf("grades after a confirmation %v, after the same grade %v", a, b)
	}
	if mapsEqual(a, untouched) {
		t.Fatalf("the confirmation moved no grade (%v): it did not reach the model", a)
	}
}

// changes returns the GradesChanged events heard so far.
func (e *env) changes() [][]grading.GradeChange {
	var out [][]grading.GradeChange
	for _, ev := range e.events.Events() {
		if ev.Kind == "changed" {
			out = append(out, ev.Changes)
		}
	}
	return out
}

// partGrades reads the grades of part 1's submissions.
func (e *env) partGrades(t testing.TB) map[string]float64 {
	t.Helper()
	subs, err := e.store.Submissions(ctx, sid, 1)
	noErr(t, err)
	out := map[string]float64{}
	for _, s := range subs {
		if s.Grade != nil {
			out[s.ID] = s.Grade.Score
		}
	}
	return out
}

func TestRegradeAfterClose(t *testing.T) {
	t.Parallel()
	e, _ := biasedCohort(t, false) // large enough for the model to run
	if len(e.changes()) != 0 {
		t.Fatalf("the close told of changes: %v", e.changes())
	}
	before := e.partGrades(t)
	p2, err := e.store.SubmissionByID(ctx, e.sampleOf(t, 1)[0])
	noErr(t, err)
	_, err = e.svc.SetGrade(ctx, anim, p2.ID, 80, "Meilleur que ce qu’en disent les pairs.")
	noErr(t, err)
	after := e.partGrades(t)
	heard := e.changes()
	if len(heard) != 1 {
		t.Fatalf("heard %d GradesChanged, want 1: %v", len(heard), heard)
	}
	told := map[string]grading.GradeChange{}
	for _, c := range heard[0] {
		told[c.SubmissionID] = c
	}
	if c := told[p2.ID]; c.AuthorID != p2.AuthorID || c.Before != before[p2.ID] || c.After != 80 || c.New {
		t.Fatalf("p2's change %+v, want %v → 80", c, before[p2.ID])
	}
	moved := 0
	for id, g := range after {
		c, ok := told[id]
		switch {
		case ok && (c.After != g || c.Before != before[id] || !c.Notable()):
			t.Errorf("%s told %+v, grades %v → %v", id, c, before[id], g)
		case !ok && math.Abs(g-before[id]) > grading.GradeChangeStep+1e-9:
			t.Errorf("%s moved %v → %v untold", id, before[id], g)
		}
		if id != p2.ID && g != before[id] {
			moved++
		}
	}
	if moved == 0 {
		t.Errorf("no other grade moved: the part was not recomputed (%v → %v)", before, after)
	}
	if st, err := e.store.PartState(ctx, sid, 1); err != nil || st.Phase != grading.PhaseClosed || !st.ClosedAt.Equal(part(1).ReviewDue) {
		t.Fatalf("part state %+v, %v: want closed at the review deadline", st, err)
	}

	// The same decision again recomputes the same grades: nothing to tell.
	_, err = e.svc.SetGrade(ctx, anim, p2.ID, 80, "Je confirme ma note.")
	noErr(t, err)
	if got := e.partGrades(t); len(e.changes()) != 1 || !mapsEqual(got, after) {
		t.Fatalf("a repeated decision: %d change events, grades %v, want %v", len(e.changes()), got, after)
	}
}

func mapsEqual(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestRegradeWhileAnotherRuns(t *testing.T) {
	t.Parallel()
	e, subs := closed(t)
	a, b := subs["p1"].ID, subs["p2"].ID
	// While the first animator's recomputation holds the part (its grades
	// being written), a second animator grades other work: their
	// recomputation finds the part claimed and leaves it to the holder,
	// which reads the decisions again after its release.
	calls := 0
	e.store.Fail = func(op string) error {
		if op == "SetGrades" {
			calls++
			if calls == 2 {
				st, err := e.store.PartState(ctx, sid, 1)
				if err != nil || st.Phase != grading.PhaseClosing {
					t.Errorf("during the recomputation the part is %+v, %v; want closing", st, err)
				}
				if _, err := e.svc.SetGrade(ctx, &course.User{ID: "anim2", Roles: []course.Role{course.RoleCoordinator}}, b, 90, "Deuxième correction."); err != nil {
					t.Errorf("second animator: %v", err)
				}
			}
		}
		return nil
	}
	_, err := e.svc.SetGrade(ctx, anim, a, 40, "Première correction.")
	noErr(t, err)
	e.store.Fail = nil
	got := e.partGrades(t)
	if got[a] != 40 || got[b] != 90 {
		t.Fatalf("grades %v: want p1 at 40 and p2 at 90", got)
	}
	// Both decisions are in the stored grades: recomputing again (a third,
	// identical decision) changes nothing.
	n := len(e.changes())
	_, err = e.svc.SetGrade(ctx, anim, a, 40, "Première correction, revue.")
	noErr(t, err)
	if again := e.partGrades(t); len(e.changes()) != n || !mapsEqual(again, got) {
		t.Fatalf("a further recomputation changed %v into %v", got, again)
	}
	// p2's author heard of their new grade.
	toldB := false
	for _, cs := range e.changes() {
		for _, c := range cs {
			toldB = toldB || (c.SubmissionID == b && c.After == 90)
		}
	}
	if !toldB {
		t.Fatalf("p2 was not told: %v", e.changes())
	}
}

func TestRegradeTakesOverAStaleClaim(t *testing.T) {
	t.Parallel()
	e, subs := closed(t)
	st, err := e.store.PartState(ctx, sid, 1)
	noErr(t, err)
	stuck := st
	stuck.Phase, stuck.ClaimedAt = grading.PhaseClosing, part(1).ReviewDue // a worker died mid-recomputation
	e.store.SetPartState(stuck)
	e.clock.Set(part(1).ReviewDue.Add(day))
	_, err = e.svc.SetGrade(ctx, anim, subs["p4"].ID, 55, "Correction après la clôture.")
	noErr(t, err)
	got, err := e.store.PartState(ctx, sid, 1)
	noErr(t, err)
	if got.Phase != grading.PhaseClosed || !got.ClosedAt.Equal(st.ClosedAt) {
		t.Fatalf("part state %+v: want closed again, at %v", got, st.ClosedAt)
	}
	if len(e.changes()) != 1 {
		t.Fatalf("change events %v, want one", e.changes())
	}
}

func TestTickFinishesAStaleRecomputation(t *testing.T) {
	t.Parallel()
	e, _ := closed(t)
	st, err := e.store.PartState(ctx, sid, 1)
	noErr(t, err)
	stuck := st
	stuck.Phase, stuck.ClaimedAt = grading.PhaseClosing, part(1).ReviewDue.Add(time.Hour)
	e.store.SetPartState(stuck)
	e.clock.Set(stuck.ClaimedAt.Add(time.Minute)) // the claim still holds
	noErr(t, e.svc.Tick(ctx))
	if got, _ := e.store.PartState(ctx, sid, 1); got.Phase != grading.PhaseClosing {
		t.Fatalf("a fresh claim was taken over: %+v", got)
	}
	e.clock.Set(stuck.ClaimedAt.Add(time.Hour))
	noErr(t, e.svc.Tick(ctx))
	got, err := e.store.PartState(ctx, sid, 1)
	noErr(t, err)
	if got.Phase != grading.PhaseClosed || !got.ClosedAt.Equal(st.ClosedAt) {
		t.Fatalf("after the tick: %+v, want closed at %v", got, st.ClosedAt)
	}
}

func TestDecisionBeforeCloseTellsNoOne(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.submit(t, 1, people...)
	e.assign(t, 1)
	_, err := e.svc.SetGrade(ctx, anim, e.sampleOf(t, 1)[0], 64, "Calibrage avant la clôture.")
	noErr(t, err)
	if len(e.changes()) != 0 {
		t.Fatalf("a decision before the close told %v", e.changes())
	}
}
