package sqlstore

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// TestWorkloadMigration: sessions and certificates written before step 13
// read 25 hours after it, the workload every certificate printed until then.
func TestWorkloadMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := openSQL(dsn(filepath.Join(t.TempDir(), "librecours.db"), 5*time.Second, false), nil, nil)
	t.Cleanup(func() { _ = w.Close() })
	if _, err := w.ExecContext(ctx, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT`); err != nil {
		t.Fatal(err)
	}
	applied := 0
	for _, m := range migrations {
		if m.version >= 13 {
			break
		}
		if _, err := w.ExecContext(ctx, m.sql); err != nil {
			t.Fatalf("step %d: %v", m.version, err)
		}
		if _, err := w.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, 0)`, m.version, m.name); err != nil {
			t.Fatal(err)
		}
		applied++
	}
	if applied != 12 {
		t.Fatalf("applied %d steps before the workload, want 12", applied)
	}
	// Rows as the program before step 13 wrote them.
	if _, err := w.ExecContext(ctx, `INSERT INTO sessions (id, code, format, number, starts_on, ends_on, time_zone,
		capacity, enrolled, parts, evaluation, settings, closed_at, created_at, created_by)
		VALUES ('s1', 'LCIII-001', 'LCIII', 1, '2026-03-02', '2026-03-22', 'Europe/Paris', 0, 0, '[]',
		'{"opens_at":"2026-03-16T00:00:00Z","due":"2026-03-22T22:59:00Z"}', '{}', NULL, 0, 'c')`); err != nil {
		t.Fatal(err)
	}
	if _, err := w.ExecContext(ctx, `INSERT INTO certificates (code, session_id, session_code, session_start, session_end, user_id,
		holder_name, level, lang, salt, badge, rules, issued_at) VALUES ('LC3-AAAA', 's1', 'LCIII-001', '2026-03-02', '2026-03-22',
		'u1', 'Ada', 1, 'fr', 'salt', 'badge', '{}', 0)`); err != nil {
		t.Fatal(err)
	}

	if err := migrate(ctx, w); err != nil {
		t.Fatal(err)
	}
	sess, err := scanSession(w.QueryRowContext(ctx, `SELECT `+sessionCols+` FROM sessions s WHERE s.id = 's1'`))
	if err != nil {
		t.Fatal(err)
	}
	if sess.WorkloadHours != 25 {
		t.Errorf("session from before the step reads %d h, want 25", sess.WorkloadHours)
	}
	c, err := scanCertificate(w.QueryRowContext(ctx, `SELECT `+certColumns+` FROM certificates WHERE code = 'LC3-AAAA'`))
	if err != nil {
		t.Fatal(err)
	}
	if c.WorkloadHours != 25 {
		t.Errorf("certificate from before the step reads %d h, want 25", c.WorkloadHours)
	}
}
