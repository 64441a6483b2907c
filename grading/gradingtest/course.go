package gradingtest

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"librecours/course"
	"librecours/grading"
)

// Course is the part of a course.Store the grading services use: sessions
// by ID, open sessions, enrolment checks, part updates, unenrolment and
// session deletion, in memory. The other methods belong to the embedded
// nil course.Store: calling one panics, which tells a test that the
// service started to need it.
type Course struct {
	course.Store

	// Fail, when set, is called with the method's name before each method
	// runs; a non-nil error is returned instead of running it.
	Fail func(op string) error

	mu       sync.Mutex
	sessions map[string]*course.Session
	enrolled map[string]map[string]bool
	// Updated records the parts UpdatePart stored, in order.
	Updated []course.Part
	// Deleted records the sessions DeleteSession removed.
	Deleted []string
}

var _ course.Store = (*Course)(nil)

func (c *Course) lock(op string) error {
	if c.Fail != nil {
		if err := c.Fail(op); err != nil {
			return err
		}
	}
	c.mu.Lock()
	return nil
}

func cloneSession(s *course.Session) *course.Session {
	c := *s
	c.Parts = slices.Clone(s.Parts)
	c.Animators = slices.Clone(s.Animators)
	return &c
}

// AddSession stores a session and enrols userIDs in it (Enrolled counts them).
func (c *Course) AddSession(s *course.Session, userIDs ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sessions == nil {
		c.sessions = map[string]*course.Session{}
		c.enrolled = map[string]map[string]bool{}
	}
	s = cloneSession(s)
	if c.enrolled[s.ID] == nil {
		c.enrolled[s.ID] = map[string]bool{}
	}
	for _, id := range userIDs {
		c.enrolled[s.ID][id] = true
	}
	s.Enrolled = len(c.enrolled[s.ID])
	c.sessions[s.ID] = s
}

// SessionByID returns a session, course.ErrNotFound when missing.
func (c *Course) SessionByID(_ context.Context, id string) (*course.Session, error) {
	if err := c.lock("SessionByID"); err != nil {
		return nil, err
	}
	defer c.mu.Unlock()
	s, ok := c.sessions[id]
	if !ok {
		return nil, course.ErrNotFound
	}
	return cloneSession(s), nil
}

