package mongostore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"librecours/app/mongostore"
	"librecours/app/mongostore/storetest"
	"librecours/grading"
)

// newGradingStore opens a fresh database and its grading store.
func newGradingStore(t *testing.T) *mongostore.GradingStore {
	t.Helper()
	return mongostore.NewGradingStore(storetest.Open(t, storetest.Options{}).DB)
}

func ptr[T any](v T) *T { return &v }

func TestGradingExercises(t *testing.T) {
	s := newGradingStore(t)
	ctx := context.Background()

	rubric := []grading.Criterion{{ID: "clarity", Label: "Clarté", MaxPoints: 4}, {ID: "sources", Label: "Sources", MaxPoints: 6}}
	e3 := grading.Exercise{Part: 3, Instructions: "Rédigez *trois* paragraphes.", Rubric: rubric}
	e1 := grading.Exercise{Part: 1, Instructions: "Présentez-vous.", Rubric: rubric[:1]}
	for _, e := range []grading.Exercise{e3, e1, {Part: 2, Instructions: "Autre session", Rubric: rubric}} {
		sess := "s1"
		if e.Part == 2 {
			sess = "s2"
		}
		if err := s.PutExercise(ctx, sess, e); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Exercises(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]grading.Exercise{e1, e3}, got); diff != "" {
		t.Fatalf("Exercises (-want +got):\n%s", diff)
	}

	e3.Instructions = "Rédigez quatre paragraphes."
	e3.Rubric = append(e3.Rubric, grading.Criterion{ID: "form", Label: "Forme", MaxPoints: 2})
	if err := s.PutExercise(ctx, "s1", e3); err != nil {
		t.Fatal(err)
	}
	got, err = s.Exercises(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]grading.Exercise{e1, e3}, got); diff != "" {
		t.Fatalf("Exercises after replace (-want +got):\n%s", diff)
	}

	got, err = s.Exercises(ctx, "none")
	if err != nil || len(got) != 0 {
		t.Fatalf("Exercises of an unknown session = %v, %v; want none", got, err)
	}
}

