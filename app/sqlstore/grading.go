package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"librecours/app/store"
	"librecours/grading"
)

// schemaGrading holds the peer exercises (exercises, part states, files,
// submissions and their versions, reviews), the final evaluation
// (evaluations, attempts) and the per-session grading stamp kept by
// triggers.
//
// No FOREIGN KEY: submissions, reviews and attempts name people who may be
// replaced by tombstones, and versions may outlive a submission in a backup
// taken from MongoDB.
var schemaGrading = `
CREATE TABLE exercises (
	session_id   TEXT NOT NULL,
	part         INTEGER NOT NULL,
	instructions TEXT NOT NULL,
	rubric       TEXT NOT NULL, -- JSON []grading.Criterion
	PRIMARY KEY (session_id, part) -- PutExercise; Exercises (by part)
) STRICT;

CREATE TABLE part_states (
	session_id  TEXT NOT NULL,
	part        INTEGER NOT NULL,
	phase       TEXT NOT NULL,
	claimed_at  INTEGER NOT NULL,
	assigned_at INTEGER NOT NULL,
	closed_at   INTEGER NOT NULL,
	mode        TEXT NOT NULL,
	effective_k INTEGER NOT NULL,
	PRIMARY KEY (session_id, part) -- PartState, PartStates, TransitionPart
) STRICT;

CREATE TABLE files (
	id           TEXT PRIMARY KEY, -- File
	session_id   TEXT NOT NULL,
	owner_id     TEXT NOT NULL,
	name         TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size         INTEGER NOT NULL,
	created_at   INTEGER NOT NULL,
	data         BLOB NOT NULL -- the whole file (uploads are up to 10 MiB)
) STRICT;
-- personal data and account deletion: the files of a person
CREATE INDEX files_owner ON files (owner_id);

CREATE TABLE submissions (
	id               TEXT PRIMARY KEY, -- SubmissionByID, SubmissionsByIDs, SetGrades, SetAnimatorGrade, MarkQueued
	session_id       TEXT NOT NULL,
	part             INTEGER NOT NULL,
	author_id        TEXT NOT NULL,
	text             TEXT NOT NULL,
	attachment       TEXT, -- JSON grading.Attachment, NULL without one
	version          INTEGER NOT NULL,
	submitted_at     INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL,
	late             INTEGER NOT NULL,
	grade            TEXT, -- JSON grading.Grade, NULL before grading
	animator_by      TEXT, -- the animator's decision: NULL when none
	animator_score   REAL,
	animator_comment TEXT,
	animator_at      INTEGER,
	animator_confirm INTEGER,
	queued_at        INTEGER
) STRICT;
-- SubmissionByAuthor; one submission per author and part
CREATE UNIQUE INDEX submissions_session_part_author ON submissions (session_id, part, author_id);
-- Submissions (one part or every part, by part, time and ID)
CREATE INDEX submissions_session_part_time ON submissions (session_id, part, submitted_at, id);
-- SubmissionsByAuthor (by part, time and ID)
CREATE INDEX submissions_session_author ON submissions (session_id, author_id, part, submitted_at, id);
-- personal data and account deletion: the submissions of a person
CREATE INDEX submissions_author ON submissions (author_id);
-- Corrections (animator_by > ''); account deletion of an animator
CREATE INDEX submissions_animator_by ON submissions (animator_by);

CREATE TABLE submission_versions (
	submission_id TEXT NOT NULL,
	n             INTEGER NOT NULL,
	text          TEXT NOT NULL,
	attachment    TEXT, -- JSON grading.Attachment, NULL without one
	at            INTEGER NOT NULL,
	PRIMARY KEY (submission_id, n) -- Versions; SaveSubmission (a number taken)
) STRICT;

CREATE TABLE reviews (
	id            TEXT PRIMARY KEY, -- ReviewByID, SaveReview, TakeOver, SetFlag, InsertReviews
	session_id    TEXT NOT NULL,
	part          INTEGER NOT NULL,
	submission_id TEXT NOT NULL,
	author_id     TEXT NOT NULL,
	reviewer_id   TEXT NOT NULL,
	status        TEXT NOT NULL,
	scores        TEXT NOT NULL, -- JSON map[string]int
	comment       TEXT NOT NULL,
	percent       REAL NOT NULL,
	assigned_at   INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL,
	done_at       INTEGER,
	required      INTEGER NOT NULL,
	taken_from    TEXT NOT NULL,
	flag          TEXT -- JSON grading.Flag, NULL when not flagged
) STRICT;
-- Reviews (one part or every part, by part, time and ID)
CREATE INDEX reviews_session_part_time ON reviews (session_id, part, assigned_at, id);
-- ReviewsByReviewer and ReviewsInvolving (held), by part, time and ID;
-- personal data and account deletion (reviewer_id alone)
CREATE INDEX reviews_reviewer_session ON reviews (reviewer_id, session_id, part, assigned_at, id);
-- ReviewsInvolving (let lapse); account deletion (taken_from alone)
CREATE INDEX reviews_taken_from_session ON reviews (taken_from, session_id, part, assigned_at, id);
-- ReviewsBySubmission
CREATE INDEX reviews_submission ON reviews (submission_id);
-- personal data and account deletion: the reviews a person received
CREATE INDEX reviews_author ON reviews (author_id);

CREATE TABLE evaluations (
	session_id         TEXT PRIMARY KEY, -- Evaluation, PutEvaluation
	questions          TEXT NOT NULL, -- JSON []grading.Question
	attempts           INTEGER NOT NULL,
	time_limit_seconds INTEGER NOT NULL
) STRICT;

CREATE TABLE evaluation_attempts (
	id           TEXT PRIMARY KEY, -- SaveAttempt
	session_id   TEXT NOT NULL,
	user_id      TEXT NOT NULL,
	n            INTEGER NOT NULL,
	answers      TEXT NOT NULL, -- JSON map[string][]string
	started_at   INTEGER NOT NULL,
	submitted_at INTEGER,
	score        REAL
) STRICT;
-- Attempts (by number), AttemptsBySession (by user, number); one attempt per number
CREATE UNIQUE INDEX evaluation_attempts_session_user_n ON evaluation_attempts (session_id, user_id, n);
-- personal data and account deletion: the attempts of a person
CREATE INDEX evaluation_attempts_user ON evaluation_attempts (user_id);

-- GradingStamp: a counter per session, bumped by the triggers below after
-- every insert, update and delete of a submission, a review, a part state
-- or the session itself (the sessions table of schemaCourse, applied before).
CREATE TABLE grading_stamps (
	session_id TEXT PRIMARY KEY, -- GradingStamp
	n          INTEGER NOT NULL
) STRICT;

` + stampTriggers("submissions", "session_id") + stampTriggers("reviews", "session_id") +
	stampTriggers("part_states", "session_id") + stampTriggers("sessions", "id")

