// Package jobs runs what the platform does on its own: the scheduler acts on
// deadlines (review assignment, grades, reminders, expired sign-ins) and
// delivers the outbox; the notification rules turn events into messages.
package jobs

import (
	"context"
	"librecours/course"
	"librecours/grading"
	"librecours/notify"
	"log/slog"
	"sync"
	"time"
)

// Outbox housekeeping: messages sent or given up are kept this long (the
// day's message must outlive its day, to fold the day's later events), and
// purged at most this often.
const (
	outboxRetention  = 3 * 24 * time.Hour
	outboxPurgeEvery = time.Hour
)

// Recorder hears each job's outcome and each tick (the /metrics counters).
type Recorder interface {
	Job(name string, err error)
	Tick(now time.Time, ok bool)
}

// Scheduler runs the platform's timed jobs.
type Scheduler struct {
	Grading  *grading.Service
	Rules    *Rules
	Dispatch *notify.Dispatcher
	Auth     *course.Auth // expired sign-in sessions are removed
	Metrics  Recorder     // nil: none
	Log      *slog.Logger
	Now      func() time.Time
	// NotifyInterval is how often the outbox is delivered (15 s when 0).
	NotifyInterval time.Duration

	// failing holds, per job, the failure last logged (failures).
	mu      sync.Mutex
	failing map[string]*jobFailure
}

// jobFailure is a job's failure as last logged: when, what, and how many
// failures since went unlogged.
type jobFailure struct {
	at     time.Time
	err    string
	quiet  int
	failed bool
}

// failureRepeat is how long the same failure of a job is not logged again:
// a full disk or a stopped database fails every tick, and would write a
// line every 15 or 30 seconds for as long as it lasts.
const failureRepeat = 10 * time.Minute

// jobGrace bounds how long a job begun before shutdown may go on after it.
const jobGrace = 20 * time.Second

// Run acts on deadlines until ctx ends: it assigns reviews at
// submission_due, computes grades at review_due, queues the reminders of
// deadlines 24 hours away and removes expired sign-in sessions; beside it,
// the outbox is delivered every Config.NotifyInterval. Every action claims
// its part, its reminder or its message atomically, so running it in several
// instances, or again after a crash, never does a job twice. It returns once
// the jobs in progress have finished.
func (s *Scheduler) Run(ctx context.Context, every time.Duration) {
	outboxDone := make(chan struct{})
	go func() {
		defer close(outboxDone)
		s.RunOutbox(ctx, cmpInterval(s.NotifyInterval))
	}()
	defer func() { <-outboxDone }()
	warmDone := make(chan struct{})
	go func() {
		defer close(warmDone)
		if err := s.Grading.WarmQueues(ctx); err != nil && ctx.Err() == nil {
			s.Log.Warn("scheduler: warm the correction queues", "err", err)
		}
	}()
	defer func() { <-warmDone }()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		s.Tick(ctx)
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

// Tick runs what is due now, once. Once ctx ends it starts no new
// job, but the job in progress runs to its end (within jobGrace), so a
// shutdown leaves no claim half done.
func (s *Scheduler) Tick(ctx context.Context) {
	jctx, done := jobContext(ctx, jobGrace)
	defer done()
	if ctx.Err() != nil {
		return
	}
	ok := true // every job succeeded (the metrics' last successful tick)
	err := s.Grading.Tick(jctx)
	if err != nil {
		ok = false
	}
	s.failure("grading", slog.LevelError, "scheduler", err)
	s.job("grading", err)
	if ctx.Err() != nil {
		return
	}
	err = s.Rules.Remind(jctx)
	if err != nil {
		ok = false
	}
	s.failure("reminders", slog.LevelError, "scheduler: deadline reminders", err)
	s.job("reminders", err)
	if ctx.Err() != nil {
		return
	}
	_, err = s.Auth.ExpireOld(jctx)
	if err != nil {
		ok = false
	}
	s.failure("expire_sessions", slog.LevelWarn, "scheduler: expire sessions", err)
	s.job("expire_sessions", err)
	if s.Metrics != nil {
		s.Metrics.Tick(s.Now(), ok)
	}
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

// failure logs job's outcome err (nil: it succeeded) at level with msg:
// a failure once, then again only when it changes or failureRepeat after
// it was last logged, saying how many went unlogged; the first success
// after a failure says the job works again. The metrics count every one.
func (s *Scheduler) failure(job string, level slog.Level, msg string, err error) {
	s.mu.Lock()
	if s.failing == nil {
		s.failing = map[string]*jobFailure{}
	}
	f := s.failing[job]
	if f == nil {
		f = &jobFailure{}
		s.failing[job] = f
	}
	now := s.Now()
	var args []any
	switch {
	case err == nil && !f.failed:
		s.mu.Unlock()
		return
	case err == nil:
		*f = jobFailure{}
		s.mu.Unlock()
		s.Log.Info(msg+": works again", "job", job)
		return
	case f.failed && f.err == err.Error() && now.Sub(f.at) < failureRepeat:
		f.quiet++
		s.mu.Unlock()
		return
	case f.quiet > 0:
		args = append(args, "failures_not_logged", f.quiet)
	}
	*f = jobFailure{at: now, err: err.Error(), failed: true}
	s.mu.Unlock()
	s.Log.Log(context.Background(), level, msg, append([]any{"err", err}, args...)...)
}

// job records a job's outcome.
func (s *Scheduler) job(name string, err error) {
	if s.Metrics != nil {
		s.Metrics.Job(name, err)
	}
}

// DeliverOutbox delivers what is due in the outbox now, once, and logs the
// failures. The outbox loop calls it; tests call it instead of waiting.
func (s *Scheduler) DeliverOutbox(ctx context.Context) notify.Report {
	rep, err := s.Dispatch.DeliverDue(ctx)
	if ctx.Err() == nil {
		s.failure("outbox", slog.LevelError, "outbox", err)
		s.job("outbox", err)
	}
	for _, e := range rep.Errors {
		s.Log.Warn("outbox: delivery failed", "err", e)
	}
	return rep
}

// RunOutbox delivers the outbox every interval until ctx ends, and purges
// what is old. It returns once the delivery in progress is finished and
// recorded: a stop never leaves a message half sent.
func (s *Scheduler) RunOutbox(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	var purged time.Time
	for {
		s.DeliverOutbox(ctx)
		if now := s.Now(); ctx.Err() == nil && now.Sub(purged) >= outboxPurgeEvery {
			if _, err := s.Dispatch.Purge(ctx, outboxRetention); ctx.Err() == nil {
				s.failure("outbox_purge", slog.LevelWarn, "outbox: purge", err)
			}
			purged = now
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
