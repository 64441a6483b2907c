package certificates

import "math"

// PartCount is the number of parts, and so of peer exercises, in every
// session (LCIII and LCVI alike).
const PartCount = 6

// Level is a certificate level: LevelNone (no certificate), LevelI or LevelII.
// It is encoded as the integers 0, 1 and 2, as in the JSON API.
type Level int

// The certificate levels.
const (
	LevelNone Level = 0
	LevelI    Level = 1
	LevelII   Level = 2
)

// Rules are the thresholds that turn a participant's results into a level.
// A coordinator may change them per session before closing it; DefaultRules
// gives the platform defaults. Scores and grades are on the 0..100 scale.
type Rules struct {
	// PassGrade is the lowest grade at which a part's exercise is passed.
	PassGrade float64 `json:"pass_grade"`
	// Level1Exercises is how many exercises level I needs passed.
	Level1Exercises int `json:"level1_exercises"`
	// Level1Evaluation is the lowest final evaluation score for level I;
	// 0 means level I does not require the evaluation to be taken.
	Level1Evaluation float64 `json:"level1_evaluation"`
	// Level2Exercises is how many exercises level II needs passed.
	Level2Exercises int `json:"level2_exercises"`
	// Level2Evaluation is the lowest final evaluation score for level II;
	// 0 means level II does not require the evaluation to be taken.
	Level2Evaluation float64 `json:"level2_evaluation"`
	// Level2ReviewsOnTime requires every assigned peer review to have been
	// done before its part closed, and at least the reviews owed (k per part
	// submitted): never 0 of 0.
	Level2ReviewsOnTime bool `json:"level2_reviews_on_time"`
	// Level2Commitment requires that the participant did not decline the
	// commitment to animate a later session.
	Level2Commitment bool `json:"level2_commitment"`
	// ReviewQualityMin is the lowest reviewer-quality score (0..100,
	// grading.ReviewQuality: agreement with the grades, comments and the
	// authors' helpfulness ratings) level II needs; 0 turns the rule off.
	ReviewQualityMin float64 `json:"review_quality_min"`
}

// DefaultRules returns the rules of api-v1.md: an exercise is passed at 50;
// level I needs 4 of 6 exercises and an evaluation of 50; level II needs all
// 6 exercises, every review on time, an evaluation of 70 and the animator
// commitment not declined.
func DefaultRules() Rules {
	return Rules{
		PassGrade:           50,
		Level1Exercises:     4,
		Level1Evaluation:    50,
		Level2Exercises:     PartCount,
		Level2Evaluation:    70,
		Level2ReviewsOnTime: true,
		Level2Commitment:    true,
	}
}

// Translation keys of Rules.Validate errors.
const (
	KeyInvalidThreshold     = "certificates.rules.invalid_threshold"
	KeyInvalidExerciseCount = "certificates.rules.invalid_exercise_count"
	KeyLevel2BelowLevel1    = "certificates.rules.level2_below_level1"
)

// Validate reports the first invalid field as a *ValidationError: scores
// must lie in 0..100, exercise counts in 0..PartCount, and level II may not
// ask for less than level I.
func (r Rules) Validate() error {
	scores := []struct {
		field string
		value float64
	}{
		{"pass_grade", r.PassGrade},
		{"level1_evaluation", r.Level1Evaluation},
		{"level2_evaluation", r.Level2Evaluation},
		{"review_quality_min", r.ReviewQualityMin},
	}
	for _, s := range scores {
		if math.IsNaN(s.value) || s.value < 0 || s.value > 100 {
			return invalid(s.field, KeyInvalidThreshold)
		}
	}
	counts := []struct {
		field string
		value int
	}{
		{"level1_exercises", r.Level1Exercises},
		{"level2_exercises", r.Level2Exercises},
	}
	for _, c := range counts {
		if c.value < 0 || c.value > PartCount {
			return invalid(c.field, KeyInvalidExerciseCount)
		}
	}
	if r.Level2Exercises < r.Level1Exercises {
		return invalid("level2_exercises", KeyLevel2BelowLevel1)
	}
	if r.Level2Evaluation < r.Level1Evaluation {
		return invalid("level2_evaluation", KeyLevel2BelowLevel1)
	}
	return nil
}

// ParticipantResult is what a participant achieved in a session, as the
// grading package computes it. A nil grade or score means absent (nothing
// submitted, not graded yet, or evaluation not taken).
type ParticipantResult struct {
	// Grades holds the grade of each part's exercise, index 0 for part 1.
	Grades [PartCount]*float64
	// ReviewsAssigned counts the peer reviews assigned to the participant.
	ReviewsAssigned int
	// ReviewsOnTime counts those done before their part closed.
	ReviewsOnTime int
	// ReviewsOwed is the least a participant must review: each part they
	// submitted in asks as many reviews as each submission gets (k, fewer
	// in a tiny part). A late submitter owes them too.
	ReviewsOwed int
	// EvaluationScore is the final evaluation score, nil when not taken.
	EvaluationScore *float64
	// CommitmentDeclined is true when the participant declined the animator
	// commitment (the default is to accept it).
	CommitmentDeclined bool
	// ReviewQuality is the participant's reviewer-quality score, 0..100
	// (grading.ReviewerQualities); nil when they handed in no review.
	ReviewQuality *float64
}