func TestGradingPartState(t *testing.T) {
	s := newGradingStore(t)
	ctx := context.Background()

	got, err := s.PartState(ctx, "s1", 2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(grading.PartState{SessionID: "s1", Part: 2, Phase: grading.PhaseSubmission}, got); diff != "" {
		t.Fatalf("fresh PartState (-want +got):\n%s", diff)
	}

	review := grading.PartState{SessionID: "s1", Part: 2, Phase: grading.PhaseReview, ClaimedAt: t0,
		AssignedAt: t0.Add(time.Minute), Mode: grading.AssignModeAllPairs, EffectiveK: 2}
	closed := grading.PartState{SessionID: "s1", Part: 1, Phase: grading.PhaseClosed, ClaimedAt: t0.Add(time.Hour),
		AssignedAt: t0, ClosedAt: t0.Add(2 * time.Hour), Mode: grading.AssignModeFull, EffectiveK: 3}
	other := grading.PartState{SessionID: "s2", Part: 1, Phase: grading.PhaseAssigning, ClaimedAt: t0}
	for _, st := range []grading.PartState{review, closed, other} {
		if ok, err := s.TransitionPart(ctx, st, []grading.Phase{grading.PhaseSubmission}, time.Time{}); err != nil || !ok {
			t.Fatalf("TransitionPart(%s:%d) = %v, %v", st.SessionID, st.Part, ok, err)
		}
	}
	got, err = s.PartState(ctx, "s1", 2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(review, got); diff != "" {
		t.Fatalf("PartState (-want +got):\n%s", diff)
	}
	all, err := s.PartStates(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]grading.PartState{closed, review}, all); diff != "" {
		t.Fatalf("PartStates (-want +got):\n%s", diff)
	}
}

func TestTransitionPart(t *testing.T) {
	s := newGradingStore(t)
	ctx := context.Background()
	state := func(p grading.Phase, claimed time.Time) *grading.PartState {
		return &grading.PartState{Phase: p, ClaimedAt: claimed}
	}
	fromSub := []grading.Phase{grading.PhaseSubmission}
	for i, tc := range []struct {
		name  string
		setup *grading.PartState // nil: no stored state
		to    grading.PartState
		from  []grading.Phase
		stale time.Time
		won   bool
	}{
		{"fresh part from submission", nil,
			grading.PartState{Phase: grading.PhaseAssigning, ClaimedAt: t0}, fromSub, time.Time{}, true},
		{"fresh part not from submission", nil,
			grading.PartState{Phase: grading.PhaseClosing, ClaimedAt: t0}, []grading.Phase{grading.PhaseReview}, time.Time{}, false},
		{"fresh part, empty from", nil,
			grading.PartState{Phase: grading.PhaseAssigning, ClaimedAt: t0}, nil, t0, false},
		{"phase in from", state(grading.PhaseAssigning, t0),
			grading.PartState{Phase: grading.PhaseReview, ClaimedAt: t0, AssignedAt: t0.Add(time.Minute), Mode: grading.AssignModeFull, EffectiveK: 3},
			[]grading.Phase{grading.PhaseAssigning}, time.Time{}, true},
		{"phase in a longer from", state(grading.PhaseReview, t0),
			grading.PartState{Phase: grading.PhaseClosing, ClaimedAt: t0.Add(time.Hour)},
			[]grading.Phase{grading.PhaseSubmission, grading.PhaseReview}, time.Time{}, true},
		{"phase not in from", state(grading.PhaseReview, t0),
			grading.PartState{Phase: grading.PhaseAssigning, ClaimedAt: t0.Add(time.Hour)}, fromSub, time.Time{}, false},
		{"stale assigning claim re-taken", state(grading.PhaseAssigning, t0),
			grading.PartState{Phase: grading.PhaseAssigning, ClaimedAt: t0.Add(time.Hour)}, fromSub, t0.Add(time.Minute), true},
		{"stale closing claim re-taken", state(grading.PhaseClosing, t0),
			grading.PartState{Phase: grading.PhaseClosing, ClaimedAt: t0.Add(time.Hour)}, []grading.Phase{grading.PhaseReview}, t0.Add(time.Minute), true},
		{"claim exactly at staleBefore kept", state(grading.PhaseAssigning, t0),
			grading.PartState{Phase: grading.PhaseAssigning, ClaimedAt: t0.Add(time.Hour)}, fromSub, t0, false},
		{"fresh claim kept", state(grading.PhaseClosing, t0.Add(time.Hour)),
			grading.PartState{Phase: grading.PhaseClosing, ClaimedAt: t0.Add(2 * time.Hour)}, []grading.Phase{grading.PhaseReview}, t0.Add(time.Minute), false},
		{"zero staleBefore never steals", state(grading.PhaseAssigning, t0),
			grading.PartState{Phase: grading.PhaseAssigning, ClaimedAt: t0.Add(time.Hour)}, fromSub, time.Time{}, false},
		{"old review phase is no claim", state(grading.PhaseReview, t0),
			grading.PartState{Phase: grading.PhaseClosing, ClaimedAt: t0.Add(time.Hour)}, fromSub, t0.Add(time.Hour), false},
		{"closed part stays closed", state(grading.PhaseClosed, t0),
			grading.PartState{Phase: grading.PhaseClosing, ClaimedAt: t0.Add(time.Hour)}, []grading.Phase{grading.PhaseReview}, t0.Add(time.Hour), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sess := fmt.Sprintf("s%d", i)
			want := grading.PartState{SessionID: sess, Part: 4, Phase: grading.PhaseSubmission}
			if tc.setup != nil {
				want = *tc.setup
				want.SessionID, want.Part = sess, 4
				if ok, err := s.TransitionPart(ctx, want, fromSub, time.Time{}); err != nil || !ok {
					t.Fatalf("setup: TransitionPart = %v, %v", ok, err)
				}
			}
			to := tc.to
			to.SessionID, to.Part = sess, 4
			won, err := s.TransitionPart(ctx, to, tc.from, tc.stale)
			if err != nil {
				t.Fatal(err)
			}
			if won != tc.won {
				t.Fatalf("TransitionPart = %v, want %v", won, tc.won)
			}
			if won {
				want = to
			}
			got, err := s.PartState(ctx, sess, 4)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("state after the call (-want +got):\n%s", diff)
			}
			if tc.setup == nil && !won {
				if sts, err := s.PartStates(ctx, sess); err != nil || len(sts) != 0 {
					t.Fatalf("a lost transition stored a state: %v, %v", sts, err)
				}
			}
		})
	}
}

