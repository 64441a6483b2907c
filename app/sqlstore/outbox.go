package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"librecours/app/store"
	"librecours/notify"
)

// schemaNotify holds the outbox, people's notification preferences and what
// the notifications keep about sessions. The outbox keeps a message until a
// few days after it went out (Purge), so it stays small.
const schemaNotify = `
CREATE TABLE outbox (
	id          TEXT PRIMARY KEY, -- Add, Finish, Message
	kind        TEXT NOT NULL,
	user_id     TEXT NOT NULL,    -- the recipient; '' for a post
	session_id  TEXT NOT NULL,    -- of the first event
	url         TEXT NOT NULL,
	lang        TEXT NOT NULL,
	events      TEXT NOT NULL,    -- JSON []notify.Event, read whole
	status      TEXT NOT NULL,
	attempts    INTEGER NOT NULL,
	next_at     INTEGER NOT NULL,
	lease_until INTEGER NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	last_error  TEXT NOT NULL
) STRICT;
CREATE INDEX outbox_status_next ON outbox (status, next_at, id);     -- Claim: pending and due, the most overdue
CREATE INDEX outbox_status_lease ON outbox (status, lease_until);    -- Claim: sending with an expired lease (few)
CREATE INDEX outbox_status_updated ON outbox (status, updated_at);   -- Purge
CREATE INDEX outbox_user ON outbox (user_id, created_at, id);        -- Messages: a person's (account deletion, export)

-- A person's notification preferences: the kinds switched off.
CREATE TABLE notify_prefs (
	user_id TEXT PRIMARY KEY, -- Prefs, SetPrefs, account deletion
	off     TEXT NOT NULL     -- JSON []string, read whole
) STRICT;

-- A session's Mattermost setting and queue alert.
CREATE TABLE session_hooks (
	session_id    TEXT PRIMARY KEY, -- Hook, SetWebhook, SetQueueAlerted
	url           TEXT NOT NULL,
	threshold     INTEGER NOT NULL,
	queue_alerted INTEGER NOT NULL
) STRICT;

-- The reminders of a session already handled (Hook.Reminded), in the order
-- they were recorded (rowid). Always written with its session_hooks row.
CREATE TABLE reminders (
	session_id TEXT NOT NULL REFERENCES session_hooks (session_id) ON DELETE CASCADE,
	key        TEXT NOT NULL,
	UNIQUE (session_id, key) -- MarkReminded, Hook (by session, then rowid)
) STRICT;
`

// OutboxStore stores the outbox, people's notification preferences and
// sessions' webhooks.
type OutboxStore struct{ db *DB }

var _ notify.Store = (*OutboxStore)(nil)

// NewOutboxStore returns the notification store over db.
func NewOutboxStore(db *DB) *OutboxStore { return &OutboxStore{db: db} }

// outboxColumns are the columns scanMessage reads, in its order.
const outboxColumns = `id, kind, user_id, url, lang, events, status, attempts, next_at, lease_until, created_at, updated_at, last_error`

func scanMessage(r rowScanner) (*notify.Message, error) {
	var m notify.Message
	var events string
	var next, lease, created, updated int64
	if err := r.Scan(&m.ID, &m.Kind, &m.UserID, &m.URL, &m.Lang, &events, &m.Status, &m.Attempts, &next, &lease, &created,
		&updated, &m.LastError); err != nil {
		return nil, err
	}
	if err := fromJSON(events, &m.Events); err != nil {
		return nil, fmt.Errorf("message %s: %w", m.ID, err)
	}
	m.NextAt, m.LeaseUntil, m.CreatedAt, m.UpdatedAt = fromTS(next), fromTS(lease), fromTS(created), fromTS(updated)
	return &m, nil
}

// utcEvent keeps an event's time in UTC (the zero time stays zero).
func utcEvent(e notify.Event) notify.Event {
	if e.At.IsZero() {
		e.At = time.Time{}
	} else {
		e.At = e.At.UTC()
	}
	return e
}

