package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"librecours/course"
)

// The course store also exports and deletes a person's data, across every
// table.
var _ course.PrivacyStore = (*CourseStore)(nil)

// ReleasedAccountDeletion is the release reason of a pending commitment
// whose holder deleted their account (a key, not text: pages translate it);
// the same as app/mongostore's.
const ReleasedAccountDeletion = "account_deleted"

// colKind says how PersonalData turns a column into a plain value.
type colKind int

const (
	colPlain colKind = iota // as scanned: text, number
	colTime                 // Unix nanoseconds: a time in UTC
	colJSON                 // JSON text: decoded
	colBool                 // 0 or 1
)

// privacySection is one section of PersonalData: a query for one person's
// rows (its only argument is the person's ID) and the kind of its columns
// that are not plain.
type privacySection struct {
	name  string
	query string
	kinds map[string]colKind
}

// privacySections are the sections PersonalData reads, each with the index
// that serves it. Other people's identities are not selected: reviews
// written leave out whose work they judged and whom they were taken from,
// reviews received who wrote them, decisions who took them. Secrets (token
// hashes) are not selected either.
var privacySections = []privacySection{
	{"enrolments", // enrolments_user
		`SELECT e.session_id, e.user_id, e.enrolled_at, s.code AS session_code, s.starts_on AS session_starts_on, s.ends_on AS session_ends_on
		FROM enrolments e LEFT JOIN sessions s ON s.id = e.session_id WHERE e.user_id = ? ORDER BY e.enrolled_at, e.session_id`,
		map[string]colKind{"enrolled_at": colTime}},
	{"sessions_animated", // session_animators_user: the session is not theirs, its code and dates are
		`SELECT s.id, s.code, s.starts_on, s.ends_on FROM session_animators a JOIN sessions s ON s.id = a.session_id
		WHERE a.user_id = ? ORDER BY s.starts_on, s.id`, nil},
	{"submissions", // submissions_author; which animator decided is theirs, not the author's
		`SELECT id, session_id, part, author_id, text, attachment, version, submitted_at, updated_at, late, grade,
			animator_score, animator_comment, animator_at, animator_confirm, queued_at
		FROM submissions WHERE author_id = ? ORDER BY id`,
		map[string]colKind{"attachment": colJSON, "submitted_at": colTime, "updated_at": colTime, "late": colBool, "grade": colJSON,
			"animator_at": colTime, "animator_confirm": colBool, "queued_at": colTime}},
	{"files", // files_owner: metadata, not the bytes
		`SELECT id, session_id, owner_id, name, content_type, size, created_at FROM files WHERE owner_id = ? ORDER BY id`,
		map[string]colKind{"created_at": colTime}},
	{"reviews_written", // reviews_reviewer_session
		`SELECT id, session_id, part, submission_id, reviewer_id, status, scores, comment, percent, assigned_at, updated_at, done_at, required, flag
		FROM reviews WHERE reviewer_id = ? ORDER BY id`,
		map[string]colKind{"scores": colJSON, "assigned_at": colTime, "updated_at": colTime, "done_at": colTime, "required": colBool, "flag": colJSON}},
	{"reviews_received", // reviews_author; only those handed in
		`SELECT id, session_id, part, submission_id, status, scores, comment, percent, done_at, flag, reply_text, helpfulness
		FROM reviews WHERE author_id = ? AND status = 'done' ORDER BY id`,
		map[string]colKind{"scores": colJSON, "done_at": colTime, "flag": colJSON}},
	{"evaluation_attempts", // evaluation_attempts_user
		`SELECT id, session_id, user_id, n, answers, started_at, submitted_at, score FROM evaluation_attempts WHERE user_id = ? ORDER BY id`,
		map[string]colKind{"answers": colJSON, "started_at": colTime, "submitted_at": colTime}},
	{"certificates", // certificates_user
		`SELECT code AS id, session_id, session_code, session_start, session_end, user_id, holder_name, level, lang, salt, badge, rules,
			issued_at, revoked_at, revoke_reason
		FROM certificates WHERE user_id = ? ORDER BY issued_at, code`,
		map[string]colKind{"rules": colJSON, "issued_at": colTime, "revoked_at": colTime}},
	{"commitments", // commitments_user
		`SELECT id, user_id, from_session_id, from_session_code, from_start, certificate, status, created_at, fulfilled_by, reason
		FROM commitments WHERE user_id = ? ORDER BY created_at, id`,
		map[string]colKind{"created_at": colTime}},
	{"commitment_choices", // commitment_choices_user
		`SELECT session_id, user_id, declined FROM commitment_choices WHERE user_id = ? ORDER BY session_id`,
		map[string]colKind{"declined": colBool}},
	{"level_overrides", // level_overrides_user
		`SELECT session_id, user_id, level, reason, at FROM level_overrides WHERE user_id = ? ORDER BY session_id`,
		map[string]colKind{"at": colTime}},
	{"sign_in_sessions", // auth_sessions_user: times and kind only
		`SELECT kind, created_at, last_seen, expires_at, idle_expires_at FROM auth_sessions WHERE user_id = ? ORDER BY created_at, token_hash`,
		map[string]colKind{"created_at": colTime, "last_seen": colTime, "expires_at": colTime, "idle_expires_at": colTime}},
	{"outbox", // outbox_user
		`SELECT kind, user_id, session_id, lang, events, status, attempts, next_at, created_at, updated_at, last_error
		FROM outbox WHERE user_id = ? ORDER BY created_at, id`,
		map[string]colKind{"events": colJSON, "next_at": colTime, "created_at": colTime, "updated_at": colTime}},
	{"notify_prefs", // notify_prefs primary key
		`SELECT off FROM notify_prefs WHERE user_id = ?`,
		map[string]colKind{"off": colJSON}},
	{"invitations", // invitations_user
		`SELECT user_id, email, session_id, created_at, expires_at, used, used_at FROM invitations WHERE user_id = ? ORDER BY created_at, token_hash`,
		map[string]colKind{"created_at": colTime, "expires_at": colTime, "used": colBool, "used_at": colTime}},
	{"calendar_feeds", // calendar_feeds_user
		`SELECT session_id, user_id, created_at FROM calendar_feeds WHERE user_id = ? ORDER BY session_id`,
		map[string]colKind{"created_at": colTime}},
	{"availability", // availability_user
		`SELECT session_id, user_id, available, at FROM availability WHERE user_id = ? ORDER BY session_id`,
		map[string]colKind{"available": colBool, "at": colTime}},
}