// TestTransitionPartConcurrent: of 8 workers racing for the same move,
// exactly one wins, whether the state is missing, stored, or a stale claim.
func TestTransitionPartConcurrent(t *testing.T) {
	s := newGradingStore(t)
	ctx := context.Background()
	const workers = 8
	for _, tc := range []struct {
		name  string
		setup *grading.PartState
		to    grading.Phase
		from  grading.Phase
		stale time.Time
	}{
		{"missing state, submission to assigning", nil, grading.PhaseAssigning, grading.PhaseSubmission, time.Time{}},
		{"review to closing", &grading.PartState{Phase: grading.PhaseReview, ClaimedAt: t0}, grading.PhaseClosing, grading.PhaseReview, time.Time{}},
		{"stale assigning claim", &grading.PartState{Phase: grading.PhaseAssigning, ClaimedAt: t0}, grading.PhaseAssigning, grading.PhaseSubmission, t0.Add(time.Minute)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sess := "race " + tc.name
			if tc.setup != nil {
				st := *tc.setup
				st.SessionID, st.Part = sess, 1
				if ok, err := s.TransitionPart(ctx, st, []grading.Phase{grading.PhaseSubmission}, time.Time{}); err != nil || !ok {
					t.Fatalf("setup: TransitionPart = %v, %v", ok, err)
				}
			}
			var wins atomic.Int32
			var winner atomic.Int32
			var wg sync.WaitGroup
			start := make(chan struct{})
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					st := grading.PartState{SessionID: sess, Part: 1, Phase: tc.to, ClaimedAt: t0.Add(time.Hour), EffectiveK: w + 1}
					won, err := s.TransitionPart(ctx, st, []grading.Phase{tc.from}, tc.stale)
					if err != nil {
						t.Error(err)
						return
					}
					if won {
						wins.Add(1)
						winner.Store(int32(w + 1))
					}
				}()
			}
			close(start)
			wg.Wait()
			if n := wins.Load(); n != 1 {
				t.Fatalf("%d of %d workers won, want exactly 1", n, workers)
			}
			got, err := s.PartState(ctx, sess, 1)
			if err != nil {
				t.Fatal(err)
			}
			if got.Phase != tc.to || got.EffectiveK != int(winner.Load()) {
				t.Fatalf("state = %+v, want phase %s written by worker %d", got, tc.to, winner.Load())
			}
		})
	}
}

func newSubmission(sess string, part int, author string, at time.Time) *grading.Submission {
	return &grading.Submission{SessionID: sess, Part: part, AuthorID: author, Text: "Texte de " + author,
		Version: 1, SubmittedAt: at, UpdatedAt: at}
}

func versionOf(sub *grading.Submission) grading.Version {
	return grading.Version{SubmissionID: sub.ID, N: sub.Version, Text: sub.Text, Attachment: sub.Attachment, At: sub.UpdatedAt}
}

