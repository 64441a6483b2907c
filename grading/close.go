package grading

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"librecours/course"
)

// ReviewLease is how long an assigned review stays with its reviewer
// untouched before it lapses, unless review_due comes closer than
// ReviewLeaseMargin first (see LeaseEnd).
const (
	ReviewLease       = 48 * time.Hour
	ReviewLeaseMargin = 24 * time.Hour
)

// LeaseEnd is when a review of part p assigned at assignedAt lapses if its
// reviewer has not touched it: ReviewLease later, or ReviewLeaseMargin before
// review_due if that comes first, so that whoever takes it over still has a
// day; when review_due is already that close, halfway to it.
func LeaseEnd(p course.Part, assignedAt time.Time) time.Time {
	return leaseEnd(p, assignedAt, ReviewLease)
}

// leaseEnd is LeaseEnd with a lease other than ReviewLease.
func leaseEnd(p course.Part, assignedAt time.Time, lease time.Duration) time.Time {
	end := assignedAt.Add(lease)
	if cut := p.ReviewDue.Add(-ReviewLeaseMargin); cut.Before(end) {
		end = cut
	}
	if !end.After(assignedAt) {
		end = assignedAt.Add(max(p.ReviewDue.Sub(assignedAt)/2, time.Minute))
	}
	return end
}

// lease is the service's ReviewLease, the default when unset.
func (s *Service) lease() time.Duration {
	if s.ReviewLease > 0 {
		return s.ReviewLease
	}
	return ReviewLease
}

// lapsed reports whether r, a review of part p, is untouched past its lease.
func (s *Service) lapsed(p course.Part, r Review, now time.Time) bool {
	return r.Status == ReviewAssigned && r.UpdatedAt.Equal(r.AssignedAt) && !now.Before(leaseEnd(p, r.AssignedAt, s.lease()))
}

