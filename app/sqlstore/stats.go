package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"librecours/app/store"
	"librecours/notify"
)

var _ store.Monitor = (*Store)(nil)

// OutboxStats implements store.Monitor with one grouped read of the outbox
// (kept small by Purge; the status indexes narrow it to the unsent).
func (s *Store) OutboxStats(ctx context.Context) ([]store.OutboxStat, error) {
	var out []store.OutboxStat
	err := s.db.query(ctx, func(rows *sql.Rows) error {
		var st store.OutboxStat
		var oldest int64
		if err := rows.Scan(&st.Kind, &st.Status, &st.Count, &oldest); err != nil {
			return err
		}
		st.Oldest = fromTS(oldest)
		out = append(out, st)
		return nil
	}, `SELECT kind, status, COUNT(*), MIN(created_at) FROM outbox
		WHERE status IN (?, ?, ?) GROUP BY kind, status ORDER BY kind, status`,
		string(notify.StatusPending), string(notify.StatusSending), string(notify.StatusFailed))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: outbox statistics: %w", err)
	}
	return out, nil
}
