package grading

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// exerciseTestFailure is the part of a *ValidationError the tests compare.
type exerciseTestFailure struct {
	Field, Key string
}

// exerciseTestFailureOf returns the field and key of err, which must be nil or
// a *ValidationError.
func exerciseTestFailureOf(t *testing.T, err error) *exerciseTestFailure {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T) is not a *ValidationError", err, err)
	}
	return &exerciseTestFailure{Field: ve.Field, Key: ve.Key}
}

func exerciseTestValid() Exercise {
	return Exercise{
		Part:         3,
		Instructions: "## Consigne\n\nTrouvez une œuvre sous licence CC BY-SA.",
		Rubric: []Criterion{
			{ID: "credit", Label: "Crédit complet", MaxPoints: 6},
			{ID: "licence", Label: "Licence expliquée", MaxPoints: 4},
		},
	}
}

func TestValidationErrorError(t *testing.T) {
	tests := []struct {
		name string
		err  *ValidationError
		want string
	}{
		{
			name: "without args",
			err:  invalid("instructions", "grading.exercise.instructions_required"),
			want: "invalid instructions (grading.exercise.instructions_required)",
		},
		{
			name: "args sorted by name",
			err:  &ValidationError{Field: "credit", Key: "grading.review.score_out_of_range", Args: map[string]any{"Max": 6, "Min": 0, "Criterion": "Crédit"}},
			want: "invalid credit (grading.review.score_out_of_range; Criterion=Crédit, Max=6, Min=0)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.err.Error()); diff != "" {
				t.Errorf("Error() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExerciseValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Exercise)
		want   *exerciseTestFailure
	}{
		{name: "valid", modify: func(*Exercise) {}},
		{name: "part 1", modify: func(e *Exercise) { e.Part = 1 }},
		{name: "part 6", modify: func(e *Exercise) { e.Part = 6 }},
		{name: "part 0", modify: func(e *Exercise) { e.Part = 0 },
			want: &exerciseTestFailure{"part", "grading.exercise.part_out_of_range"}},
		{name: "part 7", modify: func(e *Exercise) { e.Part = 7 },
			want: &exerciseTestFailure{"part", "grading.exercise.part_out_of_range"}},
		{name: "empty instructions", modify: func(e *Exercise) { e.Instructions = "" },
			want: &exerciseTestFailure{"instructions", "grading.exercise.instructions_required"}},
		{name: "blank instructions", modify: func(e *Exercise) { e.Instructions = " \n\t " },
			want: &exerciseTestFailure{"instructions", "grading.exercise.instructions_required"}},
		{name: "instructions at the limit", modify: func(e *Exercise) { e.Instructions = strings.Repeat("a", ExerciseMaxInstructionsBytes) }},
		{name: "instructions over the limit", modify: func(e *Exercise) { e.Instructions = strings.Repeat("a", ExerciseMaxInstructionsBytes+1) },
			want: &exerciseTestFailure{"instructions", "grading.exercise.instructions_too_long"}},
		{name: "instructions limit counts bytes", modify: func(e *Exercise) { e.Instructions = strings.Repeat("é", ExerciseMaxInstructionsBytes/2+1) },
			want: &exerciseTestFailure{"instructions", "grading.exercise.instructions_too_long"}},
		{name: "no criterion", modify: func(e *Exercise) { e.Rubric = nil },
			want: &exerciseTestFailure{"rubric", "grading.exercise.rubric_empty"}},
		{name: "20 criteria", modify: func(e *Exercise) { e.Rubric = exerciseTestRubric(20) }},
		{name: "21 criteria", modify: func(e *Exercise) { e.Rubric = exerciseTestRubric(21) },
			want: &exerciseTestFailure{"rubric", "grading.exercise.rubric_too_long"}},
		{name: "empty ID", modify: func(e *Exercise) { e.Rubric[1].ID = "" },
			want: &exerciseTestFailure{"rubric[1].id", "grading.exercise.criterion_id_invalid"}},
		{name: "upper-case ID", modify: func(e *Exercise) { e.Rubric[0].ID = "Credit" },
			want: &exerciseTestFailure{"rubric[0].id", "grading.exercise.criterion_id_invalid"}},
		{name: "ID with a space", modify: func(e *Exercise) { e.Rubric[0].ID = "a b" },
			want: &exerciseTestFailure{"rubric[0].id", "grading.exercise.criterion_id_invalid"}},
		{name: "ID with an accent", modify: func(e *Exercise) { e.Rubric[0].ID = "clarté" },
			want: &exerciseTestFailure{"rubric[0].id", "grading.exercise.criterion_id_invalid"}},
		{name: "ID of 40 characters", modify: func(e *Exercise) { e.Rubric[0].ID = strings.Repeat("a", 40) }},
		{name: "ID of 41 characters", modify: func(e *Exercise) { e.Rubric[0].ID = strings.Repeat("a", 41) },
			want: &exerciseTestFailure{"rubric[0].id", "grading.exercise.criterion_id_invalid"}},
		{name: "ID with digits, dash and underscore", modify: func(e *Exercise) { e.Rubric[0].ID = "c1_x-2" }},
		{name: "duplicate ID", modify: func(e *Exercise) { e.Rubric[1].ID = "credit" },
			want: &exerciseTestFailure{"rubric[1].id", "grading.exercise.criterion_id_duplicate"}},
		{name: "empty label", modify: func(e *Exercise) { e.Rubric[0].Label = "  " },
			want: &exerciseTestFailure{"rubric[0].label", "grading.exercise.criterion_label_required"}},
		{name: "label of 300 characters", modify: func(e *Exercise) { e.Rubric[0].Label = strings.Repeat("é", 300) }},
		{name: "label of 301 characters", modify: func(e *Exercise) { e.Rubric[0].Label = strings.Repeat("é", 301) },
			want: &exerciseTestFailure{"rubric[0].label", "grading.exercise.criterion_label_too_long"}},
		{name: "zero points", modify: func(e *Exercise) { e.Rubric[1].MaxPoints = 0 },
			want: &exerciseTestFailure{"rubric[1].max_points", "grading.exercise.criterion_points_out_of_range"}},
		{name: "negative points", modify: func(e *Exercise) { e.Rubric[1].MaxPoints = -3 },
			want: &exerciseTestFailure{"rubric[1].max_points", "grading.exercise.criterion_points_out_of_range"}},
		{name: "100 points", modify: func(e *Exercise) { e.Rubric[1].MaxPoints = 100 }},
		{name: "101 points", modify: func(e *Exercise) { e.Rubric[1].MaxPoints = 101 },
			want: &exerciseTestFailure{"rubric[1].max_points", "grading.exercise.criterion_points_out_of_range"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := exerciseTestValid()
			tt.modify(&e)
			got := exerciseTestFailureOf(t, e.Validate())
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Validate() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func exerciseTestRubric(n int) []Criterion {
	rubric := make([]Criterion, n)
	for i := range rubric {
		rubric[i] = Criterion{ID: "c" + strings.Repeat("x", i), Label: "Critère", MaxPoints: 5}
	}
	return rubric
}

func TestExerciseValidateArgs(t *testing.T) {
	e := exerciseTestValid()
	e.Rubric[1].MaxPoints = 0
	var ve *ValidationError
	if !errors.As(e.Validate(), &ve) {
		t.Fatal("Validate() did not return a *ValidationError")
	}
	want := map[string]any{"Position": 2, "Criterion": "licence", "Min": 1, "Max": 100}
	if diff := cmp.Diff(want, ve.Args); diff != "" {
		t.Errorf("Args mismatch (-want +got):\n%s", diff)
	}
}

func TestExerciseMaxTotal(t *testing.T) {
	tests := []struct {
		name   string
		rubric []Criterion
		want   int
	}{
		{name: "no criterion", rubric: nil, want: 0},
		{name: "one criterion", rubric: []Criterion{{ID: "a", Label: "A", MaxPoints: 7}}, want: 7},
		{name: "several criteria", rubric: exerciseTestValid().Rubric, want: 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Exercise{Rubric: tt.rubric}.MaxTotal()
			if got != tt.want {
				t.Errorf("MaxTotal() = %d, want %d", got, tt.want)
			}
		})
	}
}

// levelled is a rubric whose first criterion has labelled levels.
var levelled = []Criterion{
	{ID: "sources", Label: "Sources", MaxPoints: 6, Levels: []Level{{0, "Aucune"}, {3, "Quelques-unes"}, {6, "Toutes"}}},
	{ID: "style", Label: "Style", MaxPoints: 4},
}

func TestRubricLevels(t *testing.T) {
	crit := func(levels ...Level) Exercise {
		return Exercise{Part: 1, Instructions: "x", Rubric: []Criterion{{ID: "a", Label: "A", MaxPoints: 4}, {ID: "b", Label: "B", MaxPoints: 6, Levels: levels}}}
	}
	for _, tc := range []struct {
		name string
		ex   Exercise
		want *exerciseTestFailure
	}{
		{"no levels", crit(), nil},
		{"levels", crit(Level{0, "rien"}, Level{3, "un peu"}, Level{6, "tout"}), nil},
		{"one level", crit(Level{6, "tout"}), &exerciseTestFailure{"rubric[1].levels", "grading.exercise.levels_count"}},
		{"too many", crit(Level{0, "0"}, Level{1, "1"}, Level{2, "2"}, Level{3, "3"}, Level{4, "4"}, Level{5, "5"}, Level{6, "6"}, Level{6, "6"}, Level{6, "6"}, Level{6, "6"}, Level{6, "6"}),
			&exerciseTestFailure{"rubric[1].levels", "grading.exercise.levels_count"}},
		{"no label", crit(Level{0, "rien"}, Level{6, " "}), &exerciseTestFailure{"rubric[1].levels[1].label", "grading.exercise.level_label_required"}},
		{"label too long", crit(Level{0, "rien"}, Level{6, strings.Repeat("é", ExerciseMaxLabelRunes+1)}), &exerciseTestFailure{"rubric[1].levels[1].label", "grading.exercise.level_label_too_long"}},
		{"beyond the criterion", crit(Level{0, "rien"}, Level{7, "plus"}), &exerciseTestFailure{"rubric[1].levels[1].points", "grading.exercise.level_points_range"}},
		{"negative", crit(Level{-1, "moins"}, Level{6, "tout"}), &exerciseTestFailure{"rubric[1].levels[0].points", "grading.exercise.level_points_range"}},
		{"not increasing", crit(Level{3, "un peu"}, Level{3, "pareil"}), &exerciseTestFailure{"rubric[1].levels[1].points", "grading.exercise.level_points_order"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, exerciseTestFailureOf(t, tc.ex.Validate())); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if l, ok := levelled[0].LevelOf(3); !ok || l.Label != "Quelques-unes" {
		t.Errorf("LevelOf(3) = %v, %v", l, ok)
	}
	if _, ok := levelled[1].LevelOf(3); ok {
		t.Error("a criterion without levels has a level")
	}
}

func TestScoreReview(t *testing.T) {
	rubric := []Criterion{
		{ID: "credit", Label: "Crédit complet", MaxPoints: 6},
		{ID: "licence", Label: "Licence expliquée", MaxPoints: 4},
		{ID: "usages", Label: "Usages", MaxPoints: 10},
	}
	tests := []struct {
		name    string
		rubric  []Criterion
		scores  map[string]int
		want    float64
		wantErr *exerciseTestFailure
	}{
		{name: "full marks", rubric: rubric,
			scores: map[string]int{"credit": 6, "licence": 4, "usages": 10}, want: 100},
		{name: "zero everywhere", rubric: rubric,
			scores: map[string]int{"credit": 0, "licence": 0, "usages": 0}, want: 0},
		{name: "weighted by points", rubric: rubric,
			scores: map[string]int{"credit": 6, "licence": 0, "usages": 5}, want: 55},
		{name: "non-integer percentage", rubric: rubric[:2],
			scores: map[string]int{"credit": 1, "licence": 0}, want: 10},
		{name: "missing criterion", rubric: rubric,
			scores:  map[string]int{"credit": 6, "usages": 10},
			wantErr: &exerciseTestFailure{"licence", "grading.review.score_missing"}},
		{name: "no scores", rubric: rubric, scores: nil,
			wantErr: &exerciseTestFailure{"credit", "grading.review.score_missing"}},
		{name: "negative score", rubric: rubric,
			scores:  map[string]int{"credit": -1, "licence": 4, "usages": 10},
			wantErr: &exerciseTestFailure{"credit", "grading.review.score_out_of_range"}},
		{name: "score above the maximum", rubric: rubric,
			scores:  map[string]int{"credit": 6, "licence": 5, "usages": 10},
			wantErr: &exerciseTestFailure{"licence", "grading.review.score_out_of_range"}},
		{name: "unknown criterion", rubric: rubric,
			scores:  map[string]int{"credit": 6, "licence": 4, "usages": 10, "style": 2},
			wantErr: &exerciseTestFailure{"style", "grading.review.unknown_criterion"}},
		{name: "first unknown criterion in sorted order", rubric: rubric,
			scores:  map[string]int{"zz": 1, "credit": 6, "licence": 4, "usages": 10, "aa": 2},
			wantErr: &exerciseTestFailure{"aa", "grading.review.unknown_criterion"}},
		{name: "empty rubric", rubric: nil, scores: map[string]int{},
			wantErr: &exerciseTestFailure{"rubric", "grading.exercise.rubric_empty"}},
		{name: "invalid rubric", rubric: []Criterion{{ID: "a", Label: "A", MaxPoints: 0}}, scores: map[string]int{"a": 0},
			wantErr: &exerciseTestFailure{"rubric[0].max_points", "grading.exercise.criterion_points_out_of_range"}},
		{name: "a level's points", rubric: levelled, scores: map[string]int{"sources": 3, "style": 4}, want: 70},
		{name: "points between levels", rubric: levelled, scores: map[string]int{"sources": 2, "style": 4},
			wantErr: &exerciseTestFailure{"sources", "grading.review.score_not_a_level"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ScoreReview(tt.rubric, tt.scores)
			if diff := cmp.Diff(tt.wantErr, exerciseTestFailureOf(t, err)); diff != "" {
				t.Fatalf("ScoreReview() error mismatch (-want +got):\n%s", diff)
			}
			if err != nil {
				if got != 0 {
					t.Errorf("ScoreReview() = %v with an error, want 0", got)
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ScoreReview() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScoreReviewArgs(t *testing.T) {
	rubric := []Criterion{{ID: "credit", Label: "Crédit complet", MaxPoints: 6}}
	tests := []struct {
		name   string
		scores map[string]int
		want   map[string]any
	}{
		{name: "missing", scores: map[string]int{},
			want: map[string]any{"Criterion": "Crédit complet"}},
		{name: "out of range", scores: map[string]int{"credit": 7},
			want: map[string]any{"Criterion": "Crédit complet", "Min": 0, "Max": 6}},
		{name: "unknown", scores: map[string]int{"credit": 1, "autre": 1},
			want: map[string]any{"Criterion": "autre"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ScoreReview(rubric, tt.scores)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("ScoreReview() error = %v, want a *ValidationError", err)
			}
			if diff := cmp.Diff(tt.want, ve.Args); diff != "" {
				t.Errorf("Args mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDefaultExercises(t *testing.T) {
	exercises := DefaultExercises()
	if len(exercises) != exercisePartCount {
		t.Fatalf("DefaultExercises() returned %d exercises, want %d", len(exercises), exercisePartCount)
	}
	for i, e := range exercises {
		t.Run(fmt.Sprintf("part %d", i+1), func(t *testing.T) {
			if e.Part != i+1 {
				t.Errorf("exercise %d has Part %d, want %d", i, e.Part, i+1)
			}
			if err := e.Validate(); err != nil {
				t.Errorf("Validate() = %v", err)
			}
			if n := len(e.Rubric); n < 3 || n > 5 {
				t.Errorf("rubric has %d criteria, want 3..5", n)
			}
			if !strings.HasPrefix(e.Instructions, "## ") {
				t.Errorf("instructions do not start with a level-2 title: %q", e.Instructions[:min(40, len(e.Instructions))])
			}
			for _, section := range []string{"### Contexte", "### Évaluation par les pairs"} {
				if !strings.Contains(e.Instructions, section) {
					t.Errorf("instructions lack the section %q", section)
				}
			}
			if got := e.MaxTotal(); got != 20 {
				t.Errorf("MaxTotal() = %d, want 20 so that parts weigh the same", got)
			}
		})
	}
}

func TestDefaultExercisesAreFresh(t *testing.T) {
	first := DefaultExercises()
	first[0].Rubric[0].Label = "modifié"
	first[0].Instructions = ""
	second := DefaultExercises()
	if second[0].Instructions == "" || second[0].Rubric[0].Label == "modifié" {
		t.Error("DefaultExercises() shares values between calls")
	}
}
