package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"librecours/app/store"
	"librecours/certificates"
	"librecours/course"
)

// schemaCertificates holds the certificates, the rules and decisions they are
// issued under, the animator commitments and availabilities, the signing
// keys and the audit log. User and session IDs carry no foreign key: account
// deletion puts tombstone IDs in their place, and sessions are written apart.
const schemaCertificates = `
-- A session's own rules (Rules, PutRules); the defaults when no row. Read whole.
CREATE TABLE certificate_rules (
	session_id TEXT PRIMARY KEY,
	rules      TEXT NOT NULL -- JSON certificates.Rules
) STRICT;

-- A participant's choice on the animator commitment (Declined, SetDeclined).
CREATE TABLE commitment_choices (
	session_id TEXT NOT NULL,
	user_id    TEXT NOT NULL,
	declined   INTEGER NOT NULL,
	PRIMARY KEY (session_id, user_id) -- Declined: a session's choices
) STRICT, WITHOUT ROWID;
CREATE INDEX commitment_choices_user ON commitment_choices (user_id); -- account deletion and export

-- A coordinator's level decision on one person in a session.
CREATE TABLE level_overrides (
	session_id TEXT NOT NULL,
	user_id    TEXT NOT NULL,
	level      INTEGER NOT NULL,
	reason     TEXT NOT NULL,
	by_id      TEXT NOT NULL, -- the coordinator
	at         INTEGER NOT NULL,
	PRIMARY KEY (session_id, user_id) -- Overrides, PutOverride, DeleteOverride
) STRICT, WITHOUT ROWID;
CREATE INDEX level_overrides_user ON level_overrides (user_id); -- account deletion and export
CREATE INDEX level_overrides_by ON level_overrides (by_id);     -- account deletion (who decided)

CREATE TABLE certificates (
	code          TEXT PRIMARY KEY, -- Certificate, Revoke
	session_id    TEXT NOT NULL,
	session_code  TEXT NOT NULL,
	session_start TEXT NOT NULL,
	session_end   TEXT NOT NULL,
	user_id       TEXT NOT NULL,
	holder_name   TEXT NOT NULL,
	level         INTEGER NOT NULL,
	lang          TEXT NOT NULL,
	salt          TEXT NOT NULL,
	badge         TEXT NOT NULL,
	rules         TEXT NOT NULL, -- JSON certificates.Rules applied at issue
	issued_at     INTEGER NOT NULL,
	revoked_at    INTEGER,       -- NULL: valid
	revoke_reason TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX certificates_session ON certificates (session_id, issued_at, code); -- CertificatesBySession
CREATE INDEX certificates_user ON certificates (user_id, issued_at, code);       -- CertificatesByUser

-- Level II holders' promises to animate a later session.
CREATE TABLE commitments (
	id                TEXT PRIMARY KEY, -- PutCommitment
	user_id           TEXT NOT NULL,
	from_session_id   TEXT NOT NULL,
	from_session_code TEXT NOT NULL,
	from_start        TEXT NOT NULL,
	certificate       TEXT NOT NULL,
	status            TEXT NOT NULL,
	created_at        INTEGER NOT NULL,
	fulfilled_by      TEXT NOT NULL,
	reason            TEXT NOT NULL
) STRICT;
CREATE INDEX commitments_created ON commitments (created_at, id);       -- Commitments, oldest first
CREATE INDEX commitments_user ON commitments (user_id, created_at, id); -- CommitmentsOf

-- Badge signing keys; seq keeps the order of keys made at the same instant.
CREATE TABLE signing_keys (
	seq        INTEGER PRIMARY KEY,
	pem        BLOB NOT NULL,
	created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX signing_keys_created ON signing_keys (created_at); -- SigningKeys, oldest first (then seq)

-- A person's declaration for an upcoming session: one per person and session.
CREATE TABLE availability (
	session_id TEXT NOT NULL,
	user_id    TEXT NOT NULL,
	available  INTEGER NOT NULL,
	at         INTEGER NOT NULL,
	PRIMARY KEY (session_id, user_id) -- SetAvailability, Availabilities
) STRICT, WITHOUT ROWID;
CREATE INDEX availability_user ON availability (user_id, session_id); -- AvailabilitiesOf, account deletion

-- The audit log, append only. seq orders entries of the same instant by
-- insertion; AuditSearch reads newest first (at DESC, seq DESC).
CREATE TABLE audit_log (
	seq        INTEGER PRIMARY KEY,
	at         INTEGER NOT NULL,
	actor_id   TEXT NOT NULL,
	action     TEXT NOT NULL,
	session_id TEXT NOT NULL,
	target     TEXT NOT NULL,
	detail     TEXT NOT NULL,
	reason     TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_at ON audit_log (at);                         -- AuditSearch without filter
CREATE INDEX audit_log_session_at ON audit_log (session_id, at);     -- AuditSearch by session
CREATE INDEX audit_log_action_at ON audit_log (action, at);          -- AuditSearch by action
CREATE INDEX audit_log_actor_at ON audit_log (actor_id, at);         -- AuditSearch by person (as actor), account deletion
CREATE INDEX audit_log_target_at ON audit_log (target, at);          -- AuditSearch by person (as target), account deletion
`

