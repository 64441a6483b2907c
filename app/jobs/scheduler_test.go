package jobs

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"librecours/grading"
	"librecours/grading/gradingtest"
	"librecours/notify"
	"librecours/notify/notifytest"
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

// TestRunWaitsForTheQueueWarmUp: Run returns only once the correction
// queues' warm-up it started has returned, so that the store can close
// after it (a warm-up still reading a closed store crashed the web tests).
func TestRunWaitsForTheQueueWarmUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		warming := false
		courses := &gradingtest.Course{Fail: func(op string) error {
			if op == "OpenSessions" { // the warm-up's first read
				warming = true
				<-release
			}
			return nil
		}}
		s := &Scheduler{
			Grading:  &grading.Service{Store: gradingtest.Stamped{Store: &gradingtest.Store{}}, Course: courses, Now: time.Now},
			Dispatch: &notify.Dispatcher{Store: notifytest.NewMemory(), Now: time.Now},
			Log:      slog.New(slog.DiscardHandler),
			Now:      time.Now,
		}
		ctx, cancel := context.WithCancel(t.Context())
		cancel() // the jobs do nothing; only the warm-up is left running
		stopped := make(chan struct{})
		go func() { s.Run(ctx, time.Hour); close(stopped) }()
		synctest.Wait()
		if !warming {
			t.Fatal("the warm-up never started")
		}
		select {
		case <-stopped:
			t.Fatal("Run returned while the warm-up was still reading")
		default:
		}
		close(release)
		synctest.Wait()
		select {
		case <-stopped:
		default:
			t.Fatal("Run did not return once the warm-up had")
		}
	})
}
