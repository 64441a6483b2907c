package grading_test

import (
	"slices"
	"testing"
	"time"

	"librecours/grading"
	"librecours/grading/gradingtest"
)

// TestSaveReviewPatchesQueue: with a kept staff view, a review save
// regrades its submission in the view at once, without computing the
// session again: its grade, reasons and place in the queue change on the
// next read, which says the view was patched. The computation after the
// spacing gives the same queue.
func TestSaveReviewPatchesQueue(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.svc.Store = gradingtest.Stamped{Store: e.store}
	e.svc.QueueSpacing = time.Hour
	e.svc.SetQueueClock(e.clock.Now)
	e.submit(t, 1, people...)
	e.assign(t, 1)
	e.clock.Set(part(1).SubmissionDue.Add(day))
	st, err := e.store.PartState(ctx, sid, 1)
	noErr(t, err)
	// x: a submission outside the calibration sample; its reviews but one
	// are left to do, every other review is handed in at 80%.
	var x string
	var pending []grading.Review
	for _, id := range people {
		for _, r := range e.reviewsOf(t, 1, id) {
			if x == "" && !slices.Contains(st.Calibration, r.SubmissionID) {
				x = r.SubmissionID
			}
			if r.SubmissionID == x && len(pending) < 2 && r.ReviewerID != "p1" {
				pending = append(pending, r)
				continue
			}
			e.review(t, r, 6, 2)
		}
	}
	if len(pending) != 2 {
		t.Fatalf("%d reviews of %s left to do, want 2", len(pending), x)
	}
	item := func(q *grading.CorrectionQueue) (at int, it grading.QueueItem) {
		i := slices.IndexFunc(q.Items, func(it grading.QueueItem) bool { return it.Submission.ID == x })
		if i >= 0 {
			return i, q.Items[i]
		}
		return -1, grading.QueueItem{Model: &grading.AggregateGrade{}}
	}
	q0, err := e.svc.CorrectionQueue(ctx, anim, sid)
	noErr(t, err)
	if at, _ := item(q0); at >= 0 || q0.Patched != 0 {
		t.Fatalf("before: %s at %d in the queue, %d patched", x, at, q0.Patched)
	}
	full, err := e.svc.StaffSubmission(ctx, anim, x)
	noErr(t, err)
	if full.Model == nil || full.Model.Grade != 80 || full.Model.ReviewCount != 1 {
		t.Fatalf("before: %s graded %+v", x, full.Model)
	}

	// A 10% beside the 80%: graded 45, in the queue for the disagreement,
	// after the calibration sample and urgent; no computation.
	e.review(t, pending[0], 1, 0)
	q1, err := e.svc.CorrectionQueue(ctx, anim, sid)
	noErr(t, err)
	at, it := item(q1)
	if computes, patches := e.svc.QueueCounts(); computes != 1 || patches != 1 {
		t.Errorf("%d computations, %d patches; want 1, 1", computes, patches)
	}
	if at != len(st.Calibration) || it.Model.Grade != 45 || !slices.Equal(it.Reasons, []string{grading.ReasonDisagreement}) || !it.Urgent ||
		q1.Patched != 1 || !q1.Stale || !q1.At.Equal(q0.At) {
		t.Errorf("after a 10%%: %s at %d (want %d), graded %.1f, reasons %v, urgent %v; queue patched %d, stale %v, at %v",
			x, at, len(st.Calibration), it.Model.Grade, it.Reasons, it.Urgent, q1.Patched, q1.Stale, q1.At)
	}
	one, err := e.svc.StaffSubmission(ctx, anim, x)
	noErr(t, err)
	if done := slices.IndexFunc(one.Reviews, func(r grading.StaffReview) bool {
		return r.Review.ID == pending[0].ID && r.Review.Status == grading.ReviewDone && r.Review.Percent == 10
	}); done < 0 || one.Model == nil || one.Model.ReviewCount != 2 {
		t.Errorf("the staff's page of %s: %+v", x, one.Reviews)
	}

	// Its reviewer edits it to 80%: out of the queue.
	e.review(t, pending[0], 6, 2)
	q2, err := e.svc.CorrectionQueue(ctx, anim, sid)
	noErr(t, err)
	if at, it := item(q2); at >= 0 || q2.Patched != 2 {
		t.Errorf("after the edit: %s at %d (%v), %d patched", x, at, it.Reasons, q2.Patched)
	}

	// Past the spacing, the computation: the same queue, not patched.
	e.clock.Set(e.clock.Now().Add(2 * time.Hour))
	q3, err := e.svc.CorrectionQueue(ctx, anim, sid)
	noErr(t, err)
	if computes, _ := e.svc.QueueCounts(); computes != 2 || q3.Patched != 0 || q3.Stale {
		t.Errorf("after the spacing: %d computations, %d patched, stale %v", computes, q3.Patched, q3.Stale)
	}
	ids := func(q *grading.CorrectionQueue) (out []string) {
		for _, it := range q.Items {
			out = append(out, it.Submission.ID)
		}
		return out
	}
	if !slices.Equal(ids(q2), ids(q3)) {
		t.Errorf("patched queue %v, computed %v", ids(q2), ids(q3))
	}
}
