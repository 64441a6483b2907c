package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"librecours/app/store"
	"librecours/course"
)

// schemaCourse holds accounts, sessions and enrolments, the enrolment
// imports' invitations and the calendar feeds. No foreign key points at
// users or sessions: account deletion replaces user IDs by tombstones that
// have no row, and children may be written before their session.
const schemaCourse = `
-- users: one row per account (course.User).
CREATE TABLE users (
	id                 TEXT PRIMARY KEY,          -- UserByID, UsersByIDs, DeleteUsers
	email              TEXT NOT NULL UNIQUE,      -- normalised; UserByEmail, UsersByEmails, course.ErrEmailTaken
	name               TEXT NOT NULL,
	roles              TEXT NOT NULL DEFAULT '[]', -- JSON array of course.Role, read whole
	password_hash      TEXT NOT NULL,
	locale             TEXT NOT NULL DEFAULT '',  -- "fr", "en" or ""
	created_at         INTEGER NOT NULL,
	deletion_tombstone TEXT                       -- set by DeleteAccount (privacy.go) while the account's deletion runs; NULL otherwise
) STRICT;
CREATE INDEX users_name ON users (name, id); -- ListUsers, UsersByIDs, UsersByEmails: sorted by name

-- counters: named sequences; "session:<format>" numbers the sessions of a format.
CREATE TABLE counters (
	name  TEXT PRIMARY KEY,
	value INTEGER NOT NULL  -- the last number given
) STRICT, WITHOUT ROWID;

-- sessions: one row per run of the course (course.Session without its animators).
CREATE TABLE sessions (
	id         TEXT PRIMARY KEY,      -- SessionByID
	code       TEXT NOT NULL UNIQUE,  -- LCIII-001; CreateSession's course.ErrConflict
	format     TEXT NOT NULL,
	number     INTEGER NOT NULL,
	starts_on  TEXT NOT NULL,         -- YYYY-MM-DD in time_zone
	ends_on    TEXT NOT NULL,
	time_zone  TEXT NOT NULL,
	capacity   INTEGER NOT NULL,      -- 0: no limit
	enrolled   INTEGER NOT NULL,      -- seats taken: changed with the enrolments rows, in one transaction
	parts      TEXT NOT NULL,         -- JSON array of partCol, read whole (UpdatePart edits one element)
	evaluation TEXT NOT NULL,         -- JSON windowCol, read whole
	settings   TEXT NOT NULL,         -- JSON settingsCol, read whole
	closed_at  INTEGER,               -- NULL while open
	created_at INTEGER NOT NULL,
	created_by TEXT NOT NULL          -- a user ID (or a deletion tombstone)
) STRICT;
CREATE INDEX sessions_list ON sessions (starts_on DESC, code); -- ListSessions: latest start first
CREATE INDEX sessions_created_by ON sessions (created_by);    -- account deletion (privacy.go)

-- session_animators: Session.Animators, one row per animator of a session.
CREATE TABLE session_animators (
	session_id TEXT NOT NULL,
	user_id    TEXT NOT NULL,
	position   INTEGER NOT NULL,  -- order of addition: the order of Session.Animators
	PRIMARY KEY (session_id, user_id)  -- a session's animators (read with the session), AddAnimator
) STRICT, WITHOUT ROWID;
CREATE INDEX session_animators_user ON session_animators (user_id); -- the sessions a person animates (privacy.go: export, deletion)

-- enrolments: a participant's place in a session (store.EnrolmentRecord).
CREATE TABLE enrolments (
	session_id  TEXT NOT NULL,
	user_id     TEXT NOT NULL,
	enrolled_at INTEGER NOT NULL,
	batch       TEXT NOT NULL DEFAULT '',  -- the enrolment import that made it; '' one by one
	PRIMARY KEY (session_id, user_id)      -- IsEnrolled, course.ErrAlreadyEnrolled
) STRICT, WITHOUT ROWID;
CREATE INDEX enrolments_session ON enrolments (session_id, enrolled_at); -- EnrolmentsBySession, first enrolled first
CREATE INDEX enrolments_user ON enrolments (user_id, enrolled_at);       -- EnrolmentsByUser, account deletion

-- invitations: the invitation of an account an enrolment import created (store.InvitationRecord).
CREATE TABLE invitations (
	token_hash TEXT PRIMARY KEY,  -- the token's SHA-256: InvitationByHash, UseInvitation, RestoreInvitation
	user_id    TEXT NOT NULL,
	email      TEXT NOT NULL,
	session_id TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	used       INTEGER NOT NULL DEFAULT 0 CHECK (used IN (0, 1)),
	used_at    INTEGER            -- NULL while unused
) STRICT, WITHOUT ROWID;
CREATE INDEX invitations_user ON invitations (user_id); -- DeleteInvitations, PendingInvitations, account deletion

-- calendar_feeds: a person's secret calendar address for one session (course.CalendarFeed).
CREATE TABLE calendar_feeds (
	token_hash TEXT PRIMARY KEY,  -- the token's SHA-256: CalendarFeedByHash
	session_id TEXT NOT NULL,
	user_id    TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	UNIQUE (session_id, user_id)  -- one per person and session: CalendarFeed, PutCalendarFeed, DeleteCalendarFeed
) STRICT, WITHOUT ROWID;
CREATE INDEX calendar_feeds_user ON calendar_feeds (user_id); -- account deletion
`

