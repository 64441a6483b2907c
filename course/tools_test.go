package course

import (
	"testing"
	"time"
)

// TestShifted moves a schedule by days across both daylight-saving changes
// of Europe/Paris: the wall clock stays, the UTC instant moves by 23 or 25 h
// around the change.
func TestShifted(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	start, _ := time.ParseInLocation(DateLayout, "2026-03-16", paris)
	plan := PlanSchedule(LCIII, start, paris)
	sess := &Session{Format: LCIII, StartsOn: plan.StartsOn, EndsOn: plan.EndsOn, TimeZone: "Europe/Paris", Parts: plan.Parts, Evaluation: plan.Evaluation}
	local := func(tm time.Time) string { return tm.In(paris).Format("2006-01-02 15:04") }
	for _, tc := range []struct {
		days            int
		d               time.Duration
		starts, opens1  string
		due6, evalOpens string
	}{
		{0, 0, "2026-03-16", "2026-03-16 00:00", "2026-04-05 23:59", "2026-03-30 00:00"},
		{7, 0, "2026-03-23", "2026-03-23 00:00", "2026-04-12 23:59", "2026-04-06 00:00"},
		{-14, 0, "2026-03-02", "2026-03-02 00:00", "2026-03-22 23:59", "2026-03-16 00:00"},
		{224, 0, "2026-10-26", "2026-10-26 00:00", "2026-11-15 23:59", "2026-11-09 00:00"},
		{1, 2 * time.Hour, "2026-03-17", "2026-03-17 02:00", "2026-04-07 01:59", "2026-03-31 02:00"},
	} {
		got := Shifted(sess, tc.days, tc.d)
		if got.StartsOn != tc.starts || local(got.Parts[0].OpensAt) != tc.opens1 || local(got.Parts[5].ReviewDue) != tc.due6 || local(got.Evaluation.OpensAt) != tc.evalOpens {
			t.Errorf("shift %d d %v: starts %s, part 1 opens %s, part 6 due %s, evaluation opens %s", tc.days, tc.d,
				got.StartsOn, local(got.Parts[0].OpensAt), local(got.Parts[5].ReviewDue), local(got.Evaluation.OpensAt))
		}
		for i, p := range got.Parts {
			if p.Number != i+1 || p.Title != sess.Parts[i].Title || !p.OpensAt.Before(p.SubmissionDue) || p.ReviewDue.Before(p.SubmissionDue) {
				t.Errorf("shift %d: part %d is %+v", tc.days, i+1, p)
			}
		}
	}
	// The session itself is left as it was.
	if sess.StartsOn != "2026-03-16" || local(sess.Parts[0].OpensAt) != "2026-03-16 00:00" {
		t.Error("Shifted changed its input")
	}
}
