package certificates

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"librecours/course"
)

// Availability is what a committed person or an animator declared for an
// upcoming session.
type Availability struct {
	UserID    string
	SessionID string
	Available bool
	At        time.Time
}

// AnimatorStore is what the animator pool needs beyond Store.
type AnimatorStore interface {
	SetAvailability(ctx context.Context, a Availability) error // one per person and session
	Availabilities(ctx context.Context) ([]Availability, error)
	AvailabilitiesOf(ctx context.Context, userID string) ([]Availability, error)
}

// SessionAvailability is one upcoming session with a person's declaration
// (nil: not declared).
type SessionAvailability struct {
	Session   *course.Session
	Available *bool
}

// PoolEntry is one person of the animator pool.
type PoolEntry struct {
	User        *course.User
	Commitment  *Commitment  // the one that matters: pending first, else the latest
	Commitments []Commitment // all, oldest first
	Upcoming    []SessionAvailability
	Animated    []string // codes of the sessions they animate or animated
	Corrections int      // animator grades and confirmations
	// MedianDelay is the median time between a submission entering the
	// correction queue and this person's decision on it (nil: none).
	MedianDelay *time.Duration
}

// Pending reports whether the person holds a pending commitment.
func (e PoolEntry) Pending() bool {
	return e.Commitment != nil && e.Commitment.Status == CommitmentPending
}

// AvailableFor reports what the person declared for session id.
func (e PoolEntry) AvailableFor(id string) *bool {
	for _, a := range e.Upcoming {
		if a.Session.ID == id {
			return a.Available
		}
	}
	return nil
}

// Pool lists, for coordinators, everyone who animates a session, holds the
// animator role or holds a commitment, with what they committed to, declared,
// animated and corrected. Pending commitments come first.
func (s *Service) Pool(ctx context.Context, actor *course.User) ([]PoolEntry, error) {
	if actor == nil {
		return nil, course.ErrUnauthenticated
	}
	if !actor.IsCoordinator() {
		return nil, course.ErrForbidden
	}
	sessions, err := s.Course.ListSessions(ctx)
	if err != nil {
		return nil, err
	}
	commitments, err := s.Store.Commitments(ctx)
	if err != nil {
		return nil, err
	}
	avail, err := s.Animators.Availabilities(ctx)
	if err != nil {
		return nil, err
	}
	corrections, err := s.Grading.Corrections(ctx)
	if err != nil {
		return nil, err
	}
	users, err := s.Course.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	entries := map[string]*PoolEntry{}
	byID := map[string]*course.User{}
	for _, u := range users {
		byID[u.ID] = u
	}
	entry := func(id string) *PoolEntry {
		if e, ok := entries[id]; ok {
			return e
		}
		u, ok := byID[id]
		if !ok {
			return nil // an account deleted since
		}
		e := &PoolEntry{User: u}
		entries[id] = e
		return e
	}
	for _, u := range users {
		if u.Has(course.RoleAnimator) {
			entry(u.ID)
		}
	}
	slices.SortFunc(sessions, func(a, b *course.Session) int { return strings.Compare(a.StartsOn, b.StartsOn) })
	for _, sess := range sessions {
		for _, id := range sess.Animators {
			if e := entry(id); e != nil {
				e.Animated = append(e.Animated, sess.Code)
			}
		}
	}
	for _, c := range commitments {
		if e := entry(c.UserID); e != nil {
			e.Commitments = append(e.Commitments, c)
		}
	}
	declared := map[[2]string]bool{}
	for _, a := range avail {
		declared[[2]string{a.UserID, a.SessionID}] = a.Available
	}
	upcoming := upcomingSessions(sessions, now)
	delays := map[string][]time.Duration{}
	for _, sub := range corrections {
		if sub.Animator == nil {
			continue
		}
		e := entries[sub.Animator.By]
		if e == nil {
			continue
		}
		e.Corrections++
		if sub.QueuedAt != nil && !sub.Animator.At.Before(*sub.QueuedAt) {
			delays[e.User.ID] = append(delays[e.User.ID], sub.Animator.At.Sub(*sub.QueuedAt))
		}
	}
	out := make([]PoolEntry, 0, len(entries))
	for id, e := range entries {
		e.Commitment = current(e.Commitments)
		for _, sess := range upcoming {
			sa := SessionAvailability{Session: sess}
			if v, ok := declared[[2]string{id, sess.ID}]; ok {
				sa.Available = &v
			}
			e.Upcoming = append(e.Upcoming, sa)
		}
		if d := delays[id]; len(d) > 0 {
			m := median(d)
			e.MedianDelay = &m
		}
		out = append(out, *e)
	}
	slices.SortFunc(out, func(a, b PoolEntry) int {
		return cmp.Or(-cmp.Compare(rank(a.Pending()), rank(b.Pending())),
			strings.Compare(a.User.Name, b.User.Name), strings.Compare(a.User.ID, b.User.ID))
	})
	return out, nil
}

