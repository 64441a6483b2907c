package grading

import (
	"fmt"
	"librecours/course"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// Limits that an exercise and its rubric must respect.
const (
	// ExerciseMaxInstructionsBytes is the largest accepted size of the
	// Markdown instructions of an exercise, in bytes.
	ExerciseMaxInstructionsBytes = 50_000
	// ExerciseMaxCriteria is the largest number of criteria in a rubric.
	ExerciseMaxCriteria = 20
	// ExerciseMaxLabelRunes is the longest accepted criterion label, in characters.
	ExerciseMaxLabelRunes = 300
	// ExerciseMaxPointsPerCriterion is the most points a single criterion may be worth.
	ExerciseMaxPointsPerCriterion = 100
	// ExerciseMaxIDLength is the longest accepted criterion, question or choice ID.
	ExerciseMaxIDLength = 40
)

// Number of parts in a session: exercises and parts are numbered 1..PartCount.
const exercisePartCount = 6

// ValidationError is course's: Field names the offending value (a
// JSON-like path such as "rubric[2].label", or the ID of a criterion or
// question), Key the message that explains the problem, Args its data.
type ValidationError = course.ValidationError

// invalid returns a validation error for field with the translation key key.
// Callers may set Args on the result.
func invalid(field, key string) *ValidationError {
	return &ValidationError{Field: field, Key: key}
}

// invalidWith is invalid with the message's arguments.
func invalidWith(field, key string, args map[string]any) *ValidationError {
	return &ValidationError{Field: field, Key: key, Args: args}
}

// Exercise is the peer-reviewed exercise of one part of a session.
type Exercise struct {
	// Part is the number of the part, 1..6.
	Part int `json:"part"`
	// Instructions are written in Markdown.
	Instructions string `json:"instructions"`
	// InstructionsHTML is Instructions rendered and sanitised by the
	// service when the exercise is saved; what a client sends is ignored.
	InstructionsHTML string `json:"instructions_html,omitempty"`
	// Rubric lists the criteria reviewers score.
	Rubric []Criterion `json:"rubric"`
}

// Criterion is one line of a rubric: reviewers give it 0..MaxPoints points.
type Criterion struct {
	ID        string `json:"id"`
	Label     string `json:"label"`
	MaxPoints int    `json:"max_points"`
	// Levels, when set, are the only scores a reviewer may give on this
	// criterion, each with what it means (ORA2-style descriptors), by
	// increasing points; the form shows them as choices.
	Levels []Level `json:"levels,omitempty"`
}

// Level is one labelled score of a criterion: "2 points: the sources are
// cited but not all of them".
type Level struct {
	Points int    `json:"points"`
	Label  string `json:"label"`
}

// ExerciseMaxLevels is the most levels a criterion may have.
const ExerciseMaxLevels = 10

// checkLevels validates a criterion's levels: none, or 2..ExerciseMaxLevels
// with labels, points within 0..MaxPoints and strictly increasing.
func checkLevels(c Criterion, field string, args map[string]any) error {
	if len(c.Levels) == 0 {
		return nil
	}
	fail := func(f, key string, extra map[string]any) error {
		all := maps.Clone(args)
		maps.Copy(all, extra)
		return invalidWith(f, key, all)
	}
	if len(c.Levels) < 2 || len(c.Levels) > ExerciseMaxLevels {
		return fail(field+".levels", "grading.exercise.levels_count", map[string]any{"Min": 2, "Max": ExerciseMaxLevels})
	}
	for i, l := range c.Levels {
		f := fmt.Sprintf("%s.levels[%d]", field, i)
		extra := map[string]any{"Level": i + 1, "Max": c.MaxPoints}
		switch {
		case strings.TrimSpace(l.Label) == "":
			return fail(f+".label", "grading.exercise.level_label_required", extra)
		case utf8.RuneCountInString(l.Label) > ExerciseMaxLabelRunes:
			extra["Max"] = ExerciseMaxLabelRunes
			return fail(f+".label", "grading.exercise.level_label_too_long", extra)
		case l.Points < 0 || l.Points > c.MaxPoints:
			return fail(f+".points", "grading.exercise.level_points_range", extra)
		case i > 0 && l.Points <= c.Levels[i-1].Points:
			return fail(f+".points", "grading.exercise.level_points_order", extra)
		}
	}
	return nil
}

// LevelOf is the level of c worth points, if c has levels and one of them
// is worth that.
func (c Criterion) LevelOf(points int) (Level, bool) {
	for _, l := range c.Levels {
		if l.Points == points {
			return l, true
		}
	}
	return Level{}, false
}

// Validate reports the first invalid value of the exercise as a *ValidationError.
func (e Exercise) Validate() error {
	if e.Part < 1 || e.Part > exercisePartCount {
		return invalidWith("part", "grading.exercise.part_out_of_range", map[string]any{"Min": 1, "Max": exercisePartCount})
	}
	if strings.TrimSpace(e.Instructions) == "" {
		return invalid("instructions", "grading.exercise.instructions_required")
	}
	if len(e.Instructions) > ExerciseMaxInstructionsBytes {
		return invalidWith("instructions", "grading.exercise.instructions_too_long", map[string]any{"Max": ExerciseMaxInstructionsBytes})
	}
	return exerciseCheckRubric(e.Rubric)
}

// MaxTotal returns the sum of the maximum points of the rubric's criteria.
func (e Exercise) MaxTotal() int {
	return exerciseRubricTotal(e.Rubric)
}

func exerciseRubricTotal(rubric []Criterion) int {
	total := 0
	for _, c := range rubric {
		total += c.MaxPoints
	}
	return total
}

// exerciseCheckRubric validates a rubric on its own, so that ScoreReview can
// rely on it as much as Exercise.Validate does.
func exerciseCheckRubric(rubric []Criterion) error {
	if len(rubric) == 0 {
		return invalid("rubric", "grading.exercise.rubric_empty")
	}
	if len(rubric) > ExerciseMaxCriteria {
		return invalidWith("rubric", "grading.exercise.rubric_too_long", map[string]any{"Max": ExerciseMaxCriteria})
	}
	seen := make(map[string]bool, len(rubric))
	for i, c := range rubric {
		field := fmt.Sprintf("rubric[%d]", i)
		args := map[string]any{"Position": i + 1, "Criterion": c.ID}
		fail := func(suffix, key string) error {
			return invalidWith(field+suffix, key, args)
		}
		if !exerciseValidID(c.ID) {
			return fail(".id", "grading.exercise.criterion_id_invalid")
		}
		if seen[c.ID] {
			return fail(".id", "grading.exercise.criterion_id_duplicate")
		}
		seen[c.ID] = true
		if strings.TrimSpace(c.Label) == "" {
			return fail(".label", "grading.exercise.criterion_label_required")
		}
		if utf8.RuneCountInString(c.Label) > ExerciseMaxLabelRunes {
			args["Max"] = ExerciseMaxLabelRunes
			return fail(".label", "grading.exercise.criterion_label_too_long")
		}
		if c.MaxPoints < 1 || c.MaxPoints > ExerciseMaxPointsPerCriterion {
			args["Min"] = 1
			args["Max"] = ExerciseMaxPointsPerCriterion
			return fail(".max_points", "grading.exercise.criterion_points_out_of_range")
		}
		if err := checkLevels(c, field, args); err != nil {
			return err
		}
	}
	return nil
}

// exerciseValidID reports whether id matches ^[a-z0-9_-]{1,40}$.
func exerciseValidID(id string) bool {
	if id == "" || len(id) > ExerciseMaxIDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// ScoreReview turns a reviewer's scores into a percentage of the rubric's total,
// 0..100. Every criterion must be scored within 0..MaxPoints and no score may
// name a criterion outside the rubric; otherwise the *ValidationError has the
// criterion ID as Field. An invalid rubric is reported as Exercise.Validate does.
func ScoreReview(rubric []Criterion, scores map[string]int) (percent float64, err error) {
	if err := exerciseCheckRubric(rubric); err != nil {
		return 0, err
	}
	known := make(map[string]bool, len(rubric))
	for _, c := range rubric {
		known[c.ID] = true
	}
	for _, id := range slices.Sorted(maps.Keys(scores)) {
		if !known[id] {
			return 0, invalidWith(id, "grading.review.unknown_criterion", map[string]any{"Criterion": id})
		}
	}
	sum := 0
	for _, c := range rubric {
		points, ok := scores[c.ID]
		if !ok {
			return 0, invalidWith(c.ID, "grading.review.score_missing", map[string]any{"Criterion": c.Label})
		}
		if points < 0 || points > c.MaxPoints {
			return 0, invalidWith(c.ID, "grading.review.score_out_of_range", map[string]any{"Criterion": c.Label, "Min": 0, "Max": c.MaxPoints})
		}
		if _, ok := c.LevelOf(points); len(c.Levels) > 0 && !ok {
			return 0, invalidWith(c.ID, "grading.review.score_not_a_level", map[string]any{"Criterion": c.Label})
		}
		sum += points
	}
	return 100 * float64(sum) / float64(exerciseRubricTotal(rubric)), nil
}