// CourseStore stores accounts, sessions, enrolments, enrolment imports and
// calendar feeds.
type CourseStore struct{ db *DB }

var (
	_ course.Store       = (*CourseStore)(nil)
	_ course.RosterStore = (*CourseStore)(nil)
	_ course.FeedStore   = (*CourseStore)(nil)
)

// NewCourseStore returns the course store over db.
func NewCourseStore(db *DB) *CourseStore { return &CourseStore{db: db} }

// ---- users

const userCols = `id, email, name, roles, password_hash, locale, created_at`

// userColumnsOf is userCols qualified by a table alias, for joins (auth.go's
// Caller): scan them with userDest.
func userColumnsOf(alias string) string {
	return alias + ".id, " + alias + ".email, " + alias + ".name, " + alias + ".roles, " +
		alias + ".password_hash, " + alias + ".locale, " + alias + ".created_at"
}

// userDest returns a user, the scan destinations of userCols filling it, and
// the function that finishes it once scanned.
func userDest() (*course.User, []any, func() error) {
	u := &course.User{}
	var roles string
	var created int64
	dest := []any{&u.ID, &u.Email, &u.Name, &roles, &u.PasswordHash, &u.Locale, &created}
	return u, dest, func() error {
		if err := fromJSON(roles, &u.Roles); err != nil {
			return err
		}
		if len(u.Roles) == 0 {
			u.Roles = nil
		}
		u.CreatedAt = fromTS(created)
		return nil
	}
}

func scanUser(sc rowScanner) (*course.User, error) {
	u, dest, done := userDest()
	if err := sc.Scan(dest...); err != nil {
		return nil, err
	}
	if err := done(); err != nil {
		return nil, err
	}
	return u, nil
}

func rolesJSON(rs []course.Role) (string, error) {
	if rs == nil {
		rs = []course.Role{}
	}
	return jsonText(rs)
}

func insertUser(ctx context.Context, tx *sql.Tx, u *course.User) error {
	roles, err := rolesJSON(u.Roles)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO users (`+userCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Email, u.Name, roles, u.PasswordHash, u.Locale, ts(u.CreatedAt))
	return err
}

// CreateUser inserts u and sets its ID; a taken e-mail gives course.ErrEmailTaken.
func (s *CourseStore) CreateUser(ctx context.Context, u *course.User) error {
	id := newID()
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		c := *u
		c.ID = id
		return insertUser(ctx, tx, &c)
	})
	if err != nil {
		if isUnique(err) {
			return course.ErrEmailTaken
		}
		return fmt.Errorf("sqlstore: insert user: %w", err)
	}
	u.ID = id
	return nil
}

func (s *CourseStore) findUser(ctx context.Context, what, query string, arg any) (*course.User, error) {
	u, err := scanUser(s.db.r.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE `+query, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, course.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find user %s: %w", what, classify(err))
	}
	return u, nil
}

// UserByID returns one account.
func (s *CourseStore) UserByID(ctx context.Context, id string) (*course.User, error) {
	return s.findUser(ctx, id, `id = ?`, id)
}

// UserByEmail returns the account with that (normalised) e-mail.
func (s *CourseStore) UserByEmail(ctx context.Context, email string) (*course.User, error) {
	return s.findUser(ctx, email, `email = ?`, course.NormalizeEmail(email))
}

