package grading

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"librecours/course"
)

// Evaluation is a session's final evaluation: its questions and settings.
type Evaluation struct {
	Questions []Question
	Settings  EvaluationSettings
}

// Attempt is one try at the final evaluation; answers are saved as the
// participant goes, and the attempt is scored once submitted.
type Attempt struct {
	ID          string
	SessionID   string
	UserID      string
	N           int
	Answers     map[string][]string
	StartedAt   time.Time
	SubmittedAt *time.Time
	Score       *float64
}

// EvaluationStore keeps evaluations and attempts.
type EvaluationStore interface {
	Evaluation(ctx context.Context, sessionID string) (*Evaluation, error) // ErrNotFound when the session uses the default
	PutEvaluation(ctx context.Context, sessionID string, e Evaluation) error
	Attempts(ctx context.Context, sessionID, userID string) ([]Attempt, error)
	AttemptsBySession(ctx context.Context, sessionID string) ([]Attempt, error)
	// SaveAttempt inserts or updates an attempt, unless it was submitted
	// already (ErrConflict).
	SaveAttempt(ctx context.Context, a Attempt) error
}

// ErrNoAttemptLeft is returned for an attempt beyond the limit.
var ErrNoAttemptLeft = errors.New("grading: no attempt left")

// ErrEvaluationClosed is returned outside the evaluation window.
var ErrEvaluationClosed = errors.New("grading: evaluation not open")

// Quiz runs the final evaluation.
type Quiz struct {
	Store  EvaluationStore
	Course course.Store
	Now    func() time.Time
	Audit  course.Auditor // changes of the questions and settings; nil records nothing
}

// evaluation returns the session's evaluation, or the default bank.
func (q *Quiz) evaluation(ctx context.Context, sessionID string) (Evaluation, error) {
	e, err := q.Store.Evaluation(ctx, sessionID)
	if errors.Is(err, ErrNotFound) {
		return Evaluation{Questions: DefaultEvaluation(), Settings: DefaultEvaluationSettings()}, nil
	}
	if err != nil {
		return Evaluation{}, err
	}
	return *e, nil
}

// EvaluationView is the evaluation as one person sees it.
type EvaluationView struct {
	Evaluation Evaluation // without the answer key for participants
	Window     course.Window
	Open       bool
	Attempts   []Attempt
	Current    *Attempt // the attempt in progress, if any
	Left       int      // attempts not started yet
	Deadline   time.Time
}

