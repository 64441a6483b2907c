package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// migration is one numbered step of the schema. Steps are applied in order at
// start, each in its own transaction with its version recorded, and never
// edited once released: a change is a new step.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations are the schema's steps; the indexes that serve each query are
// declared beside the table, in the step that creates it.
var migrations = []migration{
	{1, "core", schemaCore},
	{2, "course", schemaCourse},
	{3, "auth", schemaAuth},
	{4, "grading", schemaGrading},
	{5, "certificates", schemaCertificates},
	{6, "notify", schemaNotify},
	{7, "rendered texts", schemaRendered},
	{8, "certificate status index", schemaCertificateStatus},
	{9, "late work", schemaLate},
	{10, "open sessions", schemaOpenSessions},
	{11, "closed sessions", schemaClosedSessions},
	{12, "public revocation reason", schemaRevokePublic},
	{13, "workload", schemaWorkload},
	{14, "review replies", schemaReviewReplies},
	{15, "calibration sample", schemaCalibration},
}

// schemaReviewReplies keeps the author's answer to a review and their
// rating of its helpfulness (grading.Reply): empty texts and 0 for none,
// times 0 when unset. They are read with the review, by its indexes.
const schemaReviewReplies = `
ALTER TABLE reviews ADD COLUMN reply_text TEXT NOT NULL DEFAULT '';
ALTER TABLE reviews ADD COLUMN reply_html TEXT NOT NULL DEFAULT '';
ALTER TABLE reviews ADD COLUMN reply_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reviews ADD COLUMN helpfulness INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reviews ADD COLUMN rated_at INTEGER NOT NULL DEFAULT 0;
`

// schemaWorkload keeps the course's workload in hours: a session's setting
// and the one each certificate was issued with (a later change to the
// session leaves issued certificates as they are). Rows from before this
// step state 25 hours, the workload every certificate printed until then.
const schemaWorkload = `
ALTER TABLE sessions ADD COLUMN workload_hours INTEGER NOT NULL DEFAULT 25;
ALTER TABLE certificates ADD COLUMN workload_hours INTEGER NOT NULL DEFAULT 25;
`

// schemaCalibration keeps each part's calibration sample, drawn when its
// reviews are assigned (grading.PartState.Calibration): the submission IDs
// offered to the animators before the part closes, as a JSON array. Parts
// assigned before this step have none.
const schemaCalibration = `
ALTER TABLE part_states ADD COLUMN calibration TEXT NOT NULL DEFAULT '[]';
`

// schemaRevokePublic records whether the coordinator who revoked a
// certificate let its reason be shown to whoever verifies it (not by
// default).
const schemaRevokePublic = `
ALTER TABLE certificates ADD COLUMN revoke_public INTEGER NOT NULL DEFAULT 0;
`

// schemaClosedSessions pages the closed sessions (ClosedSessions,
// CountClosedSessions): history is never read whole.
const schemaClosedSessions = `
CREATE INDEX sessions_closed ON sessions (starts_on DESC, code) WHERE closed_at IS NOT NULL;
`

// schemaOpenSessions lists the sessions not closed (OpenSessions, the
// scheduler's tick) without reading the closed ones.
const schemaOpenSessions = `
CREATE INDEX sessions_open ON sessions (starts_on DESC, code) WHERE closed_at IS NULL;
`

// schemaLate finds the late submissions still short of reviews when a
// reviewer finishes (GradingStore.LateShort) without reading the part.
const schemaLate = `
CREATE INDEX submissions_late ON submissions (session_id, part, submitted_at, id) WHERE late = 1;
`

// schemaRendered keeps the sanitised HTML of Markdown texts beside their
// source: texts are rendered once, when saved, never when shown. Rows from
// before this step have an empty string and are rendered when shown until
// saved again.
const schemaRendered = `
ALTER TABLE exercises ADD COLUMN instructions_html TEXT NOT NULL DEFAULT '';
ALTER TABLE submissions ADD COLUMN text_html TEXT NOT NULL DEFAULT '';
`

const schemaCore = `
-- health holds nothing: the readiness probe writes a row and rolls it back.
CREATE TABLE health (
	id  INTEGER PRIMARY KEY,
	at  INTEGER NOT NULL,
	pad BLOB
) STRICT;
`

// migrate applies the steps the database lacks.
func migrate(ctx context.Context, w *sql.DB) error { return migrateSteps(ctx, w, migrations) }

// migrateSteps applies, in order, every step of steps the database has not
// recorded, including one numbered below the last recorded (steps were
// numbered as their work began, and 9 was released before 8): comparing
// with the highest version recorded skipped such a step for ever. A
// database that recorded a step this program does not know is newer: it is
// refused.
func migrateSteps(ctx context.Context, w *sql.DB, steps []migration) error {
	if _, err := w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at INTEGER NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("sqlstore: migrations table: %w", classify(err))
	}
	applied := map[int]bool{}
	err := queryOn(ctx, w, func(rows *sql.Rows) error {
		var v int
		if err := rows.Scan(&v); err != nil {
			return err
		}
		applied[v] = true
		return nil
	}, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("sqlstore: read schema version: %w", err)
	}
	last := steps[len(steps)-1].version
	for v := range applied {
		if v > last {
			return fmt.Errorf("sqlstore: the database is at schema version %d, newer than this program's %d: run the newer version", v, last)
		}
	}
	for _, m := range steps {
		if applied[m.version] {
			continue
		}
		tx, err := w.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("sqlstore: migration %d: %w", m.version, classify(err))
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("sqlstore: migration %d (%s): %w", m.version, m.name, classify(err))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			m.version, m.name, time.Now().UnixNano()); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("sqlstore: record migration %d: %w", m.version, classify(err))
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("sqlstore: migration %d: %w", m.version, classify(err))
		}
	}
	return nil
}