func (s *CourseStore) findUsers(ctx context.Context, where string, args ...any) ([]*course.User, error) {
	out, err := collect(ctx, s.db, scanUser, `SELECT `+userCols+` FROM users `+where+` ORDER BY name, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find users: %w", err)
	}
	return out, nil
}

// UsersByIDs returns the accounts among ids, sorted by name, in one query.
func (s *CourseStore) UsersByIDs(ctx context.Context, ids []string) ([]*course.User, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	list, err := jsonText(ids)
	if err != nil {
		return nil, err
	}
	return s.findUsers(ctx, `WHERE id IN (SELECT value FROM json_each(?))`, list)
}

// ListUsers returns every account, sorted by name.
func (s *CourseStore) ListUsers(ctx context.Context) ([]*course.User, error) {
	return s.findUsers(ctx, ``)
}

// updateUser runs one UPDATE of the account id; course.ErrNotFound when there
// is none.
func (s *CourseStore) updateUser(ctx context.Context, id, set string, args ...any) error {
	n, err := s.db.exec(ctx, `UPDATE users SET `+set+` WHERE id = ?`, append(args, id)...)
	if err != nil {
		return fmt.Errorf("sqlstore: update user %s: %w", id, err)
	}
	if n == 0 {
		return course.ErrNotFound
	}
	return nil
}

// AddUserRole gives the account a role it may already hold.
func (s *CourseStore) AddUserRole(ctx context.Context, id string, r course.Role) error {
	return s.updateUser(ctx, id, `roles = CASE WHEN EXISTS (SELECT 1 FROM json_each(users.roles) WHERE value = ?1)
		THEN roles ELSE json_insert(roles, '$[#]', ?1) END`, string(r))
}

// SetUserLocale remembers the account's language.
func (s *CourseStore) SetUserLocale(ctx context.Context, id, locale string) error {
	return s.updateUser(ctx, id, `locale = ?`, locale)
}

// SetUserPassword replaces the account's password hash.
func (s *CourseStore) SetUserPassword(ctx context.Context, id, hash string) error {
	return s.updateUser(ctx, id, `password_hash = ?`, hash)
}

// SetUserEmail changes an account's address; course.ErrEmailTaken when
// another account has it.
func (s *CourseStore) SetUserEmail(ctx context.Context, id, email string) error {
	err := s.updateUser(ctx, id, `email = ?`, email)
	if err != nil && isUnique(err) {
		return course.ErrEmailTaken
	}
	return err
}

// SetUserName renames an account.
func (s *CourseStore) SetUserName(ctx context.Context, id, name string) error {
	return s.updateUser(ctx, id, `name = ?`, name)
}

// UsersByEmails returns the accounts among the (normalised) addresses, in
// one query.
func (s *CourseStore) UsersByEmails(ctx context.Context, emails []string) ([]*course.User, error) {
	if len(emails) == 0 {
		return nil, nil
	}
	list, err := jsonText(emails)
	if err != nil {
		return nil, err
	}
	return s.findUsers(ctx, `WHERE email IN (SELECT value FROM json_each(?))`, list)
}

// CreateUsers sets fresh IDs and inserts the accounts in one transaction:
// all of them, or none (course.ErrEmailTaken when an address is taken).
func (s *CourseStore) CreateUsers(ctx context.Context, users []*course.User) error {
	if len(users) == 0 {
		return nil
	}
	for _, u := range users {
		u.ID = newID()
	}
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		for _, u := range users {
			if err := insertUser(ctx, tx, u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if isUnique(err) {
			return fmt.Errorf("sqlstore: insert users: %w", course.ErrEmailTaken)
		}
		return fmt.Errorf("sqlstore: insert users: %w", err)
	}
	return nil
}

// DeleteUsers removes accounts (an import's undo).
func (s *CourseStore) DeleteUsers(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	list, err := jsonText(ids)
	if err != nil {
		return err
	}
	if _, err := s.db.exec(ctx, `DELETE FROM users WHERE id IN (SELECT value FROM json_each(?))`, list); err != nil {
		return fmt.Errorf("sqlstore: delete users: %w", err)
	}
	return nil
}

// ---- sessions

// partCol is a course.Part in the parts JSON column.
type partCol struct {
	Number        int       `json:"number"`
	Title         string    `json:"title"`
	OpensAt       time.Time `json:"opens_at"`
	SubmissionDue time.Time `json:"submission_due"`
	ReviewDue     time.Time `json:"review_due"`
}

// windowCol is a course.Window in the evaluation JSON column.
type windowCol struct {
	OpensAt time.Time `json:"opens_at"`
	Due     time.Time `json:"due"`
}

// settingsCol is a course.Settings in the settings JSON column.
type settingsCol struct {
	ReviewsPerSubmission int  `json:"reviews_per_submission"`
	CommentMinLength     int  `json:"comment_min_length"`
	AcceptLate           bool `json:"accept_late"`
}

func toPartCol(p course.Part) partCol {
	return partCol{Number: p.Number, Title: p.Title, OpensAt: p.OpensAt.UTC(), SubmissionDue: p.SubmissionDue.UTC(), ReviewDue: p.ReviewDue.UTC()}
}

func partsJSON(ps []course.Part) (string, error) {
	cols := make([]partCol, len(ps))
	for i, p := range ps {
		cols[i] = toPartCol(p)
	}
	return jsonText(cols)
}

func windowJSON(w course.Window) (string, error) {
	return jsonText(windowCol{OpensAt: w.OpensAt.UTC(), Due: w.Due.UTC()})
}

// sessionCols are the columns scanSession reads; the last one gathers the
// animators in order.
const sessionCols = `s.id, s.code, s.format, s.number, s.starts_on, s.ends_on, s.time_zone, s.capacity, s.enrolled,
	s.parts, s.evaluation, s.settings, s.closed_at, s.created_at, s.created_by, s.workload_hours,
	(SELECT json_group_array(user_id) FROM (SELECT a.user_id FROM session_animators a WHERE a.session_id = s.id ORDER BY a.position))`

func scanSession(sc rowScanner) (*course.Session, error) {
	var (
		s                            course.Session
		format, parts, eval, set, an string
		closed                       sql.NullInt64
		created                      int64
	)
	if err := sc.Scan(&s.ID, &s.Code, &format, &s.Number, &s.StartsOn, &s.EndsOn, &s.TimeZone, &s.Capacity, &s.Enrolled,
		&parts, &eval, &set, &closed, &created, &s.CreatedBy, &s.WorkloadHours, &an); err != nil {
		return nil, err
	}
	s.Format = course.Format(format)
	pcs, err := decodeColumn(parts, fastParts)
	if err != nil {
		return nil, err
	}
	w, err := decodeColumn(eval, fastWindow)
	if err != nil {
		return nil, err
	}
	st, err := decodeColumn(set, fastSettings)
	if err != nil {
		return nil, err
	}
	if s.Animators, err = decodeColumn(an, fastStrings); err != nil {
		return nil, err
	}
	for _, p := range pcs {
		s.Parts = append(s.Parts, course.Part{Number: p.Number, Title: p.Title, OpensAt: p.OpensAt.UTC(), SubmissionDue: p.SubmissionDue.UTC(), ReviewDue: p.ReviewDue.UTC()})
	}
	if s.Animators == nil {
		s.Animators = []string{}
	}
	s.Evaluation = course.Window{OpensAt: w.OpensAt.UTC(), Due: w.Due.UTC()}
	s.Settings = course.Settings{ReviewsPerSubmission: st.ReviewsPerSubmission, CommentMinLength: st.CommentMinLength, AcceptLate: st.AcceptLate}
	s.ClosedAt = fromTSPtr(closed)
	s.CreatedAt = fromTS(created)
	return &s, nil
}

// insertSession writes sess (with its ID) and its animators.
func insertSession(ctx context.Context, tx *sql.Tx, sess *course.Session) error {
	parts, err := partsJSON(sess.Parts)
	if err != nil {
		return err
	}
	eval, err := windowJSON(sess.Evaluation)
	if err != nil {
		return err
	}
	st := sess.Settings
	set, err := jsonText(settingsCol{ReviewsPerSubmission: st.ReviewsPerSubmission, CommentMinLength: st.CommentMinLength, AcceptLate: st.AcceptLate})
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (id, code, format, number, starts_on, ends_on, time_zone,
		capacity, enrolled, parts, evaluation, settings, closed_at, created_at, created_by, workload_hours)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		sess.ID, sess.Code, string(sess.Format), sess.Number, sess.StartsOn, sess.EndsOn, sess.TimeZone,
		sess.Capacity, sess.Enrolled, parts, eval, set, tsPtr(sess.ClosedAt), ts(sess.CreatedAt), sess.CreatedBy, sess.Workload()); err != nil {
		return err
	}
	for i, a := range sess.Animators {
		if _, err := tx.ExecContext(ctx, `INSERT INTO session_animators (session_id, user_id, position) VALUES (?, ?, ?)
			ON CONFLICT DO NOTHING`, sess.ID, a, i+1); err != nil {
			return err
		}
	}
	return nil
}

// NextSessionNumber takes the next number of format f from an atomic counter.
func (s *CourseStore) NextSessionNumber(ctx context.Context, f course.Format) (int, error) {
	var n int64
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO counters (name, value) VALUES (?, 1)
			ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value`, sessionCounter(f)).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("sqlstore: next session number of %s: %w", f, err)
	}
	return int(n), nil
}

