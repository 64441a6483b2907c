package grading

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits that the questions of a final evaluation must respect.
const (
	// EvaluationMaxQuestions is the largest number of questions in an evaluation.
	EvaluationMaxQuestions = 200
	// EvaluationMinChoices is the fewest choices a question may offer.
	EvaluationMinChoices = 2
	// EvaluationMaxChoices is the most choices a question may offer.
	EvaluationMaxChoices = 10
	// EvaluationMaxQuestionRunes is the longest accepted question text, in characters.
	EvaluationMaxQuestionRunes = 2000
	// EvaluationMaxChoiceRunes is the longest accepted choice text, in characters.
	EvaluationMaxChoiceRunes = 500
	// EvaluationMaxAttempts is the most attempts a session may allow.
	EvaluationMaxAttempts = 10
	// EvaluationMaxTimeLimit is the longest time limit a session may set.
	EvaluationMaxTimeLimit = 24 * time.Hour
)

// Question is a multiple-choice question of the final evaluation. It has one or
// more correct choices; a participant answers it right by choosing exactly
// those.
type Question struct {
	ID      string   `json:"id"`
	Text    string   `json:"text"`
	Choices []Choice `json:"choices"`
}

// Choice is one possible answer to a Question. Correct is omitted from JSON
// when false, so the questions returned by PublicQuestions carry no answer key.
type Choice struct {
	ID      string `json:"id"`
	Text    string `json:"text"`
	Correct bool   `json:"correct,omitempty"`
}

// EvaluationSettings are a session's rules for taking the final evaluation.
type EvaluationSettings struct {
	// Attempts is the number of attempts each participant has; 0 means the
	// default, one attempt.
	Attempts int
	// TimeLimit bounds the duration of one attempt; 0 means no limit.
	TimeLimit time.Duration
}

// DefaultEvaluationSettings returns the settings of a new session: one attempt,
// no time limit.
func DefaultEvaluationSettings() EvaluationSettings {
	return EvaluationSettings{Attempts: 1}
}

// AttemptsAllowed returns the number of attempts a participant has, applying
// the default of one when Attempts is 0.
func (s EvaluationSettings) AttemptsAllowed() int {
	return max(s.Attempts, 1)
}

// Validate reports invalid settings as a *ValidationError.
func (s EvaluationSettings) Validate() error {
	if s.Attempts < 0 || s.Attempts > EvaluationMaxAttempts {
		return invalidWith("attempts", "grading.evaluation.attempts_out_of_range", map[string]any{"Min": 1, "Max": EvaluationMaxAttempts})
	}
	if s.TimeLimit < 0 || s.TimeLimit > EvaluationMaxTimeLimit {
		return invalidWith("time_limit", "grading.evaluation.time_limit_out_of_range", map[string]any{"Max": EvaluationMaxTimeLimit.String()})
	}
	return nil
}

// ValidateQuestions reports the first invalid value of a question bank as a
// *ValidationError whose Field is a path such as "questions[3].choices[1].text".
// A bank needs at least one question; IDs are unique and match
// ^[a-z0-9_-]{1,40}$ (choice IDs are unique within their question); each
// question has non-empty text, 2..10 choices and at least one correct choice.
func ValidateQuestions(questions []Question) error {
	if len(questions) == 0 {
		return invalid("questions", "grading.evaluation.questions_empty")
	}
	if len(questions) > EvaluationMaxQuestions {
		return invalidWith("questions", "grading.evaluation.too_many_questions", map[string]any{"Max": EvaluationMaxQuestions})
	}
	seen := make(map[string]bool, len(questions))
	for i, q := range questions {
		if err := evaluationCheckQuestion(i, q, seen); err != nil {
			return err
		}
	}
	return nil
}

