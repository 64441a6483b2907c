// Package gradingtest holds hand-written fakes for testing the grading
// services without a database: an in-memory grading.Store (and a Stamper
// variant), an in-memory grading.EvaluationStore, a course.Store holding
// sessions and enrolments, and recorders for notifications and the audit log.
//
// The fakes follow the stores' documented contracts (grading.Store's
// comments, app/sqlstore's behaviour) closely enough for the service rules
// to be tested; app/storetest checks the real stores against those
// contracts. Every fake has a Fail func field: when set, each method first
// calls it with its own name and returns what it returns, if not nil (the
// way to test a service's handling of a failing store).
package gradingtest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"librecours/grading"
)

// Store is an in-memory grading.Store. The zero value is ready to use and
// safe for concurrent use.
type Store struct {
	// Fail, when set, is called with the method's name before each method
	// runs; a non-nil error is returned instead of running it.
	Fail func(op string) error

	mu        sync.Mutex
	writes    int
	ids       int
	exercises map[string]grading.Exercise
	states    map[string]grading.PartState
	subs      map[string]*grading.Submission
	versions  map[string][]grading.Version
	reviews   map[string]grading.Review
	files     map[string]file
}

type file struct {
	a     grading.Attachment
	data  []byte
	owner string
}

var _ grading.Store = (*Store)(nil)

func partKey(sessionID string, part int) string { return fmt.Sprintf("%s|%d", sessionID, part) }

// fail runs Fail for op. s.mu is not held.
func (s *Store) fail(op string) error {
	if s.Fail == nil {
		return nil
	}
	return s.Fail(op)
}

// lock takes the lock after checking Fail; the caller unlocks.
func (s *Store) lock(op string) error {
	if err := s.fail(op); err != nil {
		return err
	}
	s.mu.Lock()
	return nil
}

func (s *Store) newID(prefix string) string {
	s.ids++
	return fmt.Sprintf("%s-%d", prefix, s.ids)
}

func cloneSub(sub *grading.Submission) *grading.Submission {
	c := *sub
	if sub.Attachment != nil {
		a := *sub.Attachment
		c.Attachment = &a
	}
	if sub.Grade != nil {
		g := *sub.Grade
		g.Reviews = slices.Clone(sub.Grade.Reviews)
		c.Grade = &g
	}
	if sub.Animator != nil {
		a := *sub.Animator
		c.Animator = &a
	}
	if sub.QueuedAt != nil {
		t := *sub.QueuedAt
		c.QueuedAt = &t
	}
	return &c
}

func cloneReview(r grading.Review) grading.Review {
	if r.Scores != nil {
		m := make(map[string]int, len(r.Scores))
		for k, v := range r.Scores {
			m[k] = v
		}
		r.Scores = m
	}
	if r.DoneAt != nil {
		t := *r.DoneAt
		r.DoneAt = &t
	}
	if r.Flag != nil {
		f := *r.Flag
		r.Flag = &f
	}
	if r.Reply != nil {
		rp := *r.Reply
		r.Reply = &rp
	}
	return r
}

