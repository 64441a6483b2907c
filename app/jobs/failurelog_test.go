package jobs

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"librecours/notify"
	"librecours/notify/notifytest"
)

// failingOutbox is an outbox whose claims fail with err while it is set.
type failingOutbox struct {
	*notifytest.Memory
	err error
}

func (f *failingOutbox) Claim(ctx context.Context, now, leaseUntil time.Time) (*notify.Message, error) {
	if f.err != nil {
		return nil, f.err
	}
	return f.Memory.Claim(ctx, now, leaseUntil)
}

// TestJobFailuresAreNotRepeated: a job failing every tick (a full disk)
// is logged once, then again only when its error changes or ten minutes
// later with the count of failures left unlogged; its recovery is logged
// once. The outbox runs every 15 s: it wrote a line each time.
func TestJobFailuresAreNotRepeated(t *testing.T) {
	var logs bytes.Buffer
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	out := &failingOutbox{Memory: notifytest.NewMemory(), err: errors.New("database or disk is full")}
	s := &Scheduler{
		Dispatch: &notify.Dispatcher{Store: out, Now: clock},
		Log:      slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
		Now:      clock,
	}
	lines := func() []string {
		t.Helper()
		text := strings.TrimSpace(logs.String())
		logs.Reset()
		if text == "" {
			return nil
		}
		return strings.Split(text, "\n")
	}
	tick := func(n int) {
		for range n {
			s.DeliverOutbox(t.Context())
			now = now.Add(15 * time.Second)
		}
	}
	tick(20) // five minutes of a full disk
	if got := lines(); len(got) != 1 || !strings.Contains(got[0], "level=ERROR msg=outbox") || !strings.Contains(got[0], "disk is full") {
		t.Fatalf("five minutes of the same failure logged as %q, want one ERROR line", got)
	}
	tick(21) // ten minutes after the first line: logged again, with the count
	if got := lines(); len(got) != 1 || !strings.Contains(got[0], "failures_not_logged=39") {
		t.Fatalf("ten minutes on: %q, want one line counting the 39 failures not logged", got)
	}
	out.err = errors.New("disk I/O error")
	tick(1)
	if got := lines(); len(got) != 1 || !strings.Contains(got[0], "disk I/O error") {
		t.Fatalf("a new error: %q, want it logged at once", got)
	}
	out.err = nil
	tick(3)
	if got := lines(); len(got) != 1 || !strings.Contains(got[0], "level=INFO msg=\"outbox: works again\"") {
		t.Fatalf("recovery: %q, want one INFO line", got)
	}
	out.err = errors.New("database or disk is full")
	tick(1)
	if got := lines(); len(got) != 1 || strings.Contains(got[0], "not_logged") {
		t.Fatalf("a failure after the recovery: %q, want it logged afresh", got)
	}
}