func TestSubmissionRoundTrip(t *testing.T) {
	s := newGradingStore(t)
	ctx := context.Background()

	sub := newSubmission("s1", 2, "ada", t0)
	sub.Attachment = &grading.Attachment{FileID: "f1", Name: "piece-jointe-1.pdf", ContentType: "application/pdf", Size: 1234}
	sub.Late = true
	if err := s.SaveSubmission(ctx, sub, versionOf(sub)); err != nil {
		t.Fatal(err)
	}
	if sub.ID == "" {
		t.Fatal("SaveSubmission did not set the ID of a new submission")
	}
	got, err := s.SubmissionByID(ctx, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sub, got); diff != "" {
		t.Fatalf("SubmissionByID (-want +got):\n%s", diff)
	}
	got, err = s.SubmissionByAuthor(ctx, "s1", 2, "ada")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sub, got); diff != "" {
		t.Fatalf("SubmissionByAuthor (-want +got):\n%s", diff)
	}

	for _, tc := range []struct {
		name string
		call func() (*grading.Submission, error)
	}{
		{"by id", func() (*grading.Submission, error) { return s.SubmissionByID(ctx, "missing") }},
		{"by author, other author", func() (*grading.Submission, error) { return s.SubmissionByAuthor(ctx, "s1", 2, "bob") }},
		{"by author, other part", func() (*grading.Submission, error) { return s.SubmissionByAuthor(ctx, "s1", 3, "ada") }},
		{"by author, other session", func() (*grading.Submission, error) { return s.SubmissionByAuthor(ctx, "s2", 2, "ada") }},
	} {
		if got, err := tc.call(); !errors.Is(err, grading.ErrNotFound) {
			t.Errorf("%s: got %v, %v; want ErrNotFound", tc.name, got, err)
		}
	}

	// A second submission of the same author and part under another ID
	// breaks the unique (session, part, author) index.
	dup := newSubmission("s1", 2, "ada", t0)
	if err := s.SaveSubmission(ctx, dup, versionOf(dup)); !errors.Is(err, grading.ErrConflict) {
		t.Fatalf("second submission of the same author and part: err = %v, want ErrConflict", err)
	}
}

// TestSubmissionVersions: three saves keep three versions in order, the
// submission shows the latest, and grades and the animator's decision survive
// a new version.
func TestSubmissionVersions(t *testing.T) {
	s := newGradingStore(t)
	ctx := context.Background()

	sub := newSubmission("s1", 1, "ada", t0)
	var want []grading.Version
	for n := 1; n <= 3; n++ {
		sub.Version = n
		sub.Text = fmt.Sprintf("version %d", n)
		sub.UpdatedAt = t0.Add(time.Duration(n) * time.Minute)
		sub.Attachment = nil
		if n == 2 {
			sub.Attachment = &grading.Attachment{FileID: "f2", Name: "piece-jointe-2.png", ContentType: "image/png", Size: 9}
		}
		v := versionOf(sub)
		if err := s.SaveSubmission(ctx, sub, v); err != nil {
			t.Fatalf("save %d: %v", n, err)
		}
		v.SubmissionID = sub.ID
		want = append(want, v)
		if n == 1 {
			g := grading.Grade{Score: 72.5, Source: grading.SourcePeers, Method: grading.GradeMethodPeersMedian, ReviewCount: 3, ComputedAt: t0}
			if err := s.SetGrades(ctx, map[string]grading.Grade{sub.ID: g}); err != nil {
				t.Fatal(err)
			}
			sub.Grade = &g
		}
	}
	got, err := s.Versions(ctx, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Versions (-want +got):\n%s", diff)
	}
	gotSub, err := s.SubmissionByID(ctx, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sub, gotSub); diff != "" {
		t.Fatalf("submission after 3 saves (-want +got):\n%s", diff)
	}

	// A retried save of the same version keeps one copy of it.
	if err := s.SaveSubmission(ctx, sub, versionOf(sub)); err != nil {
		t.Fatalf("retried save: %v", err)
	}
	if got, err := s.Versions(ctx, sub.ID); err != nil || len(got) != 3 {
		t.Fatalf("versions after a retried save = %d, %v; want 3", len(got), err)
	}
	if got, err := s.Versions(ctx, "missing"); err != nil || len(got) != 0 {
		t.Fatalf("Versions(missing) = %v, %v; want none", got, err)
	}
}