// schemaCertificateStatus gives each certificate its bit in the issuer's
// revocation list; 0 for certificates issued before status lists, which
// have none. The partial unique index refuses a second holder of a bit and
// serves RevokedStatusIndices.
const schemaCertificateStatus = `
ALTER TABLE certificates ADD COLUMN status_index INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX certificates_status ON certificates (status_index) WHERE status_index > 0; -- InsertCertificate, RevokedStatusIndices
`

// CertificateStore stores certificates, the rules and decisions they are
// issued under, animator commitments and availabilities, signing keys and
// the audit log.
type CertificateStore struct{ db *DB }

var (
	_ certificates.Store         = (*CertificateStore)(nil)
	_ certificates.AnimatorStore = (*CertificateStore)(nil)
	_ store.CertificateStore     = (*CertificateStore)(nil)
)

// NewCertificateStore returns the certificate store over db.
func NewCertificateStore(db *DB) *CertificateStore { return &CertificateStore{db: db} }

// Rules returns a session's rules, or certificates.ErrNotFound when the
// session uses the defaults.
func (s *CertificateStore) Rules(ctx context.Context, sessionID string) (certificates.Rules, error) {
	var text string
	err := s.db.r.QueryRowContext(ctx, `SELECT rules FROM certificate_rules WHERE session_id = ?`, sessionID).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return certificates.Rules{}, certificates.ErrNotFound
	}
	if err != nil {
		return certificates.Rules{}, fmt.Errorf("sqlstore: find rules of %s: %w", sessionID, classify(err))
	}
	var r certificates.Rules
	if err := fromJSON(text, &r); err != nil {
		return certificates.Rules{}, fmt.Errorf("sqlstore: rules of %s: %w", sessionID, err)
	}
	return r, nil
}

// PutRules replaces a session's rules.
func (s *CertificateStore) PutRules(ctx context.Context, sessionID string, r certificates.Rules) error {
	text, err := jsonText(r)
	if err != nil {
		return err
	}
	if _, err := s.db.exec(ctx, `INSERT INTO certificate_rules (session_id, rules) VALUES (?, ?)
		ON CONFLICT (session_id) DO UPDATE SET rules = excluded.rules`, sessionID, text); err != nil {
		return fmt.Errorf("sqlstore: put rules of %s: %w", sessionID, err)
	}
	return nil
}

// Declined returns who declined the animator commitment in a session; those
// who accepted it, or never chose, are left out.
func (s *CertificateStore) Declined(ctx context.Context, sessionID string) (map[string]bool, error) {
	out := map[string]bool{}
	err := s.db.query(ctx, func(rows *sql.Rows) error {
		var u string
		if err := rows.Scan(&u); err != nil {
			return err
		}
		out[u] = true
		return nil
	}, `SELECT user_id FROM commitment_choices WHERE session_id = ? AND declined = 1`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: commitment choices of %s: %w", sessionID, err)
	}
	return out, nil
}

// SetDeclined records a participant's choice on the animator commitment.
func (s *CertificateStore) SetDeclined(ctx context.Context, sessionID, userID string, declined bool) error {
	if _, err := s.db.exec(ctx, `INSERT INTO commitment_choices (session_id, user_id, declined) VALUES (?, ?, ?)
		ON CONFLICT (session_id, user_id) DO UPDATE SET declined = excluded.declined`, sessionID, userID, declined); err != nil {
		return fmt.Errorf("sqlstore: set commitment choice %s:%s: %w", sessionID, userID, err)
	}
	return nil
}

