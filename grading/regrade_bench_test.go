package grading_test

import (
	"fmt"
	"testing"
)

// BenchmarkRegradeAfterClose times an animator's grade of work whose part
// is closed: the whole part recomputed (the session's aggregation) and
// the grades written, on the in-memory fakes, for a part of n submissions
// with three reviews each.
func BenchmarkRegradeAfterClose(b *testing.B) {
	for _, n := range []int{200, 2000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			e, ids := cohortEnv(b, n)
			subs := e.submit(b, 1, ids...)
			e.assign(b, 1)
			e.clock.Set(part(1).SubmissionDue.Add(day))
			rs, err := e.store.Reviews(ctx, sid, 1)
			noErr(b, err)
			for i, r := range rs {
				_, err := e.svc.SaveReview(ctx, user(r.ReviewerID), r.ID, map[string]int{"fond": 30 + (i*37)%60}, comment)
				noErr(b, err)
			}
			e.clock.Set(part(1).ReviewDue)
			_, err = e.svc.ClosePart(ctx, nil, sid, 1)
			noErr(b, err)
			target := subs[ids[0]].ID
			b.ResetTimer()
			for i := range b.N {
				if _, err := e.svc.SetGrade(ctx, anim, target, float64(40+i%20), "Correction après la clôture."); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
