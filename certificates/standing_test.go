package certificates

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStanding(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	r := DefaultRules()
	// One exercise passed out of six, 10 % at the evaluation: no level.
	weak := ParticipantResult{Grades: [PartCount]*float64{f(80)}, EvaluationScore: f(10)}
	var six [PartCount]*float64
	for i := range six {
		six[i] = f(90)
	}
	strong := ParticipantResult{Grades: six, EvaluationScore: f(95), ReviewsAssigned: 3, ReviewsOnTime: 3}
	four := ParticipantResult{Grades: [PartCount]*float64{f(90), f(90), f(90), f(90)}, EvaluationScore: f(60)}
	result := func(in ParticipantResult, o *Override) Result {
		res := Result{Input: in, Outcome: Evaluate(r, in)}
		res.Computed = res.Outcome.Level
		if o != nil {
			res.Override, res.Outcome.Level = o, o.Level
		}
		return res
	}
	declined := strong
	declined.CommitmentDeclined = true
	for _, tc := range []struct {
		name   string
		res    Result
		closed bool
		want   Standing
	}{
		{"nothing yet", result(weak, nil), false, Standing{Level: LevelNone, MissingI: Evaluate(r, weak).MissingLevelI, MissingII: Evaluate(r, weak).MissingLevelII, CanDecline: true}},
		{"level I by the rules", result(four, nil), false, Standing{Level: LevelI, MissingII: Evaluate(r, four).MissingLevelII, CanDecline: true}},
		{"level II by the rules", result(strong, nil), false, Standing{Level: LevelII, CanDecline: true}},
		{"declined", result(declined, nil), false, Standing{Level: LevelI, MissingII: Evaluate(r, declined).MissingLevelII, Declined: true, CanAccept: true}},
		{"override to II of a weak result", result(weak, &Override{Level: LevelII}), false, Standing{Level: LevelII, ByCoordination: true}},
		{"override down to none", result(strong, &Override{Level: LevelNone}), false, Standing{Level: LevelNone, ByCoordination: true}},
		{"override of a declined commitment", result(declined, &Override{Level: LevelII}), false, Standing{Level: LevelII, ByCoordination: true, Declined: true}},
		{"closed: no choice left", result(four, nil), true, Standing{Level: LevelI, MissingII: Evaluate(r, four).MissingLevelII}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.res.Standing(tc.closed)); diff != "" {
				t.Fatalf("Standing (-want +got):\n%s", diff)
			}
		})
	}
}
