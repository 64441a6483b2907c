package grading

import (
	"context"
	"sync"
	"time"
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
// with the stamp it was computed at, and computes a session's view once at a
// time: concurrent requests after a change wait for that one computation,
// or are served the previous view meanwhile. Saves never wait for it.
//
// While reviews keep coming, a view is computed again at most every
// queueRefreshFactor × the time the last computation took: in between,
// requests get the previous view, and recomputation takes at most a fifth of
// a core whatever the cohort, instead of all of it. A small session's view
// (a few milliseconds) is thus always fresh; a 5,000-person one lags by
// less than a second.
//
// A review save does not wait for a computation either: patch notes it, and
// the next request of the view takes the saves noted since into the kept
// view (staffView.patch), at once and without a computation; the next
// computation, still spaced, lets the reviewers' parameters catch up. A save
// costs the cache nothing more than the note: a session of 20,000 whose
// view were copied on every save lost half its save rate.
type queueCache struct {
	mu    sync.Mutex
	tick  uint64
	m     map[string]*cachedQueue
	waits int // callers that waited for another's computation (tests)
	// computes counts the computations, patches the saves taken into a
	// kept view (tests).
	computes, patches int
	// clock is the time used to space computations; time.Now when nil.
	clock func() time.Time
}

const queueRefreshFactor = 4

type cachedQueue struct {
	stamp     string
	items     *staffView // shared by every caller: read only
	used      uint64
	computing chan struct{} // closed when the running computation ends
	next      time.Time     // no computation before, while a view is kept
	// pending holds the reviews saved since the kept view took saves in;
	// the next request takes them in, one request at a time (patching).
	pending  []Review
	patching bool
	// saved holds the reviews saved since the running computation began:
	// it may have read them or not, so they are taken into its view before
	// it replaces the kept one (patch is idempotent: a review the
	// computation read is regraded as the model graded it).
	saved []Review
}

func (c *queueCache) now() time.Time {
	if c.clock != nil {
		return c.clock()
	}
	return time.Now()
}

// view returns the session's view at stamp, computed by compute when the kept
// one is older. stale is true when the previous view is served because
// another request is computing the new one. The items are shared: callers
// must not change them.
func (c *queueCache) view(ctx context.Context, sessionID, stamp string, spacing time.Duration, compute func() (*staffView, error)) (items *staffView, stale bool, err error) {
	for {
		c.mu.Lock()
		q := c.entry(sessionID)
		c.tick++
		q.used = c.tick
		switch kept := q.items; {
		case kept != nil && q.stamp == stamp:
			v, behind := c.takePending(q)
			return v, behind, nil
		case q.computing != nil && kept != nil, kept != nil && c.now().Before(q.next):
			v, _ := c.takePending(q)
			return v, true, nil
		case q.computing != nil:
			wait := q.computing
			c.waits++
			c.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return nil, false, ctx.Err()
			}
		}
		done := make(chan struct{})
		q.computing, q.saved = done, nil
		c.computes++
		c.mu.Unlock()

		start := c.now()
		items, err := compute()

		c.mu.Lock()
		// The saves made while it computed go into its view, until none is
		// left to take in.
		for taken := 0; err == nil && taken < len(q.saved); {
			saved := q.saved[taken:]
			taken = len(q.saved)
			c.mu.Unlock()
			if p := items.patch(saved...); p != nil {
				items = p
			}
			c.mu.Lock()
		}
		q.computing, q.saved = nil, nil
		if err == nil {
			q.pending = nil // all in items
			end := c.now()
			q.stamp, q.items = stamp, items
			q.next = start.Add(max(spacing, queueRefreshFactor*end.Sub(start)))
		}
		c.mu.Unlock()
		close(done)
		return items, false, err
	}
}