// sessionCounter names the counter of a format's session numbers (as
// app/mongostore does).
func sessionCounter(f course.Format) string { return "session:" + string(f) }

// CreateSession inserts sess and its animators and sets its ID; a taken code
// gives course.ErrConflict.
func (s *CourseStore) CreateSession(ctx context.Context, sess *course.Session) error {
	c := *sess
	c.ID = newID()
	if err := s.db.tx(ctx, func(tx *sql.Tx) error { return insertSession(ctx, tx, &c) }); err != nil {
		if isUnique(err) {
			return fmt.Errorf("sqlstore: session code %s: %w", sess.Code, course.ErrConflict)
		}
		return fmt.Errorf("sqlstore: insert session: %w", err)
	}
	sess.ID = c.ID
	return nil
}

// SessionByID returns one session.
func (s *CourseStore) SessionByID(ctx context.Context, id string) (*course.Session, error) {
	sess, err := scanSession(s.db.r.QueryRowContext(ctx, `SELECT `+sessionCols+` FROM sessions s WHERE s.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, course.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find session %s: %w", id, classify(err))
	}
	return sess, nil
}

// ListSessions returns every session, latest start first.
func (s *CourseStore) ListSessions(ctx context.Context) ([]*course.Session, error) {
	return s.sessions(ctx, "list sessions", ``)
}

// OpenSessions returns the sessions not closed, latest start first
// (sessions_open).
func (s *CourseStore) OpenSessions(ctx context.Context) ([]*course.Session, error) {
	return s.sessions(ctx, "open sessions", `WHERE s.closed_at IS NULL`)
}

// ClosedSessions returns one page of the closed sessions, latest start first
// (sessions_closed).
func (s *CourseStore) ClosedSessions(ctx context.Context, offset, limit int) ([]*course.Session, error) {
	out, err := collect(ctx, s.db, scanSession, `SELECT `+sessionCols+` FROM sessions s WHERE s.closed_at IS NOT NULL
		ORDER BY s.starts_on DESC, s.code LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: closed sessions: %w", err)
	}
	return out, nil
}

// CountClosedSessions counts the closed sessions (sessions_closed).
func (s *CourseStore) CountClosedSessions(ctx context.Context) (int, error) {
	var n int
	if err := s.db.r.QueryRowContext(ctx, `SELECT count(*) FROM sessions WHERE closed_at IS NOT NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlstore: count closed sessions: %w", classify(err))
	}
	return n, nil
}

// SessionsOf returns the sessions userID is enrolled in or animates, latest
// start first (enrolments_user and session_animators_user find them).
func (s *CourseStore) SessionsOf(ctx context.Context, userID string) ([]*course.Session, error) {
	return s.sessions(ctx, "sessions of "+userID, `WHERE s.id IN (
		SELECT session_id FROM enrolments WHERE user_id = ?
		UNION SELECT session_id FROM session_animators WHERE user_id = ?)`, userID, userID)
}

// sessions returns the sessions where says, latest start first.
func (s *CourseStore) sessions(ctx context.Context, what, where string, args ...any) ([]*course.Session, error) {
	out, err := collect(ctx, s.db, scanSession, `SELECT `+sessionCols+` FROM sessions s `+where+` ORDER BY s.starts_on DESC, s.code`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: %s: %w", what, err)
	}
	return out, nil
}

// updateSession runs one UPDATE of the session id with extra conditions and
// reports whether it matched.
func (s *CourseStore) updateSession(ctx context.Context, id, set, cond string, args ...any) (bool, error) {
	n, err := s.db.exec(ctx, `UPDATE sessions SET `+set+` WHERE id = ?`+cond, args...)
	if err != nil {
		return false, fmt.Errorf("sqlstore: update session %s: %w", id, err)
	}
	return n > 0, nil
}

// updateSessionByID runs one UPDATE of the session id; course.ErrNotFound
// when there is none. args are set's, then the ID is added.
func (s *CourseStore) updateSessionByID(ctx context.Context, id, set string, args ...any) error {
	ok, err := s.updateSession(ctx, id, set, ``, append(args, id)...)
	if err != nil {
		return err
	}
	if !ok {
		return course.ErrNotFound
	}
	return nil
}

// UpdatePart replaces part p.Number of the session in one statement: parts
// are stored in order, so part n sits at index n-1, and the statement checks
// that the element there is indeed part n.
func (s *CourseStore) UpdatePart(ctx context.Context, sessionID string, p course.Part) error {
	if p.Number < 1 || p.Number > course.PartCount {
		return course.ErrNotFound
	}
	part, err := jsonText(toPartCol(p))
	if err != nil {
		return err
	}
	path := fmt.Sprintf("$[%d]", p.Number-1)
	ok, err := s.updateSession(ctx, sessionID, `parts = json_set(parts, ?, json(?))`,
		` AND json_extract(parts, ?) = ?`, path, part, sessionID, path+".number", p.Number)
	if err != nil {
		return err
	}
	if !ok {
		return course.ErrNotFound
	}
	return nil
}

// UpdateEvaluationWindow replaces the session's evaluation window.
func (s *CourseStore) UpdateEvaluationWindow(ctx context.Context, sessionID string, w course.Window) error {
	eval, err := windowJSON(w)
	if err != nil {
		return err
	}
	return s.updateSessionByID(ctx, sessionID, `evaluation = ?`, eval)
}

// SetCapacity changes the capacity unless it is below the enrolled count
// (course.ErrCapacityTooSmall), in one statement.
func (s *CourseStore) SetCapacity(ctx context.Context, sessionID string, capacity int) error {
	ok, err := s.updateSession(ctx, sessionID, `capacity = ?`, ` AND (? = 0 OR enrolled <= ?)`, capacity, sessionID, capacity, capacity)
	if err != nil {
		return err
	}
	if !ok {
		if _, err := s.SessionByID(ctx, sessionID); err != nil {
			return err
		}
		return course.ErrCapacityTooSmall
	}
	return nil
}

// SetWorkload changes the session's workload in hours.
func (s *CourseStore) SetWorkload(ctx context.Context, sessionID string, hours int) error {
	return s.updateSessionByID(ctx, sessionID, `workload_hours = ?`, hours)
}

// SetClosed closes the session at at, or reopens it when at is nil.
func (s *CourseStore) SetClosed(ctx context.Context, sessionID string, at *time.Time) error {
	return s.updateSessionByID(ctx, sessionID, `closed_at = ?`, tsPtr(at))
}

// SetSchedule replaces a session's dates, parts and evaluation window in one
// statement.
func (s *CourseStore) SetSchedule(ctx context.Context, sessionID string, plan course.Schedule) error {
	parts, err := partsJSON(plan.Parts)
	if err != nil {
		return err
	}
	eval, err := windowJSON(plan.Evaluation)
	if err != nil {
		return err
	}
	return s.updateSessionByID(ctx, sessionID, `starts_on = ?, ends_on = ?, parts = ?, evaluation = ?`,
		plan.StartsOn, plan.EndsOn, parts, eval)
}

// AddAnimator adds userID to the session's animators, after those already
// there; adding an animator twice changes nothing.
func (s *CourseStore) AddAnimator(ctx context.Context, sessionID, userID string) error {
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		if err := sessionExists(ctx, tx, sessionID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO session_animators (session_id, user_id, position)
			VALUES (?1, ?2, (SELECT COALESCE(MAX(position), 0) + 1 FROM session_animators WHERE session_id = ?1))
			ON CONFLICT (session_id, user_id) DO NOTHING`, sessionID, userID)
		return err
	})
	if errors.Is(err, course.ErrNotFound) {
		return err
	}
	if err != nil {
		return fmt.Errorf("sqlstore: add animator to session %s: %w", sessionID, err)
	}
	return nil
}

