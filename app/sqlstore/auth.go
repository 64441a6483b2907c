package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"librecours/app/store"
	"librecours/course"
)

// schemaAuth holds web sessions and API tokens (by the SHA-256 of their
// secret), sign-in failure counters, and the platform's settings. user_id
// has no foreign key: account deletion removes the sessions itself.
const schemaAuth = `
CREATE TABLE auth_sessions (
	token_hash      TEXT PRIMARY KEY,
	kind            TEXT NOT NULL,
	user_id         TEXT NOT NULL,
	csrf            TEXT NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	last_seen       INTEGER NOT NULL,
	expires_at      INTEGER NOT NULL,
	idle_expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
-- DeleteUserSessions, PersonalData, DeleteAccount: a person's sessions.
CREATE INDEX auth_sessions_user ON auth_sessions (user_id);
-- DeleteExpired: past the absolute expiry, or past the idle one.
CREATE INDEX auth_sessions_expires ON auth_sessions (expires_at);
CREATE INDEX auth_sessions_idle ON auth_sessions (idle_expires_at);

-- Sign-in failures of a key (an address, an IP) in the window that started
-- at window_start; read and counted by key (the primary key).
CREATE TABLE login_throttle (
	key          TEXT PRIMARY KEY,
	count        INTEGER NOT NULL,
	window_start INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Small platform-wide values, JSON, by key.
CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT, WITHOUT ROWID;
`

// AuthStore keeps web sessions, API tokens and sign-in throttling.
type AuthStore struct{ db *DB }

var _ course.AuthStore = (*AuthStore)(nil)

// Settings keeps small platform-wide JSON values by key.
type Settings struct{ db *DB }

var _ course.SettingsStore = (*Settings)(nil)

// authColumns are the columns of auth_sessions scanAuth reads, prefixed
// with the table alias a.
const authColumns = `a.token_hash, a.kind, a.user_id, a.csrf, a.created_at, a.last_seen, a.expires_at, a.idle_expires_at`

// authDest returns the scan destinations of authColumns into a and the
// function that converts the times once scanned.
func authDest(a *course.AuthSession) ([]any, func()) {
	var created, seen, expires, idle int64
	dest := []any{&a.TokenHash, &a.Kind, &a.UserID, &a.CSRF, &created, &seen, &expires, &idle}
	return dest, func() {
		a.CreatedAt, a.LastSeen, a.ExpiresAt, a.IdleExpiresAt = fromTS(created), fromTS(seen), fromTS(expires), fromTS(idle)
	}
}

func scanAuth(sc rowScanner) (course.AuthSession, error) {
	var a course.AuthSession
	dest, done := authDest(&a)
	if err := sc.Scan(dest...); err != nil {
		return a, err
	}
	done()
	return a, nil
}