// patch notes the saved review r for the session's kept view, if there is
// one: the next request takes it in (takePending). The kept view's stamp
// stays that of its computation, so the next request after the spacing
// still computes the session again. A computation running meanwhile takes
// r into its own view before it replaces the kept one (view).
func (c *queueCache) patch(sessionID string, r Review) {
	c.mu.Lock()
	defer c.mu.Unlock()
	q, ok := c.m[sessionID]
	if !ok {
		return
	}
	if q.computing != nil {
		q.saved = append(q.saved, r)
	}
	if q.items == nil {
		return
	}
	if len(q.pending) >= maxPending {
		// Nobody has read the view for that many saves: rather than keep
		// them, let the next request compute the view from the store.
		q.pending, q.next = nil, time.Time{}
		return
	}
	q.pending = append(q.pending, r)
}

// maxPending is how many saves a kept view notes for the next request
// (takePending); past it, the next request computes the view again.
const maxPending = 1024

// takePending returns q's kept view with the saves noted since taken in,
// keeping the result for the next requests. One request of a session takes
// them in at a time: the others meanwhile get the kept view as it is, and
// behind says so. c.mu is held, and released.
func (c *queueCache) takePending(q *cachedQueue) (v *staffView, behind bool) {
	if len(q.pending) == 0 || q.patching {
		v, behind = q.items, len(q.pending) > 0
		c.mu.Unlock()
		return v, behind
	}
	q.patching = true
	base, pending := q.items, q.pending
	c.mu.Unlock()
	next := base.patch(pending...) // outside the lock: it regrades submissions
	c.mu.Lock()
	// A computation that ended meanwhile holds these saves already (view).
	if q.items == base {
		if next != nil {
			q.items = next
			c.patches += len(pending)
		}
		q.pending = q.pending[len(pending):] // the saves since stay for the next request
	}
	if len(q.pending) == 0 {
		q.pending = nil
	}
	q.patching = false
	v, behind = q.items, len(q.pending) > 0
	c.mu.Unlock()
	return v, behind
}

// WarmQueues computes the staff view of the open sessions that started last
// (as many as the cache keeps), so that the first correction-queue page
// after a start costs what the next ones do. The scheduler runs it at start.
func (s *Service) WarmQueues(ctx context.Context) error {
	stamper, _ := s.Store.(Stamper)
	if stamper == nil {
		return nil
	}
	sessions, err := s.Course.OpenSessions(ctx) // latest start first
	if err != nil {
		return err
	}
	now := s.Now()
	warmed := 0
	for _, sess := range sessions {
		if warmed == queueCacheSize || ctx.Err() != nil {
			break
		}
		if len(sess.Parts) == 0 || now.Before(sess.Parts[0].OpensAt) {
			continue // nothing to review yet
		}
		stamp, ok, err := stamper.GradingStamp(ctx, sess.ID)
		if err != nil || !ok {
			return err
		}
		if _, _, err := s.queues.view(ctx, sess.ID, stamp, s.QueueSpacing, func() (*staffView, error) { return s.staffView(ctx, sess) }); err != nil {
			return err
		}
		warmed++
	}
	return ctx.Err()
}

// expire makes the next request for the session's view compute it again as
// soon as the data changed, whatever the spacing: after the staff's own
// actions and appeals, rare, whose author expects to see them at once.
func (c *queueCache) expire(sessionID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if q, ok := c.m[sessionID]; ok {
		q.next = time.Time{}
	}
}

// entry returns the session's entry, making room for it when the cache is
// full by dropping the least recently used session not being computed.
// c.mu is held.
func (c *queueCache) entry(sessionID string) *cachedQueue {
	if c.m == nil {
		c.m = map[string]*cachedQueue{}
	}
	if q, ok := c.m[sessionID]; ok {
		return q
	}
	if len(c.m) >= queueCacheSize {
		var oldest string
		for id, q := range c.m {
			if q.computing == nil && (oldest == "" || q.used < c.m[oldest].used) {
				oldest = id
			}
		}
		delete(c.m, oldest)
	}
	q := &cachedQueue{}
	c.m[sessionID] = q
	return q
}