// sessionExists returns course.ErrNotFound when there is no such session.
func sessionExists(ctx context.Context, q queryer, id string) error {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM sessions WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return course.ErrNotFound
	}
	return err
}

// ---- enrolments

// Enrol records the enrolment and takes a seat in one transaction, refusing
// with course.ErrAlreadyEnrolled or course.ErrSessionFull.
func (s *CourseStore) Enrol(ctx context.Context, e course.Enrolment) error {
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO enrolments (session_id, user_id, enrolled_at) VALUES (?, ?, ?)`,
			e.SessionID, e.UserID, ts(e.EnrolledAt)); err != nil {
			if isUnique(err) {
				return course.ErrAlreadyEnrolled
			}
			return err
		}
		return takeSeats(ctx, tx, e.SessionID, 1)
	})
	switch {
	case errors.Is(err, course.ErrAlreadyEnrolled), errors.Is(err, course.ErrSessionFull), errors.Is(err, course.ErrNotFound):
		return err
	case err != nil:
		return fmt.Errorf("sqlstore: enrol %s in %s: %w", e.UserID, e.SessionID, err)
	}
	return nil
}

// takeSeats adds n to the session's enrolled count unless that would go
// past its capacity (course.ErrSessionFull); course.ErrNotFound when there is
// no such session.
func takeSeats(ctx context.Context, tx *sql.Tx, sessionID string, n int) error {
	res, err := tx.ExecContext(ctx, `UPDATE sessions SET enrolled = enrolled + ?1
		WHERE id = ?2 AND (capacity = 0 OR enrolled + ?1 <= capacity)`, n, sessionID)
	if err != nil {
		return err
	}
	if k, err := res.RowsAffected(); err != nil {
		return err
	} else if k > 0 {
		return nil
	}
	if err := sessionExists(ctx, tx, sessionID); err != nil {
		return err
	}
	return course.ErrSessionFull
}

// EnrolMany takes len(es) seats and records the enrolments tagged with batch
// in one transaction: all or none (course.ErrSessionFull,
// course.ErrAlreadyEnrolled).
func (s *CourseStore) EnrolMany(ctx context.Context, sessionID, batch string, es []course.Enrolment) error {
	if len(es) == 0 {
		return nil
	}
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		if err := takeSeats(ctx, tx, sessionID, len(es)); err != nil {
			return err
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO enrolments (session_id, user_id, enrolled_at, batch) VALUES (?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer func() { _ = st.Close() }()
		for _, e := range es {
			if _, err := st.ExecContext(ctx, sessionID, e.UserID, ts(e.EnrolledAt), batch); err != nil {
				if isUnique(err) {
					return fmt.Errorf("%s: %w", e.UserID, course.ErrAlreadyEnrolled)
				}
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlstore: enrol %d people in %s: %w", len(es), sessionID, err)
	}
	return nil
}

// IsEnrolled reports whether userID is enrolled in the session.
func (s *CourseStore) IsEnrolled(ctx context.Context, sessionID, userID string) (bool, error) {
	var one int
	err := s.db.r.QueryRowContext(ctx, `SELECT 1 FROM enrolments WHERE session_id = ? AND user_id = ?`, sessionID, userID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sqlstore: find enrolment: %w", classify(err))
	}
	return true, nil
}

func (s *CourseStore) enrolments(ctx context.Context, where string, arg string) ([]course.Enrolment, error) {
	out := []course.Enrolment{}
	err := s.db.query(ctx, func(rows *sql.Rows) error {
		var e course.Enrolment
		var at int64
		if err := rows.Scan(&e.SessionID, &e.UserID, &at); err != nil {
			return err
		}
		e.EnrolledAt = fromTS(at)
		out = append(out, e)
		return nil
	}, `SELECT session_id, user_id, enrolled_at FROM enrolments WHERE `+where+` ORDER BY enrolled_at, session_id, user_id`, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find enrolments: %w", err)
	}
	return out, nil
}

// EnrolmentsByUser lists a person's enrolments, oldest first.
func (s *CourseStore) EnrolmentsByUser(ctx context.Context, userID string) ([]course.Enrolment, error) {
	return s.enrolments(ctx, `user_id = ?`, userID)
}

// EnrolmentsBySession lists a session's enrolments, first enrolled first.
func (s *CourseStore) EnrolmentsBySession(ctx context.Context, sessionID string) ([]course.Enrolment, error) {
	return s.enrolments(ctx, `session_id = ?`, sessionID)
}

// ---- invitations

func insertInvitation(ctx context.Context, tx *sql.Tx, v course.Invitation, used bool, usedAt *time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO invitations (token_hash, user_id, email, session_id, created_at, expires_at, used, used_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		v.TokenHash, v.UserID, v.Email, v.SessionID, ts(v.CreatedAt), ts(v.ExpiresAt), used, tsPtr(usedAt))
	return err
}

// CreateInvitations inserts invitations, all or none.
func (s *CourseStore) CreateInvitations(ctx context.Context, invs []course.Invitation) error {
	if len(invs) == 0 {
		return nil
	}
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		for _, v := range invs {
			if err := insertInvitation(ctx, tx, v, false, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlstore: insert invitations: %w", err)
	}
	return nil
}

// DeleteInvitations removes the invitations of these accounts.
func (s *CourseStore) DeleteInvitations(ctx context.Context, userIDs []string) error {
	if len(userIDs) == 0 {
		return nil
	}
	list, err := jsonText(userIDs)
	if err != nil {
		return err
	}
	if _, err := s.db.exec(ctx, `DELETE FROM invitations WHERE user_id IN (SELECT value FROM json_each(?))`, list); err != nil {
		return fmt.Errorf("sqlstore: delete invitations: %w", err)
	}
	return nil
}

const invitationCols = `token_hash, user_id, email, session_id, created_at, expires_at`

func scanInvitation(sc rowScanner) (course.Invitation, error) {
	var v course.Invitation
	var created, expires int64
	if err := sc.Scan(&v.TokenHash, &v.UserID, &v.Email, &v.SessionID, &created, &expires); err != nil {
		return v, err
	}
	v.CreatedAt, v.ExpiresAt = fromTS(created), fromTS(expires)
	return v, nil
}

// InvitationByHash returns an unused invitation; course.ErrNotFound otherwise.
func (s *CourseStore) InvitationByHash(ctx context.Context, hash string) (*course.Invitation, error) {
	v, err := scanInvitation(s.db.r.QueryRowContext(ctx, `SELECT `+invitationCols+` FROM invitations WHERE token_hash = ? AND used = 0`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, course.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find invitation: %w", classify(err))
	}
	return &v, nil
}

// PendingInvitations returns the unused invitations, expired or not, of
// these accounts.
func (s *CourseStore) PendingInvitations(ctx context.Context, userIDs []string) ([]course.Invitation, error) {
	if len(userIDs) == 0 {
		return nil, nil
	}
	list, err := jsonText(userIDs)
	if err != nil {
		return nil, err
	}
	out, err := collectOrNil(ctx, s.db, scanInvitation, `SELECT `+invitationCols+` FROM invitations WHERE user_id IN (SELECT value FROM json_each(?)) AND used = 0 ORDER BY user_id, token_hash`, list)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find invitations: %w", err)
	}
	return out, nil
}

// UseInvitation marks an unused, unexpired invitation used, in one
// statement: of two concurrent uses, one gets course.ErrNotFound.
func (s *CourseStore) UseInvitation(ctx context.Context, hash string, now time.Time) error {
	n, err := s.db.exec(ctx, `UPDATE invitations SET used = 1, used_at = ? WHERE token_hash = ? AND used = 0 AND expires_at > ?`,
		ts(now), hash, ts(now))
	if err != nil {
		return fmt.Errorf("sqlstore: use invitation: %w", err)
	}
	if n == 0 {
		return course.ErrNotFound
	}
	return nil
}

// RestoreInvitation makes a used invitation usable again.
func (s *CourseStore) RestoreInvitation(ctx context.Context, hash string) error {
	if _, err := s.db.exec(ctx, `UPDATE invitations SET used = 0, used_at = NULL WHERE token_hash = ?`, hash); err != nil {
		return fmt.Errorf("sqlstore: restore invitation: %w", err)
	}
	return nil
}

// ---- calendar feeds

// PutCalendarFeed replaces the person's feed of the session, in one
// transaction.
func (s *CourseStore) PutCalendarFeed(ctx context.Context, f course.CalendarFeed) error {
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM calendar_feeds WHERE session_id = ? AND user_id = ?`, f.SessionID, f.UserID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO calendar_feeds (token_hash, session_id, user_id, created_at) VALUES (?, ?, ?, ?)`,
			f.TokenHash, f.SessionID, f.UserID, ts(f.CreatedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlstore: put calendar feed: %w", err)
	}
	return nil
}

func (s *CourseStore) findFeed(ctx context.Context, where string, args ...any) (*course.CalendarFeed, error) {
	var f course.CalendarFeed
	var created int64
	err := s.db.r.QueryRowContext(ctx, `SELECT token_hash, session_id, user_id, created_at FROM calendar_feeds WHERE `+where, args...).
		Scan(&f.TokenHash, &f.SessionID, &f.UserID, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, course.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find calendar feed: %w", classify(err))
	}
	f.CreatedAt = fromTS(created)
	return &f, nil
}

// CalendarFeed returns the person's feed of the session.
func (s *CourseStore) CalendarFeed(ctx context.Context, sessionID, userID string) (*course.CalendarFeed, error) {
	return s.findFeed(ctx, `session_id = ? AND user_id = ?`, sessionID, userID)
}

// CalendarFeedByHash returns the feed of a token's hash.
func (s *CourseStore) CalendarFeedByHash(ctx context.Context, hash string) (*course.CalendarFeed, error) {
	return s.findFeed(ctx, `token_hash = ?`, hash)
}

// DeleteCalendarFeed revokes the person's feed of the session, if any.
func (s *CourseStore) DeleteCalendarFeed(ctx context.Context, sessionID, userID string) error {
	if _, err := s.db.exec(ctx, `DELETE FROM calendar_feeds WHERE session_id = ? AND user_id = ?`, sessionID, userID); err != nil {
		return fmt.Errorf("sqlstore: delete calendar feed: %w", err)
	}
	return nil
}

// ---- backup

// exportCourse writes the course collections from the export's snapshot.
func exportCourse(ctx context.Context, tx *sql.Tx, w store.RecordWriter) error {
	return exportAll(ctx, tx, w, []exportStep{
		{"users", `SELECT ` + userCols + ` FROM users ORDER BY id`, func(rows *sql.Rows) (any, error) {
			u, err := scanUser(rows)
			if err != nil {
				return nil, err
			}
			return u, nil
		}},
		{"counters", `SELECT name, value FROM counters ORDER BY name`, func(rows *sql.Rows) (any, error) {
			var c store.Counter
			err := rows.Scan(&c.Name, &c.Value)
			return c, err
		}},
		{"sessions", `SELECT ` + sessionCols + ` FROM sessions s ORDER BY s.id`, func(rows *sql.Rows) (any, error) {
			sess, err := scanSession(rows)
			if err != nil {
				return nil, err
			}
			return sess, nil
		}},
		{"enrolments", `SELECT session_id, user_id, enrolled_at, batch FROM enrolments ORDER BY session_id, user_id`, func(rows *sql.Rows) (any, error) {
			var e store.EnrolmentRecord
			var at int64
			err := rows.Scan(&e.SessionID, &e.UserID, &at, &e.Batch)
			e.EnrolledAt = fromTS(at)
			return e, err
		}},
		{"invitations", `SELECT ` + invitationCols + `, used, used_at FROM invitations ORDER BY token_hash`, func(rows *sql.Rows) (any, error) {
			var r store.InvitationRecord
			var created, expires int64
			var usedAt sql.NullInt64
			err := rows.Scan(&r.TokenHash, &r.UserID, &r.Email, &r.SessionID, &created, &expires, &r.Used, &usedAt)
			r.CreatedAt, r.ExpiresAt, r.UsedAt = fromTS(created), fromTS(expires), fromTSPtr(usedAt)
			return r, err
		}},
		{"calendar_feeds", `SELECT token_hash, session_id, user_id, created_at FROM calendar_feeds ORDER BY token_hash`, func(rows *sql.Rows) (any, error) {
			var f course.CalendarFeed
			var created int64
			err := rows.Scan(&f.TokenHash, &f.SessionID, &f.UserID, &created)
			f.CreatedAt = fromTS(created)
			return f, err
		}},
	})
}

// importCourse loads the course collections inside the import's transaction.
func importCourse(ctx context.Context, tx *sql.Tx, r store.RecordReader) error {
	if err := store.Each(r, "users", func(u course.User) error {
		return insertUser(ctx, tx, &u)
	}); err != nil {
		return fmt.Errorf("sqlstore: import users: %w", classify(err))
	}
	if err := store.Each(r, "counters", func(c store.Counter) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO counters (name, value) VALUES (?, ?)`, c.Name, c.Value)
		return err
	}); err != nil {
		return fmt.Errorf("sqlstore: import counters: %w", classify(err))
	}
	if err := store.Each(r, "sessions", func(sess course.Session) error {
		return insertSession(ctx, tx, &sess)
	}); err != nil {
		return fmt.Errorf("sqlstore: import sessions: %w", classify(err))
	}
	if err := store.Each(r, "enrolments", func(e store.EnrolmentRecord) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO enrolments (session_id, user_id, enrolled_at, batch) VALUES (?, ?, ?, ?)`,
			e.SessionID, e.UserID, ts(e.EnrolledAt), e.Batch)
		return err
	}); err != nil {
		return fmt.Errorf("sqlstore: import enrolments: %w", classify(err))
	}
	if err := store.Each(r, "invitations", func(v store.InvitationRecord) error {
		return insertInvitation(ctx, tx, v.Invitation, v.Used, v.UsedAt)
	}); err != nil {
		return fmt.Errorf("sqlstore: import invitations: %w", classify(err))
	}
	if err := store.Each(r, "calendar_feeds", func(f course.CalendarFeed) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO calendar_feeds (token_hash, session_id, user_id, created_at) VALUES (?, ?, ?, ?)`,
			f.TokenHash, f.SessionID, f.UserID, ts(f.CreatedAt))
		return err
	}); err != nil {
		return fmt.Errorf("sqlstore: import calendar_feeds: %w", classify(err))
	}
	return nil
}