func rank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// current picks the commitment shown for a person: the oldest pending one,
// else the latest.
func current(cs []Commitment) *Commitment {
	for i := range cs {
		if cs[i].Status == CommitmentPending {
			return &cs[i]
		}
	}
	if len(cs) == 0 {
		return nil
	}
	return &cs[len(cs)-1]
}

// median returns the median of ds (the mean of the middle two for an even count).
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// upcomingSessions returns the sessions that have not started, by start.
func upcomingSessions(sessions []*course.Session, now time.Time) []*course.Session {
	var out []*course.Session
	for _, sess := range sessions {
		if sess.Status(now) == course.StatusUpcoming {
			out = append(out, sess)
		}
	}
	slices.SortFunc(out, func(a, b *course.Session) int { return strings.Compare(a.StartsOn, b.StartsOn) })
	return out
}

// Candidate is someone a coordinator may make a session's animator.
type Candidate struct {
	User      *course.User
	Pending   bool  // holds a pending commitment
	Available *bool // declared for this session (nil: not declared)
	Proposed  bool  // available, or committed and not unavailable
}

// Candidates lists the people a coordinator may add as the session's
// animators, proposing first those who declared themselves available and
// hold a pending commitment, then the other available people, then the
// committed who did not answer, then everyone else.
func (s *Service) Candidates(ctx context.Context, actor *course.User, sessionID string) ([]Candidate, error) {
	pool, err := s.Pool(ctx, actor)
	if err != nil {
		return nil, err
	}
	sess, err := s.Course.SessionByID(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	users, err := s.Course.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	inPool := map[string]PoolEntry{}
	for _, e := range pool {
		inPool[e.User.ID] = e
	}
	var out []Candidate
	for _, u := range users {
		if sess.HasAnimator(u.ID) {
			continue
		}
		c := Candidate{User: u}
		if e, ok := inPool[u.ID]; ok {
			c.Pending, c.Available = e.Pending(), e.AvailableFor(sess.ID)
		}
		c.Proposed = c.Available != nil && *c.Available || c.Pending && c.Available == nil
		out = append(out, c)
	}
	score := func(c Candidate) int {
		yes := c.Available != nil && *c.Available
		no := c.Available != nil && !*c.Available
		switch {
		case yes && c.Pending:
			return 0
		case yes:
			return 1
		case c.Pending && !no:
			return 2
		case c.User.Has(course.RoleAnimator) && !no:
			return 3
		case no:
			return 5
		}
		return 4
	}
	slices.SortStableFunc(out, func(a, b Candidate) int {
		return cmp.Or(cmp.Compare(score(a), score(b)), strings.Compare(a.User.Name, b.User.Name))
	})
	return out, nil
}

// canDeclare reports whether actor may declare availability: animators,
// coordinators and holders of a pending commitment.
func (s *Service) canDeclare(ctx context.Context, actor *course.User) (bool, error) {
	if actor.Has(course.RoleAnimator) || actor.IsCoordinator() {
		return true, nil
	}
	mine, err := s.Store.CommitmentsOf(ctx, actor.ID)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(mine, func(c Commitment) bool { return c.Status == CommitmentPending }), nil
}

// MyAvailability returns the upcoming sessions with what actor declared, or
// nil when actor is neither an animator nor committed.
func (s *Service) MyAvailability(ctx context.Context, actor *course.User) ([]SessionAvailability, error) {
	if actor == nil {
		return nil, course.ErrUnauthenticated
	}
	if ok, err := s.canDeclare(ctx, actor); err != nil || !ok {
		return nil, err
	}
	sessions, err := s.Course.ListSessions(ctx)
	if err != nil {
		return nil, err
	}
	mine, err := s.Animators.AvailabilitiesOf(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	declared := map[string]bool{}
	for _, a := range mine {
		declared[a.SessionID] = a.Available
	}
	var out []SessionAvailability
	for _, sess := range upcomingSessions(sessions, s.Now()) {
		sa := SessionAvailability{Session: sess}
		if v, ok := declared[sess.ID]; ok {
			sa.Available = &v
		}
		out = append(out, sa)
	}
	return out, nil
}

// DeclareAvailability records whether actor can animate an upcoming session.
// available nil is refused once the caller is known to be allowed.
func (s *Service) DeclareAvailability(ctx context.Context, actor *course.User, sessionID string, available *bool) error {
	if actor == nil {
		return course.ErrUnauthenticated
	}
	if ok, err := s.canDeclare(ctx, actor); err != nil {
		return err
	} else if !ok {
		return course.ErrForbidden
	}
	if available == nil {
		return &ValidationError{Field: "available", Key: "certificates.availability.answer_required"}
	}
	if sessionID == "" {
		return &ValidationError{Field: "session_id", Key: "certificates.availability.session_required"}
	}
	sess, err := s.Course.SessionByID(ctx, sessionID)
	if err != nil {
		return err
	}
	if sess.Status(s.Now()) != course.StatusUpcoming {
		return &ValidationError{Field: "session_id", Key: "certificates.availability.not_upcoming"}
	}
	return s.Animators.SetAvailability(ctx, Availability{UserID: actor.ID, SessionID: sess.ID, Available: *available, At: s.Now().UTC()})
}

// ReleaseCommitment lets a coordinator release a person from their pending
// commitment, with a reason kept in the audit log. commitmentID may be
// empty to release the person's oldest pending commitment.
func (s *Service) ReleaseCommitment(ctx context.Context, actor *course.User, userID, commitmentID, reason string) (*Commitment, error) {
	if actor == nil {
		return nil, course.ErrUnauthenticated
	}
	if !actor.IsCoordinator() {
		return nil, course.ErrForbidden
	}
	mine, err := s.Store.CommitmentsOf(ctx, userID)
	if err != nil {
		return nil, err
	}
	var c *Commitment
	for i := range mine {
		if mine[i].ID == commitmentID || commitmentID == "" && mine[i].Status == CommitmentPending {
			c = &mine[i]
			break
		}
	}
	if c == nil {
		return nil, ErrNotFound
	}
	reason = strings.TrimSpace(reason)
	if err := checkReason(reason); err != nil {
		return nil, err
	}
	if c.Status != CommitmentPending {
		return nil, ErrCommitmentNotPending
	}
	c.Status, c.Reason = CommitmentReleased, reason
	if err := s.Store.PutCommitment(ctx, *c); err != nil {
		return nil, err
	}
	return c, s.audit(ctx, actor, "commitment.release", c.FromSessionID, userID, c.FromSessionCode, reason)
}

// AuditFilter selects audit entries; empty fields match everything.
type AuditFilter struct {
	SessionID string
	Action    string
	Person    string    // a user ID, as actor or target
	From      time.Time // entries at or after From, when set
	To        time.Time // entries before To, when set
	Limit     int
}

// AuditActions lists the actions the audit log records, for filters.
var AuditActions = []string{
	"level.override", "level.override_removed", course.AuditGradeOverride, course.AuditGradeConfirm,
	"certificate.issue", "certificate.revoke", course.AuditRoleChange, "session.close", "session.reopen",
	"commitment.release", "rules.change", course.AuditReassign, course.AuditSessionCopy, course.AuditShift,
	"account.delete", course.AuditResetLink, "certificate.reissue", course.AuditUnenrol, course.AuditAnimatorRemove,
	course.AuditSessionCancel, course.AuditRosterImport, course.AuditAssignEarly, course.AuditPartClose,
	course.AuditSessionCreate, course.AuditSessionEdit, course.AuditPartEdit, course.AuditEvaluationEdit, course.AuditEnrol,
	course.AuditExerciseEdit, course.AuditWebhook, course.AuditInvite,
	course.AuditQuestionsEdit,
}

// AuditLog returns the audit entries matching f to a coordinator, newest
// first (at most 500).
func (s *Service) AuditLog(ctx context.Context, actor *course.User, f AuditFilter) ([]AuditEntry, error) {
	if actor == nil {
		return nil, course.ErrUnauthenticated
	}
	if !actor.IsCoordinator() {
		return nil, course.ErrForbidden
	}
	if f.Action != "" && !slices.Contains(AuditActions, f.Action) {
		return nil, &ValidationError{Field: "action", Key: "certificates.audit.action_unknown"}
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 500
	}
	return s.Store.AuditSearch(ctx, f)
}
