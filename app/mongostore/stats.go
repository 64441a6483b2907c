package mongostore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"librecours/app/store"
	"librecours/notify"
)

var _ store.Monitor = (*Backend)(nil)

// OutboxStats implements store.Monitor: the unsent messages' kind, status
// and creation time (the outbox is kept small by Purge), summed here rather
// than by $group, which FerretDB does not fully support.
func (b *Backend) OutboxStats(ctx context.Context) ([]store.OutboxStat, error) {
	var docs []struct {
		Kind      string    `bson:"kind"`
		Status    string    `bson:"status"`
		CreatedAt time.Time `bson:"created_at"`
	}
	filter := bson.M{"status": bson.M{"$in": bson.A{string(notify.StatusPending), string(notify.StatusSending), string(notify.StatusFailed)}}}
	opts := options.Find().SetProjection(bson.M{"_id": 0, "kind": 1, "status": 1, "created_at": 1})
	if err := b.db.findAll(ctx, colOutbox, filter, opts, &docs); err != nil {
		return nil, fmt.Errorf("mongostore: outbox statistics: %w", err)
	}
	type key struct{ kind, status string }
	byKey := map[key]*store.OutboxStat{}
	for _, d := range docs {
		k := key{d.Kind, d.Status}
		st := byKey[k]
		if st == nil {
			st = &store.OutboxStat{Kind: notify.Kind(d.Kind), Status: notify.Status(d.Status)}
			byKey[k] = st
		}
		st.Count++
		if at := d.CreatedAt.UTC(); st.Oldest.IsZero() || at.Before(st.Oldest) {
			st.Oldest = at
		}
	}
	out := make([]store.OutboxStat, 0, len(byKey))
	for _, st := range byKey {
		out = append(out, *st)
	}
	slices.SortFunc(out, func(a, b store.OutboxStat) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Status, b.Status))
	})
	return out, nil
}
