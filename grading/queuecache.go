package grading

import (
	"context"
	"slices"
	"sync"
)

// Stamper is a Store that can tell cheaply whether a session's grading data
// changed. The staff's view of a session (the correction queue, a
// submission with its reviews) decodes every submission and review of the
// session and runs the aggregation; with a Stamper it is computed again
// only after a change.
type Stamper interface {
	// GradingStamp returns a value that changes whenever a submission, a
	// review or a part state of the session, or a session, is written; ok is
	// false when the store cannot tell.
	GradingStamp(ctx context.Context, sessionID string) (stamp string, ok bool, err error)
}

// queueCacheSize bounds how many sessions' views are kept.
const queueCacheSize = 16

// queueCache keeps the staff's view of the sessions examined last, each
// with the stamp it was computed at.
type queueCache struct {
	mu   sync.Mutex
	tick uint64
	m    map[string]*cachedQueue
}

type cachedQueue struct {
	stamp string
	items []QueueItem
	used  uint64
}

// get returns a copy of the view of a session computed at stamp.
func (c *queueCache) get(sessionID, stamp string) ([]QueueItem, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.m[sessionID]
	if q == nil || q.stamp != stamp {
		return nil, false
	}
	c.tick++
	q.used = c.tick
	return slices.Clone(q.items), true
}

// put keeps a view, dropping the least recently used one when full. The
// items are the cache's from then on: callers get copies.
func (c *queueCache) put(sessionID, stamp string, items []QueueItem) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*cachedQueue{}
	}
	if _, ok := c.m[sessionID]; !ok && len(c.m) >= queueCacheSize {
		var oldest string
		for id, q := range c.m {
			if oldest == "" || q.used < c.m[oldest].used {
				oldest = id
			}
		}
		delete(c.m, oldest)
	}
	c.tick++
	c.m[sessionID] = &cachedQueue{stamp: stamp, items: items, used: c.tick}
}
