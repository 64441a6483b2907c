package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"librecours/course"
)

// Dispatcher defaults.
const (
	DefaultLease       = 2 * time.Minute
	DefaultMaxAttempts = 10
	DefaultBaseDelay   = time.Minute
	DefaultMaxDelay    = 6 * time.Hour
	DefaultTimeout     = time.Minute
	// DefaultBatch bounds the messages one DeliverDue call sends, so a
	// long queue does not hold up shutdown between passes.
	DefaultBatch = 100
)

// Dispatcher delivers the messages of the outbox that are due. Several
// dispatchers, in one process or many, may run at once: each message is
// claimed by one of them at a time (Store.Claim), under a lease. A dispatcher
// that dies mid-delivery leaves the lease to expire; the message then goes
// to the next one, so nothing is lost.
type Dispatcher struct {
	Store    Store
	Users    Users
	Mailer   Mailer
	Poster   Poster
	Renderer Renderer
	Now      func() time.Time
	// UnsubscribeKey returns the secret that signs one-click unsubscribe
	// links (at least MinUnsubscribeKey bytes); nil: mails carry none.
	UnsubscribeKey func(ctx context.Context) ([]byte, error)

	Lease       time.Duration // how long a claim holds; DefaultLease when zero
	MaxAttempts int           // attempts before giving up; DefaultMaxAttempts when zero
	BaseDelay   time.Duration // the first retry's delay, doubled at each attempt
	MaxDelay    time.Duration // the longest delay between attempts
	Timeout     time.Duration // one delivery, SMTP or HTTP; DefaultTimeout when zero
	Batch       int           // messages per DeliverDue; DefaultBatch when zero
}

// Backoff is the delay before the attempt after attempt number n (1 for the
// first): base, 2·base, 4·base… capped at max.
func Backoff(base, max time.Duration, n int) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}

// Report says what a DeliverDue call did. Errors hold the failed attempts
// (retried or given up) for the caller to log.
type Report struct {
	Sent, Retried, Failed, Lost int // Lost: the lease ran out before the outcome was recorded
	Errors                      []error
}

// Delivered is the number of messages handled.
func (r Report) Delivered() int { return r.Sent + r.Retried + r.Failed + r.Lost }

func (d *Dispatcher) lease() time.Duration   { return orDefault(d.Lease, DefaultLease) }
func (d *Dispatcher) timeout() time.Duration { return orDefault(d.Timeout, DefaultTimeout) }

func orDefault(v, def time.Duration) time.Duration {
	if v > 0 {
		return v
	}
	return def
}

// DeliverDue delivers the messages due now, one at a time, until none is
// due, Batch were handled or ctx ends. A delivery begun is finished (within
// Timeout) even when ctx ends meanwhile, and its outcome recorded, so a
// shutdown leaves no message half done.
func (d *Dispatcher) DeliverDue(ctx context.Context) (Report, error) {
	var rep Report
	batch := d.Batch
	if batch <= 0 {
		batch = DefaultBatch
	}
	for range batch {
		if ctx.Err() != nil {
			return rep, nil
		}
		done, err := d.deliverOne(ctx, &rep)
		if err != nil || !done {
			return rep, err
		}
	}
	return rep, nil
}

// deliverOne claims and delivers one message; false when none was due.
func (d *Dispatcher) deliverOne(ctx context.Context, rep *Report) (bool, error) {
	now := d.Now().UTC()
	m, err := d.Store.Claim(ctx, now, now.Add(d.lease()))
	if errors.Is(err, ErrNothingDue) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	// The attempt runs to its end whatever happens to ctx; the lease is
	// longer than Timeout, so the outcome is recorded while the claim holds.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.timeout())
	defer cancel()
	var sendErr error
	if m.Attempts > d.maxAttempts() {
		sendErr = Permanent(errors.New("notify: too many attempts"))
	} else {
		sendErr = d.send(wctx, m)
	}
	o := Outcome{Status: StatusSent, At: d.Now().UTC()}
	switch {
	case sendErr == nil:
	case IsPermanent(sendErr) || m.Attempts >= d.maxAttempts():
		o.Status, o.Error = StatusFailed, sendErr.Error()
	default:
		o.Status, o.Error = StatusPending, sendErr.Error()
		o.NextAt = o.At.Add(Backoff(orDefault(d.BaseDelay, DefaultBaseDelay), orDefault(d.MaxDelay, DefaultMaxDelay), m.Attempts))
	}
	ok, err := d.Store.Finish(wctx, m.ID, m.Attempts, o)
	if err != nil {
		return false, err
	}
	switch {
	case !ok:
		// Another dispatcher took the message over after our lease: it
		// owns the outcome now (and may send it again: at least once).
		rep.Lost++
	case o.Status == StatusSent:
		rep.Sent++
	case o.Status == StatusFailed:
		rep.Failed++
		rep.Errors = append(rep.Errors, fmt.Errorf("notify: %s given up after %d attempts: %w", m.ID, m.Attempts, sendErr))
	default:
		rep.Retried++
		rep.Errors = append(rep.Errors, fmt.Errorf("notify: %s attempt %d failed, retry at %s: %w", m.ID, m.Attempts, o.NextAt.Format(time.RFC3339), sendErr))
	}
	return true, nil
}

func (d *Dispatcher) maxAttempts() int {
	if d.MaxAttempts > 0 {
		return d.MaxAttempts
	}
	return DefaultMaxAttempts
}

// send makes one attempt at m.
func (d *Dispatcher) send(ctx context.Context, m *Message) error {
	if len(m.Events) == 0 {
		return Permanent(errors.New("notify: message without events"))
	}
	if m.Kind == KindMattermost {
		return d.Poster.Post(ctx, m.URL, d.Renderer.Post(m))
	}
	u, err := d.Users.UserByID(ctx, m.UserID)
	if errors.Is(err, course.ErrNotFound) {
		return Permanent(errors.New("notify: the recipient's account is gone"))
	}
	if err != nil {
		return err
	}
	unsubscribe := ""
	if _, ok := ParseKind(string(m.Kind)); ok && d.UnsubscribeKey != nil {
		key, err := d.UnsubscribeKey(ctx)
		if err != nil {
			return fmt.Errorf("notify: unsubscribe key: %w", err)
		}
		unsubscribe = d.Renderer.UnsubscribeURL(key, u.ID, m.Kind)
	}
	mail := d.Renderer.Mail(m, u, unsubscribe)
	mail.Date = d.Now()
	return d.Mailer.Send(ctx, mail)
}

// Purge deletes what was sent or given up before the retention period
// (the day's message must stay while its day lasts, for de-duplication).
func (d *Dispatcher) Purge(ctx context.Context, retention time.Duration) (int, error) {
	return d.Store.Purge(ctx, d.Now().UTC().Add(-retention))
}