// Overrides returns a session's level overrides by user ID.
func (s *CertificateStore) Overrides(ctx context.Context, sessionID string) (map[string]certificates.Override, error) {
	out := map[string]certificates.Override{}
	err := s.db.query(ctx, func(rows *sql.Rows) error {
		var o certificates.Override
		var at int64
		if err := rows.Scan(&o.UserID, &o.Level, &o.Reason, &o.By, &at); err != nil {
			return err
		}
		o.At = fromTS(at)
		out[o.UserID] = o
		return nil
	}, `SELECT user_id, level, reason, by_id, at FROM level_overrides WHERE session_id = ?`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: overrides of %s: %w", sessionID, err)
	}
	return out, nil
}

// PutOverride sets, or replaces, a person's level override in a session.
func (s *CertificateStore) PutOverride(ctx context.Context, sessionID string, o certificates.Override) error {
	if _, err := s.db.exec(ctx, `INSERT INTO level_overrides (session_id, user_id, level, reason, by_id, at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (session_id, user_id) DO UPDATE SET level = excluded.level, reason = excluded.reason, by_id = excluded.by_id, at = excluded.at`,
		sessionID, o.UserID, int(o.Level), o.Reason, o.By, ts(o.At)); err != nil {
		return fmt.Errorf("sqlstore: put override %s:%s: %w", sessionID, o.UserID, err)
	}
	return nil
}

// DeleteOverride removes a person's level override, if any.
func (s *CertificateStore) DeleteOverride(ctx context.Context, sessionID, userID string) error {
	if _, err := s.db.exec(ctx, `DELETE FROM level_overrides WHERE session_id = ? AND user_id = ?`, sessionID, userID); err != nil {
		return fmt.Errorf("sqlstore: delete override %s:%s: %w", sessionID, userID, err)
	}
	return nil
}

// certColumns are the columns scanCertificate reads, in its order.
const certColumns = `code, session_id, session_code, session_start, session_end, user_id, holder_name, level, lang, salt, badge,
	rules, issued_at, revoked_at, revoke_reason, status_index, revoke_public, workload_hours`

func scanCertificate(r rowScanner) (certificates.Certificate, error) {
	var c certificates.Certificate
	var rules string
	var issued int64
	var revoked sql.NullInt64
	if err := r.Scan(&c.Code, &c.SessionID, &c.SessionCode, &c.SessionStart, &c.SessionEnd, &c.UserID, &c.HolderName, &c.Level,
		&c.Lang, &c.Salt, &c.Badge, &rules, &issued, &revoked, &c.RevokeReason, &c.StatusIndex, &c.RevokePublic, &c.WorkloadHours); err != nil {
		return c, err
	}
	if err := fromJSON(rules, &c.Rules); err != nil {
		return c, fmt.Errorf("certificate %s: %w", c.Code, err)
	}
	c.IssuedAt = fromTS(issued)
	c.RevokedAt = fromTSPtr(revoked)
	return c, nil
}

// insertCertificate inserts c in the writer's transaction tx.
func insertCertificate(ctx context.Context, tx *sql.Tx, c certificates.Certificate) error {
	rules, err := jsonText(c.Rules)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO certificates (`+certColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.Code, c.SessionID, c.SessionCode, c.SessionStart, c.SessionEnd, c.UserID, c.HolderName, int(c.Level), c.Lang, c.Salt,
		c.Badge, rules, ts(c.IssuedAt), tsPtr(c.RevokedAt), c.RevokeReason, c.StatusIndex, c.RevokePublic, c.Workload())
	return err
}

// InsertCertificate stores a new certificate; its code is its key, and a
// code already used is refused (an error that is not ErrNotFound). A status
// index another certificate holds is certificates.ErrStatusIndexTaken.
func (s *CertificateStore) InsertCertificate(ctx context.Context, c certificates.Certificate) error {
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		if c.StatusIndex > 0 {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM certificates WHERE status_index = ?`, c.StatusIndex).Scan(&one)
			if err == nil {
				return certificates.ErrStatusIndexTaken
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		return insertCertificate(ctx, tx, c)
	})
	if errors.Is(err, certificates.ErrStatusIndexTaken) {
		return err
	}
	if isUnique(err) {
		return fmt.Errorf("sqlstore: insert certificate %s: code already used: %w", c.Code, err)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: insert certificate %s: %w", c.Code, err)
	}
	return nil
}