// ---- undo

// RemoveAnimator takes userID off the session's animators.
func (s *CourseStore) RemoveAnimator(ctx context.Context, sessionID, userID string) error {
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		if err := sessionExists(ctx, tx, sessionID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM session_animators WHERE session_id = ? AND user_id = ?`, sessionID, userID)
		return err
	})
	if errors.Is(err, course.ErrNotFound) {
		return err
	}
	if err != nil {
		return fmt.Errorf("sqlstore: remove animator from session %s: %w", sessionID, err)
	}
	return nil
}

// Unenrol removes the enrolment and gives its seat back in one transaction.
func (s *CourseStore) Unenrol(ctx context.Context, sessionID, userID string) error {
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM enrolments WHERE session_id = ? AND user_id = ?`, sessionID, userID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return course.ErrNotFound
		}
		_, err = tx.ExecContext(ctx, `UPDATE sessions SET enrolled = MAX(enrolled - 1, 0) WHERE id = ?`, sessionID)
		return err
	})
	if errors.Is(err, course.ErrNotFound) {
		return err
	}
	if err != nil {
		return fmt.Errorf("sqlstore: unenrol %s from %s: %w", userID, sessionID, err)
	}
	return nil
}

// sessionContentTables hold what is kept per session around it, removed
// with a session that is cancelled.
var sessionContentTables = []string{
	"session_animators", "exercises", "part_states", "evaluations", "grading_stamps",
	"certificate_rules", "availability", "invitations", "calendar_feeds", "session_hooks",
}

// DeleteSession removes a session nobody is enrolled in and that has no
// submission, with its content, in one transaction.
func (s *CourseStore) DeleteSession(ctx context.Context, sessionID string) error {
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		var enrolled, subs int
		err := tx.QueryRowContext(ctx, `SELECT enrolled, (SELECT COUNT(*) FROM enrolments WHERE session_id = ?1)
			+ (SELECT COUNT(*) FROM submissions WHERE session_id = ?1) FROM sessions WHERE id = ?1`, sessionID).Scan(&enrolled, &subs)
		if errors.Is(err, sql.ErrNoRows) {
			return course.ErrNotFound
		}
		if err != nil {
			return err
		}
		if enrolled > 0 || subs > 0 {
			return course.ErrConflict
		}
		for _, t := range sessionContentTables {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE session_id = ?`, sessionID); err != nil { // #nosec G202 -- table names are constants
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, sessionID)
		return err
	})
	if errors.Is(err, course.ErrNotFound) || errors.Is(err, course.ErrConflict) {
		return err
	}
	if err != nil {
		return fmt.Errorf("sqlstore: delete session %s: %w", sessionID, err)
	}
	return nil
}
