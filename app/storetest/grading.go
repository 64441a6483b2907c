package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"librecours/app/store"
	"librecours/course"
	"librecours/grading"
)

// Grading is the conformance suite of grading.Store (exercises, part
// states, submissions and versions, reviews, files), with grading.Stamper
// where the backend has it, and the backup of the grading collections.
func Grading(t *testing.T, open Open) {
	for _, sc := range []struct {
		name string
		run  func(t *testing.T, open Open)
	}{
		{"Exercises", gradingExercises},
		{"PartState", gradingPartState},
		{"TransitionPart", gradingTransitionPart},
		{"TransitionPartConcurrent", gradingTransitionPartConcurrent},
		{"PartStateCalibration", gradingPartStateCalibration},
		{"SubmissionRoundTrip", gradingSubmissionRoundTrip},
		{"SubmissionVersions", gradingSubmissionVersions},
		{"VersionNumberTaken", gradingVersionNumberTaken},
		{"SaveReplacesEveryField", gradingSaveReplacesEveryField},
		{"SubmissionsList", gradingSubmissionsList},
		{"LateShort", gradingLateShort},
		{"SubmissionGrades", gradingSubmissionGrades},
		{"ReadYourWrites", gradingReadYourWrites},
		{"ReviewRoundTrip", gradingReviewRoundTrip},
		{"SaveReview", gradingSaveReview},
		{"ReviewTakeOver", gradingReviewTakeOver},
		{"TakeOverRacesSaveReview", gradingTakeOverRacesSave},
		{"ReviewFlag", gradingReviewFlag},
		{"ReviewReply", gradingReviewReply},
		{"Files", gradingFiles},
		{"FileBytes", gradingFileBytes},
		{"Stamp", gradingStamp},
		{"BackupRoundTrip", gradingBackupRoundTrip},
	} {
		t.Run(sc.name, func(t *testing.T) { sc.run(t, open) })
	}
}

// gptr returns a pointer to a copy of v.
func gptr[T any](v T) *T { return &v }

// gradingStore is the grading store of a fresh backend.
func gradingStore(t *testing.T, open Open) grading.Store { return open(t).Stores().Grading }

func gradingExercises(t *testing.T, open Open) {
	s := gradingStore(t, open)
	ctx := context.Background()
	rubric := []grading.Criterion{{ID: "clarity", Label: "Clarté", MaxPoints: 4}, {ID: "sources", Label: "Sources", MaxPoints: 6,
		Levels: []grading.Level{{Points: 0, Label: "Aucune source"}, {Points: 3, Label: "Quelques sources"}, {Points: 6, Label: "Toutes les sources, citées"}}}}
	e3 := grading.Exercise{Part: 3, Instructions: "Rédigez *trois* paragraphes.", InstructionsHTML: "<p>Rédigez <em>trois</em> paragraphes.</p>\n", Rubric: rubric}
	e1 := grading.Exercise{Part: 1, Instructions: "Présentez-vous.", Rubric: rubric[:1]}
	e4 := grading.Exercise{Part: 4, Instructions: "Sans grille."}
	for _, e := range []grading.Exercise{e3, e1, e4, {Part: 2, Instructions: "Autre session", Rubric: rubric}} {
		sess := "s1"
		if e.Part == 2 {
			sess = "s2"
		}
		if err := s.PutExercise(ctx, sess, e); err != nil {
			t.Fatal(err)
		}
	}
	check := func(step string, want []grading.Exercise) {
		t.Helper()
		got, err := s.Exercises(ctx, "s1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("Exercises %s (-want +got):\n%s", step, diff)
		}
	}
	check("", []grading.Exercise{e1, e3, e4})
	e3.Instructions, e3.InstructionsHTML = "Rédigez quatre paragraphes.", "<p>Rédigez quatre paragraphes.</p>\n"
	e3.Rubric = append(slices.Clone(e3.Rubric), grading.Criterion{ID: "form", Label: "Forme", MaxPoints: 2})
	if err := s.PutExercise(ctx, "s1", e3); err != nil {
		t.Fatal(err)
	}
	check("after replace", []grading.Exercise{e1, e3, e4})
	for _, want := range []grading.Exercise{e1, e3, e4} {
		got, err := s.Exercise(ctx, "s1", want.Part)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("Exercise %d (-want +got):\n%s", want.Part, diff)
		}
	}
	for _, missing := range []struct {
		sess string
		part int
	}{{"s1", 2}, {"s2", 1}, {"none", 1}} {
		if _, err := s.Exercise(ctx, missing.sess, missing.part); !errors.Is(err, grading.ErrNotFound) {
			t.Fatalf("Exercise %s/%d: %v, want ErrNotFound", missing.sess, missing.part, err)
		}
	}
	if got, err := s.Exercises(ctx, "none"); err != nil || len(got) != 0 {
		t.Fatalf("Exercises of an unknown session = %v, %v; want none", got, err)
	}
}