// insertMessage inserts m with its events as given.
func insertMessage(ctx context.Context, tx *sql.Tx, m notify.Message) error {
	events := make([]notify.Event, len(m.Events))
	for i, e := range m.Events {
		events[i] = utcEvent(e)
	}
	text, err := jsonText(events)
	if err != nil {
		return err
	}
	sessionID := ""
	if len(events) > 0 {
		sessionID = events[0].SessionID
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO outbox (id, kind, user_id, session_id, url, lang, events, status, attempts, next_at,
		lease_until, created_at, updated_at, last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, string(m.Kind), m.UserID, sessionID, m.URL, m.Lang, text, string(m.Status), m.Attempts, ts(m.NextAt),
		ts(m.LeaseUntil), ts(m.CreatedAt), ts(m.UpdatedAt), m.LastError)
	return err
}

// Add implements notify.Store in one transaction: the event joins the
// message with m's ID when it is pending and lacks the event's key; a new
// message is inserted when there is none; otherwise the event is dropped.
func (s *OutboxStore) Add(ctx context.Context, m notify.Message) (notify.AddResult, error) {
	if len(m.Events) != 1 {
		return 0, fmt.Errorf("sqlstore: add %s: want one event, got %d", m.ID, len(m.Events))
	}
	e := utcEvent(m.Events[0])
	var result notify.AddResult
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		var status, text string
		err := tx.QueryRowContext(ctx, `SELECT status, events FROM outbox WHERE id = ?`, m.ID).Scan(&status, &text)
		if errors.Is(err, sql.ErrNoRows) {
			result = notify.Queued
			m.Status, m.Attempts, m.LeaseUntil, m.LastError = notify.StatusPending, 0, time.Time{}, ""
			return insertMessage(ctx, tx, m)
		}
		if err != nil {
			return err
		}
		var events []notify.Event
		if err := fromJSON(text, &events); err != nil {
			return err
		}
		if status != string(notify.StatusPending) || slices.ContainsFunc(events, func(x notify.Event) bool { return x.Key == e.Key }) {
			result = notify.Dropped
			return nil
		}
		if text, err = jsonText(append(events, e)); err != nil {
			return err
		}
		result = notify.Merged
		_, err = tx.ExecContext(ctx, `UPDATE outbox SET events = ?, updated_at = ? WHERE id = ?`, text, ts(m.UpdatedAt), m.ID)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqlstore: add %s to the outbox: %w", m.ID, err)
	}
	return result, nil
}

// Claim implements notify.Store with one UPDATE ... RETURNING on the single
// writer: the most overdue message that is pending and due, or sending with
// an expired lease, becomes sending, so two claimers never get the same one.
func (s *OutboxStore) Claim(ctx context.Context, now, leaseUntil time.Time) (*notify.Message, error) {
	var m *notify.Message
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		m, err = scanMessage(tx.QueryRowContext(ctx, `UPDATE outbox
			SET status = 'sending', lease_until = ?, updated_at = ?, attempts = attempts + 1
			WHERE id = (
				SELECT id FROM (
					SELECT * FROM (SELECT id, next_at FROM outbox WHERE status = 'pending' AND next_at <= ? ORDER BY next_at, id LIMIT 1)
					UNION ALL
					SELECT * FROM (SELECT id, next_at FROM outbox WHERE status = 'sending' AND lease_until < ? ORDER BY next_at, id LIMIT 1)
				) ORDER BY next_at, id LIMIT 1)
			RETURNING `+outboxColumns, ts(leaseUntil), ts(now), ts(now), ts(now)))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notify.ErrNothingDue
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: claim from the outbox: %w", err)
	}
	return m, nil
}

// Finish implements notify.Store with one conditional update: only while
// the message is sending under attempt number attempt.
func (s *OutboxStore) Finish(ctx context.Context, id string, attempt int, o notify.Outcome) (bool, error) {
	retry := o.Status == notify.StatusPending
	n, err := s.db.exec(ctx, `UPDATE outbox
		SET status = ?, updated_at = ?, last_error = ?, lease_until = 0, next_at = CASE WHEN ? THEN ? ELSE next_at END
		WHERE id = ? AND status = 'sending' AND attempts = ?`,
		string(o.Status), ts(o.At), o.Error, retry, ts(o.NextAt), id, attempt)
	if err != nil {
		return false, fmt.Errorf("sqlstore: finish %s: %w", id, err)
	}
	return n == 1, nil
}

