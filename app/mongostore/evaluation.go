package mongostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"librecours/grading"
)

// Collections of the final evaluation.
const (
	colEvaluations = "evaluations"
	colAttempts    = "evaluation_attempts"
)

// evaluationIndexes serve the queries below on MongoDB (FerretDB scans anyway).
var evaluationIndexes = []index{
	{colAttempts, "session_user_n", bson.D{{Key: "session_id", Value: 1}, {Key: "user_id", Value: 1}, {Key: "n", Value: 1}}, true}, // Attempts, AttemptsBySession
}

// EvaluationStore stores each session's final evaluation and the attempts at it.
type EvaluationStore struct{ db *DB }

var _ grading.EvaluationStore = (*EvaluationStore)(nil)

// NewEvaluationStore returns the evaluation store over db.
func NewEvaluationStore(db *DB) *EvaluationStore { return &EvaluationStore{db: db} }

// evalChoiceDoc has the fields of grading.Choice, one for one.
type evalChoiceDoc struct {
	ID      string `bson:"id"`
	Text    string `bson:"text"`
	Correct bool   `bson:"correct"`
}

type evalQuestionDoc struct {
	ID      string          `bson:"id"`
	Text    string          `bson:"text"`
	Choices []evalChoiceDoc `bson:"choices"`
}

type evaluationDoc struct {
	ID               string            `bson:"_id"` // session ID
	Questions        []evalQuestionDoc `bson:"questions"`
	Attempts         int               `bson:"attempts"`
	TimeLimitSeconds int64             `bson:"time_limit_seconds"`
}

// Evaluation returns a session's evaluation, or grading.ErrNotFound when the
// session uses the default one.
func (s *EvaluationStore) Evaluation(ctx context.Context, sessionID string) (*grading.Evaluation, error) {
	var d evaluationDoc
	err := s.db.R(colEvaluations).FindOne(ctx, bson.M{"_id": sessionID}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, grading.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("mongostore: find evaluation of %s: %w", sessionID, err)
	}
	return d.evaluation(), nil
}

// evaluation returns the stored evaluation; no questions and no choices
// come back nil.
func (d *evaluationDoc) evaluation() *grading.Evaluation {
	e := &grading.Evaluation{Settings: grading.EvaluationSettings{
		Attempts: d.Attempts, TimeLimit: time.Duration(d.TimeLimitSeconds) * time.Second}}
	for _, q := range d.Questions {
		gq := grading.Question{ID: q.ID, Text: q.Text}
		for _, c := range q.Choices {
			gq.Choices = append(gq.Choices, grading.Choice(c))
		}
		e.Questions = append(e.Questions, gq)
	}
	return e
}

func toEvaluationDoc(sessionID string, e grading.Evaluation) evaluationDoc {
	d := evaluationDoc{ID: sessionID, Questions: make([]evalQuestionDoc, 0, len(e.Questions)),
		Attempts: e.Settings.Attempts, TimeLimitSeconds: int64(e.Settings.TimeLimit / time.Second)}
	for _, q := range e.Questions {
		dq := evalQuestionDoc{ID: q.ID, Text: q.Text, Choices: make([]evalChoiceDoc, 0, len(q.Choices))}
		for _, c := range q.Choices {
			dq.Choices = append(dq.Choices, evalChoiceDoc(c))
		}
		d.Questions = append(d.Questions, dq)
	}
	return d
}

// PutEvaluation replaces a session's evaluation. The time limit is kept in
// whole seconds.
func (s *EvaluationStore) PutEvaluation(ctx context.Context, sessionID string, e grading.Evaluation) error {
	d := toEvaluationDoc(sessionID, e)
	if err := s.db.put(ctx, colEvaluations, sessionID, d); err != nil {
		return fmt.Errorf("mongostore: put evaluation of %s: %w", sessionID, err)
	}
	return nil
}

type attemptDoc struct {
	ID          string              `bson:"_id"`
	SessionID   string              `bson:"session_id"`
	UserID      string              `bson:"user_id"`
	N           int                 `bson:"n"`
	Answers     map[string][]string `bson:"answers"`
	StartedAt   time.Time           `bson:"started_at"`
	SubmittedAt *time.Time          `bson:"submitted_at"`
	Score       *float64            `bson:"score"`
}

func (d *attemptDoc) attempt() grading.Attempt {
	a := grading.Attempt{ID: d.ID, SessionID: d.SessionID, UserID: d.UserID, N: d.N, StartedAt: d.StartedAt.UTC(), Score: d.Score}
	if len(d.Answers) > 0 {
		a.Answers = d.Answers
	}
	if d.SubmittedAt != nil {
		t := d.SubmittedAt.UTC()
		a.SubmittedAt = &t
	}
	return a
}

// toAttemptDoc is an attempt as SaveAttempt stores it: answers never null.
func toAttemptDoc(a grading.Attempt) attemptDoc {
	answers := a.Answers
	if answers == nil {
		answers = map[string][]string{}
	}
	return attemptDoc{ID: a.ID, SessionID: a.SessionID, UserID: a.UserID, N: a.N, Answers: answers,
		StartedAt: a.StartedAt, SubmittedAt: a.SubmittedAt, Score: a.Score}
}

func (s *EvaluationStore) attempts(ctx context.Context, filter bson.M, sort bson.D) ([]grading.Attempt, error) {
	return findList(ctx, s.db, colAttempts, filter, sortBy(sort), (*attemptDoc).attempt)
}

// Attempts returns a person's attempts in a session, first attempt first.
// An attempt without answers comes back with nil Answers.
func (s *EvaluationStore) Attempts(ctx context.Context, sessionID, userID string) ([]grading.Attempt, error) {
	return s.attempts(ctx, bson.M{"session_id": sessionID, "user_id": userID}, bson.D{{Key: "n", Value: 1}})
}

// AttemptsBySession returns every attempt of a session, by user ID then
// attempt number.
func (s *EvaluationStore) AttemptsBySession(ctx context.Context, sessionID string) ([]grading.Attempt, error) {
	return s.attempts(ctx, bson.M{"session_id": sessionID}, bson.D{{Key: "user_id", Value: 1}, {Key: "n", Value: 1}})
}

// SaveAttempt inserts or updates an attempt with one conditional upsert that
// matches it only while it is not submitted. When it was submitted, the
// upsert's insert collides on _id and the attempt is left as it was:
// grading.ErrConflict. A duplicate key can also come from a racing first
// save of the same attempt (MongoDB does not retry such an upsert); the
// plain update that follows then tells the two cases apart. Another attempt
// with the same session, user and number is a conflict too.
func (s *EvaluationStore) SaveAttempt(ctx context.Context, a grading.Attempt) error {
	answers := a.Answers
	if answers == nil {
		answers = map[string][]string{}
	}
	filter := bson.M{"_id": a.ID, "submitted_at": nil}
	update := bson.M{"$set": bson.M{"session_id": a.SessionID, "user_id": a.UserID, "n": a.N, "answers": answers,
		"started_at": a.StartedAt, "submitted_at": a.SubmittedAt, "score": a.Score}}
	_, err := s.db.W(colAttempts).UpdateOne(ctx, filter, update, options.UpdateOne().SetUpsert(true))
	if err == nil {
		return nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("mongostore: save attempt %s: %w", a.ID, err)
	}
	res, err := s.db.W(colAttempts).UpdateOne(ctx, filter, update)
	if err != nil {
		return fmt.Errorf("mongostore: save attempt %s: %w", a.ID, err)
	}
	if res.MatchedCount == 0 {
		return grading.ErrConflict
	}
	return nil
}