// PersonalData gathers everything stored about a person, from one snapshot:
// the account (without its password hash), enrolments, sessions animated,
// own submissions with their versions and files' metadata, reviews written
// and received, evaluation attempts, certificates, commitments and choices
// about them, level overrides, sign-in sessions and API tokens (times and
// kind only), messages, notification preferences, invitations, calendar
// feeds and availabilities. course.ErrNotFound for no such account.
func (s *CourseStore) PersonalData(ctx context.Context, userID string) (*course.PersonalData, error) {
	var pd *course.PersonalData
	err := s.db.readTx(ctx, func(tx *sql.Tx) error {
		u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, userID))
		if errors.Is(err, sql.ErrNoRows) {
			return course.ErrNotFound
		}
		if err != nil {
			return err
		}
		u.PasswordHash = ""
		pd = &course.PersonalData{User: *u, Sections: map[string][]course.Record{}}
		for _, sec := range privacySections {
			recs, err := privacyRecords(ctx, tx, sec, userID)
			if err != nil {
				return fmt.Errorf("%s: %w", sec.name, err)
			}
			pd.Sections[sec.name] = recs
		}
		for _, sub := range pd.Sections["submissions"] {
			privacyNestAnimator(sub)
		}
		return privacyVersions(ctx, tx, userID, pd.Sections["submissions"])
	})
	if errors.Is(err, course.ErrNotFound) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: personal data of %s: %w", userID, classify(err))
	}
	return pd, nil
}