// Message implements notify.Store.
func (s *OutboxStore) Message(ctx context.Context, id string) (*notify.Message, error) {
	m, err := scanMessage(s.db.r.QueryRowContext(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notify.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find message %s: %w", id, classify(err))
	}
	return m, nil
}

// Messages returns the messages to a person, oldest first (tests, exports).
func (s *OutboxStore) Messages(ctx context.Context, userID string) ([]*notify.Message, error) {
	out, err := collectOrNil(ctx, s.db, scanMessage, `SELECT `+outboxColumns+` FROM outbox WHERE user_id = ? ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: messages of %s: %w", userID, err)
	}
	return out, nil
}

// Purge implements notify.Store.
func (s *OutboxStore) Purge(ctx context.Context, before time.Time) (int, error) {
	n, err := s.db.exec(ctx, `DELETE FROM outbox WHERE status IN ('sent', 'failed') AND updated_at < ?`, ts(before))
	if err != nil {
		return 0, fmt.Errorf("sqlstore: purge the outbox: %w", err)
	}
	return int(n), nil
}

// Prefs implements notify.Store.
func (s *OutboxStore) Prefs(ctx context.Context, userID string) (notify.Prefs, error) {
	var text string
	err := s.db.r.QueryRowContext(ctx, `SELECT off FROM notify_prefs WHERE user_id = ?`, userID).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return notify.Prefs{}, nil
	}
	if err != nil {
		return notify.Prefs{}, fmt.Errorf("sqlstore: find notification preferences of %s: %w", userID, classify(err))
	}
	return prefsFromJSON(text)
}

func prefsFromJSON(text string) (notify.Prefs, error) {
	var p notify.Prefs
	if err := fromJSON(text, &p.Off); err != nil {
		return p, err
	}
	if len(p.Off) == 0 {
		p.Off = nil
	}
	return p, nil
}

func prefsJSON(p notify.Prefs) (string, error) {
	off := p.Off
	if off == nil {
		off = []notify.Kind{}
	}
	return jsonText(off)
}

// SetPrefs implements notify.Store.
func (s *OutboxStore) SetPrefs(ctx context.Context, userID string, p notify.Prefs) error {
	text, err := prefsJSON(p)
	if err != nil {
		return err
	}
	if _, err := s.db.exec(ctx, `INSERT INTO notify_prefs (user_id, off) VALUES (?, ?)
		ON CONFLICT (user_id) DO UPDATE SET off = excluded.off`, userID, text); err != nil {
		return fmt.Errorf("sqlstore: set notification preferences of %s: %w", userID, err)
	}
	return nil
}

// Hook implements notify.Store: one snapshot of the session's row and its
// reminders.
func (s *OutboxStore) Hook(ctx context.Context, sessionID string) (notify.Hook, error) {
	h := notify.Hook{SessionID: sessionID}
	err := s.db.readTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT url, threshold, queue_alerted FROM session_hooks WHERE session_id = ?`, sessionID).
			Scan(&h.URL, &h.Threshold, &h.QueueAlerted)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		h.Reminded, err = remindersOn(ctx, tx, sessionID)
		return err
	})
	if err != nil {
		return notify.Hook{}, fmt.Errorf("sqlstore: find the hook of %s: %w", sessionID, err)
	}
	return h, nil
}

func remindersOn(ctx context.Context, q queryer, sessionID string) ([]string, error) {
	var out []string
	err := queryOn(ctx, q, func(rows *sql.Rows) error {
		var k string
		if err := rows.Scan(&k); err != nil {
			return err
		}
		out = append(out, k)
		return nil
	}, `SELECT key FROM reminders WHERE session_id = ? ORDER BY rowid`, sessionID)
	return out, err
}

// ensureHookSQL creates a session's row if it is missing.
const ensureHookSQL = `INSERT INTO session_hooks (session_id, url, threshold, queue_alerted) VALUES (?, '', 0, 0)
	ON CONFLICT (session_id) DO NOTHING`

// SetWebhook implements notify.Store.
func (s *OutboxStore) SetWebhook(ctx context.Context, sessionID, url string, threshold int) error {
	if _, err := s.db.exec(ctx, `INSERT INTO session_hooks (session_id, url, threshold, queue_alerted) VALUES (?, ?, ?, 0)
		ON CONFLICT (session_id) DO UPDATE SET url = excluded.url, threshold = excluded.threshold`, sessionID, url, threshold); err != nil {
		return fmt.Errorf("sqlstore: set the webhook of %s: %w", sessionID, err)
	}
	return nil
}