// Certificate returns a certificate by its code, revoked or not.
func (s *CertificateStore) Certificate(ctx context.Context, code string) (*certificates.Certificate, error) {
	return certificateOn(ctx, s.db.r, code)
}

func certificateOn(ctx context.Context, q queryer, code string) (*certificates.Certificate, error) {
	c, err := scanCertificate(q.QueryRowContext(ctx, `SELECT `+certColumns+` FROM certificates WHERE code = ?`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, certificates.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find certificate %s: %w", code, classify(err))
	}
	return &c, nil
}

func (s *CertificateStore) listCertificates(ctx context.Context, where string, arg any) ([]certificates.Certificate, error) {
	out, err := collectOrNil(ctx, s.db, scanCertificate, `SELECT `+certColumns+` FROM certificates WHERE `+where+` = ? ORDER BY issued_at, code`, arg) // #nosec G202 -- where is a constant column name
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list certificates by %s %v: %w", where, arg, err)
	}
	return out, nil
}

// CertificatesBySession lists a session's certificates, revoked ones
// included, first issued first.
func (s *CertificateStore) CertificatesBySession(ctx context.Context, sessionID string) ([]certificates.Certificate, error) {
	return s.listCertificates(ctx, "session_id", sessionID)
}

// CertificatesByUser lists a person's certificates, revoked ones included,
// first issued first.
func (s *CertificateStore) CertificatesByUser(ctx context.Context, userID string) ([]certificates.Certificate, error) {
	return s.listCertificates(ctx, "user_id", userID)
}

// Revoke revokes a certificate with one conditional update, so it is revoked
// once: certificates.ErrRevoked if it already was, certificates.ErrNotFound
// if there is no such code.
func (s *CertificateStore) Revoke(ctx context.Context, code, reason string, public bool, at time.Time) error {
	changed, exists, err := s.db.changeOrProbe(ctx, `SELECT 1 FROM certificates WHERE code = ?`, code,
		`UPDATE certificates SET revoked_at = ?, revoke_reason = ?, revoke_public = ? WHERE code = ? AND revoked_at IS NULL`,
		ts(at), reason, public, code)
	switch {
	case err != nil:
		return fmt.Errorf("sqlstore: revoke certificate %s: %w", code, err)
	case changed:
		return nil
	case exists:
		return certificates.ErrRevoked
	default:
		return certificates.ErrNotFound
	}
}

