package grading

import (
	"fmt"
	"testing"
)

func TestQueueCache(t *testing.T) {
	var c queueCache
	if _, ok := c.get("s", "1"); ok {
		t.Fatal("an empty cache answered")
	}
	c.put("s", "1", []QueueItem{{Part: 1}, {Part: 2}})
	got, ok := c.get("s", "1")
	if !ok || len(got) != 2 {
		t.Fatalf("get: %v %v", got, ok)
	}
	got[0].Part = 9 // a caller's copy
	if again, _ := c.get("s", "1"); again[0].Part != 1 {
		t.Fatal("a caller changed the cached view")
	}
	if _, ok := c.get("s", "2"); ok {
		t.Fatal("a view served for another stamp")
	}
	// Full: the least recently used session goes.
	for i := range queueCacheSize - 1 {
		c.put(fmt.Sprint("x", i), "1", nil)
	}
	c.get("s", "1")
	c.put("new", "1", nil)
	if _, ok := c.get("s", "1"); !ok {
		t.Fatal("the session used last was dropped")
	}
	if _, ok := c.get("x0", "1"); ok {
		t.Fatal("the least recently used session was kept")
	}
	if len(c.m) != queueCacheSize {
		t.Fatalf("%d sessions kept, want %d", len(c.m), queueCacheSize)
	}
}