// PutExercise stores a part's exercise.
func (s *Store) PutExercise(_ context.Context, sessionID string, e grading.Exercise) error {
	if err := s.lock("PutExercise"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if s.exercises == nil {
		s.exercises = map[string]grading.Exercise{}
	}
	s.exercises[partKey(sessionID, e.Part)] = e
	s.writes++
	return nil
}

// Exercises returns the stored exercises of a session, by part.
func (s *Store) Exercises(_ context.Context, sessionID string) ([]grading.Exercise, error) {
	if err := s.lock("Exercises"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var out []grading.Exercise
	for n := 1; n <= 6; n++ {
		if e, ok := s.exercises[partKey(sessionID, n)]; ok {
			out = append(out, e)
		}
	}
	return out, nil
}

// Exercise returns one stored exercise, grading.ErrNotFound when none.
func (s *Store) Exercise(_ context.Context, sessionID string, part int) (grading.Exercise, error) {
	if err := s.lock("Exercise"); err != nil {
		return grading.Exercise{}, err
	}
	defer s.mu.Unlock()
	e, ok := s.exercises[partKey(sessionID, part)]
	if !ok {
		return grading.Exercise{}, grading.ErrNotFound
	}
	return e, nil
}

// PartState returns a part's state; a fresh part is in PhaseSubmission.
func (s *Store) PartState(_ context.Context, sessionID string, part int) (grading.PartState, error) {
	if err := s.lock("PartState"); err != nil {
		return grading.PartState{}, err
	}
	defer s.mu.Unlock()
	return s.state(sessionID, part), nil
}

func (s *Store) state(sessionID string, part int) grading.PartState {
	if st, ok := s.states[partKey(sessionID, part)]; ok {
		return st
	}
	return grading.PartState{SessionID: sessionID, Part: part, Phase: grading.PhaseSubmission}
}

// PartStates returns the stored states of a session's parts, by part.
func (s *Store) PartStates(_ context.Context, sessionID string) ([]grading.PartState, error) {
	if err := s.lock("PartStates"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var out []grading.PartState
	for _, st := range s.states {
		if st.SessionID == sessionID {
			out = append(out, st)
		}
	}
	slices.SortFunc(out, func(a, b grading.PartState) int { return cmp.Compare(a.Part, b.Part) })
	return out, nil
}

// TransitionPart moves the part to st.Phase if its phase is one of from
// (a missing state counts as PhaseSubmission) or it holds a claim taken
// before staleBefore.
func (s *Store) TransitionPart(_ context.Context, st grading.PartState, from []grading.Phase, staleBefore time.Time) (bool, error) {
	if err := s.lock("TransitionPart"); err != nil {
		return false, err
	}
	defer s.mu.Unlock()
	cur := s.state(st.SessionID, st.Part)
	stale := !staleBefore.IsZero() && (cur.Phase == grading.PhaseAssigning || cur.Phase == grading.PhaseClosing) && cur.ClaimedAt.Before(staleBefore)
	if !slices.Contains(from, cur.Phase) && !stale {
		return false, nil
	}
	s.setState(st)
	return true, nil
}

// SetPartState stores a part's state as it is (test set-up).
func (s *Store) SetPartState(st grading.PartState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setState(st)
}

// setState stores a part's state. s.mu is held.
func (s *Store) setState(st grading.PartState) {
	if s.states == nil {
		s.states = map[string]grading.PartState{}
	}
	s.states[partKey(st.SessionID, st.Part)] = st
	s.writes++
}

// SaveSubmission inserts or replaces a submission and keeps v; a new
// submission gets an ID.
func (s *Store) SaveSubmission(_ context.Context, sub *grading.Submission, v grading.Version) error {
	if err := s.lock("SaveSubmission"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if sub.ID == "" {
		sub.ID = s.newID("sub")
	}
	if s.subs == nil {
		s.subs = map[string]*grading.Submission{}
		s.versions = map[string][]grading.Version{}
	}
	s.subs[sub.ID] = cloneSub(sub)
	v.SubmissionID = sub.ID
	s.versions[sub.ID] = append(s.versions[sub.ID], v)
	s.writes++
	return nil
}

// SubmissionByID returns one submission.
func (s *Store) SubmissionByID(_ context.Context, id string) (*grading.Submission, error) {
	if err := s.lock("SubmissionByID"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	sub, ok := s.subs[id]
	if !ok {
		return nil, grading.ErrNotFound
	}
	return cloneSub(sub), nil
}

// SubmissionMetaByAuthor is SubmissionByAuthor without the texts.
func (s *Store) SubmissionMetaByAuthor(ctx context.Context, sessionID string, part int, authorID string) (*grading.Submission, error) {
	sub, err := s.SubmissionByAuthor(ctx, sessionID, part, authorID)
	if sub != nil {
		sub.Text, sub.TextHTML = "", ""
	}
	return sub, err
}

// SubmissionByAuthor returns an author's submission of a part.
func (s *Store) SubmissionByAuthor(_ context.Context, sessionID string, part int, authorID string) (*grading.Submission, error) {
	if err := s.lock("SubmissionByAuthor"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	for _, sub := range s.subs {
		if sub.SessionID == sessionID && sub.Part == part && sub.AuthorID == authorID {
			return cloneSub(sub), nil
		}
	}
	return nil, grading.ErrNotFound
}

// where returns the submissions keep accepts, by part, first submission
// time and ID. s.mu is held.
func (s *Store) where(keep func(*grading.Submission) bool) []*grading.Submission {
	var out []*grading.Submission
	for _, sub := range s.subs {
		if keep(sub) {
			out = append(out, cloneSub(sub))
		}
	}
	slices.SortFunc(out, func(a, b *grading.Submission) int {
		return cmp.Or(cmp.Compare(a.Part, b.Part), a.SubmittedAt.Compare(b.SubmittedAt), strings.Compare(a.ID, b.ID))
	})
	return out
}

// Submissions returns a part's submissions (every part's when part is 0).
func (s *Store) Submissions(_ context.Context, sessionID string, part int) ([]*grading.Submission, error) {
	if err := s.lock("Submissions"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	return s.where(func(sub *grading.Submission) bool {
		return sub.SessionID == sessionID && (part == 0 || sub.Part == part)
	}), nil
}

// SubmissionsMeta is Submissions without the texts.
func (s *Store) SubmissionsMeta(_ context.Context, sessionID string, part int) ([]*grading.Submission, error) {
	if err := s.lock("SubmissionsMeta"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	out := s.where(func(sub *grading.Submission) bool {
		return sub.SessionID == sessionID && (part == 0 || sub.Part == part)
	})
	for _, sub := range out {
		sub.Text, sub.TextHTML = "", ""
	}
	return out, nil
}

// SubmissionsByIDs returns those of ids that exist.
func (s *Store) SubmissionsByIDs(_ context.Context, ids []string) ([]*grading.Submission, error) {
	if err := s.lock("SubmissionsByIDs"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	return s.where(func(sub *grading.Submission) bool { return slices.Contains(ids, sub.ID) }), nil
}

// SubmissionsByAuthor returns an author's submissions in a session, without
// their texts.
func (s *Store) SubmissionsByAuthor(_ context.Context, sessionID, authorID string) ([]*grading.Submission, error) {
	if err := s.lock("SubmissionsByAuthor"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	subs := s.where(func(sub *grading.Submission) bool { return sub.SessionID == sessionID && sub.AuthorID == authorID })
	for _, sub := range subs {
		sub.Text, sub.TextHTML = "", ""
	}
	return subs, nil
}

// LateShort returns up to limit late submissions of a part with fewer than
// want reviews, first submitted first.
func (s *Store) LateShort(_ context.Context, sessionID string, part, want, limit int) ([]*grading.Submission, error) {
	if err := s.lock("LateShort"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	count := map[string]int{}
	for _, r := range s.reviews {
		count[r.SubmissionID]++
	}
	out := s.where(func(sub *grading.Submission) bool {
		return sub.SessionID == sessionID && sub.Part == part && sub.Late && count[sub.ID] < want
	})
	return out[:min(limit, len(out))], nil
}

// Corrections returns the submissions an animator graded or confirmed.
func (s *Store) Corrections(context.Context) ([]*grading.Submission, error) {
	if err := s.lock("Corrections"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	return s.where(func(sub *grading.Submission) bool { return sub.Animator != nil && sub.Animator.By != "" }), nil
}

// Versions returns a submission's kept versions, oldest first.
func (s *Store) Versions(_ context.Context, submissionID string) ([]grading.Version, error) {
	if err := s.lock("Versions"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	return slices.Clone(s.versions[submissionID]), nil
}

// SetGrades stores computed grades.
func (s *Store) SetGrades(_ context.Context, grades map[string]grading.Grade) error {
	if err := s.lock("SetGrades"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	for id, g := range grades {
		if sub, ok := s.subs[id]; ok {
			g := g
			sub.Grade = &g
			s.writes++
		}
	}
	return nil
}

// SetAnimatorGrade records an animator's decision.
func (s *Store) SetAnimatorGrade(_ context.Context, submissionID string, g grading.AnimatorGrade) error {
	if err := s.lock("SetAnimatorGrade"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	sub, ok := s.subs[submissionID]
	if !ok {
		return grading.ErrNotFound
	}
	sub.Animator = &g
	s.writes++
	return nil
}

// MarkQueued records when submissions first needed an animator.
func (s *Store) MarkQueued(_ context.Context, ids []string, at time.Time) error {
	if err := s.lock("MarkQueued"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	for _, id := range ids {
		if sub, ok := s.subs[id]; ok && sub.QueuedAt == nil {
			t := at
			sub.QueuedAt = &t
			s.writes++
		}
	}
	return nil
}

// InsertReviews stores new reviews; an existing ID is left as it is.
func (s *Store) InsertReviews(_ context.Context, rs []grading.Review) error {
	if err := s.lock("InsertReviews"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if s.reviews == nil {
		s.reviews = map[string]grading.Review{}
	}
	for _, r := range rs {
		if _, ok := s.reviews[r.ID]; !ok {
			s.reviews[r.ID] = cloneReview(r)
			s.writes++
		}
	}
	return nil
}

// ReviewByID returns one review.
func (s *Store) ReviewByID(_ context.Context, id string) (*grading.Review, error) {
	if err := s.lock("ReviewByID"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	r, ok := s.reviews[id]
	if !ok {
		return nil, grading.ErrNotFound
	}
	r = cloneReview(r)
	return &r, nil
}

// reviewsWhere returns the reviews keep accepts by part, assignment time
// and ID. s.mu is held.
func (s *Store) reviewsWhere(keep func(grading.Review) bool) []grading.Review {
	out := []grading.Review{}
	for _, r := range s.reviews {
		if keep(r) {
			out = append(out, cloneReview(r))
		}
	}
	slices.SortFunc(out, func(a, b grading.Review) int {
		return cmp.Or(cmp.Compare(a.Part, b.Part), a.AssignedAt.Compare(b.AssignedAt), strings.Compare(a.ID, b.ID))
	})
	return out
}

// Reviews returns a part's reviews (every part's when part is 0).
func (s *Store) Reviews(_ context.Context, sessionID string, part int) ([]grading.Review, error) {
	if err := s.lock("Reviews"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	return s.reviewsWhere(func(r grading.Review) bool { return r.SessionID == sessionID && (part == 0 || r.Part == part) }), nil
}

// ReviewsByReviewer returns the reviews a person holds in a session.
func (s *Store) ReviewsByReviewer(_ context.Context, sessionID, reviewerID string) ([]grading.Review, error) {
	if err := s.lock("ReviewsByReviewer"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	return s.reviewsWhere(func(r grading.Review) bool { return r.SessionID == sessionID && r.ReviewerID == reviewerID }), nil
}

// ReviewsInvolving returns the reviews a person holds or let lapse.
func (s *Store) ReviewsInvolving(_ context.Context, sessionID, userID string) ([]grading.Review, error) {
	if err := s.lock("ReviewsInvolving"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	return s.reviewsWhere(func(r grading.Review) bool {
		return r.SessionID == sessionID && (r.ReviewerID == userID || r.TakenFrom == userID)
	}), nil
}

// ReviewsBySubmission returns a submission's reviews.
func (s *Store) ReviewsBySubmission(_ context.Context, submissionID string) ([]grading.Review, error) {
	if err := s.lock("ReviewsBySubmission"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	return s.reviewsWhere(func(r grading.Review) bool { return r.SubmissionID == submissionID }), nil
}

// SaveReview stores a reviewer's work if the review is still theirs:
// grading.ErrForbidden when it is not, grading.ErrNotFound when missing.
func (s *Store) SaveReview(_ context.Context, r grading.Review) error {
	if err := s.lock("SaveReview"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	cur, ok := s.reviews[r.ID]
	switch {
	case !ok:
		return grading.ErrNotFound
	case cur.ReviewerID != r.ReviewerID:
		return grading.ErrForbidden
	}
	r = cloneReview(r)
	cur.Status, cur.Scores, cur.Comment, cur.Percent, cur.UpdatedAt, cur.DoneAt = r.Status, r.Scores, r.Comment, r.Percent, r.UpdatedAt, r.DoneAt
	s.reviews[r.ID] = cur
	s.writes++
	return nil
}

// TakeOver hands an untouched review to newReviewer if it still belongs to
// oldReviewer, is not done and was not touched after untouchedAt.
func (s *Store) TakeOver(_ context.Context, reviewID, oldReviewer, newReviewer string, untouchedAt, now time.Time) (bool, error) {
	if err := s.lock("TakeOver"); err != nil {
		return false, err
	}
	defer s.mu.Unlock()
	r, ok := s.reviews[reviewID]
	if !ok || r.ReviewerID != oldReviewer || r.Status != grading.ReviewAssigned || r.UpdatedAt.After(untouchedAt) {
		return false, nil
	}
	r.ReviewerID, r.TakenFrom, r.AssignedAt, r.UpdatedAt, r.Required = newReviewer, oldReviewer, now, now, false
	s.reviews[reviewID] = r
	s.writes++
	return true, nil
}

// SetFlag records an appeal, once (grading.ErrAlreadyFlagged after).
func (s *Store) SetFlag(_ context.Context, reviewID string, f grading.Flag) error {
	if err := s.lock("SetFlag"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	r, ok := s.reviews[reviewID]
	switch {
	case !ok:
		return grading.ErrNotFound
	case r.Flag != nil:
		return grading.ErrAlreadyFlagged
	}
	r.Flag = &f
	s.reviews[reviewID] = r
	s.writes++
	return nil
}

// SetReply stores the author's answer once (grading.ErrAlreadyReplied
// after) and their latest rating.
func (s *Store) SetReply(_ context.Context, reviewID string, rp grading.Reply) error {
	if err := s.lock("SetReply"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	r, ok := s.reviews[reviewID]
	if !ok {
		return grading.ErrNotFound
	}
	cur := grading.Reply{}
	if r.Reply != nil {
		cur = *r.Reply
	}
	if rp.Text != "" {
		if cur.Text != "" {
			return grading.ErrAlreadyReplied
		}
		cur.Text, cur.TextHTML, cur.At = rp.Text, rp.TextHTML, rp.At
	}
	if rp.Helpfulness > 0 {
		cur.Helpfulness, cur.RatedAt = rp.Helpfulness, rp.RatedAt
	}
	r.Reply = &cur
	s.reviews[reviewID] = r
	s.writes++
	return nil
}

// PutFile stores a file; a new one gets an ID.
func (s *Store) PutFile(_ context.Context, a *grading.Attachment, data []byte, _, ownerID string) error {
	if err := s.lock("PutFile"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if a.FileID == "" {
		a.FileID = s.newID("file")
	}
	if s.files == nil {
		s.files = map[string]file{}
	}
	if _, ok := s.files[a.FileID]; ok {
		return grading.ErrConflict
	}
	a.Size = int64(len(data))
	s.files[a.FileID] = file{a: *a, data: slices.Clone(data), owner: ownerID}
	return nil
}

// FileBytes sums the sizes of the files ownerID uploaded.
func (s *Store) FileBytes(_ context.Context, ownerID string) (int64, error) {
	if err := s.lock("FileBytes"); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	var n int64
	for _, f := range s.files {
		if f.owner == ownerID {
			n += f.a.Size
		}
	}
	return n, nil
}

// File returns a file's metadata and bytes.
func (s *Store) File(_ context.Context, fileID string) (grading.Attachment, []byte, error) {
	if err := s.lock("File"); err != nil {
		return grading.Attachment{}, nil, err
	}
	defer s.mu.Unlock()
	f, ok := s.files[fileID]
	if !ok {
		return grading.Attachment{}, nil, grading.ErrNotFound
	}
	return f.a, slices.Clone(f.data), nil
}

// Stamped is a Store that is also a grading.Stamper: its stamp changes with
// every write (to any session, which is allowed: a stamp may change more
// often than needed, never less).
type Stamped struct {
	*Store
	// Unknown makes GradingStamp answer ok false (a store that cannot tell).
	Unknown bool
}

var _ grading.Stamper = Stamped{}

// GradingStamp returns the store's write count.
func (s Stamped) GradingStamp(_ context.Context, _ string) (string, bool, error) {
	if err := s.lock("GradingStamp"); err != nil {
		return "", false, err
	}
	defer s.mu.Unlock()
	return fmt.Sprint(s.writes), !s.Unknown, nil
}