// View returns the evaluation: with the answer key to staff, without it to
// participants, who also get their attempts.
func (q *Quiz) View(ctx context.Context, actor *course.User, sessionID string) (*EvaluationView, error) {
	if actor == nil {
		return nil, course.ErrUnauthenticated
	}
	sess, err := q.Course.SessionByID(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	e, err := q.evaluation(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	now := q.Now()
	v := &EvaluationView{Evaluation: e, Window: sess.Evaluation,
		Open: !now.Before(sess.Evaluation.OpensAt) && now.Before(sess.Evaluation.Due)}
	if course.CanManage(actor, sess) {
		return v, nil
	}
	enrolled, err := q.Course.IsEnrolled(ctx, sessionID, actor.ID)
	if err != nil {
		return nil, err
	}
	if !enrolled {
		return nil, course.ErrForbidden
	}
	v.Evaluation.Questions = PublicQuestions(e.Questions)
	if v.Attempts, err = q.Store.Attempts(ctx, sessionID, actor.ID); err != nil {
		return nil, err
	}
	v.Left = e.Settings.AttemptsAllowed()
	for i := range v.Attempts {
		a := &v.Attempts[i]
		if a.SubmittedAt == nil {
			v.Current = a
			v.Deadline = deadline(e.Settings, *a, sess.Evaluation.Due)
		}
		v.Left--
	}
	return v, nil
}

func deadline(s EvaluationSettings, a Attempt, due time.Time) time.Time {
	if s.TimeLimit > 0 && a.StartedAt.Add(s.TimeLimit).Before(due) {
		return a.StartedAt.Add(s.TimeLimit)
	}
	return due
}

// PutEvaluation replaces a session's questions and settings: coordinators.
func (q *Quiz) PutEvaluation(ctx context.Context, actor *course.User, sessionID string, e Evaluation) error {
	if !actor.IsCoordinator() {
		return course.ErrForbidden
	}
	sess, err := q.Course.SessionByID(ctx, sessionID)
	if err != nil {
		return err
	}
	if err := ValidateQuestions(e.Questions); err != nil {
		return err
	}
	if err := e.Settings.Validate(); err != nil {
		return err
	}
	if err := q.Store.PutEvaluation(ctx, sessionID, e); err != nil {
		return err
	}
	a := course.AuditEntry{Action: course.AuditQuestionsEdit, SessionID: sess.ID, Target: sess.Code,
		Detail: course.AuditDetail("audit.detail.questions", map[string]string{"Count": strconv.Itoa(len(e.Questions))})}
	return course.RecordAudit(ctx, q.Audit, q.Now(), actor, a)
}

// Answer saves answers of the attempt in progress, starting one if needed;
// with submit it scores the attempt. After a time limit, answers are no
// longer taken: submitting scores what was saved in time.
func (q *Quiz) Answer(ctx context.Context, actor *course.User, sessionID string, answers map[string][]string, submit bool) (*Attempt, error) {
	sess, err := course.ParticipantSession(ctx, q.Course, actor, sessionID)
	if err != nil {
		return nil, err
	}
	e, err := q.evaluation(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	if _, err := ScoreAttempt(e.Questions, answers); err != nil {
		return nil, err // unknown questions or choices: 422
	}
	now := q.Now().UTC()
	attempts, err := q.Store.Attempts(ctx, sessionID, actor.ID)
	if err != nil {
		return nil, err
	}
	var cur *Attempt
	for i := range attempts {
		if attempts[i].SubmittedAt == nil {
			cur = &attempts[i]
		}
	}
	if cur == nil {
		if len(attempts) >= e.Settings.AttemptsAllowed() {
			return nil, ErrNoAttemptLeft
		}
		if now.Before(sess.Evaluation.OpensAt) || !now.Before(sess.Evaluation.Due) {
			return nil, ErrEvaluationClosed
		}
		n := len(attempts) + 1
		cur = &Attempt{ID: fmt.Sprintf("%s:%s:%d", sessionID, actor.ID, n), SessionID: sessionID, UserID: actor.ID, N: n, StartedAt: now}
	}
	if now.Before(deadline(e.Settings, *cur, sess.Evaluation.Due)) {
		cur.Answers = answers
	} else if !submit {
		return nil, ErrEvaluationClosed
	}
	if submit {
		score, err := ScoreAttempt(e.Questions, cur.Answers)
		if err != nil {
			return nil, err
		}
		score = round1(score)
		cur.Score, cur.SubmittedAt = &score, &now
	}
	if err := q.Store.SaveAttempt(ctx, *cur); err != nil {
		if errors.Is(err, ErrConflict) {
			return nil, ErrNoAttemptLeft
		}
		return nil, err
	}
	return cur, nil
}

// BestScores returns each participant's best submitted score.
func (q *Quiz) BestScores(ctx context.Context, sessionID string) (map[string]float64, error) {
	all, err := q.Store.AttemptsBySession(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	return bestScores(all), nil
}

// BestScoreOf returns one participant's best submitted score, in the same
// map shape as BestScores (empty when they submitted none).
func (q *Quiz) BestScoreOf(ctx context.Context, sessionID, userID string) (map[string]float64, error) {
	mine, err := q.Store.Attempts(ctx, sessionID, userID)
	if err != nil {
		return nil, err
	}
	return bestScores(mine), nil
}

func bestScores(all []Attempt) map[string]float64 {
	out := map[string]float64{}
	for _, a := range all {
		if prev, ok := out[a.UserID]; a.Score != nil && (!ok || *a.Score > prev) {
			out[a.UserID] = *a.Score
		}
	}
	return out
}

// ParseQuestions reads questions written as plain text, one block per
// question: a line starting with "?" is the question, "*" a correct choice
// and "-" a wrong one. IDs are q1, q1a, q1b, … A heading line "# N" puts
// the questions below it in course part N, and their IDs say so (p2-q5,
// p2-q5a, …; see QuestionPart); a bare "#" ends the part.
func ParseQuestions(src string) ([]Question, error) {
	var qs []Question
	part := 0
	for i, raw := range strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n") {
		line := strings.TrimSpace(raw)
		switch {
		case line == "":
		case strings.HasPrefix(line, "#"):
			n, ok := headingPart(line)
			if !ok {
				return nil, &ValidationError{Field: "questions", Key: "grading.evaluation.line_invalid", Args: map[string]any{"Line": i + 1}}
			}
			part = n
		case strings.HasPrefix(line, "?"):
			id := fmt.Sprintf("q%d", len(qs)+1)
			if part > 0 {
				id = fmt.Sprintf("p%d-%s", part, id)
			}
			qs = append(qs, Question{ID: id, Text: strings.TrimSpace(line[1:])})
		case strings.HasPrefix(line, "*"), strings.HasPrefix(line, "-"):
			if len(qs) == 0 {
				return nil, &ValidationError{Field: "questions", Key: "grading.evaluation.choice_before_question", Args: map[string]any{"Line": i + 1}}
			}
			q := &qs[len(qs)-1]
			q.Choices = append(q.Choices, Choice{ID: fmt.Sprintf("%s%c", q.ID, 'a'+len(q.Choices)), Text: strings.TrimSpace(line[1:]), Correct: line[0] == '*'})
		default:
			return nil, &ValidationError{Field: "questions", Key: "grading.evaluation.line_invalid", Args: map[string]any{"Line": i + 1}}
		}
	}
	if err := ValidateQuestions(qs); err != nil {
		return nil, err
	}
	return qs, nil
}

// headingPart reads a "# N" line (N from 1 to 999, words may follow) or a
// bare "#" (no part).
func headingPart(line string) (int, bool) {
	fields := strings.Fields(strings.TrimPrefix(line, "#"))
	if len(fields) == 0 {
		return 0, true
	}
	n, err := strconv.Atoi(fields[0])
	if err != nil || n < 1 || n > 999 {
		return 0, false
	}
	return n, true
}

// FormatQuestions writes questions in the format ParseQuestions reads,
// with a "# N" heading where the course part of the questions changes.
func FormatQuestions(qs []Question) string {
	var b strings.Builder
	part := 0
	for i, q := range qs {
		if i > 0 {
			b.WriteString("\n")
		}
		if p := QuestionPart(q.ID); p != part {
			if p == 0 {
				b.WriteString("#\n\n")
			} else {
				fmt.Fprintf(&b, "# %d\n\n", p)
			}
			part = p
		}
		fmt.Fprintf(&b, "? %s\n", q.Text)
		for _, c := range q.Choices {
			mark := "-"
			if c.Correct {
				mark = "*"
			}
			fmt.Fprintf(&b, "%s %s\n", mark, c.Text)
		}
	}
	return b.String()
}
