package grading

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

// computeOnce is a view computation that counts its calls and, when gate is
// set, signals started and waits for gate to close.
type computeOnce struct {
	mu      sync.Mutex
	took    func() // moves a fake clock by the computation's duration
	calls   int
	started chan struct{}
	gate    chan struct{}
	items   []QueueItem
	err     error
}

func (c *computeOnce) compute() (*staffView, error) {
	c.mu.Lock()
	c.calls++
	c.mu.Unlock()
	if c.took != nil {
		c.took()
	}
	if c.gate != nil {
		close(c.started)
		<-c.gate
	}
	if c.err != nil {
		return nil, c.err
	}
	return &staffView{all: itemPtrs(c.items)}, nil
}

// itemPtrs is a view's all of items.
func itemPtrs(items []QueueItem) []*QueueItem {
	out := make([]*QueueItem, len(items))
	for i := range items {
		out[i] = &items[i]
	}
	return out
}

func (c *computeOnce) count() int { c.mu.Lock(); defer c.mu.Unlock(); return c.calls }

// viewAll is queueCache.view returning every item of the view.
func viewAll(c *queueCache, ctx context.Context, sessionID, stamp string, compute func() (*staffView, error)) ([]QueueItem, bool, error) {
	v, stale, err := c.view(ctx, sessionID, stamp, 0, compute)
	if v == nil {
		return nil, stale, err
	}
	out := make([]QueueItem, len(v.all))
	for i, it := range v.all {
		out[i] = *it
	}
	return out, stale, err
}

// fakeClock is a queueCache clock the test moves.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeClock) now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.t }
func (f *fakeClock) add(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

func newCache() (*queueCache, *fakeClock) {
	clk := &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	return &queueCache{clock: clk.now}, clk
}

func TestQueueCacheView(t *testing.T) {
	ctx := context.Background()
	c, clk := newCache()
	one := &computeOnce{items: []QueueItem{{Part: 1}, {Part: 2}}}
	one.took = func() { clk.add(time.Second) }
	got, stale, err := viewAll(c, ctx, "s", "1", one.compute)
	if err != nil || stale || len(got) != 2 || one.count() != 1 {
		t.Fatalf("first view: %v %v %v, %d computations", got, stale, err, one.count())
	}
	if got, _, _ := viewAll(c, ctx, "s", "1", one.compute); len(got) != 2 || one.count() != 1 {
		t.Fatalf("same stamp: computed again (%d)", one.count())
	}
	// A change within the refresh interval: the kept view, marked stale.
	two := &computeOnce{items: []QueueItem{{Part: 3}}}
	clk.add((queueRefreshFactor-1)*time.Second - time.Millisecond)
	if got, stale, _ := viewAll(c, ctx, "s", "2", two.compute); !stale || len(got) != 2 || two.count() != 0 {
		t.Fatalf("a change within the interval: %v (stale %v), %d computations", got, stale, two.count())
	}
	clk.add(time.Millisecond)
	if got, stale, _ := viewAll(c, ctx, "s", "2", two.compute); stale || len(got) != 1 || got[0].Part != 3 || two.count() != 1 {
		t.Fatalf("new stamp: %v, %d computations", got, two.count())
	}

	// A failed computation is not kept: the next request computes again.
	bad := &computeOnce{err: errors.New("disk")}
	if _, _, err := viewAll(c, ctx, "s", "3", bad.compute); err == nil {
		t.Fatal("an error was not returned")
	}
	if got, _, _ := viewAll(c, ctx, "s", "3", two.compute); len(got) != 1 || two.count() != 2 {
		t.Fatalf("after an error: %v, %d computations", got, two.count())
	}
}

// TestQueueCacheSingleFlight: after a change, concurrent requests for a
// session with no previous view wait for one computation; with a previous
// view they get it at once, marked stale, while the new one is computed.
func TestQueueCacheSingleFlight(t *testing.T) {
	ctx := context.Background()
	c, _ := newCache()
	slow := &computeOnce{items: []QueueItem{{Part: 4}}, started: make(chan struct{}), gate: make(chan struct{})}
	const n = 8
	results := make(chan []QueueItem, n)
	go func() {
		items, _, _ := viewAll(c, ctx, "s", "1", slow.compute)
		results <- items
	}()
	<-slow.started
	for range n - 1 {
		go func() {
			items, _, _ := viewAll(c, ctx, "s", "1", slow.compute)
			results <- items
		}()
	}
	for { // every other request is waiting for the computation
		c.mu.Lock()
		w := c.waits
		c.mu.Unlock()
		if w == n-1 {
			break
		}
		runtime.Gosched()
	}
	close(slow.gate)
	for range n {
		if items := <-results; len(items) != 1 || items[0].Part != 4 {
			t.Fatalf("a waiter got %v", items)
		}
	}
	if slow.count() != 1 {
		t.Fatalf("%d computations for %d concurrent requests, want 1", slow.count(), n)
	}

	next := &computeOnce{items: []QueueItem{{Part: 5}}, started: make(chan struct{}), gate: make(chan struct{})}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if items, stale, _ := viewAll(c, ctx, "s", "2", next.compute); stale || items[0].Part != 5 {
			t.Errorf("the computing request got %v (stale %v)", items, stale)
		}
	}()
	<-next.started
	items, stale, err := viewAll(c, ctx, "s", "2", next.compute)
	if err != nil || !stale || items[0].Part != 4 {
		t.Fatalf("during the computation: %v, stale %v, %v; want the previous view, stale", items, stale, err)
	}
	close(next.gate)
	<-done
	if items, stale, _ := viewAll(c, ctx, "s", "2", next.compute); stale || items[0].Part != 5 || next.count() != 1 {
		t.Fatalf("after it: %v, stale %v, %d computations", items, stale, next.count())
	}
}

