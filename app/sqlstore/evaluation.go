package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"librecours/grading"
)

// EvaluationStore keeps each session's final evaluation and the attempts at
// it (tables in schemaGrading).
type EvaluationStore struct{ db *DB }

var _ grading.EvaluationStore = (*EvaluationStore)(nil)

// NewEvaluationStore returns the evaluation store over db.
func NewEvaluationStore(db *DB) *EvaluationStore { return &EvaluationStore{db: db} }

// scanEvaluation reads a row of session_id, questions, attempts,
// time_limit_seconds. No questions and no choices come back nil.
func scanEvaluation(sc rowScanner, sessionID *string) (*grading.Evaluation, error) {
	var questions string
	var attempts int
	var limit int64
	if err := sc.Scan(sessionID, &questions, &attempts, &limit); err != nil {
		return nil, err
	}
	e := &grading.Evaluation{Settings: grading.EvaluationSettings{Attempts: attempts, TimeLimit: time.Duration(limit) * time.Second}}
	if err := fromJSON(questions, &e.Questions); err != nil {
		return nil, err
	}
	if len(e.Questions) == 0 {
		e.Questions = nil
	}
	for i := range e.Questions {
		if len(e.Questions[i].Choices) == 0 {
			e.Questions[i].Choices = nil
		}
	}
	return e, nil
}

// Evaluation returns a session's evaluation, or grading.ErrNotFound when the
// session uses the default one.
func (s *EvaluationStore) Evaluation(ctx context.Context, sessionID string) (*grading.Evaluation, error) {
	var sid string
	e, err := scanEvaluation(s.db.r.QueryRowContext(ctx,
		`SELECT session_id, questions, attempts, time_limit_seconds FROM evaluations WHERE session_id = ?`, sessionID), &sid)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, grading.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find evaluation of %s: %w", sessionID, classify(err))
	}
	return e, nil
}

// putEvaluation inserts or replaces a session's evaluation; the time limit
// is kept in whole seconds.
func putEvaluation(ctx context.Context, tx *sql.Tx, sessionID string, e grading.Evaluation) error {
	qs := make([]grading.Question, len(e.Questions))
	for i, q := range e.Questions {
		if q.Choices == nil {
			q.Choices = []grading.Choice{}
		}
		qs[i] = q
	}
	text, err := jsonText(qs)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO evaluations (session_id, questions, attempts, time_limit_seconds) VALUES (?, ?, ?, ?)
		ON CONFLICT (session_id) DO UPDATE SET questions = excluded.questions, attempts = excluded.attempts, time_limit_seconds = excluded.time_limit_seconds`,
		sessionID, text, e.Settings.Attempts, int64(e.Settings.TimeLimit/time.Second)); err != nil {
		return fmt.Errorf("sqlstore: put evaluation of %s: %w", sessionID, classify(err))
	}
	return nil
}

// PutEvaluation replaces a session's evaluation. The time limit is kept in
// whole seconds.
func (s *EvaluationStore) PutEvaluation(ctx context.Context, sessionID string, e grading.Evaluation) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error { return putEvaluation(ctx, tx, sessionID, e) })
}

const attemptCols = `id, session_id, user_id, n, answers, started_at, submitted_at, score`

const insertAttempt = `INSERT INTO evaluation_attempts (` + attemptCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

func scanAttempt(sc rowScanner) (grading.Attempt, error) {
	var a grading.Attempt
	var answers string
	var started int64
	var submitted sql.NullInt64
	var score sql.NullFloat64
	if err := sc.Scan(&a.ID, &a.SessionID, &a.UserID, &a.N, &answers, &started, &submitted, &score); err != nil {
		return a, err
	}
	if err := fromJSON(answers, &a.Answers); err != nil {
		return a, err
	}
	if len(a.Answers) == 0 {
		a.Answers = nil
	}
	a.StartedAt, a.SubmittedAt = fromTS(started), fromTSPtr(submitted)
	if score.Valid {
		v := score.Float64
		a.Score = &v
	}
	return a, nil
}

func attemptArgs(a grading.Attempt) ([]any, error) {
	answers := a.Answers
	if answers == nil {
		answers = map[string][]string{}
	}
	text, err := jsonText(answers)
	if err != nil {
		return nil, err
	}
	var score any
	if a.Score != nil {
		score = *a.Score
	}
	return []any{a.ID, a.SessionID, a.UserID, a.N, text, ts(a.StartedAt), tsPtr(a.SubmittedAt), score}, nil
}

func (s *EvaluationStore) attempts(ctx context.Context, what, q string, args ...any) ([]grading.Attempt, error) {
	out, err := collect(ctx, s.db, scanAttempt, `SELECT `+attemptCols+` FROM evaluation_attempts WHERE `+q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: attempts %s: %w", what, err)
	}
	return out, nil
}

// Attempts returns a person's attempts in a session, first attempt first.
// An attempt without answers comes back with nil Answers.
func (s *EvaluationStore) Attempts(ctx context.Context, sessionID, userID string) ([]grading.Attempt, error) {
	return s.attempts(ctx, "of "+userID+" in "+sessionID, `session_id = ? AND user_id = ? ORDER BY n`, sessionID, userID)
}

// AttemptsBySession returns every attempt of a session, by user ID then
// attempt number.
func (s *EvaluationStore) AttemptsBySession(ctx context.Context, sessionID string) ([]grading.Attempt, error) {
	return s.attempts(ctx, "in "+sessionID, `session_id = ? ORDER BY user_id, n`, sessionID)
}

// SaveAttempt inserts or updates an attempt with one statement whose update
// applies only while the attempt is not submitted: grading.ErrConflict when
// it was, or when another attempt has the same session, person and number.
func (s *EvaluationStore) SaveAttempt(ctx context.Context, a grading.Attempt) error {
	args, err := attemptArgs(a)
	if err != nil {
		return err
	}
	n, err := s.db.exec(ctx, insertAttempt+` ON CONFLICT (id) DO UPDATE SET session_id = excluded.session_id, user_id = excluded.user_id,
		n = excluded.n, answers = excluded.answers, started_at = excluded.started_at, submitted_at = excluded.submitted_at, score = excluded.score
		WHERE evaluation_attempts.submitted_at IS NULL`, args...)
	if isUnique(err) {
		return grading.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("sqlstore: save attempt %s: %w", a.ID, classify(err))
	}
	if n == 0 {
		return grading.ErrConflict
	}
	return nil
}