// ReviewsNeeded is how many reviews on time "every review on time" asks:
// those assigned, at least those owed, and at least one, so that 0 of 0
// never passes.
func (p ParticipantResult) ReviewsNeeded() int {
	return max(p.ReviewsAssigned, p.ReviewsOwed, 1)
}

// Reasons a level is not reached. Each is a translation message ID; Have and
// Need of the Missing entry fill its template.
const (
	// MissingExercises: Have exercises passed, Need that many.
	MissingExercises = "certificates.missing.exercises"
	// MissingEvaluation: the final evaluation was not taken; Need is the
	// score required.
	MissingEvaluation = "certificates.missing.evaluation"
	// MissingEvaluationScore: Have is the score obtained, Need the score
	// required.
	MissingEvaluationScore = "certificates.missing.evaluation_score"
	// MissingReviews: Have reviews done on time out of Need assigned.
	MissingReviews = "certificates.missing.reviews"
	// MissingCommitment: the animator commitment was declined; Have and
	// Need are zero.
	MissingCommitment = "certificates.missing.commitment"
	// MissingReviewQuality: Have is the reviewer-quality score (0 without
	// any review handed in), Need the score required.
	MissingReviewQuality = "certificates.missing.review_quality"
)

// Missing is one condition a participant does not meet yet. Reason is one
// of the Missing* message IDs; Have and Need are the numbers to show, such
// as "3 exercises passed out of the 4 needed".
type Missing struct {
	Reason string  `json:"reason"`
	Have   float64 `json:"have"`
	Need   float64 `json:"need"`
}

// Outcome is the level a participant reaches and, for the dashboard, what
// is still missing for each level. A list is empty once its level is
// reached.
type Outcome struct {
	Level           Level     `json:"level"`
	ExercisesPassed int       `json:"exercises_passed"`
	MissingLevelI   []Missing `json:"missing_level1"`
	MissingLevelII  []Missing `json:"missing_level2"`
}

// ExercisesPassed counts the grades at or above r.PassGrade.
func (r Rules) ExercisesPassed(grades [PartCount]*float64) int {
	n := 0
	for _, g := range grades {
		if g != nil && *g >= r.PassGrade {
			n++
		}
	}
	return n
}

// Evaluate applies r to p. It is pure: the same rules and results always
// give the same outcome. Level II is granted only when the level I
// conditions hold too, whatever the rules say.
func Evaluate(r Rules, p ParticipantResult) Outcome {
	passed := r.ExercisesPassed(p.Grades)
	out := Outcome{ExercisesPassed: passed}

	out.MissingLevelI = appendExercises(out.MissingLevelI, passed, r.Level1Exercises)
	out.MissingLevelI = appendEvaluation(out.MissingLevelI, p.EvaluationScore, r.Level1Evaluation)

	out.MissingLevelII = appendExercises(out.MissingLevelII, passed, r.Level2Exercises)
	out.MissingLevelII = appendEvaluation(out.MissingLevelII, p.EvaluationScore, r.Level2Evaluation)
	if need := p.ReviewsNeeded(); r.Level2ReviewsOnTime && p.ReviewsOnTime < need {
		out.MissingLevelII = append(out.MissingLevelII, Missing{
			Reason: MissingReviews,
			Have:   float64(p.ReviewsOnTime),
			Need:   float64(need),
		})
	}
	if need := r.ReviewQualityMin; need > 0 && (p.ReviewQuality == nil || *p.ReviewQuality < need || math.IsNaN(*p.ReviewQuality)) {
		m := Missing{Reason: MissingReviewQuality, Need: need}
		if p.ReviewQuality != nil && !math.IsNaN(*p.ReviewQuality) {
			m.Have = *p.ReviewQuality
		}
		out.MissingLevelII = append(out.MissingLevelII, m)
	}
	if r.Level2Commitment && p.CommitmentDeclined {
		out.MissingLevelII = append(out.MissingLevelII, Missing{Reason: MissingCommitment})
	}

	switch {
	case len(out.MissingLevelI) > 0:
		out.Level = LevelNone
	case len(out.MissingLevelII) > 0:
		out.Level = LevelI
	default:
		out.Level = LevelII
	}
	return out
}

func appendExercises(m []Missing, passed, need int) []Missing {
	if passed >= need {
		return m
	}
	return append(m, Missing{Reason: MissingExercises, Have: float64(passed), Need: float64(need)})
}

func appendEvaluation(m []Missing, score *float64, need float64) []Missing {
	switch {
	case need <= 0:
		return m
	case score == nil:
		return append(m, Missing{Reason: MissingEvaluation, Need: need})
	case *score < need || math.IsNaN(*score):
		return append(m, Missing{Reason: MissingEvaluationScore, Have: *score, Need: need})
	}
	return m
}