// ExtraReview gives a participant who finished their reviews of a part one
// more: first a late submission short of reviewers, then a review whose lease
// ran out untouched. ErrNoWork when there is none.
func (s *Service) ExtraReview(ctx context.Context, actor *course.User, sessionID string, part int) (*Review, error) {
	sess, p, err := s.participantPart(ctx, actor, sessionID, part)
	if err != nil {
		return nil, err
	}
	st, err := s.Store.PartState(ctx, sessionID, part)
	if err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	if st.Phase != PhaseReview || !now.Before(p.ReviewDue) {
		return nil, ErrReviewsClosed
	}
	rs, err := s.Store.Reviews(ctx, sessionID, part)
	if err != nil {
		return nil, err
	}
	if ok, has := finished(rs)[actor.ID]; has && !ok {
		return nil, ErrNoWork // finish your own reviews first
	}
	before := len(rs)
	if err := s.fillLate(ctx, sess, part, st); err != nil {
		return nil, err
	}
	if rs, err = s.Store.Reviews(ctx, sessionID, part); err != nil {
		return nil, err
	}
	if len(rs) > before {
		for _, r := range rs {
			if r.ReviewerID == actor.ID && r.Status == ReviewAssigned {
				return &r, nil
			}
		}
	}
	// A lapsed lease: the oldest untouched review that actor may take.
	reviewing := map[string]bool{}
	var mySubmission string
	for _, r := range rs {
		if r.ReviewerID == actor.ID {
			reviewing[r.SubmissionID] = true
		}
	}
	if sub, err := s.Store.SubmissionByAuthor(ctx, sessionID, part, actor.ID); err == nil {
		mySubmission = sub.ID
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	slices.SortStableFunc(rs, func(a, b Review) int { return a.AssignedAt.Compare(b.AssignedAt) })
	for _, r := range rs {
		if !s.lapsed(p, r, now) || reviewing[r.SubmissionID] || r.SubmissionID == mySubmission || r.ReviewerID == actor.ID {
			continue
		}
		ok, err := s.Store.TakeOver(ctx, r.ID, r.ReviewerID, actor.ID, r.AssignedAt, now)
		if err != nil {
			return nil, err
		}
		if ok {
			return s.Store.ReviewByID(ctx, r.ID)
		}
	}
	return nil, ErrNoWork
}

// ClosePart closes a part's reviews and computes its grades. Staff call it to
// close early (actor set); the scheduler calls it at review_due.
func (s *Service) ClosePart(ctx context.Context, actor *course.User, sessionID string, part int) (int, error) {
	sess, err := s.Course.SessionByID(ctx, sessionID)
	if err != nil {
		return 0, err
	}
	if actor != nil && !course.CanManage(actor, sess) {
		return 0, course.ErrForbidden
	}
	p, err := sessionPart(sess, part)
	if err != nil {
		return 0, err
	}
	st, err := s.Store.PartState(ctx, sessionID, part)
	if err != nil {
		return 0, err
	}
	switch st.Phase {
	case PhaseClosed:
		subs, err := s.Store.Submissions(ctx, sessionID, part)
		return len(subs), err
	case PhaseSubmission, PhaseAssigning:
		if actor != nil {
			return 0, ErrReviewsNotOpen
		}
		if _, err := s.AssignPart(ctx, nil, sessionID, part); err != nil {
			return 0, err
		}
		if st, err = s.Store.PartState(ctx, sessionID, part); err != nil {
			return 0, err
		}
	}
	now := s.Now().UTC()
	claim := st
	claim.Phase, claim.ClaimedAt = PhaseClosing, now
	won, err := s.Store.TransitionPart(ctx, claim, []Phase{PhaseReview}, now.Add(-claimTimeout))
	if err != nil {
		return 0, err
	}
	if !won {
		return 0, ErrConflict
	}
	if actor != nil && p.ReviewDue.After(now) {
		p.ReviewDue = now
		if err := s.Course.UpdatePart(ctx, sessionID, p); err != nil {
			return 0, err
		}
	}
	run, err := s.grade(ctx, sess, part, st.EffectiveK, now)
	if err != nil {
		return 0, err
	}
	graded := run.graded
	claim.Phase, claim.ClosedAt = PhaseClosed, now
	if _, err := s.Store.TransitionPart(ctx, claim, []Phase{PhaseClosing}, time.Time{}); err != nil {
		return 0, err
	}
	s.partGraded(ctx, sess, p, graded)
	// An animator who decided while the grades were computed is heard now.
	if err := s.settle(ctx, sess, p, run.decisions, nil); err != nil {
		return 0, err
	}
	if actor != nil { // staff closed the reviews early
		e := course.AuditEntry{Action: course.AuditPartClose, SessionID: sessionID, Target: sess.Code, Detail: course.AuditDetail("audit.detail.close_early",
			map[string]string{"Part": strconv.Itoa(part), "Count": strconv.Itoa(graded)})}
		if err := course.RecordAudit(ctx, s.Audit, now, actor, e); err != nil {
			return 0, err
		}
	}
	return graded, nil
}

// aggregate runs the estimator over every handed-in review of the session,
// with the animators' decisions as ground truth: a grade at its score, a
// confirmation at the peer grade it confirmed (AnimatorGrade.Score), which
// the animator thereby vouched for.
func (s *Service) aggregate(subs []*Submission, rs []Review) (AggregateResult, error) {
	return Aggregate(aggregateInput(subs, rs), AggregateOptions{})
}

// aggregateInput is the input of aggregate.
func aggregateInput(subs []*Submission, rs []Review) AggregateInput {
	in := AggregateInput{AnimatorGrades: map[string]float64{}}
	for _, r := range rs {
		if r.Status == ReviewDone {
			in.Reviews = append(in.Reviews, PeerScore{ReviewerID: r.ReviewerID, SubmissionID: r.SubmissionID, Score: r.Percent})
		}
	}
	for _, sub := range subs {
		if sub.Animator != nil {
			in.AnimatorGrades[sub.ID] = sub.Animator.Score
		}
	}
	return in
}

// gradeRun is what one grading of a part did.
type gradeRun struct {
	graded    int           // submissions with a grade
	changes   []GradeChange // grades that moved (or appeared) against the stored ones
	decisions string        // the part's animator decisions the grading used (decisions)
}

// grade computes the grades of a part's submissions and queues those short of
// reviews; it says how many got a grade and which grades changed.
func (s *Service) grade(ctx context.Context, sess *course.Session, part, effK int, now time.Time) (gradeRun, error) {
	subs, err := s.Store.Submissions(ctx, sess.ID, 0)
	if err != nil {
		return gradeRun{}, err
	}
	rs, err := s.Store.Reviews(ctx, sess.ID, 0)
	if err != nil {
		return gradeRun{}, err
	}
	res, err := s.aggregate(subs, rs)
	if err != nil {
		return gradeRun{}, err
	}
	byID := map[string]AggregateGrade{}
	for _, g := range res.Submissions {
		byID[g.SubmissionID] = g
	}
	grades := map[string]Grade{}
	var queue []string
	want := max(min(k(sess), effK), 1)
	for _, sub := range subs {
		if sub.Part != part {
			continue
		}
		g, ok := byID[sub.ID]
		if sub.Animator != nil && !sub.Animator.Confirm {
			grades[sub.ID] = Grade{Score: sub.Animator.Score, Source: SourceAnimator, Method: GradeMethodAnimator, ReviewCount: g.ReviewCount, ComputedAt: now}
			continue
		}
		if sub.Animator != nil && sub.Grade != nil {
			continue // a confirmed grade stays as the animator saw it
		}
		if !ok || g.ReviewCount < want {
			queue = append(queue, sub.ID)
		}
		if ok && g.ReviewCount > 0 {
			grades[sub.ID] = Grade{Score: round1(g.Grade), Source: SourcePeers, Method: g.Method, ReviewCount: g.ReviewCount, Disagreement: g.Disagreement, ComputedAt: now,
				SD: g.SD, PriorShare: g.PriorShare, Reviews: g.Reviews}
		}
	}
	if err := s.Store.SetGrades(ctx, grades); err != nil {
		return gradeRun{}, err
	}
	if err := s.Store.MarkQueued(ctx, queue, now); err != nil {
		return gradeRun{}, err
	}
	s.queues.expire(sess.ID)
	run := gradeRun{graded: len(grades), decisions: decisions(subs, part)}
	for _, sub := range subs {
		if g, ok := grades[sub.ID]; ok && sub.Part == part {
			if c := (GradeChange{SubmissionID: sub.ID, AuthorID: sub.AuthorID, After: g.Score, New: sub.Grade == nil}); c.New || sub.Grade.Score != g.Score {
				if !c.New {
					c.Before = sub.Grade.Score
				}
				run.changes = append(run.changes, c)
			}
		}
	}
	for _, sub := range subs { // a confirmed grade kept as it was counts as graded
		if _, ok := grades[sub.ID]; !ok && sub.Part == part && sub.Animator != nil && sub.Grade != nil {
			run.graded++
		}
	}
	return run, nil
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

// Queue reasons, in the order an item shows them. Each puts a submission in
// the correction queue (queued) except two, shown on an item that is there
// for another reason: missing reviews when the work has a peer grade all
// the same (work with no review at all is queued), and an unreliable
// reviewer. Whether those matter for the outcome is what ReasonDoubt says.
const (
	ReasonMissingReviews = "missing_reviews"
	ReasonAppeal         = "appeal"
	ReasonDisagreement   = "disagreement"
	ReasonUnreliable     = "unreliable_reviewer"
	ReasonFewSubmitters  = "few_submitters"
	// ReasonCalibration: the submission is in its part's calibration sample
	// (PartState.Calibration), offered to the animators from the assignment
	// of the reviews until the part closes: its grade then goes to the
	// model as ground truth.
	ReasonCalibration = "calibration"
	// ReasonDoubt: the part is closed and the chance that the peer grade
	// is on the wrong side of the pass mark is at least QueueWrongSide.
	ReasonDoubt = "doubt"
)

var reasonRank = map[string]int{ReasonMissingReviews: 0, ReasonAppeal: 1, ReasonDisagreement: 2, ReasonUnreliable: 3, ReasonFewSubmitters: 4, ReasonCalibration: 5, ReasonDoubt: 6}

// QueueWrongSide is the chance of a closed part's peer grade being on the
// wrong side of PassMark (AggregateGrade.WrongSide) from which it needs an
// animator: 5%, a grade whose pass or fail is less than 95% sure. On the
// regimes of issue #12 such grades are 31–37% of all and hold 88–90% of
// those on the wrong side (grading/aggregate_sim_test.go).
const QueueWrongSide = 0.05

// DisagreementThreshold, in points, puts a submission in the queue.
const DisagreementThreshold = 15.0

// StaffReview is a review as animators see it, with its reviewer's standing.
type StaffReview struct {
	Review      Review
	Reliability float64 // 0..1
	Quality     float64 // 0..100, agreement with final grades
	Unreliable  bool
	Estimated   bool
	// Reviewer is the reviewer's quality score over the session
	// (quality.go): agreement, comments and the authors' ratings.
	Reviewer ReviewerQuality
}

// QueueItem is a submission that needs an animator.
type QueueItem struct {
	Submission *Submission
	Part       int
	Reasons    []string // why it is here, shown on the item; they do not rank it
	Reviews    []StaffReview
	// ReviewsDone counts the reviews handed in; a disagreement needs two.
	ReviewsDone  int
	Disagreement float64
	// Doubt ranks the queue: the grade's posterior standard deviation times
	// the chance that it is on the wrong side of the pass mark
	// (AggregateGrade.Doubt); ungraded work counts as a grade of unknown side.
	Doubt float64
	// Model is the model's grade of the work as the view has it: from the
	// last computation of the session, or from a review saved since
	// (patched in at once, its reviewers as that computation left them).
	// Submission.Grade is the stored grade, set when the part closes. nil
	// for work without a review or an animator's grade.
	Model     *AggregateGrade
	EnteredAt time.Time
	Resolved  bool
	// Urgent marks the head of the queue that the session's animators can
	// handle: appeals, then the most doubtful, UrgentPerAnimator each.
	Urgent bool
}

// UrgentPerAnimator is how many queue items one animator is expected to
// handle: Corrections marks at most this many per animator (at least one
// animator) as urgent.
const UrgentPerAnimator = 15

// doubtUngraded is the doubt of work with no peer grade: a score of unknown
// side of the pass mark, spread as true scores are (15 points).
const doubtUngraded = 0.5 * 15

// Corrections returns the session's correction queue: appeals first, then the
// calibration sample of the parts not yet closed (ReasonCalibration), then the
// most doubtful grades (QueueItem.Doubt); missing reviews, disagreement and
// unreliable reviewers are reasons shown on each item, not ranks. The first
// UrgentPerAnimator items per animator are marked urgent. Resolved items (an
// animator decided after the last appeal) are left out.
func (s *Service) Corrections(ctx context.Context, actor *course.User, sessionID string) ([]QueueItem, error) {
	v, _, err := s.review(ctx, actor, sessionID)
	if err != nil {
		return nil, err
	}
	return v.queue, nil
}

// StaffSubmissions returns every submission of the session as the staff
// examine it (reasons, doubt, grade), by part then time of submission,
// queued or not: the correction queue holds only those that need an
// animator, and the staff may look at any other.
func (s *Service) StaffSubmissions(ctx context.Context, actor *course.User, sessionID string) ([]QueueItem, error) {
	v, _, err := s.review(ctx, actor, sessionID)
	if err != nil {
		return nil, err
	}
	items := make([]QueueItem, len(v.all))
	for i, it := range v.all {
		items[i] = *v.item(it.Submission.ID)
	}
	return items, nil
}

// CorrectionQueue is the correction queue as the staff's page shows it.
type CorrectionQueue struct {
	Items []QueueItem
	// At is when the queue was computed. Stale is set when a newer change
	// is being taken into account (reviews keep coming in a large
	// session): the page says the list is a few seconds old.
	At    time.Time
	Stale bool
	// Patched is how many review saves the queue took in since it was
	// computed, each regrading its submission at once with the reviewers
	// as that computation left them (staffView.patch).
	Patched int
}

// CorrectionQueue returns the correction queue (as Corrections) with how
// fresh it is.
func (s *Service) CorrectionQueue(ctx context.Context, actor *course.User, sessionID string) (*CorrectionQueue, error) {
	v, stale, err := s.review(ctx, actor, sessionID)
	if err != nil {
		return nil, err
	}
	return &CorrectionQueue{Items: v.queue, At: v.at, Stale: stale, Patched: v.patched}, nil
}

// staffView is the staff's view of a session, computed once per change and
// shared by the requests that read it: every submission examined, and the
// correction queue drawn from them. It is read only: a review save makes a
// new view (patch), with what the computation learnt kept for that.
type staffView struct {
	all   []*QueueItem // every submission, by part and time (over: the patched)
	queue []QueueItem  // those that need an animator, most doubtful first, urgent marked
	at    time.Time    // when it was computed
	// over holds the items patched since (by submission ID): they replace
	// those of all (item). A patch copies it, never all.
	over map[string]*QueueItem

	// What patch needs, from the computation: the model, the reviewers'
	// standing, the parts, the calibration samples, and where each
	// submission is in all.
	model       *AggregateModel
	stats       map[string]ReviewerStats
	quality     map[string]ReviewerQuality
	states      map[int]PartState
	calibration map[string]bool
	k, capacity int
	index       map[string]int
	patched     int // review saves taken in since the computation
}

// staffView examines the session and draws its correction queue.
func (s *Service) staffView(ctx context.Context, sess *course.Session) (*staffView, error) {
	at := s.Now()
	sessionID := sess.ID
	subs, err := s.Store.SubmissionsMeta(ctx, sessionID, 0)
	if err != nil {
		return nil, err
	}
	rs, err := s.Store.Reviews(ctx, sessionID, 0)
	if err != nil {
		return nil, err
	}
	states, err := s.states(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	return newStaffView(at, subs, rs, states, k(sess), UrgentPerAnimator*max(len(sess.Animators), 1))
}

// newStaffView examines every submission of a session (subs, with every
// review rs and the parts' states; k reviews per submission, capacity the
// items the animators can handle) and draws the correction queue.
func newStaffView(at time.Time, subs []*Submission, rs []Review, states map[int]PartState, k, capacity int) (*staffView, error) {
	v, err := examine(subs, rs, states, k, capacity)
	if err != nil {
		return nil, err
	}
	v.at = at
	for _, it := range v.all {
		if queued(it) {
			v.queue = append(v.queue, *it)
		}
	}
	slices.SortStableFunc(v.queue, queueOrder)
	v.markUrgent()
	return v, nil
}

// patchFold is how many patched items a view keeps over all before a
// patch folds them into a copy of all.
const patchFold = 64

// item is the view's item of submission id, nil for none.
func (v *staffView) item(id string) *QueueItem {
	if it, ok := v.over[id]; ok {
		return it
	}
	if i, ok := v.index[id]; ok {
		return v.all[i]
	}
	return nil
}

// queued tells whether an item goes to the correction queue.
func queued(it *QueueItem) bool {
	if it.Resolved {
		return false
	}
	for _, r := range it.Reasons {
		switch {
		case r == ReasonUnreliable:
		case r == ReasonMissingReviews && it.ReviewsDone > 0:
		default:
			return true
		}
	}
	return false
}

// queueOrder ranks the queue: appeals, then the calibration sample, then
// the most doubtful; a total order (the submission ID last).
func queueOrder(a, b QueueItem) int {
	appeal := func(it QueueItem) int {
		switch {
		case slices.Contains(it.Reasons, ReasonAppeal):
			return 0
		case slices.Contains(it.Reasons, ReasonCalibration):
			return 1 // useful only before the part closes
		}
		return 2
	}
	return cmp.Or(cmp.Compare(appeal(a), appeal(b)), cmp.Compare(b.Doubt, a.Doubt),
		a.EnteredAt.Compare(b.EnteredAt), strings.Compare(a.Submission.ID, b.Submission.ID))
}

// markUrgent marks the head of the queue the animators can handle.
func (v *staffView) markUrgent() {
	for i := range v.queue {
		v.queue[i].Urgent = i < v.capacity
	}
}

// patch returns a new view with the saved reviews rs taken in, in order, v
// unchanged (readers share it): each review's submission is regraded with
// the model as the computation left it (AggregateModel.Regrade), its
// reasons, doubt and urgency recomputed, and it takes its place in the
// queue. A review v cannot take in is left out: its submission came after
// the computation, or v holds a newer version of it (saves patched out of
// order); the next computation takes it in. nil when none was taken in.
// Whatever the number of reviews, the queue is copied at most once.
func (v *staffView) patch(rs ...Review) *staffView {
	if v.model == nil {
		return nil
	}
	changed := map[string]*QueueItem{} // the new items, by submission
	wasQueued, taken := false, 0
	for _, r := range rs {
		cur := changed[r.SubmissionID]
		if cur == nil {
			if cur = v.item(r.SubmissionID); cur == nil {
				continue
			}
			wasQueued = wasQueued || queued(cur)
		}
		if it := v.withReview(cur, r); it != nil {
			changed[r.SubmissionID] = it
			taken++
		}
	}
	if len(changed) == 0 {
		return nil
	}
	nv := *v
	nv.patched += taken
	if len(v.over)+len(changed) <= patchFold {
		nv.over = make(map[string]*QueueItem, len(v.over)+len(changed))
		maps.Copy(nv.over, v.over)
		maps.Copy(nv.over, changed)
	} else { // folded into a copy of all: a patch costs O(patchFold + n/patchFold)
		nv.all, nv.over = slices.Clone(v.all), nil
		for _, over := range []map[string]*QueueItem{v.over, changed} {
			for id, it := range over {
				nv.all[v.index[id]] = it
			}
		}
	}
	var in []QueueItem // the new items of the queue, in its order
	for _, it := range changed {
		if queued(it) {
			in = append(in, *it)
		}
	}
	if !wasQueued && len(in) == 0 {
		return &nv // the queue is unchanged
	}
	slices.SortFunc(in, queueOrder)
	// One merge of the queue without the changed items and the new ones.
	q := make([]QueueItem, 0, len(v.queue)+len(in))
	for _, x := range v.queue {
		if _, ok := changed[x.Submission.ID]; ok {
			continue
		}
		for len(in) > 0 && queueOrder(in[0], x) < 0 {
			q, in = append(q, in[0]), in[1:]
		}
		q = append(q, x)
	}
	nv.queue = append(q, in...)
	nv.markUrgent()
	return &nv
}

// withReview returns item old with the saved review r in place of its
// earlier version (or added), regraded; nil when old holds a newer version
// of r or the regrade fails.
func (v *staffView) withReview(old *QueueItem, r Review) *QueueItem {
	rs := make([]Review, 0, len(old.Reviews)+1)
	found := false
	for _, sr := range old.Reviews {
		if sr.Review.ID == r.ID {
			if sr.Review.UpdatedAt.After(r.UpdatedAt) {
				return nil
			}
			sr.Review, found = r, true
		}
		rs = append(rs, sr.Review)
	}
	if !found {
		rs = append(rs, r)
	}
	it, err := v.regrade(old.Submission, rs)
	if err != nil {
		return nil
	}
	return it
}

// NextInQueue is the submission an animator looks at after submissionID:
// the next item of the session's correction queue, or its first when
// submissionID left the queue (graded, confirmed) or was never in it; ""
// when the queue holds nothing else.
func (s *Service) NextInQueue(ctx context.Context, actor *course.User, sessionID, submissionID string) (string, error) {
	v, _, err := s.review(ctx, actor, sessionID)
	if err != nil {
		return "", err
	}
	return nextInQueue(v.queue, submissionID), nil
}

func nextInQueue(queue []QueueItem, submissionID string) string {
	at := slices.IndexFunc(queue, func(it QueueItem) bool { return it.Submission.ID == submissionID })
	for i := range queue {
		if it := queue[(at+1+i)%len(queue)]; it.Submission.ID != submissionID {
			return it.Submission.ID
		}
	}
	return ""
}

// SetRubricGrade grades a submission with its part's rubric: points per
// criterion (every one within 0..MaxPoints, as a review), the grade their
// share of the rubric's total. The rest is SetGrade.
func (s *Service) SetRubricGrade(ctx context.Context, actor *course.User, submissionID string, scores map[string]int, comment string) (*Submission, error) {
	it, err := s.StaffSubmission(ctx, actor, submissionID) // the staff only
	if err != nil {
		return nil, err
	}
	ex, err := s.exercise(ctx, it.Submission.SessionID, it.Submission.Part)
	if err != nil {
		return nil, err
	}
	pct, err := ScoreReview(ex.Rubric, scores)
	if err != nil {
		return nil, err
	}
	return s.SetGrade(ctx, actor, submissionID, pct, comment)
}

// StaffSubmission returns one submission with every review and the reasons it
// may need an animator, to the session's staff.
func (s *Service) StaffSubmission(ctx context.Context, actor *course.User, submissionID string) (*QueueItem, error) {
	sub, err := s.Store.SubmissionByID(ctx, submissionID)
	if err != nil {
		return nil, err
	}
	v, _, err := s.review(ctx, actor, sub.SessionID)
	if err != nil {
		return nil, err
	}
	if vi := v.item(submissionID); vi != nil {
		it := *vi
		it.Submission = sub // the view holds no texts; the page shows this one's
		return &it, nil
	}
	return nil, ErrNotFound
}

// review examines every submission of a session for the staff. stale is
// set when the view is one computed before the latest change, served
// while another request computes the new one.
func (s *Service) review(ctx context.Context, actor *course.User, sessionID string) (v *staffView, stale bool, err error) {
	if actor == nil {
		return nil, false, course.ErrUnauthenticated
	}
	sess, err := s.managedSession(ctx, actor, sessionID, course.ErrForbidden)
	if err != nil {
		return nil, false, err
	}
	stamper, _ := s.Store.(Stamper)
	if stamper == nil {
		v, err = s.staffView(ctx, sess)
		return v, false, err
	}
	stamp, ok, err := stamper.GradingStamp(ctx, sessionID)
	if err != nil {
		return nil, false, err
	}
	if !ok {
		v, err = s.staffView(ctx, sess)
		return v, false, err
	}
	return s.queues.view(ctx, sessionID, stamp, s.QueueSpacing, func() (*staffView, error) { return s.staffView(ctx, sess) })
}

// examine computes the staff's view of every submission of a session (the
// queue is drawn by newStaffView).
func examine(subs []*Submission, rs []Review, states map[int]PartState, k, capacity int) (*staffView, error) {
	v := &staffView{states: states, calibration: map[string]bool{}, k: k, capacity: capacity,
		index: make(map[string]int, len(subs))}
	for _, st := range states { // the samples of the parts under review
		if st.Phase == PhaseReview || st.Phase == PhaseClosing {
			for _, id := range st.Calibration {
				v.calibration[id] = true
			}
		}
	}
	res, model, err := AggregateModeled(aggregateInput(subs, rs), AggregateOptions{})
	if err != nil {
		return nil, err
	}
	v.model = model
	v.stats = make(map[string]ReviewerStats, len(res.Reviewers))
	for _, r := range res.Reviewers {
		v.stats[r.ReviewerID] = r
	}
	agg := make(map[string]*AggregateGrade, len(res.Submissions))
	for i := range res.Submissions {
		agg[res.Submissions[i].SubmissionID] = &res.Submissions[i]
	}
	bySub := map[string][]Review{}
	for _, r := range rs {
		bySub[r.SubmissionID] = append(bySub[r.SubmissionID], r)
	}
	v.quality = ReviewerQualities(subs, rs)
	items := make([]QueueItem, len(subs))
	v.all = make([]*QueueItem, len(subs))
	for i, sub := range subs {
		items[i] = v.itemGraded(sub, bySub[sub.ID], agg[sub.ID])
		v.all[i] = &items[i]
		v.index[sub.ID] = i
	}
	return v, nil
}

// regrade examines one submission with its reviews, graded with the view's
// model (AggregateModel.Regrade).
func (v *staffView) regrade(sub *Submission, rs []Review) (*QueueItem, error) {
	var scores []PeerScore
	for _, r := range rs {
		if r.Status == ReviewDone {
			scores = append(scores, PeerScore{ReviewerID: r.ReviewerID, SubmissionID: sub.ID, Score: r.Percent})
		}
	}
	var anim *float64
	if sub.Animator != nil {
		anim = &sub.Animator.Score
	}
	var g *AggregateGrade
	if len(scores) > 0 || anim != nil {
		ag, err := v.model.Regrade(sub.ID, scores, anim)
		if err != nil {
			return nil, err
		}
		g = &ag
	}
	it := v.itemGraded(sub, rs, g)
	return &it, nil
}

// itemGraded examines one submission with its reviews and its grade g (nil
// when it has none): its reasons, doubt and place in time.
func (v *staffView) itemGraded(sub *Submission, rs []Review, g *AggregateGrade) QueueItem {
	st := v.states[sub.Part]
	it := QueueItem{Submission: sub, Part: sub.Part, Doubt: doubtUngraded, Model: g}
	if g != nil {
		it.Disagreement, it.Doubt = g.Disagreement, g.Doubt(PassMark)
	}
	var lastFlag time.Time
	for _, r := range rs {
		rv := v.stats[r.ReviewerID]
		it.Reviews = append(it.Reviews, StaffReview{Review: r, Reliability: rv.ReliabilityNorm, Quality: rv.Quality, Unreliable: rv.Unreliable, Estimated: rv.Estimated, Reviewer: v.quality[r.ReviewerID]})
		if r.Status == ReviewDone {
			it.ReviewsDone++
			if rv.Unreliable && !slices.Contains(it.Reasons, ReasonUnreliable) {
				it.Reasons = append(it.Reasons, ReasonUnreliable)
			}
		}
		if r.Flag != nil {
			if !slices.Contains(it.Reasons, ReasonAppeal) {
				it.Reasons = append(it.Reasons, ReasonAppeal)
			}
			if r.Flag.At.After(lastFlag) {
				lastFlag = r.Flag.At
			}
		}
	}
	if st.Phase == PhaseClosed && it.ReviewsDone < max(min(v.k, st.EffectiveK), 1) {
		it.Reasons = append(it.Reasons, ReasonMissingReviews)
	}
	if it.Disagreement >= DisagreementThreshold && it.ReviewsDone >= 2 {
		it.Reasons = append(it.Reasons, ReasonDisagreement)
	}
	if st.Phase == PhaseClosed && g != nil && g.Method != GradeMethodAnimator && g.WrongSide(PassMark) >= QueueWrongSide {
		it.Reasons = append(it.Reasons, ReasonDoubt)
	}
	if (st.Mode == AssignModeAllPairs || st.Mode == AssignModeLone) && st.Phase == PhaseClosed {
		it.Reasons = append(it.Reasons, ReasonFewSubmitters)
	}
	if v.calibration[sub.ID] {
		it.Reasons = append(it.Reasons, ReasonCalibration)
	}
	slices.SortStableFunc(it.Reasons, func(a, b string) int { return reasonRank[a] - reasonRank[b] })
	switch {
	case sub.QueuedAt != nil:
		it.EnteredAt = *sub.QueuedAt
	case !lastFlag.IsZero():
		it.EnteredAt = lastFlag
	case v.calibration[sub.ID]:
		it.EnteredAt = st.AssignedAt
	default:
		it.EnteredAt = st.ClosedAt
	}
	it.Resolved = sub.Animator != nil && !sub.Animator.At.Before(lastFlag)
	return it
}

// SetGrade lets an animator grade a submission; the grade replaces the peers'.
func (s *Service) SetGrade(ctx context.Context, actor *course.User, submissionID string, score float64, comment string) (*Submission, error) {
	comment = strings.TrimSpace(comment)
	return s.decide(ctx, actor, submissionID, AnimatorGrade{Score: round1(score), Comment: comment}, func() error {
		switch {
		case math.IsNaN(score) || score < 0 || score > 100:
			return invalid("score", "grading.grade.score_range")
		case comment == "":
			return invalid("comment", "grading.grade.comment_required")
		case utf8.RuneCountInString(comment) > 5000:
			return invalid("comment", "grading.review.comment_too_long")
		}
		return nil
	})
}

// ConfirmGrade lets an animator confirm the peer grade of a submission.
func (s *Service) ConfirmGrade(ctx context.Context, actor *course.User, submissionID, comment string) (*Submission, error) {
	return s.decide(ctx, actor, submissionID, AnimatorGrade{Confirm: true, Comment: strings.TrimSpace(comment)}, func() error { return nil })
}

// decide records an animator's decision once the actor is known to run the
// session, then the input is valid: who may act is checked first.
func (s *Service) decide(ctx context.Context, actor *course.User, submissionID string, g AnimatorGrade, validate func() error) (*Submission, error) {
	if actor == nil {
		return nil, course.ErrUnauthenticated
	}
	sub, err := s.Store.SubmissionByID(ctx, submissionID)
	if err != nil {
		return nil, err
	}
	sess, err := s.managedSession(ctx, actor, sub.SessionID, course.ErrForbidden)
	if err != nil {
		return nil, err
	}
	if err := validate(); err != nil {
		return nil, err
	}
	if g.Confirm {
		if sub.Grade == nil {
			return nil, ErrConflict // nothing to confirm yet
		}
		g.Score = sub.Grade.Score
	}
	g.By, g.At = actor.ID, s.Now().UTC()
	if err := s.Store.SetAnimatorGrade(ctx, sub.ID, g); err != nil {
		return nil, err
	}
	if !g.Confirm {
		grade := Grade{Score: g.Score, Source: SourceAnimator, Method: GradeMethodAnimator, ComputedAt: g.At}
		if sub.Grade != nil {
			grade.ReviewCount = sub.Grade.ReviewCount
		}
		if err := s.Store.SetGrades(ctx, map[string]Grade{sub.ID: grade}); err != nil {
			return nil, err
		}
	}
	s.queues.expire(sess.ID)
	if err := s.regradeAfter(ctx, sess, sub, g); err != nil {
		return nil, err
	}
	e := course.AuditEntry{Action: course.AuditGradeOverride, SessionID: sess.ID, Target: sub.ID, Detail: course.AuditDetail("audit.detail.grade",
		map[string]string{"Part": strconv.Itoa(sub.Part), "Score": strconv.FormatFloat(g.Score, 'f', 1, 64)}), Reason: g.Comment}
	if g.Confirm {
		e.Action = course.AuditGradeConfirm
	}
	if err := course.RecordAudit(ctx, s.Audit, g.At, actor, e); err != nil {
		return nil, err
	}
	return s.Store.SubmissionByID(ctx, sub.ID)
}

// Reassign lets staff hand an unfinished review to another participant of the
// session (not the author, not already reviewing it).
func (s *Service) Reassign(ctx context.Context, actor *course.User, reviewID, reviewerID string) (*Review, error) {
	r, sess, err := s.staffReview(ctx, actor, reviewID, course.ErrForbidden)
	if err != nil {
		return nil, err
	}
	if r.Status == ReviewDone {
		return nil, ErrConflict
	}
	if ok, err := s.Course.IsEnrolled(ctx, sess.ID, reviewerID); err != nil {
		return nil, err
	} else if !ok || reviewerID == r.AuthorID {
		return nil, invalid("reviewer_id", "grading.review.reviewer_invalid")
	}
	others, err := s.Store.ReviewsBySubmission(ctx, r.SubmissionID)
	if err != nil {
		return nil, err
	}
	for _, o := range others {
		if o.ReviewerID == reviewerID {
			return nil, invalid("reviewer_id", "grading.review.reviewer_invalid")
		}
	}
	now := s.Now().UTC()
	ok, err := s.Store.TakeOver(ctx, r.ID, r.ReviewerID, reviewerID, now, now)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrConflict
	}
	e := course.AuditEntry{Action: course.AuditReassign, SessionID: sess.ID, Target: r.ID, Detail: course.AuditDetail("audit.detail.part", map[string]string{"Part": strconv.Itoa(r.Part)})}
	if err := course.RecordAudit(ctx, s.Audit, now, actor, e); err != nil {
		return nil, err
	}
	return s.Store.ReviewByID(ctx, r.ID)
}

// FlagReview lets the author of a reviewed submission appeal a review they
// find unfair; the submission goes to the animators.
func (s *Service) FlagReview(ctx context.Context, actor *course.User, reviewID, reason string) error {
	if actor == nil {
		return course.ErrUnauthenticated
	}
	r, err := s.Store.ReviewByID(ctx, reviewID)
	if err != nil {
		return err
	}
	if r.AuthorID != actor.ID {
		return ErrNotFound
	}
	if r.Status != ReviewDone {
		return ErrConflict
	}
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); course.VisibleRunes(reason) < 10 || n > 5000 {
		return &ValidationError{Field: "reason", Key: "grading.flag.reason_length", Args: map[string]any{"Min": 10, "Max": 5000}}
	}
	now := s.Now().UTC()
	if err := s.Store.SetFlag(ctx, r.ID, Flag{Reason: reason, At: now}); err != nil {
		return err
	}
	if err := s.Store.MarkQueued(ctx, []string{r.SubmissionID}, now); err != nil {
		return err
	}
	s.queues.expire(r.SessionID)
	s.reviewAppealed(ctx, r.SessionID, r.Part, r.ID)
	return nil
}

// Tick runs what is due: assignment at submission_due, lapsed reviews handed
// to who finished theirs, grading at review_due, and the recomputation of a
// closed part whose worker died holding it (settle). Each part is decided on its
// own dates, whatever the other parts' (a part whose deadline moved later
// holds back no other). The scheduler calls it; the part claims and the
// conditional take-over make it safe to run anywhere.
func (s *Service) Tick(ctx context.Context) error {
	sessions, err := s.Course.OpenSessions(ctx)
	if err != nil {
		return err
	}
	now := s.Now()
	var errs []error
	for _, sess := range sessions {
		if sess.ClosedAt != nil || !slices.ContainsFunc(sess.Parts, func(p course.Part) bool { return !now.Before(p.SubmissionDue) }) {
			continue // no part has reached its submission deadline
		}
		states, err := s.states(ctx, sess.ID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, p := range sess.Parts {
			st := states[p.Number]
			var err error
			switch {
			case st.Phase == PhaseSubmission && !now.Before(p.SubmissionDue):
				_, err = s.AssignPart(ctx, nil, sess.ID, p.Number)
			case st.Phase == PhaseReview && !now.Before(p.ReviewDue):
				_, err = s.ClosePart(ctx, nil, sess.ID, p.Number)
			case st.Phase == PhaseReview && s.ReviewLease >= 0 && !now.Before(leaseEnd(p, st.AssignedAt, s.lease())) && s.lapses.due(sess.ID, p.Number, now):
				err = s.reassignLapsed(ctx, sess, p)
			case st.Phase == PhaseClosing && !st.ClosedAt.IsZero() && st.ClaimedAt.Before(now.Add(-claimTimeout)):
				err = s.settle(ctx, sess, p, "", nil) // a recomputation after the close whose worker died
			}
			if err != nil && !errors.Is(err, ErrConflict) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// PartStates returns the state of each part of a session (fresh parts in
// PhaseSubmission), by part number.
func (s *Service) PartStates(ctx context.Context, sessionID string) (map[int]PartState, error) {
	return s.states(ctx, sessionID)
}

// reassignLapsed hands every review of part p untouched past its lease to a
// participant who finished all their reviews of the part (least loaded
// first, then fewest earlier pairings with the author, never the author,
// never someone who holds or let lapse a review of that submission), one
// review per person per round, and tells the new reviewers. A review nobody
// can take stays where it is: its reviewer may still do it, or someone may
// ask for extra work.
func (s *Service) reassignLapsed(ctx context.Context, sess *course.Session, p course.Part) error {
	rs, err := s.Store.Reviews(ctx, sess.ID, p.Number)
	if err != nil {
		return err
	}
	now := s.Now().UTC()
	var lapses []Review
	for _, r := range rs {
		if s.lapsed(p, r, now) {
			lapses = append(lapses, r)
		}
	}
	if len(lapses) == 0 {
		return nil
	}
	done := finished(rs)
	loads := map[string]int{}
	involved := map[string][]string{} // submission -> who holds or let lapse a review of it
	for _, r := range rs {
		loads[r.ReviewerID]++
		involved[r.SubmissionID] = append(involved[r.SubmissionID], r.ReviewerID)
		if r.TakenFrom != "" {
			involved[r.SubmissionID] = append(involved[r.SubmissionID], r.TakenFrom)
		}
	}
	var history PairHistory
	slices.SortFunc(lapses, func(a, b Review) int { return cmp.Or(a.AssignedAt.Compare(b.AssignedAt), strings.Compare(a.ID, b.ID)) })
	var taken []Review
	for _, r := range lapses {
		in := AssignExtraInput{Author: r.AuthorID, Submission: r.SubmissionID, Exclude: involved[r.SubmissionID]}
		for reviewer, ok := range done {
			if ok && reviewer != r.ReviewerID {
				in.Candidates = append(in.Candidates, AssignCandidate{Reviewer: reviewer, Load: loads[reviewer]})
			}
		}
		if len(in.Candidates) == 0 {
			break
		}
		if history == nil {
			if history, err = s.history(ctx, sess.ID, p.Number); err != nil {
				return err
			}
		}
		in.History = history
		slices.SortFunc(in.Candidates, func(a, b AssignCandidate) int { return strings.Compare(a.Reviewer, b.Reviewer) })
		a, ok, err := PickReplacement(in, seeded(sess.ID, p.Number, r.ID, "lapsed"))
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		won, err := s.Store.TakeOver(ctx, r.ID, r.ReviewerID, a.Reviewer, r.AssignedAt, now)
		if err != nil {
			return err
		}
		if !won {
			continue // touched or taken meanwhile
		}
		done[a.Reviewer] = false // busy again until this one is done
		loads[a.Reviewer]++
		involved[r.SubmissionID] = append(involved[r.SubmissionID], a.Reviewer)
		t := r
		t.TakenFrom, t.ReviewerID, t.AssignedAt, t.UpdatedAt, t.Required = r.ReviewerID, a.Reviewer, now, now, false
		taken = append(taken, t)
	}
	if len(taken) > 0 {
		s.reviewsReassigned(ctx, sess, p, taken)
	}
	return nil
}

// lapseScanEvery is how often the scheduler reads a running part's reviews
// for lapsed leases (leases last a day or two; the scheduler ticks every
// half minute).
const lapseScanEvery = 10 * time.Minute

// lapseScans remembers when each part was last scanned for lapsed reviews.
type lapseScans struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// due reports whether the part is due a scan at now, and if so records it.
func (l *lapseScans) due(sessionID string, part int, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := fmt.Sprintf("%s|%d", sessionID, part)
	if t, ok := l.last[key]; ok && now.Sub(t) < lapseScanEvery && !now.Before(t) {
		return false
	}
	if l.last == nil {
		l.last = map[string]time.Time{}
	}
	l.last[key] = now
	return true
}
