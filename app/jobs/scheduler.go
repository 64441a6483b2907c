package app

import (
	"context"
	"time"
)

// jobGrace bounds how long a job begun before shutdown may go on after it.
const jobGrace = 20 * time.Second

// RunScheduler acts on deadlines until ctx ends: it assigns reviews at
// submission_due, computes grades at review_due, queues the reminders of
// deadlines 24 hours away and removes expired sign-in sessions; beside it,
// the outbox is delivered every Config.NotifyInterval. Every action claims
// its part, its reminder or its message atomically, so running it in several
// instances, or again after a crash, never does a job twice. It returns once
// the jobs in progress have finished.
func (s *Server) RunScheduler(ctx context.Context, every time.Duration) {
	outboxDone := make(chan struct{})
	go func() {
		defer close(outboxDone)
		s.RunOutbox(ctx, cmpInterval(s.cfg.NotifyInterval))
	}()
	defer func() { <-outboxDone }()
	go func() {
		if err := s.grading.WarmQueues(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("scheduler: warm the correction queues", "err", err)
		}
	}()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		s.SchedulerTick(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func cmpInterval(d time.Duration) time.Duration {
	if d <= 0 {
		return 15 * time.Second
	}
	return d
}

// SchedulerTick runs what is due now, once. Once ctx ends it starts no new
// job, but the job in progress runs to its end (within jobGrace), so a
// shutdown leaves no claim half done.
func (s *Server) SchedulerTick(ctx context.Context) {
	jctx, done := jobContext(ctx, jobGrace)
	defer done()
	if ctx.Err() != nil {
		return
	}
	ok := true // every job succeeded (the metrics' last successful tick)
	err := s.grading.Tick(jctx)
	if err != nil {
		s.log.Error("scheduler", "err", err)
		ok = false
	}
	s.metrics.job("grading", err)
	if ctx.Err() != nil {
		return
	}
	err = s.notifier.remind(jctx)
	if err != nil {
		s.log.Error("scheduler: deadline reminders", "err", err)
		ok = false
	}
	s.metrics.job("reminders", err)
	if ctx.Err() != nil {
		return
	}
	_, err = s.auth.DeleteExpired(jctx, s.now())
	if err != nil {
		s.log.Warn("scheduler: expire sessions", "err", err)
		ok = false
	}
	s.metrics.job("expire_sessions", err)
	s.metrics.tick(s.now(), ok)
}

// jobContext is ctx without its cancellation, so that a job begun finishes
// (its claims released, its outcome stored), yet cancelled grace after ctx
// ends: a shutdown waits for the job, not forever. done releases it.
func jobContext(ctx context.Context, grace time.Duration) (context.Context, context.CancelFunc) {
	jctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() {
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-t.C:
			cancel()
		case <-jctx.Done():
		}
	})
	return jctx, func() { stop(); cancel() }
}
