package app

import (
	"context"
	"time"
)

// RunScheduler acts on deadlines until ctx ends: it assigns reviews at
// submission_due, computes grades at review_due and removes expired sign-in
// sessions. Every action claims its part atomically, so running it in several
// instances, or again after a crash, never does a job twice. It returns once
// the job in progress has finished.
func (s *Server) RunScheduler(ctx context.Context, every time.Duration) {
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

// SchedulerTick runs what is due now, once.
func (s *Server) SchedulerTick(ctx context.Context) {
	if err := s.grading.Tick(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("scheduler", "err", err)
	}
	if _, err := s.auth.DeleteExpired(ctx, s.now()); err != nil && ctx.Err() == nil {
		s.log.Warn("scheduler: expire sessions", "err", err)
	}
}
