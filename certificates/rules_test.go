package certificates

import (
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func score(v float64) *float64 { return &v }

// grades builds the six grades of a participant; a negative value stands
// for an absent grade.
func grades(vs ...float64) [PartCount]*float64 {
	var g [PartCount]*float64
	for i, v := range vs {
		if v >= 0 {
			g[i] = score(v)
		}
	}
	return g
}

// perfect is a participant who meets every level II condition by default.
func perfect() ParticipantResult {
	return ParticipantResult{
		Grades:          grades(80, 80, 80, 80, 80, 80),
		ReviewsAssigned: 12,
		ReviewsOnTime:   12,
		EvaluationScore: score(90),
	}
}

func TestEvaluateDefaultRules(t *testing.T) {
	with := func(f func(p *ParticipantResult)) ParticipantResult {
		p := perfect()
		f(&p)
		return p
	}
	tests := []struct {
		name string
		in   ParticipantResult
		want Outcome
	}{
		{
			name: "everything met gives level II",
			in:   perfect(),
			want: Outcome{Level: LevelII, ExercisesPassed: 6},
		},
		{
			name: "grade 50 exactly passes",
			in:   with(func(p *ParticipantResult) { p.Grades = grades(50, 50, 50, 50, 50, 50) }),
			want: Outcome{Level: LevelII, ExercisesPassed: 6},
		},
		{
			name: "grade 49.99 fails the exercise",
			in:   with(func(p *ParticipantResult) { p.Grades = grades(49.99, 50, 50, 50, 50, 50) }),
			want: Outcome{
				Level: LevelI, ExercisesPassed: 5,
				MissingLevelII: []Missing{{Reason: MissingExercises, Have: 5, Need: 6}},
			},
		},
		{
			name: "4 of 6 exercises and evaluation 50 give level I",
			in: with(func(p *ParticipantResult) {
				p.Grades = grades(60, 60, 60, 60, 10, -1)
				p.EvaluationScore = score(50)
			}),
			want: Outcome{
				Level: LevelI, ExercisesPassed: 4,
				MissingLevelII: []Missing{
					{Reason: MissingExercises, Have: 4, Need: 6},
					{Reason: MissingEvaluationScore, Have: 50, Need: 70},
				},
			},
		},
		{
			name: "3 of 6 exercises give no certificate",
			in:   with(func(p *ParticipantResult) { p.Grades = grades(60, 60, 60, 49, -1, -1) }),
			want: Outcome{
				Level: LevelNone, ExercisesPassed: 3,
				MissingLevelI:  []Missing{{Reason: MissingExercises, Have: 3, Need: 4}},
				MissingLevelII: []Missing{{Reason: MissingExercises, Have: 3, Need: 6}},
			},
		},
		{
			name: "evaluation 49.99 gives no certificate",
			in:   with(func(p *ParticipantResult) { p.EvaluationScore = score(49.99) }),
			want: Outcome{
				Level: LevelNone, ExercisesPassed: 6,
				MissingLevelI:  []Missing{{Reason: MissingEvaluationScore, Have: 49.99, Need: 50}},
				MissingLevelII: []Missing{{Reason: MissingEvaluationScore, Have: 49.99, Need: 70}},
			},
		},
		{
			name: "evaluation 69.99 caps at level I",
			in:   with(func(p *ParticipantResult) { p.EvaluationScore = score(69.99) }),
			want: Outcome{
				Level: LevelI, ExercisesPassed: 6,
				MissingLevelII: []Missing{{Reason: MissingEvaluationScore, Have: 69.99, Need: 70}},
			},
		},
		{
			name: "evaluation 70 exactly gives level II",
			in:   with(func(p *ParticipantResult) { p.EvaluationScore = score(70) }),
			want: Outcome{Level: LevelII, ExercisesPassed: 6},
		},
		{
			name: "absent evaluation gives no certificate",
			in:   with(func(p *ParticipantResult) { p.EvaluationScore = nil }),
			want: Outcome{
				Level: LevelNone, ExercisesPassed: 6,
				MissingLevelI:  []Missing{{Reason: MissingEvaluation, Need: 50}},
				MissingLevelII: []Missing{{Reason: MissingEvaluation, Need: 70}},
			},
		},
		{
			name: "one review late caps at level I",
			in:   with(func(p *ParticipantResult) { p.ReviewsOnTime = 11 }),
			want: Outcome{
				Level: LevelI, ExercisesPassed: 6,
				MissingLevelII: []Missing{{Reason: MissingReviews, Have: 11, Need: 12}},
			},
		},
		{
			name: "0 of 0 reviews is not every review on time",
			in:   with(func(p *ParticipantResult) { p.ReviewsAssigned, p.ReviewsOnTime = 0, 0 }),
			want: Outcome{
				Level: LevelI, ExercisesPassed: 6,
				MissingLevelII: []Missing{{Reason: MissingReviews, Have: 0, Need: 1}},
			},
		},
		{
			name: "a late submitter owes k reviews per part even if none were assigned",
			in:   with(func(p *ParticipantResult) { p.ReviewsAssigned, p.ReviewsOnTime, p.ReviewsOwed = 0, 0, 18 }),
			want: Outcome{
				Level: LevelI, ExercisesPassed: 6,
				MissingLevelII: []Missing{{Reason: MissingReviews, Have: 0, Need: 18}},
			},
		},
		{
			name: "reviews owed done on time reach level II (some of them extra work)",
			in:   with(func(p *ParticipantResult) { p.ReviewsAssigned, p.ReviewsOnTime, p.ReviewsOwed = 15, 18, 18 }),
			want: Outcome{Level: LevelII, ExercisesPassed: 6},
		},
		{
			name: "declined commitment caps at level I",
			in:   with(func(p *ParticipantResult) { p.CommitmentDeclined = true }),
			want: Outcome{
				Level: LevelI, ExercisesPassed: 6,
				MissingLevelII: []Missing{{Reason: MissingCommitment}},
			},
		},
		{
			name: "every level II gap is listed in order",
			in: ParticipantResult{
				Grades:             grades(50, 50, 50, 50, 50, -1),
				ReviewsAssigned:    10,
				ReviewsOnTime:      7,
				EvaluationScore:    score(55),
				CommitmentDeclined: true,
			},
			want: Outcome{
				Level: LevelI, ExercisesPassed: 5,
				MissingLevelII: []Missing{
					{Reason: MissingExercises, Have: 5, Need: 6},
					{Reason: MissingEvaluationScore, Have: 55, Need: 70},
					{Reason: MissingReviews, Have: 7, Need: 10},
					{Reason: MissingCommitment},
				},
			},
		},
		{
			name: "nothing done at all",
			in:   ParticipantResult{},
			want: Outcome{
				Level: LevelNone,
				MissingLevelI: []Missing{
					{Reason: MissingExercises, Have: 0, Need: 4},
					{Reason: MissingEvaluation, Need: 50},
				},
				MissingLevelII: []Missing{
					{Reason: MissingExercises, Have: 0, Need: 6},
					{Reason: MissingEvaluation, Need: 70},
					{Reason: MissingReviews, Have: 0, Need: 1},
				},
			},
		},
		{
			name: "NaN grade and score count as failed",
			in: with(func(p *ParticipantResult) {
				p.Grades[0] = score(math.NaN())
				p.EvaluationScore = score(math.NaN())
			}),
			want: Outcome{
				Level: LevelNone, ExercisesPassed: 5,
				MissingLevelI: []Missing{{Reason: MissingEvaluationScore, Have: math.NaN(), Need: 50}},
				MissingLevelII: []Missing{
					{Reason: MissingExercises, Have: 5, Need: 6},
					{Reason: MissingEvaluationScore, Have: math.NaN(), Need: 70},
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Evaluate(DefaultRules(), tt.in)
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(equalNaN)); diff != "" {
				t.Errorf("Evaluate() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func equalNaN(a, b float64) bool {
	return a == b || (math.IsNaN(a) && math.IsNaN(b))
}

func TestEvaluateCustomRules(t *testing.T) {
	tests := []struct {
		name  string
		rules func(r *Rules)
		in    ParticipantResult
		want  Level
	}{
		{
			name:  "reviews not required",
			rules: func(r *Rules) { r.Level2ReviewsOnTime = false },
			in:    ParticipantResult{Grades: grades(90, 90, 90, 90, 90, 90), ReviewsAssigned: 3, EvaluationScore: score(100)},
			want:  LevelII,
		},
		{
			name:  "commitment not required",
			rules: func(r *Rules) { r.Level2Commitment = false },
			in:    ParticipantResult{Grades: grades(90, 90, 90, 90, 90, 90), ReviewsAssigned: 18, ReviewsOnTime: 18, EvaluationScore: score(100), CommitmentDeclined: true},
			want:  LevelII,
		},
		{
			name:  "evaluation not required at level I",
			rules: func(r *Rules) { r.Level1Evaluation = 0 },
			in:    ParticipantResult{Grades: grades(90, 90, 90, 90, -1, -1)},
			want:  LevelI,
		},
		{
			name:  "higher pass grade",
			rules: func(r *Rules) { r.PassGrade = 60 },
			in:    ParticipantResult{Grades: grades(59, 90, 90, 90, 90, 90), EvaluationScore: score(100)},
			want:  LevelI,
		},
		{
			name:  "review quality off by default",
			rules: func(r *Rules) {},
			in:    ParticipantResult{Grades: grades(90, 90, 90, 90, 90, 90), ReviewsAssigned: 18, ReviewsOnTime: 18, EvaluationScore: score(100), ReviewQuality: score(5)},
			want:  LevelII,
		},
		{
			name:  "review quality at the minimum passes",
			rules: func(r *Rules) { r.ReviewQualityMin = 60 },
			in:    ParticipantResult{Grades: grades(90, 90, 90, 90, 90, 90), ReviewsAssigned: 18, ReviewsOnTime: 18, EvaluationScore: score(100), ReviewQuality: score(60)},
			want:  LevelII,
		},
		{
			name:  "review quality below the minimum stops at level I",
			rules: func(r *Rules) { r.ReviewQualityMin = 60 },
			in:    ParticipantResult{Grades: grades(90, 90, 90, 90, 90, 90), ReviewsAssigned: 18, ReviewsOnTime: 18, EvaluationScore: score(100), ReviewQuality: score(59.9)},
			want:  LevelI,
		},
		{
			name:  "no review handed in has no quality",
			rules: func(r *Rules) { r.ReviewQualityMin = 1; r.Level2ReviewsOnTime = false },
			in:    ParticipantResult{Grades: grades(90, 90, 90, 90, 90, 90), EvaluationScore: score(100)},
			want:  LevelI,
		},
		{
			name: "level II never granted without level I",
			rules: func(r *Rules) {
				r.Level1Evaluation = 80
				r.Level2Evaluation = 70
			},
			in:   ParticipantResult{Grades: grades(90, 90, 90, 90, 90, 90), EvaluationScore: score(75)},
			want: LevelNone,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := DefaultRules()
			tt.rules(&r)
			if got := Evaluate(r, tt.in).Level; got != tt.want {
				t.Errorf("Evaluate().Level = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestRulesValidate(t *testing.T) {
	tests := []struct {
		name  string
		rules func(r *Rules)
		want  *ValidationError
	}{
		{name: "defaults are valid", rules: func(r *Rules) {}},
		{name: "all zero is valid", rules: func(r *Rules) { *r = Rules{} }},
		{name: "pass grade 100 is valid", rules: func(r *Rules) { r.PassGrade = 100 }},
		{
			name:  "negative pass grade",
			rules: func(r *Rules) { r.PassGrade = -1 },
			want:  &ValidationError{Field: "pass_grade", Key: KeyInvalidThreshold},
		},
		{
			name:  "pass grade above 100",
			rules: func(r *Rules) { r.PassGrade = 100.5 },
			want:  &ValidationError{Field: "pass_grade", Key: KeyInvalidThreshold},
		},
		{
			name:  "NaN evaluation threshold",
			rules: func(r *Rules) { r.Level1Evaluation = math.NaN() },
			want:  &ValidationError{Field: "level1_evaluation", Key: KeyInvalidThreshold},
		},
		{
			name:  "level II evaluation above 100",
			rules: func(r *Rules) { r.Level2Evaluation = 101 },
			want:  &ValidationError{Field: "level2_evaluation", Key: KeyInvalidThreshold},
		},
		{
			name:  "review quality minimum above 100",
			rules: func(r *Rules) { r.ReviewQualityMin = 100.1 },
			want:  &ValidationError{Field: "review_quality_min", Key: KeyInvalidThreshold},
		},
		{
			name:  "negative review quality minimum",
			rules: func(r *Rules) { r.ReviewQualityMin = -5 },
			want:  &ValidationError{Field: "review_quality_min", Key: KeyInvalidThreshold},
		},
		{
			name:  "negative exercise count",
			rules: func(r *Rules) { r.Level1Exercises = -1 },
			want:  &ValidationError{Field: "level1_exercises", Key: KeyInvalidExerciseCount},
		},
		{
			name:  "more exercises than parts",
			rules: func(r *Rules) { r.Level2Exercises = PartCount + 1 },
			want:  &ValidationError{Field: "level2_exercises", Key: KeyInvalidExerciseCount},
		},
		{
			name:  "level II asks fewer exercises than level I",
			rules: func(r *Rules) { r.Level1Exercises, r.Level2Exercises = 5, 4 },
			want:  &ValidationError{Field: "level2_exercises", Key: KeyLevel2BelowLevel1},
		},
		{
			name:  "level II asks a lower score than level I",
			rules: func(r *Rules) { r.Level1Evaluation, r.Level2Evaluation = 60, 55 },
			want:  &ValidationError{Field: "level2_evaluation", Key: KeyLevel2BelowLevel1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := DefaultRules()
			tt.rules(&r)
			err := r.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate() = %v, want a *ValidationError", err)
			}
			if diff := cmp.Diff(tt.want, ve); diff != "" {
				t.Errorf("Validate() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
