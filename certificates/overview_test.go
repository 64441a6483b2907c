package certificates

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"librecours/course"
)

func TestSummarizeSessions(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	at := func(d string) time.Time { t0, _ := time.Parse(course.DateLayout, d); return t0 }
	closedAt := at("2026-05-01")
	sess := func(code, opens, ends string, closed bool) *course.Session {
		s := &course.Session{Code: code, TimeZone: "UTC", EndsOn: ends, Parts: []course.Part{{Number: 1, OpensAt: at(opens)}}}
		if closed {
			s.ClosedAt = &closedAt
		}
		return s
	}
	upcoming := sess("LCIII-004", "2026-07-01", "2026-08-15", false)
	running := sess("LCIII-003", "2026-05-15", "2026-07-01", false)
	endedLate := sess("LCIII-002", "2026-03-01", "2026-05-20", false)
	endedEarly := sess("LCVI-001", "2026-02-01", "2026-04-30", false)
	closed := sess("LCIII-001", "2026-01-01", "2026-02-15", true)
	got := SummarizeSessions([]*course.Session{upcoming, endedLate, running, closed, endedEarly},
		[]Commitment{{Status: CommitmentPending}, {Status: CommitmentFulfilled}, {Status: CommitmentPending}, {Status: CommitmentReleased}}, now)
	want := Overview{
		Upcoming: 1, Running: 1, Ended: 2, Closed: 1,
		ClosuresDue:        []*course.Session{endedEarly, endedLate},
		PendingCommitments: 2,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("SummarizeSessions (-want +got):\n%s", d)
	}
}