// CreateSession stores a new session or API token.
func (s *AuthStore) CreateSession(ctx context.Context, a course.AuthSession) error {
	_, err := s.db.exec(ctx, `INSERT INTO auth_sessions (token_hash, kind, user_id, csrf, created_at, last_seen, expires_at, idle_expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		a.TokenHash, a.Kind, a.UserID, a.CSRF, ts(a.CreatedAt), ts(a.LastSeen), ts(a.ExpiresAt), ts(a.IdleExpiresAt))
	if err != nil {
		return fmt.Errorf("sqlstore: insert auth session: %w", classify(err))
	}
	return nil
}

// Session returns the live session with that token hash; an expired or
// unknown one is course.ErrNotFound.
func (s *AuthStore) Session(ctx context.Context, tokenHash string, now time.Time) (*course.AuthSession, error) {
	a, err := scanAuth(s.db.r.QueryRowContext(ctx, `SELECT `+authColumns+` FROM auth_sessions a
		WHERE a.token_hash = ? AND a.expires_at > ? AND a.idle_expires_at > ?`, tokenHash, ts(now), ts(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, course.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find auth session: %w", classify(err))
	}
	return &a, nil
}

// Caller returns the live session and its account in one query (a join):
// course.ErrNotFound when the session is unknown or expired, or its account
// gone.
func (s *AuthStore) Caller(ctx context.Context, tokenHash string, now time.Time) (*course.AuthSession, *course.User, error) {
	var a course.AuthSession
	dest, done := authDest(&a)
	u, udest, udone := userDest()
	err := s.db.r.QueryRowContext(ctx, `SELECT `+authColumns+`, `+userColumnsOf("u")+`
		FROM auth_sessions a JOIN users u ON u.id = a.user_id
		WHERE a.token_hash = ? AND a.expires_at > ? AND a.idle_expires_at > ?`, tokenHash, ts(now), ts(now)).
		Scan(append(dest, udest...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, course.ErrNotFound
	}
	if err != nil {
		return nil, nil, fmt.Errorf("sqlstore: find caller: %w", classify(err))
	}
	done()
	if err := udone(); err != nil {
		return nil, nil, fmt.Errorf("sqlstore: find caller: %w", err)
	}
	return &a, u, nil
}

// Touch moves a session's idle expiry.
func (s *AuthStore) Touch(ctx context.Context, tokenHash string, now, idleExpires time.Time) error {
	_, err := s.db.exec(ctx, `UPDATE auth_sessions SET last_seen = ?, idle_expires_at = ? WHERE token_hash = ?`,
		ts(now), ts(idleExpires), tokenHash)
	if err != nil {
		return fmt.Errorf("sqlstore: touch auth session: %w", classify(err))
	}
	return nil
}

// DeleteSession removes one session (sign-out); an unknown one is not an
// error.
func (s *AuthStore) DeleteSession(ctx context.Context, tokenHash string) error {
	if _, err := s.db.exec(ctx, `DELETE FROM auth_sessions WHERE token_hash = ?`, tokenHash); err != nil {
		return fmt.Errorf("sqlstore: delete auth session: %w", classify(err))
	}
	return nil
}

// TakeSession deletes and returns the live session of that hash and kind in
// one statement (DELETE ... RETURNING): of two takers, one gets it.
func (s *AuthStore) TakeSession(ctx context.Context, tokenHash, kind string, now time.Time) (*course.AuthSession, error) {
	var a course.AuthSession
	dest, done := authDest(&a)
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `DELETE FROM auth_sessions
			WHERE token_hash = ? AND kind = ? AND expires_at > ? AND idle_expires_at > ?
			RETURNING token_hash, kind, user_id, csrf, created_at, last_seen, expires_at, idle_expires_at`,
			tokenHash, kind, ts(now), ts(now)).Scan(dest...)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, course.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: take auth session: %w", classify(err))
	}
	done()
	return &a, nil
}

// DeleteUserSessions ends every session and token of userID but keep (a
// token hash; "" keeps none) and says how many it ended.
func (s *AuthStore) DeleteUserSessions(ctx context.Context, userID, keep string) (int64, error) {
	n, err := s.db.exec(ctx, `DELETE FROM auth_sessions WHERE user_id = ? AND token_hash <> ?`, userID, keep)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: delete sessions of %s: %w", userID, classify(err))
	}
	return n, nil
}

// DeleteExpired removes the sessions past their absolute or idle expiry.
func (s *AuthStore) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	n, err := s.db.exec(ctx, `DELETE FROM auth_sessions WHERE expires_at <= ? OR idle_expires_at <= ?`, ts(now), ts(now))
	if err != nil {
		return 0, fmt.Errorf("sqlstore: delete expired auth sessions: %w", classify(err))
	}
	return n, nil
}

// Failures returns how many failures key had in the window ending at now.
func (s *AuthStore) Failures(ctx context.Context, key string, now time.Time, window time.Duration) (int, error) {
	var n int
	err := s.db.r.QueryRowContext(ctx, `SELECT count FROM login_throttle WHERE key = ? AND window_start > ?`,
		key, ts(now.Add(-window))).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("sqlstore: find throttle %s: %w", key, classify(err))
	}
	return n, nil
}

// RecordFailure counts one failure for key and returns the count in the
// window, this one included, in one statement: a first failure inserts the
// counter, a window that ran out starts again at one at now, otherwise the
// count grows by one.
func (s *AuthStore) RecordFailure(ctx context.Context, key string, now time.Time, window time.Duration) (int, error) {
	var n int
	cutoff := ts(now.Add(-window))
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO login_throttle (key, count, window_start) VALUES (?, 1, ?)
			ON CONFLICT (key) DO UPDATE SET
				count = CASE WHEN window_start <= ? THEN 1 ELSE count + 1 END,
				window_start = CASE WHEN window_start <= ? THEN excluded.window_start ELSE window_start END
			RETURNING count`, key, ts(now), cutoff, cutoff).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("sqlstore: count throttle %s: %w", key, classify(err))
	}
	return n, nil
}

