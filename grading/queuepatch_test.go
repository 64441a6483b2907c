package grading

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// patchStore is a session for the patch tests, as a store holds it: six
// submissions s0..s5 of part 1 by p0..p5, each assigned to the next three
// people; every review is handed in at 70% but s0's by p2 and p3.
type patchStore struct {
	mu     sync.Mutex
	subs   []*Submission
	rs     map[string]Review
	states map[int]PartState
	t      time.Time
}

var patchT0 = time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)

func newPatchStore(phase Phase) *patchStore {
	ps := &patchStore{rs: map[string]Review{}, t: patchT0,
		states: map[int]PartState{1: {SessionID: "s", Part: 1, Phase: phase, EffectiveK: 3, ClosedAt: patchT0}}}
	for i := range 6 {
		sub := &Submission{ID: fmt.Sprintf("s%d", i), SessionID: "s", Part: 1, AuthorID: fmt.Sprintf("p%d", i)}
		ps.subs = append(ps.subs, sub)
		for j := 1; j <= 3; j++ {
			v := fmt.Sprintf("p%d", (i+j)%6)
			r := Review{ID: "r-" + sub.ID + "-" + v, SessionID: "s", Part: 1, SubmissionID: sub.ID, AuthorID: sub.AuthorID,
				ReviewerID: v, Status: ReviewAssigned, AssignedAt: patchT0, UpdatedAt: patchT0, Required: true}
			if i != 0 || j == 1 {
				r.Status, r.Percent = ReviewDone, 70
			}
			ps.rs[r.ID] = r
		}
	}
	return ps
}

// save hands in (or edits) review id at pct, later than any save before,
// and returns it as saved.
func (ps *patchStore) save(id string, pct float64) Review {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.t = ps.t.Add(time.Minute)
	r := ps.rs[id]
	r.Status, r.Percent, r.UpdatedAt = ReviewDone, pct, ps.t
	ps.rs[id] = r
	return r
}