// SetQueueAlerted implements notify.Store: it reports whether this call
// changed the session's flag.
func (s *OutboxStore) SetQueueAlerted(ctx context.Context, sessionID string, alerted bool) (bool, error) {
	var changed bool
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, ensureHookSQL, sessionID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE session_hooks SET queue_alerted = ? WHERE session_id = ? AND queue_alerted <> ?`,
			alerted, sessionID, alerted)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		changed = n == 1
		return err
	})
	if err != nil {
		return false, fmt.Errorf("sqlstore: set the queue alert of %s: %w", sessionID, err)
	}
	return changed, nil
}

// MarkReminded implements notify.Store: it reports whether this call
// recorded the key.
func (s *OutboxStore) MarkReminded(ctx context.Context, sessionID, key string) (bool, error) {
	var added bool
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, ensureHookSQL, sessionID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO reminders (session_id, key) VALUES (?, ?) ON CONFLICT DO NOTHING`, sessionID, key)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		added = n == 1
		return err
	})
	if err != nil {
		return false, fmt.Errorf("sqlstore: mark reminder %s of %s: %w", key, sessionID, err)
	}
	return added, nil
}

// exportNotify writes the outbox, the preferences and the hooks, each in a
// fixed order the mongostore export shares.
func exportNotify(ctx context.Context, tx *sql.Tx, w store.RecordWriter) error {
	err := queryOn(ctx, tx, func(rows *sql.Rows) error {
		m, err := scanMessage(rows)
		if err != nil {
			return err
		}
		return w.Write("outbox", *m)
	}, `SELECT `+outboxColumns+` FROM outbox ORDER BY id`)
	if err != nil {
		return fmt.Errorf("sqlstore: export outbox: %w", err)
	}
	err = queryOn(ctx, tx, func(rows *sql.Rows) error {
		var rec store.PrefsRecord
		var text string
		if err := rows.Scan(&rec.UserID, &text); err != nil {
			return err
		}
		var err error
		if rec.Prefs, err = prefsFromJSON(text); err != nil {
			return err
		}
		return w.Write("notify_prefs", rec)
	}, `SELECT user_id, off FROM notify_prefs ORDER BY user_id`)
	if err != nil {
		return fmt.Errorf("sqlstore: export notify_prefs: %w", err)
	}
	var hooks []notify.Hook
	err = queryOn(ctx, tx, func(rows *sql.Rows) error {
		var h notify.Hook
		if err := rows.Scan(&h.SessionID, &h.URL, &h.Threshold, &h.QueueAlerted); err != nil {
			return err
		}
		hooks = append(hooks, h)
		return nil
	}, `SELECT session_id, url, threshold, queue_alerted FROM session_hooks ORDER BY session_id`)
	if err != nil {
		return fmt.Errorf("sqlstore: export session_hooks: %w", err)
	}
	for _, h := range hooks {
		if h.Reminded, err = remindersOn(ctx, tx, h.SessionID); err != nil {
			return fmt.Errorf("sqlstore: export session_hooks: %w", err)
		}
		if err := w.Write("session_hooks", h); err != nil {
			return err
		}
	}
	return nil
}

// importNotify loads the outbox, the preferences and the hooks inside the
// restore's transaction.
func importNotify(ctx context.Context, tx *sql.Tx, r store.RecordReader) error {
	if err := store.Each(r, "outbox", func(m notify.Message) error {
		if err := insertMessage(ctx, tx, m); err != nil {
			return fmt.Errorf("sqlstore: import message %s: %w", m.ID, classify(err))
		}
		return nil
	}); err != nil {
		return err
	}
	if err := store.Each(r, "notify_prefs", func(rec store.PrefsRecord) error {
		text, err := prefsJSON(rec.Prefs)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO notify_prefs (user_id, off) VALUES (?, ?)`, rec.UserID, text); err != nil {
			return fmt.Errorf("sqlstore: import notification preferences of %s: %w", rec.UserID, classify(err))
		}
		return nil
	}); err != nil {
		return err
	}
	return store.Each(r, "session_hooks", func(h notify.Hook) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO session_hooks (session_id, url, threshold, queue_alerted) VALUES (?, ?, ?, ?)`,
			h.SessionID, h.URL, h.Threshold, h.QueueAlerted); err != nil {
			return fmt.Errorf("sqlstore: import the hook of %s: %w", h.SessionID, classify(err))
		}
		for _, k := range h.Reminded {
			if _, err := tx.ExecContext(ctx, `INSERT INTO reminders (session_id, key) VALUES (?, ?)`, h.SessionID, k); err != nil {
				return fmt.Errorf("sqlstore: import a reminder of %s: %w", h.SessionID, classify(err))
			}
		}
		return nil
	})
}
