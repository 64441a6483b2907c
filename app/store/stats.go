package store

import (
	"context"
	"time"

	"librecours/notify"
)

// OutboxStat counts the outbox's messages of one kind in one status, with
// the creation time of the oldest of them.
type OutboxStat struct {
	Kind   notify.Kind
	Status notify.Status
	Count  int
	Oldest time.Time // UTC
}

// Monitor is what a backend tells the monitoring (the /metrics endpoint)
// beyond the domain stores. Both backends implement it; it is read at each
// scrape, so it must stay cheap on a small outbox.
type Monitor interface {
	// OutboxStats summarizes the messages pending, sending and given up
	// (failed) by kind and status; sent messages are left out. Kinds and
	// statuses without messages are left out too.
	OutboxStats(ctx context.Context) ([]OutboxStat, error)
}