// view computes the session's view from what the store holds now.
func (ps *patchStore) view(t testing.TB) *staffView {
	ps.mu.Lock()
	rs := make([]Review, 0, len(ps.rs))
	for _, r := range ps.rs {
		rs = append(rs, r)
	}
	ps.mu.Unlock()
	slices.SortFunc(rs, func(a, b Review) int { return cmpString(a.ID, b.ID) })
	v, err := newStaffView(patchT0, ps.subs, rs, ps.states, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// itemOf is submission id's item in v.
func itemOf(t testing.TB, v *staffView, id string) *QueueItem {
	t.Helper()
	it := v.item(id)
	if it == nil {
		t.Fatalf("no item %s", id)
	}
	if it.Model == nil {
		t.Fatalf("item %s has no grade", id)
	}
	return it
}

func queueIDs(v *staffView) []string {
	var ids []string
	for _, it := range v.queue {
		ids = append(ids, it.Submission.ID)
	}
	return ids
}

// sameView compares what the staff see of two views: every item's grade,
// reasons, doubt and reviews, and the queue's order and urgency.
func sameView(t testing.TB, what string, want, got *staffView) {
	t.Helper()
	type seen struct {
		ID      string
		Grade   float64
		Method  GradeMethod
		Reasons []string
		Doubt   float64
		Done    int
		Urgent  bool
	}
	see := func(v *staffView) (all, queue []seen) {
		s := func(it QueueItem) seen {
			done := 0
			for _, r := range it.Reviews {
				if r.Review.Status == ReviewDone {
					done++
				}
			}
			if it.ReviewsDone != done {
				t.Errorf("%s: %s counts %d reviews done, its reviews say %d", what, it.Submission.ID, it.ReviewsDone, done)
			}
			var g AggregateGrade
			if it.Model != nil {
				g = *it.Model
			}
			return seen{it.Submission.ID, g.Grade, g.Method, it.Reasons, it.Doubt, done, it.Urgent}
		}
		for _, it := range v.all {
			all = append(all, s(*v.item(it.Submission.ID)))
		}
		for _, it := range v.queue {
			queue = append(queue, s(it))
		}
		return all, queue
	}
	wa, wq := see(want)
	ga, gq := see(got)
	if diff := gocmp.Diff(wa, ga, cmpopts.EquateApprox(0, 1e-9), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("%s: items (-computed +patched):\n%s", what, diff)
	}
	if diff := gocmp.Diff(wq, gq, cmpopts.EquateApprox(0, 1e-9), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("%s: queue (-computed +patched):\n%s", what, diff)
	}
}

// TestStaffViewPatch: a saved review regrades its submission in a new view
// at once, its reasons and place in the queue follow, and the view it was
// made from is unchanged; the patched view is what a computation from the
// store gives (the model does not run on 18 reviews: medians).
func TestStaffViewPatch(t *testing.T) {
	t.Parallel()
	t.Run("review phase: a disagreement appears and goes", func(t *testing.T) {
		t.Parallel()
		ps := newPatchStore(PhaseReview)
		v0 := ps.view(t)
		if it := itemOf(t, v0, "s0"); it.Model.Grade != 70 || len(it.Reasons) != 0 || len(v0.queue) != 0 {
			t.Fatalf("before: s0 %+v, queue %v", it, queueIDs(v0))
		}
		v1 := v0.patch(ps.save("r-s0-p2", 10))
		if v1 == nil || v1.patched != 1 {
			t.Fatalf("patch refused or not counted: %v", v1)
		}
		it := itemOf(t, v1, "s0")
		if it.Model.Grade != 40 || it.Model.ReviewCount != 2 || !slices.Equal(it.Reasons, []string{ReasonDisagreement}) ||
			!slices.Equal(queueIDs(v1), []string{"s0"}) || !v1.queue[0].Urgent {
			t.Errorf("after a 10%% beside a 70%%: s0 graded %.1f of %d reviews, reasons %v, queue %v",
				it.Model.Grade, it.Model.ReviewCount, it.Reasons, queueIDs(v1))
		}
		if old := itemOf(t, v0, "s0"); old.Model.Grade != 70 || len(v0.queue) != 0 || v0.patched != 0 {
			t.Errorf("the view patched changed: s0 %.1f, queue %v", old.Model.Grade, queueIDs(v0))
		}
		sameView(t, "one save", ps.view(t), v1)
		// The edit to 70% settles it: out of the queue.
		v2 := v1.patch(ps.save("r-s0-p2", 70))
		if it := itemOf(t, v2, "s0"); it.Model.Grade != 70 || len(it.Reasons) != 0 || len(v2.queue) != 0 || v2.patched != 2 {
			t.Errorf("after the edit: s0 %.1f, reasons %v, queue %v", it.Model.Grade, it.Reasons, queueIDs(v2))
		}
		sameView(t, "an edit", ps.view(t), v2)
		// A save older than the one the view holds is not taken in.
		stale := ps.rs["r-s0-p2"]
		stale.Percent, stale.UpdatedAt = 0, patchT0
		if v2.patch(stale) != nil {
			t.Error("an older save replaced a newer one")
		}
		if v2.patch(Review{ID: "r-new", SubmissionID: "later", Status: ReviewDone, Percent: 50}) != nil {
			t.Error("a review of a submission the view does not hold was taken in")
		}
	})
	t.Run("closed part: missing reviews goes with the k-th review", func(t *testing.T) {
		t.Parallel()
		ps := newPatchStore(PhaseClosed)
		v := ps.view(t)
		if it := itemOf(t, v, "s0"); !slices.Contains(it.Reasons, ReasonMissingReviews) {
			t.Fatalf("before: s0 reasons %v", it.Reasons)
		}
		v = v.patch(ps.save("r-s0-p2", 60))
		if it := itemOf(t, v, "s0"); !slices.Contains(it.Reasons, ReasonMissingReviews) || it.Model.Grade != 65 {
			t.Errorf("2 of 3: s0 %.1f, reasons %v", it.Model.Grade, it.Reasons)
		}
		v = v.patch(ps.save("r-s0-p3", 80))
		if it := itemOf(t, v, "s0"); slices.Contains(it.Reasons, ReasonMissingReviews) || it.Model.Grade != 70 || slices.Contains(queueIDs(v), "s0") {
			t.Errorf("3 of 3: s0 %.1f, reasons %v, queue %v", it.Model.Grade, it.Reasons, queueIDs(v))
		}
		sameView(t, "k-th review", ps.view(t), v)
	})
}

// patchedModel is a session large enough for the model to run: 30
// submissions each reviewed by 3 of 30 people, one of them 15 points
// lenient; s0 has 2 reviews, its third comes later.
func TestStaffViewPatchModel(t *testing.T) {
	t.Parallel()
	var subs []*Submission
	var rs []Review
	for i := range 30 {
		sub := &Submission{ID: fmt.Sprintf("s%02d", i), Part: 1, AuthorID: fmt.Sprintf("p%02d", i)}
		subs = append(subs, sub)
		for j := 1; j <= 3; j++ {
			v := (i + j) % 30
			pct := float64(50 + (i*7)%40 + (v%5)*2)
			if v == 1 {
				pct += 15
			}
			r := Review{ID: fmt.Sprintf("r%02d-%02d", i, v), Part: 1, SubmissionID: sub.ID, ReviewerID: fmt.Sprintf("p%02d", v),
				Status: ReviewDone, Percent: min(pct, 100), UpdatedAt: patchT0}
			if i == 0 && j == 3 {
				r.Status, r.Percent = ReviewAssigned, 0
			}
			rs = append(rs, r)
		}
	}
	states := map[int]PartState{1: {Part: 1, Phase: PhaseReview, EffectiveK: 3}}
	v, err := newStaffView(patchT0, subs, rs, states, 3, 5)
	if err != nil {
		t.Fatal(err)
	}
	if !v.model.ran {
		t.Fatal("the model did not run")
	}
	before := itemOf(t, v, "s00").Model
	last := rs[2]
	last.Status, last.Percent, last.UpdatedAt = ReviewDone, 100, patchT0.Add(time.Minute)
	nv := v.patch(last)
	after := itemOf(t, nv, "s00").Model
	// The same formula as the model's, its reviewers unchanged: the grade a
	// Regrade of the three reviews gives, surer than with two.
	want, err := v.model.Regrade("s00", []PeerScore{
		{ReviewerID: rs[0].ReviewerID, SubmissionID: "s00", Score: rs[0].Percent},
		{ReviewerID: rs[1].ReviewerID, SubmissionID: "s00", Score: rs[1].Percent},
		{ReviewerID: last.ReviewerID, SubmissionID: "s00", Score: 100}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if after.Method != GradeMethodPeersModel || after.ReviewCount != 3 || after.Grade <= before.Grade || after.SD >= before.SD ||
		gocmp.Diff(&want, after) != "" {
		t.Errorf("s00 %.2f (SD %.2f) -> %.2f (SD %.2f), %d reviews; Regrade gives %.2f", before.Grade, before.SD, after.Grade, after.SD,
			after.ReviewCount, want.Grade)
	}
	// Every other item is the one the view held; all is shared.
	for i, it := range nv.all {
		if id := it.Submission.ID; id != "s00" && nv.item(id) != v.all[i] {
			t.Errorf("%s was copied or changed", id)
		}
	}
	if &nv.all[0] != &v.all[0] || len(nv.over) != 1 {
		t.Errorf("all copied, or %d items over it", len(nv.over))
	}
}

// TestQueueCachePatchDuringComputation: a save patched while a computation
// that read the store before it runs is not lost when that computation's
// view replaces the kept one; a computation that read it anyway gives the
// same view; every read in between gets the patched view, and none waits.
func TestQueueCachePatchDuringComputation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, _ := newCache()
	ps := newPatchStore(PhaseReview)
	if _, _, err := c.view(ctx, "s", "1", 0, func() (*staffView, error) { return ps.view(t), nil }); err != nil {
		t.Fatal(err)
	}
	// A change; a computation reads the store, then waits.
	read := make(chan *staffView)
	gate := make(chan struct{})
	computed := make(chan *staffView)
	go func() {
		v, _, err := c.view(ctx, "s", "2", 0, func() (*staffView, error) {
			v := ps.view(t)
			read <- v
			<-gate
			return v, nil
		})
		if err != nil {
			t.Error(err)
		}
		computed <- v
	}()
	before := <-read
	// The save, while it waits.
	c.patch("s", ps.save("r-s0-p2", 10))
	v, stale, err := c.view(ctx, "s", "2", 0, func() (*staffView, error) { t.Error("a second computation"); return nil, nil })
	if err != nil || !stale || itemOf(t, v, "s0").Model.Grade != 40 || v.patched != 1 {
		t.Fatalf("during the computation: stale %v, s0 %.1f, %d patched, %v", stale, itemOf(t, v, "s0").Model.Grade, v.patched, err)
	}
	if itemOf(t, before, "s0").Model.Grade != 70 {
		t.Fatal("the computation's own view read the save")
	}
	close(gate)
	got := <-computed
	if g := itemOf(t, got, "s0").Model.Grade; g != 40 || got.patched != 1 {
		t.Errorf("the computation that read the store before the save: s0 %.1f, %d patched; want 40, 1", g, got.patched)
	}
	sameView(t, "after the computation", ps.view(t), got)
	if c.computes != 2 || c.patches != 1 {
		t.Errorf("%d computations, %d patches; want 2, 1", c.computes, c.patches)
	}

	// A computation that read the store after a save, the save patched
	// while it ran: the same view (a patch is idempotent).
	gate2 := make(chan struct{})
	started := make(chan struct{})
	done := make(chan *staffView)
	saved := ps.save("r-s0-p3", 90)
	go func() {
		v, _, _ := c.view(ctx, "s", "3", 0, func() (*staffView, error) {
			v := ps.view(t)
			close(started)
			<-gate2
			return v, nil
		})
		done <- v
	}()
	<-started
	c.patch("s", saved)
	close(gate2)
	got = <-done
	if g := itemOf(t, got, "s0").Model.Grade; g != 70 {
		t.Errorf("70, 10 and 90: s0 %.1f, want the median 70", g)
	}
	sameView(t, "a save the computation read", ps.view(t), got)
}

// TestQueueCachePatchRace: readers, saves and computations at once (run
// with -race). When the saves are over, the kept view holds every one of
// them, without another computation.
func TestQueueCachePatchRace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, clk := newCache()
	ps := newPatchStore(PhaseReview)
	var stamp sync.Mutex
	n := 0
	next := func() string { stamp.Lock(); defer stamp.Unlock(); return fmt.Sprint(n) }
	compute := func() (*staffView, error) { clk.add(time.Millisecond); return ps.view(t), nil }
	if _, _, err := c.view(ctx, "s", next(), 0, compute); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	ids := []string{"r-s0-p2", "r-s0-p3", "r-s1-p2", "r-s2-p3", "r-s3-p4", "r-s4-p5"}
	for w, id := range ids {
		wg.Go(func() {
			for i := range 20 {
				r := ps.save(id, float64((w*13+i*7)%101))
				stamp.Lock()
				n++
				stamp.Unlock()
				c.patch("s", r)
			}
		})
	}
	for range 4 {
		wg.Go(func() {
			for range 50 {
				clk.add(5 * time.Millisecond) // past the spacing: computations run among the saves
				v, _, err := c.view(ctx, "s", next(), 0, compute)
				if err != nil || len(v.all) != 6 {
					t.Errorf("a read: %v", err)
					return
				}
				for _, it := range v.queue { // read what a page reads
					_ = it.Doubt + it.Model.Grade
				}
			}
		})
	}
	wg.Wait()
	// The kept view with the saves noted since (what the next request
	// gets, without a computation) holds every save.
	c.mu.Lock()
	kept, _ := c.takePending(c.m["s"]) // releases c.mu
	sameView(t, "after the race", ps.view(t), kept)
	t.Logf("%d computations, %d patches", c.computes, c.patches)
	if c.computes < 2 {
		t.Errorf("%d computations: none ran among the saves", c.computes)
	}
}

// TestStaffViewPatchBatch: saves taken in together give the view that
// taking them in one by one gives, and that a computation gives; a save
// itself only notes the review (the view it was kept in stays as it is,
// whatever the cohort), and the next request takes the noted saves in.
func TestStaffViewPatchBatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ps := newPatchStore(PhaseReview)
	v0 := ps.view(t)
	saves := []Review{ps.save("r-s0-p2", 10), ps.save("r-s0-p3", 95), ps.save("r-s1-p2", 20), ps.save("r-s0-p2", 60)}
	batch := v0.patch(saves...)
	one := v0
	for _, r := range saves {
		if p := one.patch(r); p != nil {
			one = p
		}
	}
	if batch == nil || batch.patched != len(saves) {
		t.Fatalf("batch patch took %v saves in, want %d", batch, len(saves))
	}
	sameView(t, "batch against one by one", one, batch)
	sameView(t, "batch against a computation", ps.view(t), batch)

	c, _ := newCache()
	if _, _, err := c.view(ctx, "s", "1", time.Hour, func() (*staffView, error) { return v0, nil }); err != nil {
		t.Fatal(err)
	}
	for _, r := range saves {
		c.patch("s", r)
	}
	if q := c.m["s"]; q.items != v0 || len(q.pending) != len(saves) || c.patches != 0 {
		t.Fatalf("saves changed the kept view (%v) or were not noted (%d pending, %d patches)", q.items != v0, len(q.pending), c.patches)
	}
	got, stale, err := c.view(ctx, "s", "2", time.Hour, func() (*staffView, error) { t.Fatal("computed within the spacing"); return nil, nil })
	if err != nil || !stale {
		t.Fatalf("view: %v, stale %v", err, stale)
	}
	sameView(t, "the next request", ps.view(t), got)
	if q := c.m["s"]; q.items != got || q.pending != nil || c.patches != len(saves) {
		t.Fatalf("after the request: kept %v, %d pending, %d patches", q.items == got, len(q.pending), c.patches)
	}
}

// TestQueueCachePendingIsBounded: saves noted for a view nobody reads are
// not kept without end: past maxPending the next request computes the view
// from the store, which holds every save.
func TestQueueCachePendingIsBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ps := newPatchStore(PhaseReview)
	c, _ := newCache()
	if _, _, err := c.view(ctx, "s", "1", time.Hour, func() (*staffView, error) { return ps.view(t), nil }); err != nil {
		t.Fatal(err)
	}
	for i := range maxPending + 1 {
		c.patch("s", ps.save("r-s0-p2", float64(i%100)))
	}
	if n := len(c.m["s"].pending); n != 0 {
		t.Fatalf("%d saves kept for a view nobody read, want none past %d", n, maxPending)
	}
	got, _, err := c.view(ctx, "s", "2", time.Hour, func() (*staffView, error) { return ps.view(t), nil })
	if err != nil {
		t.Fatal(err)
	}
	if c.computes != 2 {
		t.Fatalf("%d computations, want the second one within the spacing", c.computes)
	}
	sameView(t, "after the bound", ps.view(t), got) // the last save, at 24%, included
}
