package jobs

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestJobContext: a job keeps its context past the end of the scheduler's,
// for the grace period at most.
func TestJobContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	jctx, done := jobContext(ctx, 50*time.Millisecond)
	defer done()
	cancel()
	if jctx.Err() != nil {
		t.Fatal("the job's context ended with the scheduler's")
	}
	select {
	case <-jctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the job's context outlived its grace")
	}
	j2, done2 := jobContext(context.Background(), time.Hour)
	done2()
	if !errors.Is(j2.Err(), context.Canceled) {
		t.Fatal("done does not release the job's context")
	}
}