// ResetFailures forgets key's failures (after a successful sign-in).
func (s *AuthStore) ResetFailures(ctx context.Context, key string) error {
	if _, err := s.db.exec(ctx, `DELETE FROM login_throttle WHERE key = ?`, key); err != nil {
		return fmt.Errorf("sqlstore: reset throttle %s: %w", key, classify(err))
	}
	return nil
}

// Get decodes the JSON value stored under key into v; course.ErrNotFound
// when unset.
func (s *Settings) Get(ctx context.Context, key string, v any) error {
	var text string
	err := s.db.r.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return course.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("sqlstore: get setting %s: %w", key, classify(err))
	}
	if err := json.Unmarshal([]byte(text), v); err != nil {
		return fmt.Errorf("sqlstore: decode setting %s: %w", key, err)
	}
	return nil
}

// Put stores v (as JSON) under key, replacing any previous value.
func (s *Settings) Put(ctx context.Context, key string, v any) error {
	text, err := jsonText(v)
	if err != nil {
		return fmt.Errorf("sqlstore: put setting %s: %w", key, err)
	}
	if _, err := s.db.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, text); err != nil {
		return fmt.Errorf("sqlstore: put setting %s: %w", key, classify(err))
	}
	return nil
}

// exportAuth writes auth_sessions, login_throttle and settings, each by key.
func exportAuth(ctx context.Context, tx *sql.Tx, w store.RecordWriter) error {
	return exportAll(ctx, tx, w, []exportStep{
		{"auth_sessions", `SELECT ` + authColumns + ` FROM auth_sessions a ORDER BY a.token_hash`, func(rows *sql.Rows) (any, error) {
			return scanAuth(rows)
		}},
		{"login_throttle", `SELECT key, count, window_start FROM login_throttle ORDER BY key`, func(rows *sql.Rows) (any, error) {
			var t course.Throttle
			var start int64
			err := rows.Scan(&t.Key, &t.Count, &start)
			t.WindowStart = fromTS(start)
			return t, err
		}},
		{"settings", `SELECT key, value FROM settings ORDER BY key`, func(rows *sql.Rows) (any, error) {
			var rec store.SettingRecord
			var text string
			err := rows.Scan(&rec.Key, &text)
			rec.Value = json.RawMessage(text)
			return rec, err
		}},
	})
}

// importAuth loads auth_sessions, login_throttle and settings.
func importAuth(ctx context.Context, tx *sql.Tx, r store.RecordReader) error {
	err := store.Each(r, "auth_sessions", func(a course.AuthSession) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO auth_sessions (token_hash, kind, user_id, csrf, created_at, last_seen, expires_at, idle_expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			a.TokenHash, a.Kind, a.UserID, a.CSRF, ts(a.CreatedAt), ts(a.LastSeen), ts(a.ExpiresAt), ts(a.IdleExpiresAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlstore: import auth_sessions: %w", classify(err))
	}
	err = store.Each(r, "login_throttle", func(t course.Throttle) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO login_throttle (key, count, window_start) VALUES (?, ?, ?)`,
			t.Key, t.Count, ts(t.WindowStart))
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlstore: import login_throttle: %w", classify(err))
	}
	err = store.Each(r, "settings", func(rec store.SettingRecord) error {
		if !json.Valid(rec.Value) {
			return fmt.Errorf("setting %s: the value is not JSON", rec.Key)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)`, rec.Key, string(rec.Value))
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlstore: import settings: %w", classify(err))
	}
	return nil
}