// TestQueueCacheSpacing: a computation that takes long spaces the next one
// by queueRefreshFactor times its duration.
func TestQueueCacheSpacing(t *testing.T) {
	ctx := context.Background()
	c, clk := newCache()
	slow := func() (*staffView, error) {
		clk.add(time.Second)
		return &staffView{all: itemPtrs([]QueueItem{{Part: 1}})}, nil
	}
	viewAll(c, ctx, "s", "1", slow)
	clk.add(queueRefreshFactor*time.Second - time.Second - time.Millisecond) // just before start + 4 s
	if _, stale, _ := viewAll(c, ctx, "s", "2", slow); !stale {
		t.Fatal("recomputed before 4 times the last computation's duration")
	}
	clk.add(time.Millisecond)
	if _, stale, _ := viewAll(c, ctx, "s", "2", slow); stale {
		t.Fatal("not recomputed after the interval")
	}
}

// TestQueueCacheExpire: after a staff action or an appeal, the next request
// sees the change whatever the spacing.
func TestQueueCacheExpire(t *testing.T) {
	ctx := context.Background()
	c, clk := newCache()
	slow := func() (*staffView, error) {
		clk.add(time.Second)
		return &staffView{all: itemPtrs([]QueueItem{{Part: 1}})}, nil
	}
	viewAll(c, ctx, "s", "1", slow)
	c.expire("s")
	c.expire("unknown") // no view kept: nothing to do
	if _, stale, _ := viewAll(c, ctx, "s", "2", slow); stale {
		t.Fatal("an expired view was served after a change")
	}
}

func TestQueueCacheEviction(t *testing.T) {
	ctx := context.Background()
	c, _ := newCache()
	v := &computeOnce{items: []QueueItem{}}
	viewAll(c, ctx, "s", "1", v.compute)
	for i := range queueCacheSize - 1 {
		viewAll(c, ctx, fmt.Sprint("x", i), "1", v.compute)
	}
	viewAll(c, ctx, "s", "1", v.compute) // used last
	viewAll(c, ctx, "new", "1", v.compute)
	if len(c.m) != queueCacheSize {
		t.Fatalf("%d sessions kept, want %d", len(c.m), queueCacheSize)
	}
	if _, ok := c.m["s"]; !ok {
		t.Fatal("the session used last was dropped")
	}
	if _, ok := c.m["x0"]; ok {
		t.Fatal("the least recently used session was kept")
	}
}