// RevokedStatusIndices returns the status indexes of the revoked
// certificates that have one.
func (s *CertificateStore) RevokedStatusIndices(ctx context.Context) ([]int, error) {
	var out []int
	err := s.db.query(ctx, func(rows *sql.Rows) error {
		var i int
		if err := rows.Scan(&i); err != nil {
			return err
		}
		out = append(out, i)
		return nil
	}, `SELECT status_index FROM certificates WHERE status_index > 0 AND revoked_at IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: revoked status indexes: %w", err)
	}
	return out, nil
}

// commitmentColumns are the columns scanCommitment reads, in its order.
const commitmentColumns = `id, user_id, from_session_id, from_session_code, from_start, certificate, status, created_at, fulfilled_by, reason`

func scanCommitment(r rowScanner) (certificates.Commitment, error) {
	var c certificates.Commitment
	var created int64
	err := r.Scan(&c.ID, &c.UserID, &c.FromSessionID, &c.FromSessionCode, &c.FromStart, &c.Certificate, &c.Status, &created,
		&c.FulfilledBy, &c.Reason)
	c.CreatedAt = fromTS(created)
	return c, err
}

func (s *CertificateStore) commitments(ctx context.Context, query string, args ...any) ([]certificates.Commitment, error) {
	out, err := collectOrNil(ctx, s.db, scanCommitment, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list commitments: %w", err)
	}
	return out, nil
}

// Commitments returns every animator commitment, oldest first.
func (s *CertificateStore) Commitments(ctx context.Context) ([]certificates.Commitment, error) {
	return s.commitments(ctx, `SELECT `+commitmentColumns+` FROM commitments ORDER BY created_at, id`)
}

// CommitmentsOf returns one person's commitments, oldest first.
func (s *CertificateStore) CommitmentsOf(ctx context.Context, userID string) ([]certificates.Commitment, error) {
	return s.commitments(ctx, `SELECT `+commitmentColumns+` FROM commitments WHERE user_id = ? ORDER BY created_at, id`, userID)
}

const putCommitmentSQL = `INSERT INTO commitments (` + commitmentColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, from_session_id = excluded.from_session_id,
	from_session_code = excluded.from_session_code, from_start = excluded.from_start, certificate = excluded.certificate,
	status = excluded.status, created_at = excluded.created_at, fulfilled_by = excluded.fulfilled_by, reason = excluded.reason`

func commitmentArgs(c certificates.Commitment) []any {
	return []any{c.ID, c.UserID, c.FromSessionID, c.FromSessionCode, c.FromStart, c.Certificate, c.Status, ts(c.CreatedAt),
		c.FulfilledBy, c.Reason}
}

// PutCommitment inserts a commitment or replaces the one with its ID.
func (s *CertificateStore) PutCommitment(ctx context.Context, c certificates.Commitment) error {
	if _, err := s.db.exec(ctx, putCommitmentSQL, commitmentArgs(c)...); err != nil {
		return fmt.Errorf("sqlstore: put commitment %s: %w", c.ID, err)
	}
	return nil
}

// SigningKeys returns every stored signing key, oldest first.
func (s *CertificateStore) SigningKeys(ctx context.Context) ([]certificates.StoredKey, error) {
	out, err := signingKeysOn(ctx, s.db.r)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: signing keys: %w", err)
	}
	return out, nil
}

func signingKeysOn(ctx context.Context, q queryer) ([]certificates.StoredKey, error) {
	var out []certificates.StoredKey
	err := queryOn(ctx, q, func(rows *sql.Rows) error {
		var k certificates.StoredKey
		var created int64
		if err := rows.Scan(&k.PEM, &created); err != nil {
			return err
		}
		k.CreatedAt = fromTS(created)
		out = append(out, k)
		return nil
	}, `SELECT pem, created_at FROM signing_keys ORDER BY created_at, seq`)
	return out, err
}

// AddSigningKey stores a new signing key.
func (s *CertificateStore) AddSigningKey(ctx context.Context, k certificates.StoredKey) error {
	if _, err := s.db.exec(ctx, `INSERT INTO signing_keys (pem, created_at) VALUES (?, ?)`, k.PEM, ts(k.CreatedAt)); err != nil {
		return fmt.Errorf("sqlstore: insert signing key: %w", err)
	}
	return nil
}

const insertAuditSQL = `INSERT INTO audit_log (at, actor_id, action, session_id, target, detail, reason) VALUES (?, ?, ?, ?, ?, ?, ?)`

func auditArgs(e course.AuditEntry) []any {
	return []any{ts(e.At), e.ActorID, e.Action, e.SessionID, e.Target, e.Detail, e.Reason}
}

// Audit appends an entry to the audit log.
func (s *CertificateStore) Audit(ctx context.Context, e certificates.AuditEntry) error {
	if _, err := s.db.exec(ctx, insertAuditSQL, auditArgs(e)...); err != nil {
		return fmt.Errorf("sqlstore: insert audit entry %s: %w", e.Action, err)
	}
	return nil
}

const auditColumns = `at, actor_id, action, session_id, target, detail, reason`

func scanAudit(r rowScanner) (course.AuditEntry, error) {
	var e course.AuditEntry
	var at int64
	err := r.Scan(&at, &e.ActorID, &e.Action, &e.SessionID, &e.Target, &e.Detail, &e.Reason)
	e.At = fromTS(at)
	return e, err
}

// AuditLog returns the newest audit entries first, those of one session, or
// of every session when sessionID is "". A limit of 0 or less returns them
// all. Entries at the same instant come newest inserted first.
func (s *CertificateStore) AuditLog(ctx context.Context, sessionID string, limit int) ([]certificates.AuditEntry, error) {
	return s.AuditSearch(ctx, certificates.AuditFilter{SessionID: sessionID, Limit: limit})
}

// AuditSearch returns the newest entries first (those of one instant newest
// inserted first) that match every field set in f: the session, the action,
// a person as actor or target, and the instants from f.From (included) to
// f.To (excluded). Each filter is served by its index; a
// person is looked up as actor and as target through two.
func (s *CertificateStore) AuditSearch(ctx context.Context, f certificates.AuditFilter) ([]certificates.AuditEntry, error) {
	q := `SELECT ` + auditColumns + ` FROM audit_log WHERE 1 = 1`
	var args []any
	if f.SessionID != "" {
		q += ` AND session_id = ?`
		args = append(args, f.SessionID)
	}
	if f.Action != "" {
		q += ` AND action = ?`
		args = append(args, f.Action)
	}
	if f.Person != "" {
		q += ` AND seq IN (SELECT seq FROM audit_log WHERE actor_id = ? UNION ALL SELECT seq FROM audit_log WHERE target = ?)`
		args = append(args, f.Person, f.Person)
	}
	// Every index of the table ends with at: a date range narrows each.
	if !f.From.IsZero() {
		q += ` AND at >= ?`
		args = append(args, ts(f.From))
	}
	if !f.To.IsZero() {
		q += ` AND at < ?`
		args = append(args, ts(f.To))
	}
	q += ` ORDER BY at DESC, seq DESC`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	out, err := collectOrNil(ctx, s.db, scanAudit, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: search the audit log: %w", err)
	}
	return out, nil
}

// SetAvailability records a person's declaration for a session, replacing
// the previous one.
func (s *CertificateStore) SetAvailability(ctx context.Context, a certificates.Availability) error {
	if _, err := s.db.exec(ctx, `INSERT INTO availability (session_id, user_id, available, at) VALUES (?, ?, ?, ?)
		ON CONFLICT (session_id, user_id) DO UPDATE SET available = excluded.available, at = excluded.at`,
		a.SessionID, a.UserID, a.Available, ts(a.At)); err != nil {
		return fmt.Errorf("sqlstore: set availability %s:%s: %w", a.SessionID, a.UserID, err)
	}
	return nil
}

// Availabilities returns every declaration, by session then person.
func (s *CertificateStore) Availabilities(ctx context.Context) ([]certificates.Availability, error) {
	return availabilitiesOn(ctx, s.db.r, `SELECT session_id, user_id, available, at FROM availability ORDER BY session_id, user_id`)
}

// AvailabilitiesOf returns one person's declarations, by session.
func (s *CertificateStore) AvailabilitiesOf(ctx context.Context, userID string) ([]certificates.Availability, error) {
	return availabilitiesOn(ctx, s.db.r, `SELECT session_id, user_id, available, at FROM availability WHERE user_id = ? ORDER BY session_id`, userID)
}

func availabilitiesOn(ctx context.Context, q queryer, query string, args ...any) ([]certificates.Availability, error) {
	var out []certificates.Availability
	err := queryOn(ctx, q, func(rows *sql.Rows) error {
		var a certificates.Availability
		var at int64
		if err := rows.Scan(&a.SessionID, &a.UserID, &a.Available, &at); err != nil {
			return err
		}
		a.At = fromTS(at)
		out = append(out, a)
		return nil
	}, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: availabilities: %w", err)
	}
	return out, nil
}

// exportCertificates writes the certificates' collections, each in a fixed
// order the mongostore export shares.
func exportCertificates(ctx context.Context, tx *sql.Tx, w store.RecordWriter) error {
	return exportAll(ctx, tx, w, []exportStep{
		{"certificate_rules", `SELECT session_id, rules FROM certificate_rules ORDER BY session_id`, func(rows *sql.Rows) (any, error) {
			var rec store.RulesRecord
			var text string
			if err := rows.Scan(&rec.SessionID, &text); err != nil {
				return nil, err
			}
			return rec, fromJSON(text, &rec.Rules)
		}},
		{"commitment_choices", `SELECT session_id, user_id, declined FROM commitment_choices ORDER BY session_id, user_id`, func(rows *sql.Rows) (any, error) {
			var rec store.ChoiceRecord
			return rec, rows.Scan(&rec.SessionID, &rec.UserID, &rec.Declined)
		}},
		{"level_overrides", `SELECT session_id, user_id, level, reason, by_id, at FROM level_overrides ORDER BY session_id, user_id`, func(rows *sql.Rows) (any, error) {
			var rec store.OverrideRecord
			var at int64
			err := rows.Scan(&rec.SessionID, &rec.Override.UserID, &rec.Override.Level, &rec.Override.Reason, &rec.Override.By, &at)
			rec.Override.At = fromTS(at)
			return rec, err
		}},
		{"certificates", `SELECT ` + certColumns + ` FROM certificates ORDER BY code`, func(rows *sql.Rows) (any, error) {
			return scanCertificate(rows)
		}},
		{"commitments", `SELECT ` + commitmentColumns + ` FROM commitments ORDER BY id`, func(rows *sql.Rows) (any, error) {
			return scanCommitment(rows)
		}},
		{"signing_keys", `SELECT pem, created_at FROM signing_keys ORDER BY created_at, seq`, func(rows *sql.Rows) (any, error) {
			var k certificates.StoredKey
			var created int64
			err := rows.Scan(&k.PEM, &created)
			k.CreatedAt = fromTS(created)
			return k, err
		}},
		{"availability", `SELECT session_id, user_id, available, at FROM availability ORDER BY session_id, user_id`, func(rows *sql.Rows) (any, error) {
			var a certificates.Availability
			var at int64
			err := rows.Scan(&a.SessionID, &a.UserID, &a.Available, &at)
			a.At = fromTS(at)
			return a, err
		}},
		{"audit_log", `SELECT ` + auditColumns + ` FROM audit_log ORDER BY at, seq`, func(rows *sql.Rows) (any, error) {
			return scanAudit(rows)
		}},
	})
}

// importCertificates loads the certificates' collections inside the
// restore's transaction; audit entries and signing keys get their order
// from the file's.
func importCertificates(ctx context.Context, tx *sql.Tx, r store.RecordReader) error {
	exec := func(coll, query string, args ...any) error { return importExec(ctx, tx, coll, query, args...) }
	if err := store.Each(r, "certificate_rules", func(rec store.RulesRecord) error {
		text, err := jsonText(rec.Rules)
		if err != nil {
			return err
		}
		return exec("certificate_rules", `INSERT INTO certificate_rules (session_id, rules) VALUES (?, ?)`, rec.SessionID, text)
	}); err != nil {
		return err
	}
	if err := store.Each(r, "commitment_choices", func(rec store.ChoiceRecord) error {
		return exec("commitment_choices", `INSERT INTO commitment_choices (session_id, user_id, declined) VALUES (?, ?, ?)`,
			rec.SessionID, rec.UserID, rec.Declined)
	}); err != nil {
		return err
	}
	if err := store.Each(r, "level_overrides", func(rec store.OverrideRecord) error {
		o := rec.Override
		return exec("level_overrides", `INSERT INTO level_overrides (session_id, user_id, level, reason, by_id, at) VALUES (?, ?, ?, ?, ?, ?)`,
			rec.SessionID, o.UserID, int(o.Level), o.Reason, o.By, ts(o.At))
	}); err != nil {
		return err
	}
	if err := store.Each(r, "certificates", func(c certificates.Certificate) error {
		if err := insertCertificate(ctx, tx, c); err != nil {
			return fmt.Errorf("sqlstore: import certificate %s: %w", c.Code, classify(err))
		}
		return nil
	}); err != nil {
		return err
	}
	if err := store.Each(r, "commitments", func(c certificates.Commitment) error {
		return exec("commitments", `INSERT INTO commitments (`+commitmentColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			commitmentArgs(c)...)
	}); err != nil {
		return err
	}
	if err := store.Each(r, "signing_keys", func(k certificates.StoredKey) error {
		return exec("signing_keys", `INSERT INTO signing_keys (pem, created_at) VALUES (?, ?)`, k.PEM, ts(k.CreatedAt))
	}); err != nil {
		return err
	}
	if err := store.Each(r, "availability", func(a certificates.Availability) error {
		return exec("availability", `INSERT INTO availability (session_id, user_id, available, at) VALUES (?, ?, ?, ?)`,
			a.SessionID, a.UserID, a.Available, ts(a.At))
	}); err != nil {
		return err
	}
	return store.Each(r, "audit_log", func(e course.AuditEntry) error {
		return exec("audit_log", insertAuditSQL, auditArgs(e)...)
	})
}