// OpenSessions returns the sessions not closed, latest start first.
func (c *Course) OpenSessions(context.Context) ([]*course.Session, error) {
	if err := c.lock("OpenSessions"); err != nil {
		return nil, err
	}
	defer c.mu.Unlock()
	var out []*course.Session
	for _, s := range c.sessions {
		if s.ClosedAt == nil {
			out = append(out, cloneSession(s))
		}
	}
	slices.SortFunc(out, func(a, b *course.Session) int {
		return cmp.Or(cmp.Compare(b.StartsOn, a.StartsOn), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// IsEnrolled reports whether userID is enrolled in the session.
func (c *Course) IsEnrolled(_ context.Context, sessionID, userID string) (bool, error) {
	if err := c.lock("IsEnrolled"); err != nil {
		return false, err
	}
	defer c.mu.Unlock()
	return c.enrolled[sessionID][userID], nil
}

// UpdatePart replaces a part of a session.
func (c *Course) UpdatePart(_ context.Context, sessionID string, p course.Part) error {
	if err := c.lock("UpdatePart"); err != nil {
		return err
	}
	defer c.mu.Unlock()
	s, ok := c.sessions[sessionID]
	if !ok {
		return course.ErrNotFound
	}
	for i := range s.Parts {
		if s.Parts[i].Number == p.Number {
			s.Parts[i] = p
			c.Updated = append(c.Updated, p)
			return nil
		}
	}
	return course.ErrNotFound
}

// Unenrol removes an enrolment, course.ErrNotFound when there is none.
func (c *Course) Unenrol(_ context.Context, sessionID, userID string) error {
	if err := c.lock("Unenrol"); err != nil {
		return err
	}
	defer c.mu.Unlock()
	if !c.enrolled[sessionID][userID] {
		return course.ErrNotFound
	}
	delete(c.enrolled[sessionID], userID)
	c.sessions[sessionID].Enrolled--
	return nil
}

// DeleteSession removes a session nobody is enrolled in (course.ErrConflict
// otherwise).
func (c *Course) DeleteSession(_ context.Context, sessionID string) error {
	if err := c.lock("DeleteSession"); err != nil {
		return err
	}
	defer c.mu.Unlock()
	if _, ok := c.sessions[sessionID]; !ok {
		return course.ErrNotFound
	}
	if len(c.enrolled[sessionID]) > 0 {
		return course.ErrConflict
	}
	delete(c.sessions, sessionID)
	c.Deleted = append(c.Deleted, sessionID)
	return nil
}

// Auditor records audit entries in memory.
type Auditor struct {
	Fail func(op string) error

	mu      sync.Mutex
	entries []course.AuditEntry
}

var _ course.Auditor = (*Auditor)(nil)

// Audit records e.
func (a *Auditor) Audit(_ context.Context, e course.AuditEntry) error {
	if a.Fail != nil {
		if err := a.Fail("Audit"); err != nil {
			return err
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.entries = append(a.entries, e)
	return nil
}

// Entries returns what was recorded, in order.
func (a *Auditor) Entries() []course.AuditEntry {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.entries)
}

// Event is one call a Notifier heard.
type Event struct {
	Kind     string // "assigned", "graded", "appealed", "reassigned", "changed"
	Session  string
	Part     int
	Report   grading.AssignReport  // assigned
	Graded   int                   // graded
	ReviewID string                // appealed
	Reviews  []grading.Review      // assigned, reassigned
	Changes  []grading.GradeChange // changed
}

// Notifier records what the grading service tells.
type Notifier struct {
	mu     sync.Mutex
	events []Event
}

var _ grading.Notifier = (*Notifier)(nil)

func (n *Notifier) add(e Event) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.events = append(n.events, e)
}

// Events returns what was heard, in order.
func (n *Notifier) Events() []Event {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.events)
}

// ReviewsAssigned records an assignment.
func (n *Notifier) ReviewsAssigned(_ context.Context, sess *course.Session, p course.Part, rep grading.AssignReport, rs []grading.Review) {
	n.add(Event{Kind: "assigned", Session: sess.ID, Part: p.Number, Report: rep, Reviews: slices.Clone(rs)})
}

// PartGraded records a grading.
func (n *Notifier) PartGraded(_ context.Context, sess *course.Session, p course.Part, graded int) {
	n.add(Event{Kind: "graded", Session: sess.ID, Part: p.Number, Graded: graded})
}

// ReviewAppealed records an appeal.
func (n *Notifier) ReviewAppealed(_ context.Context, sess *course.Session, part int, reviewID string) {
	n.add(Event{Kind: "appealed", Session: sess.ID, Part: part, ReviewID: reviewID})
}

// ReviewsReassigned records a hand-over of lapsed reviews.
func (n *Notifier) ReviewsReassigned(_ context.Context, sess *course.Session, p course.Part, rs []grading.Review) {
	n.add(Event{Kind: "reassigned", Session: sess.ID, Part: p.Number, Reviews: slices.Clone(rs)})
}

// GradesChanged records a recomputation that changed grades.
func (n *Notifier) GradesChanged(_ context.Context, sess *course.Session, p course.Part, cs []grading.GradeChange) {
	n.add(Event{Kind: "changed", Session: sess.ID, Part: p.Number, Changes: slices.Clone(cs)})
}

// Evaluations is an in-memory grading.EvaluationStore.
type Evaluations struct {
	Fail func(op string) error

	mu          sync.Mutex
	evaluations map[string]grading.Evaluation
	attempts    []grading.Attempt
}

var _ grading.EvaluationStore = (*Evaluations)(nil)

func (e *Evaluations) lock(op string) error {
	if e.Fail != nil {
		if err := e.Fail(op); err != nil {
			return err
		}
	}
	e.mu.Lock()
	return nil
}

// Evaluation returns a session's evaluation, grading.ErrNotFound when it
// uses the default.
func (e *Evaluations) Evaluation(_ context.Context, sessionID string) (*grading.Evaluation, error) {
	if err := e.lock("Evaluation"); err != nil {
		return nil, err
	}
	defer e.mu.Unlock()
	ev, ok := e.evaluations[sessionID]
	if !ok {
		return nil, grading.ErrNotFound
	}
	return &ev, nil
}

// PutEvaluation stores a session's evaluation.
func (e *Evaluations) PutEvaluation(_ context.Context, sessionID string, ev grading.Evaluation) error {
	if err := e.lock("PutEvaluation"); err != nil {
		return err
	}
	defer e.mu.Unlock()
	if e.evaluations == nil {
		e.evaluations = map[string]grading.Evaluation{}
	}
	e.evaluations[sessionID] = ev
	return nil
}

// Attempts returns one person's attempts, by number.
func (e *Evaluations) Attempts(_ context.Context, sessionID, userID string) ([]grading.Attempt, error) {
	if err := e.lock("Attempts"); err != nil {
		return nil, err
	}
	defer e.mu.Unlock()
	var out []grading.Attempt
	for _, a := range e.attempts {
		if a.SessionID == sessionID && a.UserID == userID {
			out = append(out, a)
		}
	}
	return out, nil
}

// AttemptsBySession returns every attempt of a session.
func (e *Evaluations) AttemptsBySession(_ context.Context, sessionID string) ([]grading.Attempt, error) {
	if err := e.lock("AttemptsBySession"); err != nil {
		return nil, err
	}
	defer e.mu.Unlock()
	var out []grading.Attempt
	for _, a := range e.attempts {
		if a.SessionID == sessionID {
			out = append(out, a)
		}
	}
	return out, nil
}

// SaveAttempt inserts or updates an attempt, unless it was submitted
// already (grading.ErrConflict).
func (e *Evaluations) SaveAttempt(_ context.Context, a grading.Attempt) error {
	if err := e.lock("SaveAttempt"); err != nil {
		return err
	}
	defer e.mu.Unlock()
	for i, o := range e.attempts {
		if o.ID == a.ID {
			if o.SubmittedAt != nil {
				return grading.ErrConflict
			}
			e.attempts[i] = a
			return nil
		}
	}
	e.attempts = append(e.attempts, a)
	return nil
}