// stampTriggers bumps a session's grading stamp after every insert, update
// (old and new session) and delete of a row of table, whose session is col.
func stampTriggers(table, col string) string {
	bump := func(row string) string {
		return "\tINSERT INTO grading_stamps (session_id, n) VALUES (" + row + "." + col + ", 1) ON CONFLICT (session_id) DO UPDATE SET n = n + 1;\n"
	}
	return "CREATE TRIGGER " + table + "_stamp_insert AFTER INSERT ON " + table + " BEGIN\n" + bump("NEW") + "END;\n" +
		"CREATE TRIGGER " + table + "_stamp_update AFTER UPDATE ON " + table + " BEGIN\n" + bump("OLD") + bump("NEW") + "END;\n" +
		"CREATE TRIGGER " + table + "_stamp_delete AFTER DELETE ON " + table + " BEGIN\n" + bump("OLD") + "END;\n"
}

// GradingStore keeps exercises, part states, submissions, reviews and files.
type GradingStore struct{ db *DB }

var (
	_ grading.Store   = (*GradingStore)(nil)
	_ grading.Stamper = (*GradingStore)(nil)
)

// NewGradingStore returns the grading store over db.
func NewGradingStore(db *DB) *GradingStore { return &GradingStore{db: db} }

// rowScanner is a *sql.Row or *sql.Rows.
type rowScanner interface{ Scan(dest ...any) error }

// boolInt stores a bool as 0 or 1.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// nullJSON encodes v for a nullable JSON column: NULL when isNil.
func nullJSON(v any, isNil bool) (any, error) {
	if isNil {
		return nil, nil
	}
	return jsonText(v)
}

// GradingStamp implements grading.Stamper: the session's counter, bumped by
// triggers in the transaction of every write it covers, so a stamp read
// after a committed write differs from every stamp read before it.
func (s *GradingStore) GradingStamp(ctx context.Context, sessionID string) (string, bool, error) {
	var n int64
	err := s.db.r.QueryRowContext(ctx, `SELECT n FROM grading_stamps WHERE session_id = ?`, sessionID).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return "0", true, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("sqlstore: grading stamp of %s: %w", sessionID, classify(err))
	}
	return strconv.FormatInt(n, 10), true, nil
}

// --- exercises

// PutExercise replaces a part's exercise.
func (s *GradingStore) PutExercise(ctx context.Context, sessionID string, e grading.Exercise) error {
	rubric, err := jsonText(nonNilRubric(e.Rubric))
	if err != nil {
		return err
	}
	if _, err := s.db.exec(ctx, `INSERT INTO exercises (session_id, part, instructions, rubric, instructions_html) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (session_id, part) DO UPDATE SET instructions = excluded.instructions, rubric = excluded.rubric,
			instructions_html = excluded.instructions_html`,
		sessionID, e.Part, e.Instructions, rubric, e.InstructionsHTML); err != nil {
		return fmt.Errorf("sqlstore: put exercise %s:%d: %w", sessionID, e.Part, classify(err))
	}
	return nil
}

func nonNilRubric(r []grading.Criterion) []grading.Criterion {
	if r == nil {
		return []grading.Criterion{}
	}
	return r
}

func scanExercise(sc rowScanner, sessionID *string) (grading.Exercise, error) {
	var e grading.Exercise
	var rubric string
	if err := sc.Scan(sessionID, &e.Part, &e.Instructions, &rubric, &e.InstructionsHTML); err != nil {
		return e, err
	}
	if err := fromJSON(rubric, &e.Rubric); err != nil {
		return e, err
	}
	if len(e.Rubric) == 0 {
		e.Rubric = nil
	}
	return e, nil
}

// Exercises returns a session's stored exercises, by part.
func (s *GradingStore) Exercises(ctx context.Context, sessionID string) ([]grading.Exercise, error) {
	out := []grading.Exercise{}
	err := s.db.query(ctx, func(rows *sql.Rows) error {
		var sid string
		e, err := scanExercise(rows, &sid)
		if err != nil {
			return err
		}
		out = append(out, e)
		return nil
	}, `SELECT session_id, part, instructions, rubric, instructions_html FROM exercises WHERE session_id = ? ORDER BY part`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: exercises of %s: %w", sessionID, err)
	}
	return out, nil
}

// Exercise returns one stored exercise; grading.ErrNotFound when the part
// has none.
func (s *GradingStore) Exercise(ctx context.Context, sessionID string, part int) (grading.Exercise, error) {
	var sid string
	e, err := scanExercise(s.db.r.QueryRowContext(ctx, `SELECT session_id, part, instructions, rubric, instructions_html FROM exercises WHERE session_id = ? AND part = ?`, sessionID, part), &sid)
	if errors.Is(err, sql.ErrNoRows) {
		return e, grading.ErrNotFound
	}
	if err != nil {
		return e, fmt.Errorf("sqlstore: exercise %s/%d: %w", sessionID, part, classify(err))
	}
	return e, nil
}

// --- part states

const partStateCols = `session_id, part, phase, claimed_at, assigned_at, closed_at, mode, effective_k, calibration`

