package grading

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// evaluationTestBank returns three questions: "q1" with one correct choice,
// "q2" with two, "q3" with one.
func evaluationTestBank() []Question {
	return []Question{
		{ID: "q1", Text: "Durée des droits patrimoniaux ?", Choices: []Choice{
			{ID: "a", Text: "50 ans"},
			{ID: "b", Text: "70 ans", Correct: true},
			{ID: "c", Text: "Perpétuels"},
		}},
		{ID: "q2", Text: "Droits moraux ?", Choices: []Choice{
			{ID: "a", Text: "Paternité", Correct: true},
			{ID: "b", Text: "Reproduction"},
			{ID: "c", Text: "Respect de l'œuvre", Correct: true},
		}},
		{ID: "q3", Text: "Que signifie NC ?", Choices: []Choice{
			{ID: "a", Text: "Pas d'utilisation commerciale", Correct: true},
			{ID: "b", Text: "Pas de modification"},
		}},
	}
}

func TestValidateQuestions(t *testing.T) {
	tests := []struct {
		name   string
		modify func([]Question) []Question
		want   *exerciseTestFailure
	}{
		{name: "valid", modify: func(qs []Question) []Question { return qs }},
		{name: "no question", modify: func([]Question) []Question { return nil },
			want: &exerciseTestFailure{"questions", "grading.evaluation.questions_empty"}},
		{name: "too many questions", modify: func(qs []Question) []Question { return evaluationTestMany(EvaluationMaxQuestions + 1) },
			want: &exerciseTestFailure{"questions", "grading.evaluation.too_many_questions"}},
		{name: "as many questions as allowed", modify: func(qs []Question) []Question { return evaluationTestMany(EvaluationMaxQuestions) }},
		{name: "invalid question ID", modify: func(qs []Question) []Question { qs[1].ID = "Q 2"; return qs },
			want: &exerciseTestFailure{"questions[1].id", "grading.evaluation.question_id_invalid"}},
		{name: "empty question ID", modify: func(qs []Question) []Question { qs[0].ID = ""; return qs },
			want: &exerciseTestFailure{"questions[0].id", "grading.evaluation.question_id_invalid"}},
		{name: "duplicate question ID", modify: func(qs []Question) []Question { qs[2].ID = "q1"; return qs },
			want: &exerciseTestFailure{"questions[2].id", "grading.evaluation.question_id_duplicate"}},
		{name: "blank question text", modify: func(qs []Question) []Question { qs[0].Text = "\n"; return qs },
			want: &exerciseTestFailure{"questions[0].text", "grading.evaluation.question_text_required"}},
		{name: "question text too long", modify: func(qs []Question) []Question {
			qs[0].Text = strings.Repeat("é", EvaluationMaxQuestionRunes+1)
			return qs
		},
			want: &exerciseTestFailure{"questions[0].text", "grading.evaluation.question_text_too_long"}},
		{name: "one choice", modify: func(qs []Question) []Question { qs[2].Choices = qs[2].Choices[:1]; return qs },
			want: &exerciseTestFailure{"questions[2].choices", "grading.evaluation.choices_too_few"}},
		{name: "too many choices", modify: func(qs []Question) []Question {
			qs[0].Choices = evaluationTestChoices(EvaluationMaxChoices + 1)
			return qs
		},
			want: &exerciseTestFailure{"questions[0].choices", "grading.evaluation.choices_too_many"}},
		{name: "as many choices as allowed", modify: func(qs []Question) []Question {
			qs[0].Choices = evaluationTestChoices(EvaluationMaxChoices)
			return qs
		}},
		{name: "invalid choice ID", modify: func(qs []Question) []Question { qs[1].Choices[2].ID = "C"; return qs },
			want: &exerciseTestFailure{"questions[1].choices[2].id", "grading.evaluation.choice_id_invalid"}},
		{name: "duplicate choice ID", modify: func(qs []Question) []Question { qs[1].Choices[2].ID = "a"; return qs },
			want: &exerciseTestFailure{"questions[1].choices[2].id", "grading.evaluation.choice_id_duplicate"}},
		{name: "same choice IDs in different questions", modify: func(qs []Question) []Question { return qs }},
		{name: "blank choice text", modify: func(qs []Question) []Question { qs[0].Choices[1].Text = " "; return qs },
			want: &exerciseTestFailure{"questions[0].choices[1].text", "grading.evaluation.choice_text_required"}},
		{name: "choice text too long", modify: func(qs []Question) []Question {
			qs[0].Choices[1].Text = strings.Repeat("x", EvaluationMaxChoiceRunes+1)
			return qs
		},
			want: &exerciseTestFailure{"questions[0].choices[1].text", "grading.evaluation.choice_text_too_long"}},
		{name: "no correct choice", modify: func(qs []Question) []Question { qs[0].Choices[1].Correct = false; return qs },
			want: &exerciseTestFailure{"questions[0].choices", "grading.evaluation.no_correct_choice"}},
		{name: "every choice correct", modify: func(qs []Question) []Question {
			for i := range qs[0].Choices {
				qs[0].Choices[i].Correct = true
			}
			return qs
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := exerciseTestFailureOf(t, ValidateQuestions(tt.modify(evaluationTestBank())))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ValidateQuestions() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateQuestionsArgs(t *testing.T) {
	qs := evaluationTestBank()
	qs[1].Choices[2].Text = strings.Repeat("x", EvaluationMaxChoiceRunes+1)
	var ve *ValidationError
	if !errors.As(ValidateQuestions(qs), &ve) {
		t.Fatal("ValidateQuestions() did not return a *ValidationError")
	}
	want := map[string]any{"Position": 2, "Question": "q2", "Choice": "c", "ChoicePosition": 3, "Max": EvaluationMaxChoiceRunes}
	if diff := cmp.Diff(want, ve.Args); diff != "" {
		t.Errorf("Args mismatch (-want +got):\n%s", diff)
	}
}

func evaluationTestChoices(n int) []Choice {
	choices := make([]Choice, n)
	for i := range choices {
		choices[i] = Choice{ID: fmt.Sprintf("c%d", i), Text: "Choix", Correct: i == 0}
	}
	return choices
}

func evaluationTestMany(n int) []Question {
	qs := make([]Question, n)
	for i := range qs {
		qs[i] = Question{ID: fmt.Sprintf("q%d", i), Text: "Question", Choices: evaluationTestChoices(2)}
	}
	return qs
}

func TestScoreAttempt(t *testing.T) {
	tests := []struct {
		name    string
		answers map[string][]string
		want    float64
		wantErr *exerciseTestFailure
	}{
		{name: "all right",
			answers: map[string][]string{"q1": {"b"}, "q2": {"a", "c"}, "q3": {"a"}}, want: 100},
		{name: "order does not matter",
			answers: map[string][]string{"q1": {"b"}, "q2": {"c", "a"}, "q3": {"a"}}, want: 100},
		{name: "duplicates do not matter",
			answers: map[string][]string{"q1": {"b", "b"}, "q2": {"c", "a", "c"}, "q3": {"a"}}, want: 100},
		{name: "nothing answered", answers: nil, want: 0},
		{name: "empty answers", answers: map[string][]string{"q1": {}, "q2": nil, "q3": {}}, want: 0},
		{name: "one of three",
			answers: map[string][]string{"q1": {"b"}}, want: 100.0 / 3},
		{name: "two of three",
			answers: map[string][]string{"q1": {"b"}, "q3": {"a"}}, want: 200.0 / 3},
		{name: "missing one correct choice is wrong",
			answers: map[string][]string{"q1": {"b"}, "q2": {"a"}, "q3": {"a"}}, want: 200.0 / 3},
		{name: "an extra wrong choice is wrong",
			answers: map[string][]string{"q1": {"b", "a"}, "q2": {"a", "c"}, "q3": {"a"}}, want: 200.0 / 3},
		{name: "choosing everything is wrong",
			answers: map[string][]string{"q1": {"a", "b", "c"}, "q2": {"a", "b", "c"}, "q3": {"a", "b"}}, want: 0},
		{name: "unknown question",
			answers: map[string][]string{"q1": {"b"}, "q9": {"a"}},
			wantErr: &exerciseTestFailure{"q9", "grading.evaluation.unknown_question"}},
		{name: "unknown choice",
			answers: map[string][]string{"q1": {"b"}, "q2": {"a", "z"}},
			wantErr: &exerciseTestFailure{"q2", "grading.evaluation.unknown_choice"}},
		{name: "empty choice ID",
			answers: map[string][]string{"q3": {""}},
			wantErr: &exerciseTestFailure{"q3", "grading.evaluation.unknown_choice"}},
		{name: "errors reported in question ID order",
			answers: map[string][]string{"zz": {"a"}, "q1": {"x"}},
			wantErr: &exerciseTestFailure{"q1", "grading.evaluation.unknown_choice"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ScoreAttempt(evaluationTestBank(), tt.answers)
			if diff := cmp.Diff(tt.wantErr, exerciseTestFailureOf(t, err)); diff != "" {
				t.Fatalf("ScoreAttempt() error mismatch (-want +got):\n%s", diff)
			}
			if err != nil {
				if got != 0 {
					t.Errorf("ScoreAttempt() = %v with an error, want 0", got)
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ScoreAttempt() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScoreAttemptArgs(t *testing.T) {
	_, err := ScoreAttempt(evaluationTestBank(), map[string][]string{"q2": {"a", "z"}})
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("ScoreAttempt() error = %v, want a *ValidationError", err)
	}
	want := map[string]any{"Question": "q2", "Choice": "z"}
	if diff := cmp.Diff(want, ve.Args); diff != "" {
		t.Errorf("Args mismatch (-want +got):\n%s", diff)
	}
}

func TestScoreAttemptInvalidBank(t *testing.T) {
	tests := []struct {
		name string
		bank []Question
		want *exerciseTestFailure
	}{
		{name: "empty bank", bank: nil,
			want: &exerciseTestFailure{"questions", "grading.evaluation.questions_empty"}},
		{name: "duplicate question", bank: append(evaluationTestBank(), evaluationTestBank()[0]),
			want: &exerciseTestFailure{"questions[3].id", "grading.evaluation.question_id_duplicate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ScoreAttempt(tt.bank, map[string][]string{})
			if diff := cmp.Diff(tt.want, exerciseTestFailureOf(t, err)); diff != "" {
				t.Errorf("ScoreAttempt() error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPublicQuestions(t *testing.T) {
	bank := evaluationTestBank()
	got := PublicQuestions(bank)
	want := []Question{
		{ID: "q1", Text: "Durée des droits patrimoniaux ?", Choices: []Choice{
			{ID: "a", Text: "50 ans"}, {ID: "b", Text: "70 ans"}, {ID: "c", Text: "Perpétuels"},
		}},
		{ID: "q2", Text: "Droits moraux ?", Choices: []Choice{
			{ID: "a", Text: "Paternité"}, {ID: "b", Text: "Reproduction"}, {ID: "c", Text: "Respect de l'œuvre"},
		}},
		{ID: "q3", Text: "Que signifie NC ?", Choices: []Choice{
			{ID: "a", Text: "Pas d'utilisation commerciale"}, {ID: "b", Text: "Pas de modification"},
		}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PublicQuestions() mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(evaluationTestBank(), bank); diff != "" {
		t.Errorf("PublicQuestions() modified its input (-want +got):\n%s", diff)
	}
	got[0].Choices[0].Text = "modifié"
	if bank[0].Choices[0].Text == "modifié" {
		t.Error("PublicQuestions() shares choices with its input")
	}
	if n := len(PublicQuestions(nil)); n != 0 {
		t.Errorf("PublicQuestions(nil) has %d questions, want 0", n)
	}
}

func TestEvaluationSettings(t *testing.T) {
	tests := []struct {
		name         string
		settings     EvaluationSettings
		wantAttempts int
		wantErr      *exerciseTestFailure
	}{
		{name: "default", settings: DefaultEvaluationSettings(), wantAttempts: 1},
		{name: "zero value means one attempt", settings: EvaluationSettings{}, wantAttempts: 1},
		{name: "three attempts and an hour", settings: EvaluationSettings{Attempts: 3, TimeLimit: time.Hour}, wantAttempts: 3},
		{name: "negative attempts", settings: EvaluationSettings{Attempts: -1}, wantAttempts: 1,
			wantErr: &exerciseTestFailure{"attempts", "grading.evaluation.attempts_out_of_range"}},
		{name: "too many attempts", settings: EvaluationSettings{Attempts: EvaluationMaxAttempts + 1}, wantAttempts: EvaluationMaxAttempts + 1,
			wantErr: &exerciseTestFailure{"attempts", "grading.evaluation.attempts_out_of_range"}},
		{name: "negative time limit", settings: EvaluationSettings{Attempts: 1, TimeLimit: -time.Second}, wantAttempts: 1,
			wantErr: &exerciseTestFailure{"time_limit", "grading.evaluation.time_limit_out_of_range"}},
		{name: "time limit too long", settings: EvaluationSettings{Attempts: 1, TimeLimit: 25 * time.Hour}, wantAttempts: 1,
			wantErr: &exerciseTestFailure{"time_limit", "grading.evaluation.time_limit_out_of_range"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.wantErr, exerciseTestFailureOf(t, tt.settings.Validate())); diff != "" {
				t.Errorf("Validate() mismatch (-want +got):\n%s", diff)
			}
			if got := tt.settings.AttemptsAllowed(); got != tt.wantAttempts {
				t.Errorf("AttemptsAllowed() = %d, want %d", got, tt.wantAttempts)
			}
		})
	}
	if got := DefaultEvaluationSettings(); got != (EvaluationSettings{Attempts: 1}) {
		t.Errorf("DefaultEvaluationSettings() = %+v, want one attempt and no time limit", got)
	}
}

func TestDefaultEvaluation(t *testing.T) {
	bank := DefaultEvaluation()
	if err := ValidateQuestions(bank); err != nil {
		t.Fatalf("ValidateQuestions(DefaultEvaluation()) = %v", err)
	}
	if len(bank) < 24 {
		t.Errorf("the default bank has %d questions, want at least 24", len(bank))
	}
	perPart := map[int]int{}
	multi := 0
	for _, q := range bank {
		var part int
		if _, err := fmt.Sscanf(q.ID, "p%d-", &part); err != nil || part < 1 || part > exercisePartCount {
			t.Errorf("question %q does not start with p1- to p6-", q.ID)
			continue
		}
		perPart[part]++
		if n := len(q.Choices); n < 3 || n > 5 {
			t.Errorf("question %q has %d choices, want 3..5", q.ID, n)
		}
		correct := 0
		for _, c := range q.Choices {
			if c.Correct {
				correct++
			}
		}
		if correct == len(q.Choices) {
			t.Errorf("question %q has only correct choices", q.ID)
		}
		if correct > 1 {
			multi++
		}
	}
	for part := 1; part <= exercisePartCount; part++ {
		t.Run(fmt.Sprintf("part %d", part), func(t *testing.T) {
			if perPart[part] < 3 {
				t.Errorf("part %d has %d questions, want at least 3", part, perPart[part])
			}
		})
	}
	if multi < len(bank)/4 {
		t.Errorf("%d questions have several correct choices, want at least %d", multi, len(bank)/4)
	}

	perfect := map[string][]string{}
	for _, q := range bank {
		for _, c := range q.Choices {
			if c.Correct {
				perfect[q.ID] = append(perfect[q.ID], c.ID)
			}
		}
	}
	if got, err := ScoreAttempt(bank, perfect); err != nil || got != 100 {
		t.Errorf("ScoreAttempt(default bank, answer key) = %v, %v; want 100, nil", got, err)
	}
}

func TestDefaultEvaluationIsFresh(t *testing.T) {
	first := DefaultEvaluation()
	first[0].Choices[0].Correct = !first[0].Choices[0].Correct
	second := DefaultEvaluation()
	if second[0].Choices[0].Correct == first[0].Choices[0].Correct {
		t.Error("DefaultEvaluation() shares values between calls")
	}
}