func TestSubmissionsList(t *testing.T) {
	s := newGradingStore(t)
	ctx := context.Background()

	subs := []*grading.Submission{
		newSubmission("s1", 2, "bob", t0.Add(2*time.Minute)),
		newSubmission("s1", 1, "ada", t0.Add(time.Minute)),
		newSubmission("s1", 2, "ada", t0),
		newSubmission("s2", 2, "eve", t0),
	}
	for _, sub := range subs {
		if err := s.SaveSubmission(ctx, sub, versionOf(sub)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name    string
		session string
		part    int
		want    []*grading.Submission
	}{
		{"one part, by submission time", "s1", 2, []*grading.Submission{subs[2], subs[0]}},
		{"every part, by part", "s1", 0, []*grading.Submission{subs[1], subs[2], subs[0]}},
		{"other session", "s2", 0, []*grading.Submission{subs[3]}},
		{"part without submissions", "s1", 5, nil},
		{"unknown session", "none", 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Submissions(ctx, tc.session, tc.part)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("Submissions (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSubmissionGrades(t *testing.T) {
	s := newGradingStore(t)
	ctx := context.Background()
	a := newSubmission("s1", 1, "ada", t0)
	b := newSubmission("s1", 1, "bob", t0)
	c := newSubmission("s1", 1, "cyd", t0)
	for _, sub := range []*grading.Submission{a, b, c} {
		if err := s.SaveSubmission(ctx, sub, versionOf(sub)); err != nil {
			t.Fatal(err)
		}
	}

	ga := grading.Grade{Score: 81.25, Source: grading.SourcePeers, Method: grading.GradeMethodPeersModel, ReviewCount: 4, Disagreement: 12.5, ComputedAt: t0.Add(time.Hour)}
	gb := grading.Grade{Score: 40, Source: grading.SourcePeers, Method: grading.GradeMethodPeersMedian, ReviewCount: 2, ComputedAt: t0.Add(time.Hour)}
	if err := s.SetGrades(ctx, map[string]grading.Grade{a.ID: ga, b.ID: gb}); err != nil {
		t.Fatal(err)
	}
	a.Grade, b.Grade = &ga, &gb
	gb.Score = 45 // a second computation replaces the first
	if err := s.SetGrades(ctx, map[string]grading.Grade{b.ID: gb}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetGrades(ctx, nil); err != nil {
		t.Fatalf("SetGrades(nil): %v", err)
	}

	ag := grading.AnimatorGrade{Score: 90, Comment: "Très bon travail.", By: "anim", At: t0.Add(2 * time.Hour)}
	if err := s.SetAnimatorGrade(ctx, c.ID, ag); err != nil {
		t.Fatal(err)
	}
	c.Animator = &ag
	if err := s.SetAnimatorGrade(ctx, "missing", ag); !errors.Is(err, grading.ErrNotFound) {
		t.Fatalf("SetAnimatorGrade(missing): err = %v, want ErrNotFound", err)
	}
	confirm := grading.AnimatorGrade{By: "anim2", At: t0.Add(3 * time.Hour), Confirm: true}
	if err := s.SetAnimatorGrade(ctx, a.ID, confirm); err != nil {
		t.Fatal(err)
	}
	a.Animator = &confirm

	// MarkQueued keeps the first time.
	first, later := t0.Add(4*time.Hour), t0.Add(5*time.Hour)
	if err := s.MarkQueued(ctx, []string{b.ID}, first); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkQueued(ctx, []string{b.ID, c.ID, "missing"}, later); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkQueued(ctx, nil, later); err != nil {
		t.Fatalf("MarkQueued(nil): %v", err)
	}
	b.QueuedAt, c.QueuedAt = &first, &later

	got, err := s.Submissions(ctx, "s1", 1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]*grading.Submission{a, b, c}, got); diff != "" {
		t.Fatalf("submissions after grading (-want +got):\n%s", diff)
	}
}

func newReview(id, sess string, part int, sub, author, reviewer string, at time.Time) grading.Review {
	return grading.Review{ID: id, SessionID: sess, Part: part, SubmissionID: sub, AuthorID: author, ReviewerID: reviewer,
		Status: grading.ReviewAssigned, AssignedAt: at, UpdatedAt: at, Required: true}
}

// reviewOpts compares reviews whatever the stored form of empty scores.
var reviewOpts = cmpopts.EquateEmpty()

func TestReviewRoundTrip(t *testing.T) {
	s := newGradingStore(t)
	ctx := context.Background()

	done := t0.Add(3 * time.Hour)
	rs := []grading.Review{
		newReview("r1", "s1", 1, "sub-a", "ada", "bob", t0),
		newReview("r2", "s1", 1, "sub-b", "bob", "ada", t0),
		newReview("r3", "s1", 2, "sub-c", "ada", "bob", t0.Add(-time.Hour)),
		newReview("r4", "s2", 1, "sub-d", "eve", "bob", t0),
	}
	rs[2].Status, rs[2].Scores, rs[2].Comment, rs[2].Percent, rs[2].DoneAt = grading.ReviewDone,
		map[string]int{"clarity": 3, "sources": 0}, "Bien construit.", 37.5, &done
	rs[2].Required, rs[2].TakenFrom = false, "cyd"
	rs[2].Flag = &grading.Flag{Reason: "Commentaire hors sujet", At: done.Add(time.Hour)}

	// Insert twice: the second call is a retried assignment.
	for range 2 {
		if err := s.InsertReviews(ctx, rs); err != nil {
			t.Fatal(err)
		}
	}
	extra := newReview("r5", "s1", 1, "sub-a", "ada", "cyd", t0.Add(time.Minute))
	if err := s.InsertReviews(ctx, []grading.Review{rs[0], extra}); err != nil {
		t.Fatalf("InsertReviews with one known and one new review: %v", err)
	}
	if err := s.InsertReviews(ctx, nil); err != nil {
		t.Fatalf("InsertReviews(nil): %v", err)
	}

	for _, r := range append(rs, extra) {
		got, err := s.ReviewByID(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(&r, got, reviewOpts); diff != "" {
			t.Fatalf("ReviewByID(%s) (-want +got):\n%s", r.ID, diff)
		}
	}
	if _, err := s.ReviewByID(ctx, "missing"); !errors.Is(err, grading.ErrNotFound) {
		t.Fatalf("ReviewByID(missing): err = %v, want ErrNotFound", err)
	}

	for _, tc := range []struct {
		name string
		call func() ([]grading.Review, error)
		want []grading.Review
	}{
		{"Reviews of one part, no duplicates", func() ([]grading.Review, error) { return s.Reviews(ctx, "s1", 1) }, []grading.Review{rs[0], rs[1], extra}},
		{"Reviews of every part", func() ([]grading.Review, error) { return s.Reviews(ctx, "s1", 0) }, []grading.Review{rs[0], rs[1], extra, rs[2]}},
		{"Reviews of another session", func() ([]grading.Review, error) { return s.Reviews(ctx, "s2", 0) }, []grading.Review{rs[3]}},
		{"Reviews of an empty part", func() ([]grading.Review, error) { return s.Reviews(ctx, "s1", 6) }, nil},
		{"ReviewsByReviewer", func() ([]grading.Review, error) { return s.ReviewsByReviewer(ctx, "s1", "bob") }, []grading.Review{rs[0], rs[2]}},
		{"ReviewsByReviewer, other session", func() ([]grading.Review, error) { return s.ReviewsByReviewer(ctx, "s2", "bob") }, []grading.Review{rs[3]}},
		{"ReviewsByReviewer, nobody", func() ([]grading.Review, error) { return s.ReviewsByReviewer(ctx, "s1", "zed") }, nil},
		{"ReviewsBySubmission", func() ([]grading.Review, error) { return s.ReviewsBySubmission(ctx, "sub-a") }, []grading.Review{rs[0], extra}},
		{"ReviewsBySubmission, none", func() ([]grading.Review, error) { return s.ReviewsBySubmission(ctx, "missing") }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.call()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, reviewOpts); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSaveReview(t *testing.T) {
	s := newGradingStore(t)
	ctx := context.Background()
	r := newReview("r1", "s1", 1, "sub-a", "ada", "bob", t0)
	if err := s.InsertReviews(ctx, []grading.Review{r}); err != nil {
		t.Fatal(err)
	}

	// A draft, then the final review.
	draft := r
	draft.Scores, draft.Comment, draft.Percent, draft.UpdatedAt = map[string]int{"clarity": 2}, "Brouillon", 20, t0.Add(time.Hour)
	if err := s.SaveReview(ctx, draft); err != nil {
		t.Fatal(err)
	}
	got, err := s.ReviewByID(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&draft, got, reviewOpts); diff != "" {
		t.Fatalf("draft (-want +got):\n%s", diff)
	}
	final := draft
	final.Status, final.Scores, final.Comment, final.Percent = grading.ReviewDone, map[string]int{"clarity": 4, "sources": 5}, "Très clair, sources solides.", 90
	final.UpdatedAt, final.DoneAt = t0.Add(2*time.Hour), ptr(t0.Add(2*time.Hour))
	if err := s.SaveReview(ctx, final); err != nil {
		t.Fatal(err)
	}
	got, err = s.ReviewByID(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&final, got, reviewOpts); diff != "" {
		t.Fatalf("final (-want +got):\n%s", diff)
	}

	for _, tc := range []struct {
		name       string
		id, author string
		want       error
	}{
		{"another reviewer", r.ID, "eve", grading.ErrForbidden},
		{"missing review", "missing", "bob", grading.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := final
			bad.ID, bad.ReviewerID, bad.Comment = tc.id, tc.author, "écrasé"
			if err := s.SaveReview(ctx, bad); !errors.Is(err, tc.want) {
				t.Fatalf("SaveReview: err = %v, want %v", err, tc.want)
			}
			got, err := s.ReviewByID(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&final, got, reviewOpts); diff != "" {
				t.Fatalf("a refused save changed the review (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReviewTakeOver(t *testing.T) {
	s := newGradingStore(t)
	ctx := context.Background()
	untouched := t0.Add(time.Hour) // reviews not updated after this are free
	now := t0.Add(2 * time.Hour)
	for _, tc := range []struct {
		name   string
		setup  func(r *grading.Review)
		old    string
		taken  bool
		review string
	}{
		{"untouched review taken", func(*grading.Review) {}, "bob", true, ""},
		{"updated exactly at the limit taken", func(r *grading.Review) { r.UpdatedAt = untouched }, "bob", true, ""},
		{"touched review kept", func(r *grading.Review) { r.UpdatedAt = untouched.Add(time.Millisecond) }, "bob", false, ""},
		{"done review kept", func(r *grading.Review) { r.Status, r.DoneAt = grading.ReviewDone, ptr(t0) }, "bob", false, ""},
		{"review of someone else kept", func(*grading.Review) {}, "eve", false, ""},
		{"missing review", func(*grading.Review) {}, "bob", false, "missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newReview("r "+tc.name, "s1", 1, "sub-a", "ada", "bob", t0)
			tc.setup(&r)
			if err := s.InsertReviews(ctx, []grading.Review{r}); err != nil {
				t.Fatal(err)
			}
			id := r.ID
			if tc.review != "" {
				id = tc.review
			}
			taken, err := s.TakeOver(ctx, id, tc.old, "cyd", untouched, now)
			if err != nil {
				t.Fatal(err)
			}
			if taken != tc.taken {
				t.Fatalf("TakeOver = %v, want %v", taken, tc.taken)
			}
			want := r
			if taken {
				want.ReviewerID, want.TakenFrom, want.AssignedAt, want.UpdatedAt, want.Required = "cyd", "bob", now, now, false
			}
			got, err := s.ReviewByID(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&want, got, reviewOpts); diff != "" {
				t.Fatalf("review after TakeOver (-want +got):\n%s", diff)
			}
			if taken {
				// The first holder lost it: a second take-over from them fails,
				// and so does their save.
				if again, err := s.TakeOver(ctx, r.ID, "bob", "dan", now, now); err != nil || again {
					t.Fatalf("second TakeOver from the old reviewer = %v, %v; want false", again, err)
				}
				old := r
				old.Comment, old.UpdatedAt = "trop tard", now
				if err := s.SaveReview(ctx, old); !errors.Is(err, grading.ErrForbidden) {
					t.Fatalf("save by the old reviewer: err = %v, want ErrForbidden", err)
				}
			}
		})
	}
}

func TestReviewFlag(t *testing.T) {
	s := newGradingStore(t)
	ctx := context.Background()
	r := newReview("r1", "s1", 1, "sub-a", "ada", "bob", t0)
	r.Status, r.DoneAt = grading.ReviewDone, ptr(t0.Add(time.Hour))
	if err := s.InsertReviews(ctx, []grading.Review{r}); err != nil {
		t.Fatal(err)
	}
	f := grading.Flag{Reason: "Note injuste", At: t0.Add(2 * time.Hour)}
	if err := s.SetFlag(ctx, r.ID, f); err != nil {
		t.Fatal(err)
	}
	if err := s.SetFlag(ctx, r.ID, grading.Flag{Reason: "Encore", At: t0.Add(3 * time.Hour)}); !errors.Is(err, grading.ErrAlreadyFlagged) {
		t.Fatalf("second flag: err = %v, want ErrAlreadyFlagged", err)
	}
	if err := s.SetFlag(ctx, "missing", f); !errors.Is(err, grading.ErrNotFound) {
		t.Fatalf("flag of a missing review: err = %v, want ErrNotFound", err)
	}
	got, err := s.ReviewByID(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	r.Flag = &f
	if diff := cmp.Diff(&r, got, reviewOpts); diff != "" {
		t.Fatalf("flagged review (-want +got):\n%s", diff)
	}
}

func TestFileRoundTrip(t *testing.T) {
	s := newGradingStore(t)
	ctx := context.Background()
	const chunk = 255 << 10
	for _, tc := range []struct {
		name string
		size int
		id   string
	}{
		{"empty", 0, ""},
		{"one byte", 1, ""},
		{"one full chunk", chunk, ""},
		{"one chunk and a byte", chunk + 1, ""},
		{"600 KiB", 600 << 10, ""},
		{"given id", 3, "my-file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := make([]byte, tc.size)
			for i := range data {
				data[i] = byte(i*7 + i/251)
			}
			a := &grading.Attachment{FileID: tc.id, Name: "piece-jointe.bin", ContentType: "application/octet-stream"}
			if err := s.PutFile(ctx, a, data, "s1", "ada"); err != nil {
				t.Fatal(err)
			}
			if a.FileID == "" {
				t.Fatal("PutFile did not set the file ID")
			}
			if tc.id != "" && a.FileID != tc.id {
				t.Fatalf("PutFile changed the given ID %q to %q", tc.id, a.FileID)
			}
			if a.Size != int64(tc.size) {
				t.Fatalf("PutFile set size %d, want %d", a.Size, tc.size)
			}
			gotA, gotData, err := s.File(ctx, a.FileID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(*a, gotA); diff != "" {
				t.Fatalf("File metadata (-want +got):\n%s", diff)
			}
			if !bytes.Equal(data, gotData) {
				t.Fatalf("File returned %d bytes, not the %d stored", len(gotData), len(data))
			}
		})
	}
	if _, _, err := s.File(ctx, "missing"); !errors.Is(err, grading.ErrNotFound) {
		t.Fatalf("File(missing): err = %v, want ErrNotFound", err)
	}
}