func scanPartState(sc rowScanner) (grading.PartState, error) {
	var st grading.PartState
	var claimed, assigned, closed int64
	var calibration string
	if err := sc.Scan(&st.SessionID, &st.Part, &st.Phase, &claimed, &assigned, &closed, &st.Mode, &st.EffectiveK, &calibration); err != nil {
		return st, err
	}
	st.ClaimedAt, st.AssignedAt, st.ClosedAt = fromTS(claimed), fromTS(assigned), fromTS(closed)
	if err := fromJSON(calibration, &st.Calibration); err != nil {
		return st, err
	}
	if len(st.Calibration) == 0 {
		st.Calibration = nil
	}
	return st, nil
}

func partStateArgs(st grading.PartState) []any {
	return []any{st.SessionID, st.Part, string(st.Phase), ts(st.ClaimedAt), ts(st.AssignedAt), ts(st.ClosedAt), string(st.Mode), st.EffectiveK, calibrationText(st.Calibration)}
}

// calibrationText is the calibration column: the sample's IDs as a JSON
// array ("[]" for none).
func calibrationText(ids []string) string {
	if len(ids) == 0 {
		return "[]"
	}
	text, err := jsonText(ids)
	if err != nil { // strings always encode
		return "[]"
	}
	return text
}

// PartState returns a part's state; a part never touched is in PhaseSubmission.
func (s *GradingStore) PartState(ctx context.Context, sessionID string, part int) (grading.PartState, error) {
	st, err := scanPartState(s.db.r.QueryRowContext(ctx, `SELECT `+partStateCols+` FROM part_states WHERE session_id = ? AND part = ?`, sessionID, part))
	if errors.Is(err, sql.ErrNoRows) {
		return grading.PartState{SessionID: sessionID, Part: part, Phase: grading.PhaseSubmission}, nil
	}
	if err != nil {
		return grading.PartState{}, fmt.Errorf("sqlstore: part state %s:%d: %w", sessionID, part, classify(err))
	}
	return st, nil
}

// PartStates returns the stored states of a session's parts, by part.
func (s *GradingStore) PartStates(ctx context.Context, sessionID string) ([]grading.PartState, error) {
	out, err := collect(ctx, s.db, scanPartState, `SELECT `+partStateCols+` FROM part_states WHERE session_id = ? ORDER BY part`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: part states of %s: %w", sessionID, err)
	}
	return out, nil
}

// TransitionPart moves a part with one conditional UPDATE (its phase is one
// of from, or a stale claim), or, for a part without a stored state and a
// move from PhaseSubmission, one INSERT; both in one transaction on the
// single writer, so exactly one caller wins.
func (s *GradingStore) TransitionPart(ctx context.Context, st grading.PartState, from []grading.Phase, staleBefore time.Time) (bool, error) {
	phases := make([]string, len(from))
	fromSubmission := false
	for i, p := range from {
		phases[i] = string(p)
		fromSubmission = fromSubmission || p == grading.PhaseSubmission
	}
	cond := "phase IN (" + placeholders(len(phases)) + ")"
	if len(phases) == 0 {
		cond = "0"
	}
	args := []any{string(st.Phase), ts(st.ClaimedAt), ts(st.AssignedAt), ts(st.ClosedAt), string(st.Mode), st.EffectiveK, calibrationText(st.Calibration), st.SessionID, st.Part}
	args = append(args, anys(phases)...)
	if !staleBefore.IsZero() {
		cond += " OR (phase IN ('assigning', 'closing') AND claimed_at < ?)"
		args = append(args, ts(staleBefore))
	}
	won := false
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE part_states SET phase = ?, claimed_at = ?, assigned_at = ?, closed_at = ?, mode = ?, effective_k = ?, calibration = ?
			WHERE session_id = ? AND part = ? AND (`+cond+`)`, args...) // #nosec G202 -- cond is built from constant fragments, values are bound
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			won = n > 0
			return err
		}
		if !fromSubmission {
			return nil
		}
		res, err = tx.ExecContext(ctx, `INSERT INTO part_states (`+partStateCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (session_id, part) DO NOTHING`, partStateArgs(st)...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		won = n > 0
		return err
	})
	if err != nil {
		return false, fmt.Errorf("sqlstore: transition %s:%d: %w", st.SessionID, st.Part, classify(err))
	}
	return won, nil
}

// --- submissions

const submissionCols = `id, session_id, part, author_id, text, attachment, version, submitted_at, updated_at, late,
	grade, animator_by, animator_score, animator_comment, animator_at, animator_confirm, queued_at, text_html`