// privacyRecords reads a section's rows as plain records keyed by column
// name; a NULL column is left out.
func privacyRecords(ctx context.Context, q queryer, sec privacySection, args ...any) ([]course.Record, error) {
	out := []course.Record{}
	var cols []string
	err := queryOn(ctx, q, func(rows *sql.Rows) error {
		if cols == nil {
			var err error
			if cols, err = rows.Columns(); err != nil {
				return err
			}
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		r := course.Record{}
		for i, c := range cols {
			v, err := privacyValue(vals[i], sec.kinds[c])
			if err != nil {
				return fmt.Errorf("column %s: %w", c, err)
			}
			if v != nil {
				r[c] = v
			}
		}
		out = append(out, r)
		return nil
	}, sec.query, args...)
	return out, err
}

// privacyValue turns a scanned column into a plain value of its kind.
func privacyValue(v any, kind colKind) (any, error) {
	if v == nil {
		return nil, nil
	}
	if b, ok := v.([]byte); ok && kind != colPlain {
		v = string(b)
	}
	switch kind {
	case colTime:
		if n, ok := v.(int64); ok {
			return fromTS(n), nil
		}
	case colBool:
		if n, ok := v.(int64); ok {
			return n != 0, nil
		}
	case colJSON:
		if s, ok := v.(string); ok {
			var x any
			if err := json.Unmarshal([]byte(s), &x); err != nil {
				return nil, err
			}
			return privacyPlainJSON(x), nil
		}
	}
	return v, nil
}

// privacyPlainJSON turns decoded JSON objects into records, at every depth.
func privacyPlainJSON(x any) any {
	switch x := x.(type) {
	case map[string]any:
		r := make(course.Record, len(x))
		for k, v := range x {
			r[k] = privacyPlainJSON(v)
		}
		return r
	case []any:
		for i, v := range x {
			x[i] = privacyPlainJSON(v)
		}
		return x
	default:
		return x
	}
}

// privacyNestAnimator gathers a submission's animator_* columns into an
// "animator" record (score, comment, at, confirm).
func privacyNestAnimator(sub course.Record) {
	a := course.Record{}
	for k, v := range sub {
		if f, ok := strings.CutPrefix(k, "animator_"); ok {
			a[f] = v
			delete(sub, k)
		}
	}
	if len(a) > 0 {
		sub["animator"] = a
	}
}

// privacyVersions nests each submission's kept versions in it.
func privacyVersions(ctx context.Context, tx *sql.Tx, userID string, subs []course.Record) error {
	byID := map[any]course.Record{}
	for _, sub := range subs {
		sub["versions"] = []course.Record{}
		byID[sub["id"]] = sub
	}
	if len(subs) == 0 {
		return nil
	}
	// submissions_author, then the versions' primary key.
	versions, err := privacyRecords(ctx, tx, privacySection{name: "versions",
		query: `SELECT v.submission_id, v.n, v.text, v.attachment, v.at FROM submission_versions v
			JOIN submissions s ON s.id = v.submission_id WHERE s.author_id = ? ORDER BY v.submission_id, v.n`,
		kinds: map[string]colKind{"attachment": colJSON, "at": colTime}}, userID)
	if err != nil {
		return fmt.Errorf("versions: %w", err)
	}
	for _, v := range versions {
		if sub := byID[v["submission_id"]]; sub != nil {
			sub["versions"] = append(sub["versions"].([]course.Record), v)
		}
	}
	return nil
}

// privacyRewrites replace the person's ID by the tombstone (the first
// argument; the person's ID is the second) in the work they leave behind,
// each served by the index named beside it. The audit log's details are
// free text, searched whole (no index can serve it): an account deletion
// is rare.
var privacyRewrites = []struct{ what, query string }{
	{"submissions", `UPDATE submissions SET author_id = ?1 WHERE author_id = ?2`},                                       // submissions_author
	{"animator grades", `UPDATE submissions SET animator_by = ?1 WHERE animator_by = ?2`},                               // submissions_animator_by
	{"files", `UPDATE files SET owner_id = ?1 WHERE owner_id = ?2`},                                                     // files_owner
	{"reviews written", `UPDATE reviews SET reviewer_id = ?1 WHERE reviewer_id = ?2`},                                   // reviews_reviewer_session
	{"reviews received", `UPDATE reviews SET author_id = ?1 WHERE author_id = ?2`},                                      // reviews_author
	{"reviews taken over", `UPDATE reviews SET taken_from = ?1 WHERE taken_from = ?2`},                                  // reviews_taken_from_session
	{"enrolments", `UPDATE enrolments SET user_id = ?1 WHERE user_id = ?2`},                                             // enrolments_user
	{"evaluation attempts", `UPDATE evaluation_attempts SET user_id = ?1, id = replace(id, ?2, ?1) WHERE user_id = ?2`}, // evaluation_attempts_user
	{"commitment choices", `UPDATE commitment_choices SET user_id = ?1 WHERE user_id = ?2`},                             // commitment_choices_user
	{"level overrides decided", `UPDATE level_overrides SET by_id = ?1 WHERE by_id = ?2`},                               // level_overrides_by
	{"level overrides", `UPDATE level_overrides SET user_id = ?1 WHERE user_id = ?2`},                                   // level_overrides_user
	{"commitments", `UPDATE commitments SET user_id = ?1, id = replace(id, ?2, ?1),
		status = CASE WHEN status = 'pending' THEN 'released' ELSE status END,
		reason = CASE WHEN status = 'pending' THEN '` + ReleasedAccountDeletion + `' ELSE reason END
		WHERE user_id = ?2`}, // commitments_user
	{"certificates", `UPDATE certificates SET user_id = ?1 WHERE user_id = ?2`},           // certificates_user
	{"sessions animated", `UPDATE session_animators SET user_id = ?1 WHERE user_id = ?2`}, // session_animators_user
	{"sessions created", `UPDATE sessions SET created_by = ?1 WHERE created_by = ?2`},     // sessions_created_by
	{"audit log actor", `UPDATE audit_log SET actor_id = ?1 WHERE actor_id = ?2`},         // audit_log_actor_at
	{"audit log target", `UPDATE audit_log SET target = ?1 WHERE target = ?2`},            // audit_log_target_at
	{"audit log details", `UPDATE audit_log SET detail = replace(detail, ?2, ?1) WHERE instr(detail, ?2) > 0`},
}

// privacyDeletes remove what is only the person's (the argument is their
// ID), each by the index named beside it.
var privacyDeletes = []struct{ what, query string }{
	{"sign-in sessions", `DELETE FROM auth_sessions WHERE user_id = ?`}, // auth_sessions_user
	{"messages", `DELETE FROM outbox WHERE user_id = ?`},                // outbox_user
	{"notification preferences", `DELETE FROM notify_prefs WHERE user_id = ?`},
	{"invitations", `DELETE FROM invitations WHERE user_id = ?`},       // invitations_user
	{"calendar feeds", `DELETE FROM calendar_feeds WHERE user_id = ?`}, // calendar_feeds_user
	{"availability", `DELETE FROM availability WHERE user_id = ?`},     // availability_user
}

// DeleteAccount deletes a person's account in one transaction: the work
// they leave behind (submissions, files, reviews written, received or let
// lapse, enrolments, evaluation attempts, commitments and their choices,
// level overrides, certificates, which keep the holder's name as issued,
// the sessions they animated or created, the audit log) now carries a
// tombstone ID; their pending commitments are released; their sign-in
// sessions, tokens, messages, preferences, invitations, calendar feeds,
// availabilities and sign-in counter go; the audit log records the deletion
// under the tombstone only; the account goes last. A failure changes
// nothing, so running it again does the whole job; a tombstone recorded on
// the account (a deletion begun by app/mongostore, then restored here) is
// kept. course.ErrNotFound for no such account.
func (s *CourseStore) DeleteAccount(ctx context.Context, userID string, at time.Time) (string, error) {
	var tomb string
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		var email string
		var kept sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT email, deletion_tombstone FROM users WHERE id = ?`, userID).Scan(&email, &kept)
		if errors.Is(err, sql.ErrNoRows) {
			return course.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("find the account: %w", err)
		}
		tomb = kept.String
		if tomb == "" {
			tomb = "deleted-" + newID()
		}
		for _, d := range privacyDeletes {
			if _, err := tx.ExecContext(ctx, d.query, userID); err != nil {
				return fmt.Errorf("%s: %w", d.what, err)
			}
		}
		for _, r := range privacyRewrites {
			if _, err := tx.ExecContext(ctx, r.query, tomb, userID); err != nil {
				return fmt.Errorf("%s: %w", r.what, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_throttle WHERE key = ?`, "email:"+course.NormalizeEmail(email)); err != nil {
			return fmt.Errorf("sign-in counter: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, actor_id, action, session_id, target, detail, reason)
			VALUES (?, ?, ?, '', ?, '', '')`, ts(at), tomb, course.AuditAccountDelete, tomb); err != nil {
			return fmt.Errorf("audit entry: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, userID); err != nil {
			return fmt.Errorf("account: %w", err)
		}
		return nil
	})
	if errors.Is(err, course.ErrNotFound) {
		return "", err
	}
	if err != nil {
		return "", fmt.Errorf("sqlstore: delete account %s: %w", userID, classify(err))
	}
	return tomb, nil
}
