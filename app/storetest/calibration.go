package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"librecours/grading"
)

// gradingPartStateCalibration: a part's calibration sample is stored with
// its state, read back by PartState and PartStates, carried by every
// transition that holds it (the close's claim and release), and cleared by
// one that holds none.
func gradingPartStateCalibration(t *testing.T, open Open) {
	s := gradingStore(t, open)
	ctx := context.Background()
	review := grading.PartState{SessionID: "s1", Part: 1, Phase: grading.PhaseReview, ClaimedAt: T0, AssignedAt: T0,
		Mode: grading.AssignModeFull, EffectiveK: 3, Calibration: []string{"sub-a", "sub-c"}}
	plain := grading.PartState{SessionID: "s1", Part: 2, Phase: grading.PhaseReview, ClaimedAt: T0, AssignedAt: T0,
		Mode: grading.AssignModeFull, EffectiveK: 3}
	for _, st := range []grading.PartState{review, plain} {
		if ok, err := s.TransitionPart(ctx, st, []grading.Phase{grading.PhaseSubmission}, time.Time{}); err != nil || !ok {
			t.Fatalf("TransitionPart(%d) = %v, %v", st.Part, ok, err)
		}
	}
	read := func(step string, part int, want grading.PartState) {
		t.Helper()
		got, err := s.PartState(ctx, "s1", part)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("%s: PartState (-want +got):\n%s", step, diff)
		}
	}
	read("assigned", 1, review)
	read("assigned without a sample", 2, plain)
	all, err := s.PartStates(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]grading.PartState{review, plain}, all); diff != "" {
		t.Fatalf("PartStates (-want +got):\n%s", diff)
	}
	closing := review
	closing.Phase, closing.ClaimedAt = grading.PhaseClosing, T0.Add(time.Hour)
	if ok, err := s.TransitionPart(ctx, closing, []grading.Phase{grading.PhaseReview}, T0); err != nil || !ok {
		t.Fatalf("claim = %v, %v", ok, err)
	}
	closed := closing
	closed.Phase, closed.ClosedAt = grading.PhaseClosed, T0.Add(time.Hour)
	if ok, err := s.TransitionPart(ctx, closed, []grading.Phase{grading.PhaseClosing}, time.Time{}); err != nil || !ok {
		t.Fatalf("release = %v, %v", ok, err)
	}
	read("closed", 1, closed)
	cleared := closed
	cleared.Calibration = nil
	if ok, err := s.TransitionPart(ctx, cleared, []grading.Phase{grading.PhaseClosed}, time.Time{}); err != nil || !ok {
		t.Fatalf("clear = %v, %v", ok, err)
	}
	read("cleared", 1, cleared)
}