func evaluationCheckQuestion(i int, q Question, seen map[string]bool) error {
	field := fmt.Sprintf("questions[%d]", i)
	args := map[string]any{"Position": i + 1, "Question": q.ID}
	fail := func(suffix, key string, extra map[string]any) error {
		all := maps.Clone(args)
		maps.Copy(all, extra)
		return invalidWith(field+suffix, key, all)
	}
	if !exerciseValidID(q.ID) {
		return fail(".id", "grading.evaluation.question_id_invalid", nil)
	}
	if seen[q.ID] {
		return fail(".id", "grading.evaluation.question_id_duplicate", nil)
	}
	seen[q.ID] = true
	if strings.TrimSpace(q.Text) == "" {
		return fail(".text", "grading.evaluation.question_text_required", nil)
	}
	if utf8.RuneCountInString(q.Text) > EvaluationMaxQuestionRunes {
		return fail(".text", "grading.evaluation.question_text_too_long", map[string]any{"Max": EvaluationMaxQuestionRunes})
	}
	if len(q.Choices) < EvaluationMinChoices {
		return fail(".choices", "grading.evaluation.choices_too_few", map[string]any{"Min": EvaluationMinChoices})
	}
	if len(q.Choices) > EvaluationMaxChoices {
		return fail(".choices", "grading.evaluation.choices_too_many", map[string]any{"Max": EvaluationMaxChoices})
	}
	choiceSeen := make(map[string]bool, len(q.Choices))
	correct := 0
	for j, c := range q.Choices {
		cf := fmt.Sprintf(".choices[%d]", j)
		ca := map[string]any{"Choice": c.ID, "ChoicePosition": j + 1}
		if !exerciseValidID(c.ID) {
			return fail(cf+".id", "grading.evaluation.choice_id_invalid", ca)
		}
		if choiceSeen[c.ID] {
			return fail(cf+".id", "grading.evaluation.choice_id_duplicate", ca)
		}
		choiceSeen[c.ID] = true
		if strings.TrimSpace(c.Text) == "" {
			return fail(cf+".text", "grading.evaluation.choice_text_required", ca)
		}
		if utf8.RuneCountInString(c.Text) > EvaluationMaxChoiceRunes {
			ca["Max"] = EvaluationMaxChoiceRunes
			return fail(cf+".text", "grading.evaluation.choice_text_too_long", ca)
		}
		if c.Correct {
			correct++
		}
	}
	if correct == 0 {
		return fail(".choices", "grading.evaluation.no_correct_choice", nil)
	}
	return nil
}

// ScoreAttempt scores a participant's answers, mapping question IDs to the IDs
// of the chosen choices, against a valid question bank. The score, 0..100, is
// 100 times the share of questions answered exactly right: the set of chosen
// choices equals the set of correct ones, whatever their order or repetitions.
// An unanswered question counts as wrong. An answer to a question outside the
// bank, or naming a choice the question does not offer, is a *ValidationError
// whose Field is the question ID. An invalid bank is reported as
// ValidateQuestions does.
func ScoreAttempt(questions []Question, answers map[string][]string) (score float64, err error) {
	if err := ValidateQuestions(questions); err != nil {
		return 0, err
	}
	byID := make(map[string]*Question, len(questions))
	for i := range questions {
		byID[questions[i].ID] = &questions[i]
	}
	for _, qid := range slices.Sorted(maps.Keys(answers)) {
		q, ok := byID[qid]
		if !ok {
			return 0, invalidWith(qid, "grading.evaluation.unknown_question", map[string]any{"Question": qid})
		}
		for _, cid := range answers[qid] {
			if !slices.ContainsFunc(q.Choices, func(c Choice) bool { return c.ID == cid }) {
				return 0, invalidWith(qid, "grading.evaluation.unknown_choice", map[string]any{"Question": qid, "Choice": cid})
			}
		}
	}
	right := 0
	for _, q := range questions {
		if evaluationAnsweredRight(q, answers[q.ID]) {
			right++
		}
	}
	return 100 * float64(right) / float64(len(questions)), nil
}

// evaluationAnsweredRight reports whether chosen, as a set, equals the set of
// q's correct choices. chosen holds only IDs of q's choices.
func evaluationAnsweredRight(q Question, chosen []string) bool {
	picked := make(map[string]bool, len(chosen))
	for _, id := range chosen {
		picked[id] = true
	}
	for _, c := range q.Choices {
		if c.Correct != picked[c.ID] {
			return false
		}
	}
	return true
}

// PublicQuestions returns a copy of questions with every Choice.Correct
// cleared, fit to show participants. The input is not modified.
func PublicQuestions(questions []Question) []Question {
	out := make([]Question, len(questions))
	for i, q := range questions {
		choices := make([]Choice, len(q.Choices))
		for j, c := range q.Choices {
			choices[j] = Choice{ID: c.ID, Text: c.Text}
		}
		out[i] = Question{ID: q.ID, Text: q.Text, Choices: choices}
	}
	return out
}