func scanAttachment(col sql.NullString) (*grading.Attachment, error) {
	if !col.Valid {
		return nil, nil
	}
	var a grading.Attachment
	if err := fromJSON(col.String, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

func scanSubmission(sc rowScanner) (*grading.Submission, error) {
	var sub grading.Submission
	var attachment, grade, animBy, animComment sql.NullString
	var submitted, updated int64
	var late int
	var animScore sql.NullFloat64
	var animAt, animConfirm, queued sql.NullInt64
	if err := sc.Scan(&sub.ID, &sub.SessionID, &sub.Part, &sub.AuthorID, &sub.Text, &attachment, &sub.Version, &submitted, &updated, &late,
		&grade, &animBy, &animScore, &animComment, &animAt, &animConfirm, &queued, &sub.TextHTML); err != nil {
		return nil, err
	}
	var err error
	if sub.Attachment, err = scanAttachment(attachment); err != nil {
		return nil, err
	}
	sub.SubmittedAt, sub.UpdatedAt, sub.Late = fromTS(submitted), fromTS(updated), late != 0
	if grade.Valid {
		var g grading.Grade
		if err := fromJSON(grade.String, &g); err != nil {
			return nil, err
		}
		g.ComputedAt = g.ComputedAt.UTC()
		sub.Grade = &g
	}
	if animBy.Valid {
		sub.Animator = &grading.AnimatorGrade{Score: animScore.Float64, Comment: animComment.String, By: animBy.String,
			At: fromTS(animAt.Int64), Confirm: animConfirm.Int64 != 0}
	}
	sub.QueuedAt = fromTSPtr(queued)
	return &sub, nil
}

// SaveSubmission keeps the version and inserts or updates the submission in
// one transaction. Grades and animator decisions are left as they are. A
// version number already taken with other content (a save that failed half
// way in a backup from MongoDB) makes this save take the next number; the
// very same content is a retried save and is kept once. Another submission
// of the same author and part is grading.ErrConflict.
func (s *GradingStore) SaveSubmission(ctx context.Context, sub *grading.Submission, v grading.Version) error {
	if sub.ID == "" {
		sub.ID = newID()
	}
	vAttach, err := nullJSON(v.Attachment, v.Attachment == nil)
	if err != nil {
		return err
	}
	sAttach, err := nullJSON(sub.Attachment, sub.Attachment == nil)
	if err != nil {
		return err
	}
	var kept int
	err = s.db.tx(ctx, func(tx *sql.Tx) error {
		for n := v.N; ; n++ {
			res, err := tx.ExecContext(ctx, `INSERT INTO submission_versions (submission_id, n, text, attachment, at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (submission_id, n) DO NOTHING`, sub.ID, n, v.Text, vAttach, ts(v.At))
			if err != nil {
				return err
			}
			if added, err := res.RowsAffected(); err != nil {
				return err
			} else if added > 0 {
				kept = n
				break
			}
			var text string
			var attachment sql.NullString
			if err := tx.QueryRowContext(ctx, `SELECT text, attachment FROM submission_versions WHERE submission_id = ? AND n = ?`, sub.ID, n).
				Scan(&text, &attachment); err != nil {
				return err
			}
			prev, err := scanAttachment(attachment)
			if err != nil {
				return err
			}
			if text == v.Text && (prev == nil) == (v.Attachment == nil) && (prev == nil || *prev == *v.Attachment) {
				kept = n // the same save, retried
				break
			}
			if n > v.N+100 {
				return fmt.Errorf("no free version number after %d", n)
			}
		}
		args := []any{sub.ID, sub.SessionID, sub.Part, sub.AuthorID, sub.Text, sAttach, kept, ts(sub.SubmittedAt), ts(sub.UpdatedAt), boolInt(sub.Late), sub.TextHTML}
		// A new version changes none of the indexed columns: updated
		// without them, the four indexes of the table are not rewritten,
		// which halves the statement's cost. A save that changes them
		// (never from grading.Service) matches nothing and replaces all.
		res, err := tx.ExecContext(ctx, `INSERT INTO submissions (id, session_id, part, author_id, text, attachment, version, submitted_at, updated_at, late, text_html)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET text = excluded.text, attachment = excluded.attachment, version = excluded.version,
				updated_at = excluded.updated_at, late = excluded.late, text_html = excluded.text_html
			WHERE session_id = excluded.session_id AND part = excluded.part AND author_id = excluded.author_id
				AND submitted_at = excluded.submitted_at`, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE submissions SET session_id = ?2, part = ?3, author_id = ?4, text = ?5, attachment = ?6,
			version = ?7, submitted_at = ?8, updated_at = ?9, late = ?10, text_html = ?11 WHERE id = ?1`, args...)
		return err
	})
	if isUnique(err) {
		return grading.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("sqlstore: save submission %s: %w", sub.ID, classify(err))
	}
	sub.Version = kept
	return nil
}

func (s *GradingStore) findSubmission(ctx context.Context, what string, q string, args ...any) (*grading.Submission, error) {
	return s.findSubmissionCols(ctx, submissionCols, what, q, args...)
}

func (s *GradingStore) findSubmissionCols(ctx context.Context, cols, what string, q string, args ...any) (*grading.Submission, error) {
	sub, err := scanSubmission(s.db.r.QueryRowContext(ctx, `SELECT `+cols+` FROM submissions WHERE `+q, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, grading.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find submission %s: %w", what, classify(err))
	}
	return sub, nil
}

// SubmissionByID returns one submission.
func (s *GradingStore) SubmissionByID(ctx context.Context, id string) (*grading.Submission, error) {
	return s.findSubmission(ctx, id, `id = ?`, id)
}

// SubmissionByAuthor returns an author's submission of a part.
func (s *GradingStore) SubmissionByAuthor(ctx context.Context, sessionID string, part int, authorID string) (*grading.Submission, error) {
	return s.byAuthor(ctx, submissionCols, sessionID, part, authorID)
}

// SubmissionMetaByAuthor is SubmissionByAuthor without the texts.
func (s *GradingStore) SubmissionMetaByAuthor(ctx context.Context, sessionID string, part int, authorID string) (*grading.Submission, error) {
	return s.byAuthor(ctx, submissionMetaCols, sessionID, part, authorID)
}

func (s *GradingStore) byAuthor(ctx context.Context, cols, sessionID string, part int, authorID string) (*grading.Submission, error) {
	return s.findSubmissionCols(ctx, cols, sessionID+":"+strconv.Itoa(part)+":"+authorID,
		`session_id = ? AND part = ? AND author_id = ?`, sessionID, part, authorID)
}

// submissions returns the submissions matching where, by part, time and ID.
func (s *GradingStore) submissions(ctx context.Context, what, where string, args ...any) ([]*grading.Submission, error) {
	return s.submissionsWith(ctx, submissionCols, what, where, args...)
}

// submissionMetaCols are submissionCols with empty texts (SubmissionsMeta).
var submissionMetaCols = strings.NewReplacer("author_id, text,", "author_id, '',", ", text_html", ", ''").Replace(submissionCols)

func (s *GradingStore) submissionsWith(ctx context.Context, cols, what, where string, args ...any) ([]*grading.Submission, error) {
	out, err := collect(ctx, s.db, scanSubmission, `SELECT `+cols+` FROM submissions WHERE `+where+` ORDER BY part, submitted_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: %s: %w", what, err)
	}
	return out, nil
}

// Submissions returns a part's submissions (every part's when part is 0).
func (s *GradingStore) Submissions(ctx context.Context, sessionID string, part int) ([]*grading.Submission, error) {
	return s.partSubmissions(ctx, submissionCols, sessionID, part)
}

// SubmissionsMeta is Submissions without the texts.
func (s *GradingStore) SubmissionsMeta(ctx context.Context, sessionID string, part int) ([]*grading.Submission, error) {
	return s.partSubmissions(ctx, submissionMetaCols, sessionID, part)
}

func (s *GradingStore) partSubmissions(ctx context.Context, cols, sessionID string, part int) ([]*grading.Submission, error) {
	if part == 0 {
		return s.submissionsWith(ctx, cols, "submissions of "+sessionID, `session_id = ?`, sessionID)
	}
	return s.submissionsWith(ctx, cols, "submissions of "+sessionID, `session_id = ? AND part = ?`, sessionID, part)
}

// SubmissionsByIDs returns these submissions (those that exist), by part and
// time.
func (s *GradingStore) SubmissionsByIDs(ctx context.Context, ids []string) ([]*grading.Submission, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return s.submissions(ctx, "submissions by IDs", `id IN (`+placeholders(len(ids))+`)`, anys(ids)...)
}

// SubmissionsByAuthor returns one author's submissions in a session, every
// part, without their texts.
func (s *GradingStore) SubmissionsByAuthor(ctx context.Context, sessionID, authorID string) ([]*grading.Submission, error) {
	return s.submissionsWith(ctx, submissionMetaCols, "submissions of "+authorID, `session_id = ? AND author_id = ?`, sessionID, authorID)
}

// Corrections returns the submissions an animator graded or confirmed, in
// every session.
func (s *GradingStore) Corrections(ctx context.Context) ([]*grading.Submission, error) {
	return s.submissions(ctx, "corrections", `animator_by > ''`)
}

func scanVersion(sc rowScanner) (grading.Version, error) {
	var v grading.Version
	var attachment sql.NullString
	var at int64
	if err := sc.Scan(&v.SubmissionID, &v.N, &v.Text, &attachment, &at); err != nil {
		return v, err
	}
	v.At = fromTS(at)
	var err error
	v.Attachment, err = scanAttachment(attachment)
	return v, err
}

// LateShort returns up to limit late submissions of a part with fewer than
// want reviews, first submitted first (submissions_late, then
// reviews_submission to count each one's reviews).
func (s *GradingStore) LateShort(ctx context.Context, sessionID string, part, want, limit int) ([]*grading.Submission, error) {
	out, err := collect(ctx, s.db, scanSubmission, `SELECT `+submissionCols+` FROM submissions s WHERE s.session_id = ? AND s.part = ? AND s.late = 1
		AND (SELECT count(*) FROM reviews r WHERE r.submission_id = s.id) < ?
		ORDER BY s.submitted_at, s.id LIMIT ?`, sessionID, part, want, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: late submissions of %s/%d: %w", sessionID, part, err)
	}
	return out, nil
}

// Versions returns every kept version of a submission, oldest first.
func (s *GradingStore) Versions(ctx context.Context, submissionID string) ([]grading.Version, error) {
	out, err := collect(ctx, s.db, scanVersion, `SELECT submission_id, n, text, attachment, at FROM submission_versions WHERE submission_id = ? ORDER BY n`, submissionID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: versions of %s: %w", submissionID, err)
	}
	return out, nil
}

// SetGrades stores computed grades, all in one transaction.
func (s *GradingStore) SetGrades(ctx context.Context, grades map[string]grading.Grade) error {
	if len(grades) == 0 {
		return nil
	}
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `UPDATE submissions SET grade = ? WHERE id = ?`)
		if err != nil {
			return err
		}
		defer func() { _ = stmt.Close() }()
		for id, g := range grades {
			g.ComputedAt = g.ComputedAt.UTC()
			text, err := jsonText(g)
			if err != nil {
				return err
			}
			if _, err := stmt.ExecContext(ctx, text, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlstore: set grades: %w", classify(err))
	}
	return nil
}

// SetAnimatorGrade records an animator's decision on a submission.
func (s *GradingStore) SetAnimatorGrade(ctx context.Context, submissionID string, g grading.AnimatorGrade) error {
	n, err := s.db.exec(ctx, `UPDATE submissions SET animator_by = ?, animator_score = ?, animator_comment = ?, animator_at = ?, animator_confirm = ?
		WHERE id = ?`, g.By, g.Score, g.Comment, ts(g.At), boolInt(g.Confirm), submissionID)
	if err != nil {
		return fmt.Errorf("sqlstore: set animator grade %s: %w", submissionID, classify(err))
	}
	if n == 0 {
		return grading.ErrNotFound
	}
	return nil
}

// MarkQueued records when submissions first needed an animator: one UPDATE
// that leaves a time already set.
func (s *GradingStore) MarkQueued(ctx context.Context, ids []string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	args := append([]any{ts(at)}, anys(ids)...)
	if _, err := s.db.exec(ctx, `UPDATE submissions SET queued_at = ? WHERE id IN (`+placeholders(len(ids))+`) AND queued_at IS NULL`, args...); err != nil {
		return fmt.Errorf("sqlstore: mark queued: %w", classify(err))
	}
	return nil
}

// --- reviews

const reviewCols = `id, session_id, part, submission_id, author_id, reviewer_id, status, scores, comment, percent,
	assigned_at, updated_at, done_at, required, taken_from, flag, reply_text, reply_html, reply_at, helpfulness, rated_at`

func scanReview(sc rowScanner) (grading.Review, error) {
	var r grading.Review
	var scores string
	var flag sql.NullString
	var assigned, updated int64
	var done sql.NullInt64
	var required int
	var rp grading.Reply
	var replyAt, ratedAt int64
	if err := sc.Scan(&r.ID, &r.SessionID, &r.Part, &r.SubmissionID, &r.AuthorID, &r.ReviewerID, &r.Status, &scores, &r.Comment, &r.Percent,
		&assigned, &updated, &done, &required, &r.TakenFrom, &flag, &rp.Text, &rp.TextHTML, &replyAt, &rp.Helpfulness, &ratedAt); err != nil {
		return r, err
	}
	if rp.Text != "" || rp.Helpfulness != 0 {
		rp.At, rp.RatedAt = fromTS(replyAt), fromTS(ratedAt)
		r.Reply = &rp
	}
	if err := fromJSON(scores, &r.Scores); err != nil {
		return r, err
	}
	if len(r.Scores) == 0 {
		r.Scores = nil
	}
	r.AssignedAt, r.UpdatedAt, r.DoneAt, r.Required = fromTS(assigned), fromTS(updated), fromTSPtr(done), required != 0
	if flag.Valid {
		var f grading.Flag
		if err := fromJSON(flag.String, &f); err != nil {
			return r, err
		}
		f.At = f.At.UTC()
		r.Flag = &f
	}
	return r, nil
}

func scoresJSON(m map[string]int) (string, error) {
	if m == nil {
		m = map[string]int{}
	}
	return jsonText(m)
}

func flagJSON(f *grading.Flag) (any, error) {
	if f == nil {
		return nil, nil
	}
	c := *f
	c.At = c.At.UTC()
	return jsonText(c)
}

func reviewArgs(r grading.Review) ([]any, error) {
	scores, err := scoresJSON(r.Scores)
	if err != nil {
		return nil, err
	}
	flag, err := flagJSON(r.Flag)
	if err != nil {
		return nil, err
	}
	var rp grading.Reply
	if r.Reply != nil {
		rp = *r.Reply
	}
	return []any{r.ID, r.SessionID, r.Part, r.SubmissionID, r.AuthorID, r.ReviewerID, string(r.Status), scores, r.Comment, r.Percent,
		ts(r.AssignedAt), ts(r.UpdatedAt), tsPtr(r.DoneAt), boolInt(r.Required), r.TakenFrom, flag,
		rp.Text, rp.TextHTML, ts(rp.At), rp.Helpfulness, ts(rp.RatedAt)}, nil
}

const insertReview = `INSERT INTO reviews (` + reviewCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// InsertReviews inserts reviews in one transaction, ignoring IDs already
// there (a retried assignment).
func (s *GradingStore) InsertReviews(ctx context.Context, rs []grading.Review) error {
	if len(rs) == 0 {
		return nil
	}
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, insertReview+` ON CONFLICT (id) DO NOTHING`)
		if err != nil {
			return err
		}
		defer func() { _ = stmt.Close() }()
		for _, r := range rs {
			args, err := reviewArgs(r)
			if err != nil {
				return err
			}
			if _, err := stmt.ExecContext(ctx, args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlstore: insert reviews: %w", classify(err))
	}
	return nil
}

// ReviewByID returns one review.
func (s *GradingStore) ReviewByID(ctx context.Context, id string) (*grading.Review, error) {
	r, err := scanReview(s.db.r.QueryRowContext(ctx, `SELECT `+reviewCols+` FROM reviews WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, grading.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find review %s: %w", id, classify(err))
	}
	return &r, nil
}

// reviews returns the reviews matching where, by part, time and ID.
func (s *GradingStore) reviews(ctx context.Context, what, where string, args ...any) ([]grading.Review, error) {
	out, err := collect(ctx, s.db, scanReview, `SELECT `+reviewCols+` FROM reviews WHERE `+where+` ORDER BY part, assigned_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: %s: %w", what, err)
	}
	return out, nil
}

// Reviews returns a part's reviews (every part's when part is 0).
func (s *GradingStore) Reviews(ctx context.Context, sessionID string, part int) ([]grading.Review, error) {
	if part == 0 {
		return s.reviews(ctx, "reviews of "+sessionID, `session_id = ?`, sessionID)
	}
	return s.reviews(ctx, "reviews of "+sessionID, `session_id = ? AND part = ?`, sessionID, part)
}

// ReviewsByReviewer returns the reviews a person has in a session.
func (s *GradingStore) ReviewsByReviewer(ctx context.Context, sessionID, reviewerID string) ([]grading.Review, error) {
	return s.reviews(ctx, "reviews by "+reviewerID, `reviewer_id = ? AND session_id = ?`, reviewerID, sessionID)
}

// ReviewsInvolving returns the reviews a person holds or let lapse.
func (s *GradingStore) ReviewsInvolving(ctx context.Context, sessionID, userID string) ([]grading.Review, error) {
	return s.reviews(ctx, "reviews involving "+userID, `id IN (SELECT id FROM reviews WHERE reviewer_id = ? AND session_id = ?
		UNION ALL SELECT id FROM reviews WHERE taken_from = ? AND session_id = ?)`, userID, sessionID, userID, sessionID)
}

// ReviewsBySubmission returns the reviews of one submission.
func (s *GradingStore) ReviewsBySubmission(ctx context.Context, submissionID string) ([]grading.Review, error) {
	return s.reviews(ctx, "reviews of submission "+submissionID, `submission_id = ?`, submissionID)
}

// SaveReview stores the reviewer's work with one UPDATE conditioned on the
// review still being theirs: grading.ErrForbidden when it is not,
// grading.ErrNotFound when there is no such review.
func (s *GradingStore) SaveReview(ctx context.Context, r grading.Review) error {
	scores, err := scoresJSON(r.Scores)
	if err != nil {
		return err
	}
	matched, exists, err := s.db.changeOrProbe(ctx, `SELECT 1 FROM reviews WHERE id = ?`, r.ID,
		`UPDATE reviews SET status = ?, scores = ?, comment = ?, percent = ?, updated_at = ?, done_at = ?
			WHERE id = ? AND reviewer_id = ?`, string(r.Status), scores, r.Comment, r.Percent, ts(r.UpdatedAt), tsPtr(r.DoneAt), r.ID, r.ReviewerID)
	switch {
	case err != nil:
		return fmt.Errorf("sqlstore: save review %s: %w", r.ID, classify(err))
	case matched:
		return nil
	case exists:
		return grading.ErrForbidden
	default:
		return grading.ErrNotFound
	}
}

// TakeOver hands an untouched review to another reviewer with one
// conditional UPDATE.
func (s *GradingStore) TakeOver(ctx context.Context, reviewID, oldReviewer, newReviewer string, untouchedAt, now time.Time) (bool, error) {
	n, err := s.db.exec(ctx, `UPDATE reviews SET reviewer_id = ?, taken_from = ?, assigned_at = ?, updated_at = ?, required = 0
		WHERE id = ? AND reviewer_id = ? AND status = ? AND updated_at <= ?`,
		newReviewer, oldReviewer, ts(now), ts(now), reviewID, oldReviewer, string(grading.ReviewAssigned), ts(untouchedAt))
	if err != nil {
		return false, fmt.Errorf("sqlstore: take over review %s: %w", reviewID, classify(err))
	}
	return n > 0, nil
}

// SetReply stores the author's answer to a review: the text only while
// none is stored (one conditional UPDATE, so two answers sent at once keep
// one), the rating whenever one is given.
func (s *GradingStore) SetReply(ctx context.Context, reviewID string, rp grading.Reply) error {
	var matched, exists bool
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		var res sql.Result
		var err error
		switch {
		case rp.Text != "" && rp.Helpfulness > 0:
			res, err = tx.ExecContext(ctx, `UPDATE reviews SET reply_text = ?, reply_html = ?, reply_at = ?, helpfulness = ?, rated_at = ?
				WHERE id = ? AND reply_text = ''`, rp.Text, rp.TextHTML, ts(rp.At), rp.Helpfulness, ts(rp.RatedAt), reviewID)
		case rp.Text != "":
			res, err = tx.ExecContext(ctx, `UPDATE reviews SET reply_text = ?, reply_html = ?, reply_at = ? WHERE id = ? AND reply_text = ''`,
				rp.Text, rp.TextHTML, ts(rp.At), reviewID)
		default:
			res, err = tx.ExecContext(ctx, `UPDATE reviews SET helpfulness = ?, rated_at = ? WHERE id = ?`, rp.Helpfulness, ts(rp.RatedAt), reviewID)
		}
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil || n > 0 {
			matched = n > 0
			return err
		}
		var one int
		err = tx.QueryRowContext(ctx, `SELECT 1 FROM reviews WHERE id = ?`, reviewID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		exists = err == nil
		return err
	})
	switch {
	case err != nil:
		return fmt.Errorf("sqlstore: reply to review %s: %w", reviewID, classify(err))
	case matched:
		return nil
	case exists:
		return grading.ErrAlreadyReplied
	default:
		return grading.ErrNotFound
	}
}

// SetFlag records an appeal against a review, once.
func (s *GradingStore) SetFlag(ctx context.Context, reviewID string, f grading.Flag) error {
	flag, err := flagJSON(&f)
	if err != nil {
		return err
	}
	matched, exists, err := s.db.changeOrProbe(ctx, `SELECT 1 FROM reviews WHERE id = ?`, reviewID,
		`UPDATE reviews SET flag = ? WHERE id = ? AND flag IS NULL`, flag, reviewID)
	switch {
	case err != nil:
		return fmt.Errorf("sqlstore: flag review %s: %w", reviewID, classify(err))
	case matched:
		return nil
	case exists:
		return grading.ErrAlreadyFlagged
	default:
		return grading.ErrNotFound
	}
}

// --- files

// PutFile stores a file whole, in one row. A file ID already taken is
// grading.ErrConflict.
func (s *GradingStore) PutFile(ctx context.Context, a *grading.Attachment, data []byte, sessionID, ownerID string) error {
	if a.FileID == "" {
		a.FileID = newID()
	}
	if data == nil {
		data = []byte{}
	}
	_, err := s.db.exec(ctx, `INSERT INTO files (id, session_id, owner_id, name, content_type, size, created_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		a.FileID, sessionID, ownerID, a.Name, a.ContentType, int64(len(data)), ts(time.Now().UTC().Truncate(time.Millisecond)), data)
	if isUnique(err) {
		return grading.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("sqlstore: put file %s: %w", a.FileID, classify(err))
	}
	a.Size = int64(len(data))
	return nil
}

// FileBytes sums the sizes of the files ownerID uploaded (files_owner).
func (s *GradingStore) FileBytes(ctx context.Context, ownerID string) (int64, error) {
	var n int64
	if err := s.db.r.QueryRowContext(ctx, `SELECT COALESCE(SUM(size), 0) FROM files WHERE owner_id = ?`, ownerID).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlstore: file bytes of %s: %w", ownerID, classify(err))
	}
	return n, nil
}

// File returns a file's metadata and bytes.
func (s *GradingStore) File(ctx context.Context, fileID string) (grading.Attachment, []byte, error) {
	var a grading.Attachment
	var data []byte
	err := s.db.r.QueryRowContext(ctx, `SELECT id, name, content_type, size, data FROM files WHERE id = ?`, fileID).
		Scan(&a.FileID, &a.Name, &a.ContentType, &a.Size, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return grading.Attachment{}, nil, grading.ErrNotFound
	}
	if err != nil {
		return grading.Attachment{}, nil, fmt.Errorf("sqlstore: find file %s: %w", fileID, classify(err))
	}
	if data == nil {
		data = []byte{}
	}
	return a, data, nil
}

// --- backup

// exportGrading writes the grading collections, each in a stable order the
// mongostore uses too.
func exportGrading(ctx context.Context, tx *sql.Tx, w store.RecordWriter) error {
	return exportAll(ctx, tx, w, []exportStep{
		{"exercises", `SELECT session_id, part, instructions, rubric, instructions_html FROM exercises ORDER BY session_id, part`, func(rows *sql.Rows) (any, error) {
			var rec store.ExerciseRecord
			var err error
			rec.Exercise, err = scanExercise(rows, &rec.SessionID)
			return rec, err
		}},
		{"part_states", `SELECT ` + partStateCols + ` FROM part_states ORDER BY session_id, part`, func(rows *sql.Rows) (any, error) {
			return scanPartState(rows)
		}},
		{"files", `SELECT id, name, content_type, size, session_id, owner_id, created_at, data FROM files ORDER BY id`, func(rows *sql.Rows) (any, error) {
			var rec store.FileRecord
			var created int64
			a := &rec.Attachment
			if err := rows.Scan(&a.FileID, &a.Name, &a.ContentType, &a.Size, &rec.SessionID, &rec.OwnerID, &created, &rec.Data); err != nil {
				return nil, err
			}
			rec.CreatedAt = fromTS(created)
			if rec.Data == nil {
				rec.Data = []byte{}
			}
			return rec, nil
		}},
		{"submissions", `SELECT ` + submissionCols + ` FROM submissions ORDER BY id`, func(rows *sql.Rows) (any, error) {
			sub, err := scanSubmission(rows)
			if err != nil {
				return nil, err
			}
			return *sub, nil
		}},
		{"submission_versions", `SELECT submission_id, n, text, attachment, at FROM submission_versions ORDER BY submission_id, n`, func(rows *sql.Rows) (any, error) {
			return scanVersion(rows)
		}},
		{"reviews", `SELECT ` + reviewCols + ` FROM reviews ORDER BY id`, func(rows *sql.Rows) (any, error) {
			return scanReview(rows)
		}},
		{"evaluations", `SELECT session_id, questions, attempts, time_limit_seconds FROM evaluations ORDER BY session_id`, func(rows *sql.Rows) (any, error) {
			var rec store.EvaluationRecord
			e, err := scanEvaluation(rows, &rec.SessionID)
			if err != nil {
				return nil, err
			}
			rec.Evaluation = *e
			return rec, nil
		}},
		{"evaluation_attempts", `SELECT ` + attemptCols + ` FROM evaluation_attempts ORDER BY id`, func(rows *sql.Rows) (any, error) {
			return scanAttempt(rows)
		}},
	})
}

// importGrading loads the grading collections inside the restore's
// transaction.
func importGrading(ctx context.Context, tx *sql.Tx, r store.RecordReader) error {
	ins := func(coll, q string, args ...any) error { return importExec(ctx, tx, coll, q, args...) }
	if err := store.Each(r, "exercises", func(rec store.ExerciseRecord) error {
		rubric, err := jsonText(nonNilRubric(rec.Exercise.Rubric))
		if err != nil {
			return err
		}
		return ins("exercises", `INSERT INTO exercises (session_id, part, instructions, rubric, instructions_html) VALUES (?, ?, ?, ?, ?)`,
			rec.SessionID, rec.Exercise.Part, rec.Exercise.Instructions, rubric, rec.Exercise.InstructionsHTML)
	}); err != nil {
		return err
	}
	if err := store.Each(r, "part_states", func(st grading.PartState) error {
		return ins("part_states", `INSERT INTO part_states (`+partStateCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, partStateArgs(st)...)
	}); err != nil {
		return err
	}
	if err := store.Each(r, "files", func(rec store.FileRecord) error {
		data := rec.Data
		if data == nil {
			data = []byte{}
		}
		a := rec.Attachment
		return ins("files", `INSERT INTO files (id, session_id, owner_id, name, content_type, size, created_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			a.FileID, rec.SessionID, rec.OwnerID, a.Name, a.ContentType, a.Size, ts(rec.CreatedAt), data)
	}); err != nil {
		return err
	}
	if err := store.Each(r, "submissions", func(sub grading.Submission) error {
		attach, err := nullJSON(sub.Attachment, sub.Attachment == nil)
		if err != nil {
			return err
		}
		var grade any
		if sub.Grade != nil {
			g := *sub.Grade
			g.ComputedAt = g.ComputedAt.UTC()
			if grade, err = jsonText(g); err != nil {
				return err
			}
		}
		var animBy, animScore, animComment, animAt, animConfirm any
		if a := sub.Animator; a != nil {
			animBy, animScore, animComment, animAt, animConfirm = a.By, a.Score, a.Comment, ts(a.At), boolInt(a.Confirm)
		}
		return ins("submissions", `INSERT INTO submissions (`+submissionCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			sub.ID, sub.SessionID, sub.Part, sub.AuthorID, sub.Text, attach, sub.Version, ts(sub.SubmittedAt), ts(sub.UpdatedAt), boolInt(sub.Late),
			grade, animBy, animScore, animComment, animAt, animConfirm, tsPtr(sub.QueuedAt), sub.TextHTML)
	}); err != nil {
		return err
	}
	if err := store.Each(r, "submission_versions", func(v grading.Version) error {
		attach, err := nullJSON(v.Attachment, v.Attachment == nil)
		if err != nil {
			return err
		}
		return ins("submission_versions", `INSERT INTO submission_versions (submission_id, n, text, attachment, at) VALUES (?, ?, ?, ?, ?)`,
			v.SubmissionID, v.N, v.Text, attach, ts(v.At))
	}); err != nil {
		return err
	}
	if err := store.Each(r, "reviews", func(rv grading.Review) error {
		args, err := reviewArgs(rv)
		if err != nil {
			return err
		}
		return ins("reviews", insertReview, args...)
	}); err != nil {
		return err
	}
	if err := store.Each(r, "evaluations", func(rec store.EvaluationRecord) error {
		return putEvaluation(ctx, tx, rec.SessionID, rec.Evaluation)
	}); err != nil {
		return err
	}
	return store.Each(r, "evaluation_attempts", func(a grading.Attempt) error {
		args, err := attemptArgs(a)
		if err != nil {
			return err
		}
		return ins("evaluation_attempts", insertAttempt, args...)
	})
}