func gradingPartState(t *testing.T, open Open) {
	s := gradingStore(t, open)
	ctx := context.Background()
	got, err := s.PartState(ctx, "s1", 2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(grading.PartState{SessionID: "s1", Part: 2, Phase: grading.PhaseSubmission}, got); diff != "" {
		t.Fatalf("fresh PartState (-want +got):\n%s", diff)
	}
	review := grading.PartState{SessionID: "s1", Part: 2, Phase: grading.PhaseReview, ClaimedAt: T0,
		AssignedAt: T0.Add(time.Minute), Mode: grading.AssignModeAllPairs, EffectiveK: 2}
	closed := grading.PartState{SessionID: "s1", Part: 1, Phase: grading.PhaseClosed, ClaimedAt: T0.Add(time.Hour),
		AssignedAt: T0, ClosedAt: T0.Add(2 * time.Hour), Mode: grading.AssignModeFull, EffectiveK: 3}
	other := grading.PartState{SessionID: "s2", Part: 1, Phase: grading.PhaseAssigning, ClaimedAt: T0}
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
	if all, err := s.PartStates(ctx, "none"); err != nil || len(all) != 0 {
		t.Fatalf("PartStates of an unknown session = %v, %v; want none", all, err)
	}
}

func gradingTransitionPart(t *testing.T, open Open) {
	s := gradingStore(t, open)
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
			grading.PartState{Phase: grading.PhaseAssigning, ClaimedAt: T0}, fromSub, time.Time{}, true},
		{"fresh part not from submission", nil,
			grading.PartState{Phase: grading.PhaseClosing, ClaimedAt: T0}, []grading.Phase{grading.PhaseReview}, time.Time{}, false},
		{"fresh part, empty from", nil,
			grading.PartState{Phase: grading.PhaseAssigning, ClaimedAt: T0}, nil, T0, false},
		{"phase in from", state(grading.PhaseAssigning, T0),
			grading.PartState{Phase: grading.PhaseReview, ClaimedAt: T0, AssignedAt: T0.Add(time.Minute), Mode: grading.AssignModeFull, EffectiveK: 3},
			[]grading.Phase{grading.PhaseAssigning}, time.Time{}, true},
		{"phase in a longer from", state(grading.PhaseReview, T0),
			grading.PartState{Phase: grading.PhaseClosing, ClaimedAt: T0.Add(time.Hour)},
			[]grading.Phase{grading.PhaseSubmission, grading.PhaseReview}, time.Time{}, true},
		{"phase not in from", state(grading.PhaseReview, T0),
			grading.PartState{Phase: grading.PhaseAssigning, ClaimedAt: T0.Add(time.Hour)}, fromSub, time.Time{}, false},
		{"empty from on a stored state", state(grading.PhaseReview, T0),
			grading.PartState{Phase: grading.PhaseClosing, ClaimedAt: T0.Add(time.Hour)}, nil, time.Time{}, false},
		{"stale assigning claim re-taken", state(grading.PhaseAssigning, T0),
			grading.PartState{Phase: grading.PhaseAssigning, ClaimedAt: T0.Add(time.Hour)}, fromSub, T0.Add(time.Minute), true},
		{"stale closing claim re-taken", state(grading.PhaseClosing, T0),
			grading.PartState{Phase: grading.PhaseClosing, ClaimedAt: T0.Add(time.Hour)}, []grading.Phase{grading.PhaseReview}, T0.Add(time.Minute), true},
		{"claim exactly at staleBefore kept", state(grading.PhaseAssigning, T0),
			grading.PartState{Phase: grading.PhaseAssigning, ClaimedAt: T0.Add(time.Hour)}, fromSub, T0, false},
		{"fresh claim kept", state(grading.PhaseClosing, T0.Add(time.Hour)),
			grading.PartState{Phase: grading.PhaseClosing, ClaimedAt: T0.Add(2 * time.Hour)}, []grading.Phase{grading.PhaseReview}, T0.Add(time.Minute), false},
		{"zero staleBefore never steals", state(grading.PhaseAssigning, T0),
			grading.PartState{Phase: grading.PhaseAssigning, ClaimedAt: T0.Add(time.Hour)}, fromSub, time.Time{}, false},
		{"old review phase is no claim", state(grading.PhaseReview, T0),
			grading.PartState{Phase: grading.PhaseClosing, ClaimedAt: T0.Add(time.Hour)}, fromSub, T0.Add(time.Hour), false},
		{"closed part stays closed", state(grading.PhaseClosed, T0),
			grading.PartState{Phase: grading.PhaseClosing, ClaimedAt: T0.Add(time.Hour)}, []grading.Phase{grading.PhaseReview}, T0.Add(time.Hour), false},
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

// gradingTransitionPartConcurrent: of 8 workers racing for the same move,
// exactly one wins, whether the state is missing, stored, or a stale claim.
func gradingTransitionPartConcurrent(t *testing.T, open Open) {
	s := gradingStore(t, open)
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
		{"review to closing", &grading.PartState{Phase: grading.PhaseReview, ClaimedAt: T0}, grading.PhaseClosing, grading.PhaseReview, time.Time{}},
		{"stale assigning claim", &grading.PartState{Phase: grading.PhaseAssigning, ClaimedAt: T0}, grading.PhaseAssigning, grading.PhaseSubmission, T0.Add(time.Minute)},
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
			var wins, winner atomic.Int32
			together(workers, func(w int) {
				st := grading.PartState{SessionID: sess, Part: 1, Phase: tc.to, ClaimedAt: T0.Add(time.Hour), EffectiveK: w + 1}
				won, err := s.TransitionPart(ctx, st, []grading.Phase{tc.from}, tc.stale)
				if err != nil {
					t.Error(err)
					return
				}
				if won {
					wins.Add(1)
					winner.Store(int32(w + 1)) // #nosec G115 -- w counts a handful of goroutines
				}
			})
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
	return &grading.Submission{SessionID: sess, Part: part, AuthorID: author, Text: "Texte de *" + author + "*",
		TextHTML: "<p>Texte de <em>" + author + "</em></p>\n", Version: 1, SubmittedAt: at, UpdatedAt: at}
}

func versionOf(sub *grading.Submission) grading.Version {
	return grading.Version{SubmissionID: sub.ID, N: sub.Version, Text: sub.Text, Attachment: sub.Attachment, At: sub.UpdatedAt}
}

func gradingSubmissionRoundTrip(t *testing.T, open Open) {
	s := gradingStore(t, open)
	ctx := context.Background()
	sub := newSubmission("s1", 2, "ada", T0)
	sub.Attachment = &grading.Attachment{FileID: "f1", Name: "piece-jointe-1.pdf", ContentType: "application/pdf", Size: 1234}
	sub.Late = true
	if err := s.SaveSubmission(ctx, sub, versionOf(sub)); err != nil {
		t.Fatal(err)
	}
	if sub.ID == "" {
		t.Fatal("SaveSubmission did not set the ID of a new submission")
	}
	for _, tc := range []struct {
		name string
		call func() (*grading.Submission, error)
	}{
		{"by id", func() (*grading.Submission, error) { return s.SubmissionByID(ctx, sub.ID) }},
		{"by author", func() (*grading.Submission, error) { return s.SubmissionByAuthor(ctx, "s1", 2, "ada") }},
	} {
		got, err := tc.call()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if diff := cmp.Diff(sub, got); diff != "" {
			t.Fatalf("%s (-want +got):\n%s", tc.name, diff)
		}
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

	// The attachment goes with a new version without one.
	sub.Attachment, sub.Version, sub.Text, sub.UpdatedAt = nil, 2, "sans pièce jointe", T0.Add(time.Minute)
	if err := s.SaveSubmission(ctx, sub, versionOf(sub)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.SubmissionByID(ctx, sub.ID); err != nil || !cmp.Equal(sub, got) {
		t.Fatalf("after a version without attachment: %s, %v", cmp.Diff(sub, got), err)
	}

	// A second submission of the same author and part under another ID is
	// a conflict, and leaves the first as it was.
	dup := newSubmission("s1", 2, "ada", T0)
	if err := s.SaveSubmission(ctx, dup, versionOf(dup)); !errors.Is(err, grading.ErrConflict) {
		t.Fatalf("second submission of the same author and part: err = %v, want ErrConflict", err)
	}
	if got, err := s.SubmissionByAuthor(ctx, "s1", 2, "ada"); err != nil || got.ID != sub.ID {
		t.Fatalf("after the conflict: %+v, %v", got, err)
	}
}

// gradingSubmissionVersions: three saves keep three versions in order, the
// submission shows the latest, and grades survive a new version.
func gradingSubmissionVersions(t *testing.T, open Open) {
	s := gradingStore(t, open)
	ctx := context.Background()
	sub := newSubmission("s1", 1, "ada", T0)
	var want []grading.Version
	for n := 1; n <= 3; n++ {
		sub.Version = n
		sub.Text = fmt.Sprintf("version %d", n)
		sub.UpdatedAt = T0.Add(time.Duration(n) * time.Minute)
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
			g := grading.Grade{Score: 72.5, Source: grading.SourcePeers, Method: grading.GradeMethodPeersMedian, ReviewCount: 3, ComputedAt: T0}
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

// gradingSaveReplacesEveryField: SaveSubmission replaces the whole
// submission, the fields the lookups are indexed on included (a store may
// update only the others when they are unchanged, as every new version
// does), and the lookups find it where it now is.
func gradingSaveReplacesEveryField(t *testing.T, open Open) {
	s := gradingStore(t, open)
	ctx := context.Background()
	sub := newSubmission("s", 1, "a", T0)
	if err := s.SaveSubmission(ctx, sub, versionOf(sub)); err != nil {
		t.Fatal(err)
	}
	next := *sub
	next.Text, next.Version, next.UpdatedAt, next.Late = "deux", 2, T0.Add(time.Hour), true
	if err := s.SaveSubmission(ctx, &next, versionOf(&next)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.SubmissionByAuthor(ctx, "s", 1, "a"); err != nil || got.Text != "deux" || got.Version != 2 || !got.Late || !got.UpdatedAt.Equal(next.UpdatedAt) {
		t.Fatalf("after a new version: %+v, %v", got, err)
	}
	moved := next
	moved.SessionID, moved.Part, moved.AuthorID, moved.SubmittedAt, moved.Version = "s2", 2, "b", T0.Add(2*time.Hour), 3
	if err := s.SaveSubmission(ctx, &moved, versionOf(&moved)); err != nil {
		t.Fatal(err)
	}
	got, err := s.SubmissionByID(ctx, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&moved, got); diff != "" {
		t.Fatalf("after a save changing every field (-want +got):\n%s", diff)
	}
	if _, err := s.SubmissionByAuthor(ctx, "s", 1, "a"); !errors.Is(err, grading.ErrNotFound) {
		t.Fatalf("the old author's lookup = %v, want not found", err)
	}
	if got, err := s.SubmissionByAuthor(ctx, "s2", 2, "b"); err != nil || got.ID != sub.ID {
		t.Fatalf("the new author's lookup = %+v, %v", got, err)
	}
}

// gradingVersionNumberTaken: a save whose version number is taken by
// another text keeps its own text under the next number, while a retry of
// the very same save stays one copy.
func gradingVersionNumberTaken(t *testing.T, open Open) {
	s := gradingStore(t, open)
	ctx := context.Background()
	sub := &grading.Submission{SessionID: "s", Part: 1, AuthorID: "a", Text: "un", Version: 1, SubmittedAt: T0, UpdatedAt: T0}
	if err := s.SaveSubmission(ctx, sub, grading.Version{N: 1, Text: "un", At: T0}); err != nil {
		t.Fatal(err)
	}
	taken := *sub
	taken.Text, taken.Version = "deux", 2
	if err := s.SaveSubmission(ctx, &taken, grading.Version{N: 2, Text: "deux", At: T0}); err != nil {
		t.Fatal(err)
	}
	next := *sub
	next.Text, next.Version = "trois", 2
	if err := s.SaveSubmission(ctx, &next, grading.Version{N: 2, Text: "trois", At: T0}); err != nil {
		t.Fatal(err)
	}
	if next.Version != 3 {
		t.Fatalf("SaveSubmission set version %d, want the next free number 3", next.Version)
	}
	if err := s.SaveSubmission(ctx, &next, grading.Version{N: 3, Text: "trois", At: T0}); err != nil {
		t.Fatal(err)
	}
	vs, err := s.Versions(ctx, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, v := range vs {
		texts = append(texts, fmt.Sprintf("%d:%s", v.N, v.Text))
	}
	if got := strings.Join(texts, " "); got != "1:un 2:deux 3:trois" {
		t.Fatalf("versions = %s", got)
	}
	got, err := s.SubmissionByID(ctx, sub.ID)
	if err != nil || got.Version != 3 || got.Text != "trois" {
		t.Fatalf("submission = %+v, %v; want version 3 %q", got, err, "trois")
	}
}

// gradingLateShort: the late submissions of one part with fewer reviews than
// wanted, first submitted first, at most limit; on-time work, other parts,
// other sessions and late work with enough reviews are left out.
func gradingLateShort(t *testing.T, open Open) {
	s := gradingStore(t, open)
	ctx := context.Background()
	late := func(sess string, part int, author string, at time.Time) *grading.Submission {
		sub := newSubmission(sess, part, author, at)
		sub.Late = true
		return sub
	}
	subs := []*grading.Submission{
		late("s1", 2, "c", T0.Add(3*time.Minute)), // no review
		late("s1", 2, "a", T0.Add(time.Minute)),   // one review
		late("s1", 2, "b", T0.Add(2*time.Minute)), // two reviews: enough
		newSubmission("s1", 2, "d", T0),           // on time, no review
		late("s1", 3, "e", T0),                    // another part
		late("s2", 2, "f", T0),                    // another session
	}
	for _, sub := range subs {
		if err := s.SaveSubmission(ctx, sub, versionOf(sub)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.InsertReviews(ctx, []grading.Review{
		newReview("r1", "s1", 2, subs[1].ID, "a", "x", T0), newReview("r2", "s1", 2, subs[2].ID, "b", "x", T0),
		newReview("r3", "s1", 2, subs[2].ID, "b", "y", T0),
	}); err != nil {
		t.Fatal(err)
	}
	ids := func(want, limit int) []string {
		got, err := s.LateShort(ctx, "s1", 2, want, limit)
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, sub := range got {
			out = append(out, sub.AuthorID)
		}
		return out
	}
	for _, tc := range []struct {
		want, limit int
		authors     []string
	}{
		{2, 5, []string{"a", "c"}},
		{3, 5, []string{"a", "b", "c"}},
		{2, 1, []string{"a"}},
		{1, 5, []string{"c"}},
	} {
		if diff := cmp.Diff(tc.authors, ids(tc.want, tc.limit)); diff != "" {
			t.Errorf("LateShort(want %d, limit %d) (-want +got):\n%s", tc.want, tc.limit, diff)
		}
	}
	got, err := s.LateShort(ctx, "s1", 2, 2, 1)
	if err != nil || len(got) != 1 || got[0].Text != subs[1].Text || !got[0].Late {
		t.Fatalf("LateShort returns whole submissions: %+v, %v", got, err)
	}
}

// textless returns copies of subs without their texts (SubmissionsMeta).
func textless(subs ...*grading.Submission) []*grading.Submission {
	out := make([]*grading.Submission, len(subs))
	for i, sub := range subs {
		c := *sub
		c.Text, c.TextHTML = "", ""
		out[i] = &c
	}
	return out
}

func gradingSubmissionsList(t *testing.T, open Open) {
	s := gradingStore(t, open)
	ctx := context.Background()
	subs := []*grading.Submission{
		newSubmission("s1", 2, "bob", T0.Add(2*time.Minute)),
		newSubmission("s1", 1, "ada", T0.Add(time.Minute)),
		newSubmission("s1", 2, "ada", T0),
		newSubmission("s2", 2, "eve", T0),
	}
	for _, sub := range subs {
		if err := s.SaveSubmission(ctx, sub, versionOf(sub)); err != nil {
			t.Fatal(err)
		}
	}
	ag := grading.AnimatorGrade{Score: 80, By: "anim", At: T0}
	if err := s.SetAnimatorGrade(ctx, subs[0].ID, ag); err != nil {
		t.Fatal(err)
	}
	subs[0].Animator = &ag
	if err := s.SetAnimatorGrade(ctx, subs[3].ID, grading.AnimatorGrade{By: "anim2", At: T0, Confirm: true}); err != nil {
		t.Fatal(err)
	}
	subs[3].Animator = &grading.AnimatorGrade{By: "anim2", At: T0, Confirm: true}
	checkCalls(t, []listCall[*grading.Submission]{
		{"one part, by submission time", func() ([]*grading.Submission, error) { return s.Submissions(ctx, "s1", 2) }, []*grading.Submission{subs[2], subs[0]}},
		{"every part, by part", func() ([]*grading.Submission, error) { return s.Submissions(ctx, "s1", 0) }, []*grading.Submission{subs[1], subs[2], subs[0]}},
		{"other session", func() ([]*grading.Submission, error) { return s.Submissions(ctx, "s2", 0) }, []*grading.Submission{subs[3]}},
		{"part without submissions", func() ([]*grading.Submission, error) { return s.Submissions(ctx, "s1", 5) }, nil},
		{"unknown session", func() ([]*grading.Submission, error) { return s.Submissions(ctx, "none", 0) }, nil},
		{"by IDs, by part and time, missing left out", func() ([]*grading.Submission, error) {
			return s.SubmissionsByIDs(ctx, []string{subs[0].ID, "missing", subs[3].ID, subs[1].ID})
		}, []*grading.Submission{subs[1], subs[3], subs[0]}},
		{"by no IDs", func() ([]*grading.Submission, error) { return s.SubmissionsByIDs(ctx, nil) }, nil},
		{"by author, every part, without texts", func() ([]*grading.Submission, error) { return s.SubmissionsByAuthor(ctx, "s1", "ada") }, textless(subs[1], subs[2])},
		{"by author, other session", func() ([]*grading.Submission, error) { return s.SubmissionsByAuthor(ctx, "s2", "ada") }, nil},
		{"corrections, every session", func() ([]*grading.Submission, error) { return s.Corrections(ctx) }, []*grading.Submission{subs[3], subs[0]}},
		{"without texts, one part", func() ([]*grading.Submission, error) { return s.SubmissionsMeta(ctx, "s1", 2) }, textless(subs[2], subs[0])},
		{"without texts, every part", func() ([]*grading.Submission, error) { return s.SubmissionsMeta(ctx, "s1", 0) }, textless(subs[1], subs[2], subs[0])},
		{"one author's, without texts", func() ([]*grading.Submission, error) {
			sub, err := s.SubmissionMetaByAuthor(ctx, "s1", 2, "bob")
			return []*grading.Submission{sub}, err
		}, textless(subs[0])},
	})
	if _, err := s.SubmissionMetaByAuthor(ctx, "s1", 1, "bob"); !errors.Is(err, grading.ErrNotFound) {
		t.Fatalf("SubmissionMetaByAuthor of a part bob did not submit = %v, want not found", err)
	}
}

func gradingSubmissionGrades(t *testing.T, open Open) {
	s := gradingStore(t, open)
	ctx := context.Background()
	a := newSubmission("s1", 1, "ada", T0)
	b := newSubmission("s1", 1, "bob", T0.Add(time.Second))
	c := newSubmission("s1", 1, "cyd", T0.Add(2*time.Second))
	for _, sub := range []*grading.Submission{a, b, c} {
		if err := s.SaveSubmission(ctx, sub, versionOf(sub)); err != nil {
			t.Fatal(err)
		}
	}
	ga := grading.Grade{Score: 81.25, Source: grading.SourcePeers, Method: grading.GradeMethodPeersModel, ReviewCount: 4, Disagreement: 12.5, ComputedAt: T0.Add(time.Hour),
		SD: 6.5, PriorShare: 0.125, Reviews: []grading.ReviewShare{{ReviewerID: "r1", Corrected: 80.5, Weight: 0.5}, {ReviewerID: "r2", Corrected: 12, Weight: 0.375}}}
	gb := grading.Grade{Score: 40, Source: grading.SourcePeers, Method: grading.GradeMethodPeersMedian, ReviewCount: 2, ComputedAt: T0.Add(time.Hour)}
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
	ag := grading.AnimatorGrade{Score: 90, Comment: "Très bon travail.", By: "anim", At: T0.Add(2 * time.Hour)}
	if err := s.SetAnimatorGrade(ctx, c.ID, ag); err != nil {
		t.Fatal(err)
	}
	c.Animator = &ag
	if err := s.SetAnimatorGrade(ctx, "missing", ag); !errors.Is(err, grading.ErrNotFound) {
		t.Fatalf("SetAnimatorGrade(missing): err = %v, want ErrNotFound", err)
	}
	confirm := grading.AnimatorGrade{By: "anim2", At: T0.Add(3 * time.Hour), Confirm: true}
	if err := s.SetAnimatorGrade(ctx, a.ID, confirm); err != nil {
		t.Fatal(err)
	}
	a.Animator = &confirm

	// MarkQueued keeps the first time.
	first, later := T0.Add(4*time.Hour), T0.Add(5*time.Hour)
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

	// A new version keeps grades, the animator's decision and the queue time.
	c.Version, c.Text, c.UpdatedAt = 2, "corrigé", T0.Add(6*time.Hour)
	if err := s.SaveSubmission(ctx, c, versionOf(c)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Submissions(ctx, "s1", 1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]*grading.Submission{a, b, c}, got); diff != "" {
		t.Fatalf("submissions after grading (-want +got):\n%s", diff)
	}
}

// gradingReadYourWrites: 16 people each save 20 versions of their own
// submission at once, and read each straight back, by ID and by author.
func gradingReadYourWrites(t *testing.T, open Open) {
	s := gradingStore(t, open)
	ctx := context.Background()
	const people, saves = 16, 20
	together(people, func(w int) {
		sub := newSubmission("s1", 1, fmt.Sprintf("p%02d", w), T0)
		for n := 1; n <= saves; n++ {
			sub.Version, sub.Text, sub.UpdatedAt = n, fmt.Sprintf("%s v%d", sub.AuthorID, n), T0.Add(time.Duration(n)*time.Second)
			if err := s.SaveSubmission(ctx, sub, versionOf(sub)); err != nil {
				t.Errorf("%s save %d: %v", sub.AuthorID, n, err)
				return
			}
			for _, read := range []struct {
				how string
				get func() (*grading.Submission, error)
			}{
				{"by ID", func() (*grading.Submission, error) { return s.SubmissionByID(ctx, sub.ID) }},
				{"by author", func() (*grading.Submission, error) { return s.SubmissionByAuthor(ctx, "s1", 1, sub.AuthorID) }},
			} {
				got, err := read.get()
				if err != nil {
					t.Errorf("%s read %s after save %d: %v", sub.AuthorID, read.how, n, err)
					return
				}
				if got.Version != n || got.Text != sub.Text {
					t.Errorf("%s read %s after save %d: version %d %q", sub.AuthorID, read.how, n, got.Version, got.Text)
					return
				}
			}
		}
	})
	all, err := s.Submissions(ctx, "s1", 1)
	if err != nil || len(all) != people {
		t.Fatalf("submissions after the race: %d, %v; want %d", len(all), err, people)
	}
	for _, sub := range all {
		if vs, err := s.Versions(ctx, sub.ID); err != nil || len(vs) != saves {
			t.Fatalf("%s: %d versions, %v; want %d", sub.AuthorID, len(vs), err, saves)
		}
	}
}

func newReview(id, sess string, part int, sub, author, reviewer string, at time.Time) grading.Review {
	return grading.Review{ID: id, SessionID: sess, Part: part, SubmissionID: sub, AuthorID: author, ReviewerID: reviewer,
		Status: grading.ReviewAssigned, AssignedAt: at, UpdatedAt: at, Required: true}
}

// reviewOpts compares reviews whatever the stored form of empty scores.
var reviewOpts = cmpopts.EquateEmpty()

func gradingReviewRoundTrip(t *testing.T, open Open) {
	s := gradingStore(t, open)
	ctx := context.Background()
	done := T0.Add(3 * time.Hour)
	rs := []grading.Review{
		newReview("r1", "s1", 1, "sub-a", "ada", "bob", T0),
		newReview("r2", "s1", 1, "sub-b", "bob", "ada", T0),
		newReview("r3", "s1", 2, "sub-c", "ada", "bob", T0.Add(-time.Hour)),
		newReview("r4", "s2", 1, "sub-d", "eve", "bob", T0),
		newReview("r6", "s1", 2, "sub-e", "eve", "dan", T0),
	}
	rs[2].Status, rs[2].Scores, rs[2].Comment, rs[2].Percent, rs[2].DoneAt = grading.ReviewDone,
		map[string]int{"clarity": 3, "sources": 0}, "Bien construit.", 37.5, &done
	rs[2].Required, rs[2].TakenFrom = false, "cyd"
	rs[2].Flag = &grading.Flag{Reason: "Commentaire hors sujet", At: done.Add(time.Hour)}
	rs[4].TakenFrom = "bob"

	// Insert twice: the second call is a retried assignment.
	for range 2 {
		if err := s.InsertReviews(ctx, rs); err != nil {
			t.Fatal(err)
		}
	}
	extra := newReview("r5", "s1", 1, "sub-a", "ada", "cyd", T0.Add(time.Minute))
	changed := rs[0]
	changed.ReviewerID = "zed" // a known ID is ignored, not replaced
	if err := s.InsertReviews(ctx, []grading.Review{changed, extra}); err != nil {
		t.Fatalf("InsertReviews with one known and one new review: %v", err)
	}
	if err := s.InsertReviews(ctx, nil); err != nil {
		t.Fatalf("InsertReviews(nil): %v", err)
	}
	for _, r := range append(slices.Clone(rs), extra) {
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
	checkCalls(t, []listCall[grading.Review]{
		{"Reviews of one part, no duplicates", func() ([]grading.Review, error) { return s.Reviews(ctx, "s1", 1) }, []grading.Review{rs[0], rs[1], extra}},
		{"Reviews of every part", func() ([]grading.Review, error) { return s.Reviews(ctx, "s1", 0) }, []grading.Review{rs[0], rs[1], extra, rs[2], rs[4]}},
		{"Reviews of another session", func() ([]grading.Review, error) { return s.Reviews(ctx, "s2", 0) }, []grading.Review{rs[3]}},
		{"Reviews of an empty part", func() ([]grading.Review, error) { return s.Reviews(ctx, "s1", 6) }, nil},
		{"ReviewsByReviewer", func() ([]grading.Review, error) { return s.ReviewsByReviewer(ctx, "s1", "bob") }, []grading.Review{rs[0], rs[2]}},
		{"ReviewsByReviewer, other session", func() ([]grading.Review, error) { return s.ReviewsByReviewer(ctx, "s2", "bob") }, []grading.Review{rs[3]}},
		{"ReviewsByReviewer, nobody", func() ([]grading.Review, error) { return s.ReviewsByReviewer(ctx, "s1", "zed") }, nil},
		{"ReviewsInvolving, held and let lapse", func() ([]grading.Review, error) { return s.ReviewsInvolving(ctx, "s1", "bob") }, []grading.Review{rs[0], rs[2], rs[4]}},
		{"ReviewsInvolving, let lapse only", func() ([]grading.Review, error) { return s.ReviewsInvolving(ctx, "s1", "cyd") }, []grading.Review{extra, rs[2]}},
		{"ReviewsInvolving, other session", func() ([]grading.Review, error) { return s.ReviewsInvolving(ctx, "s2", "cyd") }, nil},
		{"ReviewsBySubmission", func() ([]grading.Review, error) { return s.ReviewsBySubmission(ctx, "sub-a") }, []grading.Review{rs[0], extra}},
		{"ReviewsBySubmission, none", func() ([]grading.Review, error) { return s.ReviewsBySubmission(ctx, "missing") }, nil},
	})
}

func gradingSaveReview(t *testing.T, open Open) {
	s := gradingStore(t, open)
	ctx := context.Background()
	r := newReview("r1", "s1", 1, "sub-a", "ada", "bob", T0)
	if err := s.InsertReviews(ctx, []grading.Review{r}); err != nil {
		t.Fatal(err)
	}
	check := func(step string, want grading.Review) {
		t.Helper()
		got, err := s.ReviewByID(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(&want, got, reviewOpts); diff != "" {
			t.Fatalf("%s (-want +got):\n%s", step, diff)
		}
	}
	draft := r
	draft.Scores, draft.Comment, draft.Percent, draft.UpdatedAt = map[string]int{"clarity": 2}, "Brouillon", 20, T0.Add(time.Hour)
	if err := s.SaveReview(ctx, draft); err != nil {
		t.Fatal(err)
	}
	check("draft", draft)
	final := draft
	final.Status, final.Scores, final.Comment, final.Percent = grading.ReviewDone, map[string]int{"clarity": 4, "sources": 5}, "Très clair, sources solides.", 90
	final.UpdatedAt, final.DoneAt = T0.Add(2*time.Hour), gptr(T0.Add(2*time.Hour))
	if err := s.SaveReview(ctx, final); err != nil {
		t.Fatal(err)
	}
	check("final", final)
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
			check("after a refused save", final)
		})
	}
}

func gradingReviewTakeOver(t *testing.T, open Open) {
	s := gradingStore(t, open)
	ctx := context.Background()
	untouched := T0.Add(time.Hour) // reviews not updated after this are free
	now := T0.Add(2 * time.Hour)
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
		{"done review kept", func(r *grading.Review) { r.Status, r.DoneAt = grading.ReviewDone, gptr(T0) }, "bob", false, ""},
		{"review of someone else kept", func(*grading.Review) {}, "eve", false, ""},
		{"missing review", func(*grading.Review) {}, "bob", false, "missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newReview("r "+tc.name, "s1", 1, "sub-a", "ada", "bob", T0)
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

// gradingTakeOverRacesSave: a take-over and the reviewer's own save race on
// the same review; exactly one wins, and the review shows that one.
func gradingTakeOverRacesSave(t *testing.T, open Open) {
	s := gradingStore(t, open)
	ctx := context.Background()
	untouched, now := T0.Add(time.Hour), T0.Add(2*time.Hour)
	const rounds = 24
	var tookOver, saved int
	for i := range rounds {
		r := newReview(fmt.Sprintf("race-%02d", i), "s1", 1, "sub-a", "ada", "bob", T0)
		if err := s.InsertReviews(ctx, []grading.Review{r}); err != nil {
			t.Fatal(err)
		}
		save := r
		save.Scores, save.Comment, save.Percent, save.UpdatedAt = map[string]int{"clarity": 3}, "Mon avis", 75, T0.Add(90*time.Minute)
		var taken bool
		var takeErr, saveErr error
		together(2, func(w int) {
			if w == 0 {
				taken, takeErr = s.TakeOver(ctx, r.ID, "bob", "cyd", untouched, now)
			} else {
				saveErr = s.SaveReview(ctx, save)
			}
		})
		if takeErr != nil {
			t.Fatalf("round %d: TakeOver: %v", i, takeErr)
		}
		if saveErr != nil && !errors.Is(saveErr, grading.ErrForbidden) {
			t.Fatalf("round %d: SaveReview: %v", i, saveErr)
		}
		if taken == (saveErr == nil) {
			t.Fatalf("round %d: take-over %v and save %v: want exactly one to win", i, taken, saveErr)
		}
		want := save
		if taken {
			tookOver++
			want = r
			want.ReviewerID, want.TakenFrom, want.AssignedAt, want.UpdatedAt, want.Required = "cyd", "bob", now, now, false
		} else {
			saved++
		}
		got, err := s.ReviewByID(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(&want, got, reviewOpts); diff != "" {
			t.Fatalf("round %d: review after the race (-want +got):\n%s", i, diff)
		}
	}
	t.Logf("%d take-overs, %d saves", tookOver, saved)
}

func gradingReviewFlag(t *testing.T, open Open) {
	s := gradingStore(t, open)
	ctx := context.Background()
	r := newReview("r1", "s1", 1, "sub-a", "ada", "bob", T0)
	r.Status, r.DoneAt = grading.ReviewDone, gptr(T0.Add(time.Hour))
	if err := s.InsertReviews(ctx, []grading.Review{r}); err != nil {
		t.Fatal(err)
	}
	f := grading.Flag{Reason: "Note injuste", At: T0.Add(2 * time.Hour)}
	if err := s.SetFlag(ctx, r.ID, f); err != nil {
		t.Fatal(err)
	}
	if err := s.SetFlag(ctx, r.ID, grading.Flag{Reason: "Encore", At: T0.Add(3 * time.Hour)}); !errors.Is(err, grading.ErrAlreadyFlagged) {
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

// gradingReviewReply: the author's answer is stored once, the rating
// replaced at will, a review without either reads no reply, and a missing
// review is ErrNotFound.
func gradingReviewReply(t *testing.T, open Open) {
	s := gradingStore(t, open)
	ctx := context.Background()
	r := newReview("r1", "s1", 1, "sub-a", "ada", "bob", T0)
	r.Status, r.DoneAt = grading.ReviewDone, gptr(T0.Add(time.Hour))
	other := newReview("r2", "s1", 1, "sub-a", "ada", "cyd", T0)
	if err := s.InsertReviews(ctx, []grading.Review{r, other}); err != nil {
		t.Fatal(err)
	}
	check := func(step string, id string, want *grading.Reply) {
		t.Helper()
		got, err := s.ReviewByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got.Reply); diff != "" {
			t.Fatalf("%s: reply (-want +got):\n%s", step, diff)
		}
		list, err := s.ReviewsBySubmission(ctx, "sub-a")
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range list {
			if l.ID == id {
				if diff := cmp.Diff(want, l.Reply); diff != "" {
					t.Fatalf("%s: reply listed (-want +got):\n%s", step, diff)
				}
			}
		}
	}
	check("fresh", "r1", nil)

	// A rating alone.
	if err := s.SetReply(ctx, "r1", grading.Reply{Helpfulness: 2, RatedAt: T0.Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	want := &grading.Reply{Helpfulness: 2, RatedAt: T0.Add(2 * time.Hour)}
	check("rated", "r1", want)

	// The text, with a new rating.
	first := grading.Reply{Text: "Merci, c’est juste.", TextHTML: "<p>Merci, c’est juste.</p>", At: T0.Add(3 * time.Hour), Helpfulness: 5, RatedAt: T0.Add(3 * time.Hour)}
	if err := s.SetReply(ctx, "r1", first); err != nil {
		t.Fatal(err)
	}
	want = &first
	check("answered", "r1", want)

	// A second text is refused, its rating too; the first stays.
	err := s.SetReply(ctx, "r1", grading.Reply{Text: "Autre", TextHTML: "<p>Autre</p>", At: T0.Add(4 * time.Hour), Helpfulness: 1, RatedAt: T0.Add(4 * time.Hour)})
	if !errors.Is(err, grading.ErrAlreadyReplied) {
		t.Fatalf("second answer: err = %v, want ErrAlreadyReplied", err)
	}
	check("second answer refused", "r1", want)

	// The rating changes alone.
	if err := s.SetReply(ctx, "r1", grading.Reply{Helpfulness: 3, RatedAt: T0.Add(5 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	want.Helpfulness, want.RatedAt = 3, T0.Add(5*time.Hour)
	check("re-rated", "r1", want)
	check("other review untouched", "r2", nil)

	for _, rp := range []grading.Reply{{Text: "x", At: T0}, {Helpfulness: 1, RatedAt: T0}} {
		if err := s.SetReply(ctx, "missing", rp); !errors.Is(err, grading.ErrNotFound) {
			t.Fatalf("reply to a missing review: err = %v, want ErrNotFound", err)
		}
	}
}

// fileBytes are n bytes of a pattern that is not periodic on chunk sizes.
func fileBytes(n int) []byte {
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(i*7 + i/251)
	}
	return data
}

// gradingFileBytes: the upload quota sums every file of its owner, in every
// session, and no one else's.
func gradingFileBytes(t *testing.T, open Open) {
	s := gradingStore(t, open)
	ctx := context.Background()
	if n, err := s.FileBytes(ctx, "ada"); err != nil || n != 0 {
		t.Fatalf("no file yet: %d, %v", n, err)
	}
	for _, f := range []struct {
		session, owner string
		size           int
	}{{"s1", "ada", 1000}, {"s1", "ada", 24}, {"s2", "ada", 300 << 10}, {"s1", "bob", 7}} {
		if err := s.PutFile(ctx, &grading.Attachment{Name: "travail.pdf", ContentType: "application/pdf"}, fileBytes(f.size), f.session, f.owner); err != nil {
			t.Fatal(err)
		}
	}
	for owner, want := range map[string]int64{"ada": 1024 + 300<<10, "bob": 7, "cyd": 0} {
		if n, err := s.FileBytes(ctx, owner); err != nil || n != want {
			t.Errorf("FileBytes(%s) = %d, %v; want %d", owner, n, err, want)
		}
	}
}

func gradingFiles(t *testing.T, open Open) {
	s := gradingStore(t, open)
	ctx := context.Background()
	const chunk = 255 << 10
	for _, tc := range []struct {
		name string
		size int
		id   string
	}{
		{"empty", 0, ""},
		{"one byte", 1, ""},
		{"255 KiB", chunk, ""},
		{"255 KiB and a byte", chunk + 1, ""},
		{"600 KiB", 600 << 10, ""},
		{"10 MiB", 10 << 20, ""},
		{"given id", 3, "my-file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := fileBytes(tc.size)
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

// gradingStamp: where the backend is a grading.Stamper, the session's stamp
// changes after every kind of write it covers.
func gradingStamp(t *testing.T, open Open) {
	st := open(t).Stores()
	stamper, ok := st.Grading.(grading.Stamper)
	if !ok {
		t.Skip("this backend's grading store is no grading.Stamper")
	}
	s := st.Grading
	ctx := context.Background()
	// The session gets its ID from the store: stamp it before and after.
	before, ok, err := stamper.GradingStamp(ctx, "not yet")
	if err != nil || !ok {
		t.Fatalf("GradingStamp = %q, %v, %v", before, ok, err)
	}
	sess := &course.Session{Code: "STAMP-001", Format: course.LCIII, Number: 1,
		StartsOn: "2026-03-02", EndsOn: "2026-04-02", TimeZone: "Europe/Paris", CreatedAt: T0}
	if err := st.Course.CreateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	sid := sess.ID
	stamp := func() string {
		t.Helper()
		v, ok, err := stamper.GradingStamp(ctx, sid)
		if err != nil || !ok {
			t.Fatalf("GradingStamp = %q, %v, %v", v, ok, err)
		}
		return v
	}
	sub := newSubmission(sid, 1, "ada", T0)
	r := newReview("r1", sid, 1, "", "ada", "bob", T0)
	closed := T0.Add(48 * time.Hour)
	steps := []struct {
		name  string
		write func() error
	}{
		{"first submission", func() error { return s.SaveSubmission(ctx, sub, versionOf(sub)) }},
		{"new version", func() error {
			sub.Version, sub.Text = 2, "deux"
			return s.SaveSubmission(ctx, sub, versionOf(sub))
		}},
		{"part state created", func() error {
			_, err := s.TransitionPart(ctx, grading.PartState{SessionID: sid, Part: 1, Phase: grading.PhaseAssigning, ClaimedAt: T0},
				[]grading.Phase{grading.PhaseSubmission}, time.Time{})
			return err
		}},
		{"part state moved", func() error {
			_, err := s.TransitionPart(ctx, grading.PartState{SessionID: sid, Part: 1, Phase: grading.PhaseReview, ClaimedAt: T0},
				[]grading.Phase{grading.PhaseAssigning}, time.Time{})
			return err
		}},
		{"reviews inserted", func() error { r.SubmissionID = sub.ID; return s.InsertReviews(ctx, []grading.Review{r}) }},
		{"review saved", func() error {
			d := r
			d.Comment, d.UpdatedAt = "brouillon", T0.Add(time.Minute)
			return s.SaveReview(ctx, d)
		}},
		{"review taken over", func() error {
			_, err := s.TakeOver(ctx, r.ID, "bob", "cyd", T0.Add(time.Hour), T0.Add(2*time.Hour))
			return err
		}},
		{"review flagged", func() error { return s.SetFlag(ctx, r.ID, grading.Flag{Reason: "injuste", At: T0}) }},
		{"grades set", func() error {
			return s.SetGrades(ctx, map[string]grading.Grade{sub.ID: {Score: 50, Source: grading.SourcePeers, ComputedAt: T0}})
		}},
		{"queued", func() error { return s.MarkQueued(ctx, []string{sub.ID}, T0) }},
		{"animator grade", func() error {
			return s.SetAnimatorGrade(ctx, sub.ID, grading.AnimatorGrade{Score: 60, By: "anim", At: T0})
		}},
		{"session closed", func() error { return st.Course.SetClosed(ctx, sid, &closed) }},
	}
	if v := stamp(); v == before {
		t.Fatalf("stamp %q of the new session is the one of a session never written", v)
	}
	seen := map[string]string{stamp(): "the start"}
	for _, step := range steps {
		if err := step.write(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		v := stamp()
		if prev, ok := seen[v]; ok {
			t.Fatalf("stamp %q after %s is the one seen after %s", v, step.name, prev)
		}
		seen[v] = step.name
	}
}

// gradingCollections are the collections of the grading and evaluation
// stores.
var gradingCollections = []string{"exercises", "part_states", "files", "submissions", "submission_versions", "reviews",
	"evaluations", "evaluation_attempts"}

// gradingBackupRoundTrip: every kind of grading record exports as the
// backup format's records and loads into a fresh backend unchanged, where
// the stores read it back as they wrote it.
func gradingBackupRoundTrip(t *testing.T, open Open) {
	ctx := context.Background()
	b := open(t)
	st := b.Stores()
	s, ev := st.Grading, st.Evaluation

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.PutExercise(ctx, "s1", grading.Exercise{Part: 2, Instructions: "Deux", Rubric: []grading.Criterion{{ID: "c", Label: "C", MaxPoints: 3}}}))
	must(s.PutExercise(ctx, "s1", grading.Exercise{Part: 1, Instructions: "Un"}))
	for _, ps := range []grading.PartState{
		{SessionID: "s1", Part: 10, Phase: grading.PhaseClosed, ClaimedAt: T0, AssignedAt: T0, ClosedAt: T0.Add(time.Hour), Mode: grading.AssignModeFull, EffectiveK: 3,
			Calibration: []string{"sub-a", "sub-b"}},
		{SessionID: "s1", Part: 2, Phase: grading.PhaseAssigning, ClaimedAt: T0},
	} {
		if ok, err := s.TransitionPart(ctx, ps, []grading.Phase{grading.PhaseSubmission}, time.Time{}); err != nil || !ok {
			t.Fatalf("TransitionPart: %v, %v", ok, err)
		}
	}
	data := fileBytes(300 << 10)
	att := &grading.Attachment{FileID: "file-1", Name: "piece-jointe-1.bin", ContentType: "application/octet-stream"}
	must(s.PutFile(ctx, att, data, "s1", "ada"))
	empty := &grading.Attachment{FileID: "file-0", Name: "vide.txt", ContentType: "text/plain"}
	must(s.PutFile(ctx, empty, nil, "s1", "bob"))

	a := newSubmission("s1", 1, "ada", T0)
	a.ID, a.Attachment, a.Late = "sub-a", att, true
	must(s.SaveSubmission(ctx, a, versionOf(a)))
	a.Attachment, a.Version, a.Text, a.UpdatedAt = nil, 2, "deux", T0.Add(time.Minute)
	must(s.SaveSubmission(ctx, a, versionOf(a)))
	bsub := newSubmission("s1", 1, "bob", T0.Add(time.Second))
	bsub.ID = "sub-b"
	must(s.SaveSubmission(ctx, bsub, versionOf(bsub)))
	must(s.SetGrades(ctx, map[string]grading.Grade{"sub-a": {Score: 62.5, Source: grading.SourcePeers, Method: grading.GradeMethodPeersMedian, ReviewCount: 2, Disagreement: 5, ComputedAt: T0.Add(time.Hour)}}))
	must(s.SetAnimatorGrade(ctx, "sub-a", grading.AnimatorGrade{Score: 70, Comment: "Bien", By: "anim", At: T0.Add(2 * time.Hour)}))
	must(s.MarkQueued(ctx, []string{"sub-b"}, T0.Add(3*time.Hour)))

	rs := []grading.Review{newReview("r1", "s1", 1, "sub-a", "ada", "bob", T0), newReview("r2", "s1", 1, "sub-b", "bob", "ada", T0)}
	must(s.InsertReviews(ctx, rs))
	done := rs[0]
	done.Status, done.Scores, done.Comment, done.Percent, done.UpdatedAt, done.DoneAt = grading.ReviewDone, map[string]int{"c": 2}, "Ok", 66.7, T0.Add(time.Hour), gptr(T0.Add(time.Hour))
	must(s.SaveReview(ctx, done))
	must(s.SetFlag(ctx, "r1", grading.Flag{Reason: "injuste", At: T0.Add(4 * time.Hour)}))
	must(s.SetReply(ctx, "r1", grading.Reply{Text: "Merci *beaucoup*", TextHTML: "<p>Merci <em>beaucoup</em></p>", At: T0.Add(5 * time.Hour),
		Helpfulness: 4, RatedAt: T0.Add(5 * time.Hour)}))
	if ok, err := s.TakeOver(ctx, "r2", "ada", "cyd", T0, T0.Add(time.Hour)); err != nil || !ok {
		t.Fatalf("TakeOver: %v, %v", ok, err)
	}

	must(ev.PutEvaluation(ctx, "s1", grading.Evaluation{Questions: []grading.Question{
		{ID: "q1", Text: "Libre ?", Choices: []grading.Choice{{ID: "q1a", Text: "Oui", Correct: true}, {ID: "q1b", Text: "Non"}}},
		{ID: "q2", Text: "Sans choix"},
	}, Settings: grading.EvaluationSettings{Attempts: 2, TimeLimit: 30 * time.Minute}}))
	must(ev.PutEvaluation(ctx, "s2", grading.Evaluation{}))
	must(ev.SaveAttempt(ctx, submittedAttempt(newAttempt("s1", "ada", 1, T0), T0.Add(time.Minute), 100, map[string][]string{"q1": {"q1a"}, "q2": {}})))
	must(ev.SaveAttempt(ctx, newAttempt("s1", "ada", 2, T0.Add(time.Hour))))

	recs := memRecords{}
	must(b.Export(ctx, recs))
	counts := map[string]int{}
	for _, c := range gradingCollections {
		counts[c] = len(recs[c])
	}
	wantCounts := map[string]int{"exercises": 2, "part_states": 2, "files": 2, "submissions": 2, "submission_versions": 3,
		"reviews": 2, "evaluations": 2, "evaluation_attempts": 2}
	if diff := cmp.Diff(wantCounts, counts); diff != "" {
		t.Fatalf("exported record counts (-want +got):\n%s", diff)
	}
	// A few records in full: the format is the same whatever the backend.
	for _, want := range []struct {
		coll string
		i    int
		json string
	}{
		{"exercises", 0, `{"SessionID":"s1","Exercise":{"part":1,"instructions":"Un","rubric":null}}`},
		{"part_states", 0, `{"SessionID":"s1","Part":2,"Phase":"assigning","ClaimedAt":"2026-03-02T09:00:00Z","AssignedAt":"0001-01-01T00:00:00Z","ClosedAt":"0001-01-01T00:00:00Z","Mode":"","EffectiveK":0,"Calibration":null}`},
		{"part_states", 1, `{"SessionID":"s1","Part":10,"Phase":"closed","ClaimedAt":"2026-03-02T09:00:00Z","AssignedAt":"2026-03-02T09:00:00Z","ClosedAt":"2026-03-02T10:00:00Z","Mode":"full","EffectiveK":3,"Calibration":["sub-a","sub-b"]}`},
		{"submission_versions", 2, `{"SubmissionID":"sub-b","N":1,"Text":"Texte de *bob*","Attachment":null,"At":"2026-03-02T09:00:01Z"}`},
		{"reviews", 1, `{"ID":"r2","SessionID":"s1","Part":1,"SubmissionID":"sub-b","AuthorID":"bob","ReviewerID":"cyd","Status":"assigned","Scores":null,"Comment":"","Percent":0,"AssignedAt":"2026-03-02T10:00:00Z","UpdatedAt":"2026-03-02T10:00:00Z","DoneAt":null,"Required":false,"TakenFrom":"ada","Flag":null,"Reply":null}`},
		{"reviews", 0, `{"ID":"r1","SessionID":"s1","Part":1,"SubmissionID":"sub-a","AuthorID":"ada","ReviewerID":"bob","Status":"done","Scores":{"c":2},"Comment":"Ok","Percent":66.7,"AssignedAt":"2026-03-02T09:00:00Z","UpdatedAt":"2026-03-02T10:00:00Z","DoneAt":"2026-03-02T10:00:00Z","Required":true,"TakenFrom":"","Flag":{"Reason":"injuste","At":"2026-03-02T13:00:00Z"},"Reply":{"Text":"Merci *beaucoup*","TextHTML":"\u003cp\u003eMerci \u003cem\u003ebeaucoup\u003c/em\u003e\u003c/p\u003e","At":"2026-03-02T14:00:00Z","Helpfulness":4,"RatedAt":"2026-03-02T14:00:00Z"}}`},
		{"evaluations", 1, `{"SessionID":"s2","Evaluation":{"Questions":null,"Settings":{"Attempts":0,"TimeLimit":0}}}`},
		{"evaluation_attempts", 1, `{"ID":"s1:ada:2","SessionID":"s1","UserID":"ada","N":2,"Answers":null,"StartedAt":"2026-03-02T10:00:00Z","SubmittedAt":null,"Score":null}`},
	} {
		if got := string(recs[want.coll][want.i]); got != want.json {
			t.Errorf("%s record %d:\n got %s\nwant %s", want.coll, want.i, got, want.json)
		}
	}
	var f0 store.FileRecord
	must(json.Unmarshal(recs["files"][0], &f0))
	if f0.Attachment.FileID != "file-0" || f0.Data == nil || len(f0.Data) != 0 || f0.OwnerID != "bob" || f0.CreatedAt.Location() != time.UTC {
		t.Errorf("empty file record: %+v", f0)
	}

	only := memRecords{}
	for _, c := range gradingCollections {
		only[c] = recs[c]
	}
	b2 := open(t)
	must(b2.Import(ctx, only))
	again := memRecords{}
	must(b2.Export(ctx, again))
	if diff := cmp.Diff(recs.strings(gradingCollections...), again.strings(gradingCollections...)); diff != "" {
		t.Fatalf("records after a restore (-want +got):\n%s", diff)
	}

	// The restored stores read back what the first one holds.
	s2, ev2 := b2.Stores().Grading, b2.Stores().Evaluation
	gotA, gotData, err := s2.File(ctx, "file-1")
	if err != nil || !bytes.Equal(gotData, data) || gotA != *att {
		t.Fatalf("restored file: %+v, %d bytes, %v", gotA, len(gotData), err)
	}
	for _, read := range []struct {
		name string
		get  func(grading.Store, grading.EvaluationStore) (any, error)
	}{
		{"submissions", func(s grading.Store, _ grading.EvaluationStore) (any, error) { return s.Submissions(ctx, "s1", 0) }},
		{"versions", func(s grading.Store, _ grading.EvaluationStore) (any, error) { return s.Versions(ctx, "sub-a") }},
		{"reviews", func(s grading.Store, _ grading.EvaluationStore) (any, error) { return s.Reviews(ctx, "s1", 0) }},
		{"part states", func(s grading.Store, _ grading.EvaluationStore) (any, error) { return s.PartStates(ctx, "s1") }},
		{"exercises", func(s grading.Store, _ grading.EvaluationStore) (any, error) { return s.Exercises(ctx, "s1") }},
		{"evaluation", func(_ grading.Store, e grading.EvaluationStore) (any, error) { return e.Evaluation(ctx, "s1") }},
		{"attempts", func(_ grading.Store, e grading.EvaluationStore) (any, error) { return e.AttemptsBySession(ctx, "s1") }},
	} {
		want, err := read.get(s, ev)
		must(err)
		got, err := read.get(s2, ev2)
		must(err)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("restored %s (-original +restored):\n%s", read.name, diff)
		}
	}
	// The restored data keeps its rules: a submitted attempt stays closed.
	if err := ev2.SaveAttempt(ctx, newAttempt("s1", "ada", 1, T0)); !errors.Is(err, grading.ErrConflict) {
		t.Fatalf("save over a restored submitted attempt: %v; want ErrConflict", err)
	}
}
