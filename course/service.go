package course

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Store is what the course service needs from the database. app/mongostore
// implements it; every method returns ErrNotFound for a missing object.
type Store interface {
	CreateUser(ctx context.Context, u *User) error // ErrEmailTaken
	UserByID(ctx context.Context, id string) (*User, error)
	UserByEmail(ctx context.Context, email string) (*User, error)
	UsersByIDs(ctx context.Context, ids []string) ([]*User, error)
	ListUsers(ctx context.Context) ([]*User, error)
	AddUserRole(ctx context.Context, id string, r Role) error
	SetUserLocale(ctx context.Context, id, locale string) error
	SetUserPassword(ctx context.Context, id, hash string) error
	// SetUserEmail changes an account's (normalised) address; ErrEmailTaken
	// when another account has it.
	SetUserEmail(ctx context.Context, id, email string) error

	NextSessionNumber(ctx context.Context, f Format) (int, error)
	CreateSession(ctx context.Context, s *Session) error
	SessionByID(ctx context.Context, id string) (*Session, error)
	ListSessions(ctx context.Context) ([]*Session, error)
	// SessionsOf returns the sessions userID is enrolled in or animates,
	// latest start first, whatever the number of other sessions.
	SessionsOf(ctx context.Context, userID string) ([]*Session, error)
	// OpenSessions returns the sessions not closed, latest start first,
	// whatever the number of closed ones (the scheduler's tick).
	OpenSessions(ctx context.Context) ([]*Session, error)
	// ClosedSessions returns one page of the closed sessions, latest start
	// first, and CountClosedSessions how many there are: history is read a
	// page at a time.
	ClosedSessions(ctx context.Context, offset, limit int) ([]*Session, error)
	CountClosedSessions(ctx context.Context) (int, error)
	UpdatePart(ctx context.Context, sessionID string, p Part) error
	UpdateEvaluationWindow(ctx context.Context, sessionID string, w Window) error
	SetCapacity(ctx context.Context, sessionID string, capacity int) error // ErrCapacityTooSmall
	// SetWorkload changes the session's workload in hours.
	SetWorkload(ctx context.Context, sessionID string, hours int) error
	AddAnimator(ctx context.Context, sessionID, userID string) error
	// RemoveAnimator takes userID off the session's animators (nothing
	// when they were not one); ErrNotFound when there is no such session.
	RemoveAnimator(ctx context.Context, sessionID, userID string) error
	// DeleteSession removes a session nobody is enrolled in, atomically
	// refusing with ErrConflict otherwise, with what is kept per session
	// around it: animators, exercises, part states, final evaluation,
	// certificate rules, availabilities, invitations, calendar feeds and
	// webhook. A session with submissions is refused with ErrConflict too.
	DeleteSession(ctx context.Context, sessionID string) error
	SetClosed(ctx context.Context, sessionID string, at *time.Time) error   // nil reopens
	SetSchedule(ctx context.Context, sessionID string, plan Schedule) error // dates, parts and evaluation at once

	// Enrol records the enrolment and takes a seat, atomically refusing with
	// ErrAlreadyEnrolled or ErrSessionFull.
	Enrol(ctx context.Context, e Enrolment) error
	IsEnrolled(ctx context.Context, sessionID, userID string) (bool, error)
	EnrolmentsByUser(ctx context.Context, userID string) ([]Enrolment, error)
	EnrolmentsBySession(ctx context.Context, sessionID string) ([]Enrolment, error)
	// Unenrol removes the enrolment and gives its seat back, atomically;
	// ErrNotFound when userID is not enrolled in the session.
	Unenrol(ctx context.Context, sessionID, userID string) error
}

// Enrolment is a participant's place in a session.
type Enrolment struct {
	SessionID  string
	UserID     string
	EnrolledAt time.Time
}

// Service holds the rules of accounts, sessions and enrolment, and checks who
// may do what. Web pages and the JSON API both call it.
type Service struct {
	Store            Store
	Now              func() time.Time
	HashPassword     func(password string) (string, error)
	TimeZone         string // for new sessions; DefaultTimeZone when empty
	SelfRegistration bool
	// CommonPassword reports passwords too common to accept; nil accepts all.
	CommonPassword func(password string) bool
	// Audit records role changes and session tools; nil records nothing.
	Audit Auditor
	// Roster, Feeds and Privacy keep enrolment imports and invitations,
	// calendar feeds, and personal data exports and deletions.
	Roster  RosterStore
	Feeds   FeedStore
	Privacy PrivacyStore
	// Copiers carry over, in this order, what the other domains keep per
	// session when a session is duplicated (exercises, evaluation, rules).
	Copiers []SessionCopier

	// deletions makes "is someone else a coordinator?" and the deletion
	// one step, so two coordinators deleting their accounts at once cannot
	// leave the platform without any (within this process: the embedded
	// database runs one; several instances share that rare race).
	deletions sync.Mutex
}

// Register creates a participant account for someone signing up.
func (s *Service) Register(ctx context.Context, n NewUser) (*User, error) {
	if !s.SelfRegistration {
		return nil, ErrRegistrationOff
	}
	n.Roles = []Role{RoleParticipant}
	return s.createUser(ctx, n)
}

// CreateUser lets a coordinator create an account with any roles.
func (s *Service) CreateUser(ctx context.Context, actor *User, n NewUser) (*User, error) {
	if !actor.IsCoordinator() {
		return nil, ErrForbidden
	}
	u, err := s.createUser(ctx, n)
	if err != nil {
		return nil, err
	}
	return u, RecordAudit(ctx, s.Audit, s.Now(), actor, AuditEntry{Action: AuditRoleChange, Target: u.ID, Detail: AuditDetail("audit.detail.account_created", map[string]string{"Roles": roleList(u.Roles)})})
}

// Bootstrap creates an account without an actor: for the command line, the
// administrator from the environment and the demo data.
func (s *Service) Bootstrap(ctx context.Context, n NewUser) (*User, error) {
	return s.createUser(ctx, n)
}

func (s *Service) createUser(ctx context.Context, n NewUser) (*User, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	if s.CommonPassword != nil && s.CommonPassword(n.Password) {
		return nil, Invalid("password", "course.user.password_common")
	}
	hash, err := s.HashPassword(n.Password)
	if err != nil {
		return nil, fmt.Errorf("course: hash password: %w", err)
	}
	u := &User{
		Email: n.Email, Name: n.Name, Roles: n.Roles, Locale: n.Locale,
		PasswordHash: hash, CreatedAt: s.Now().UTC(),
	}
	if err := s.Store.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

// SetLocale remembers a signed-in person's language.
func (s *Service) SetLocale(ctx context.Context, actor *User, locale string) error {
	if actor == nil {
		return ErrUnauthenticated
	}
	if locale != "fr" && locale != "en" {
		return Invalid("locale", "course.user.locale_invalid")
	}
	return s.Store.SetUserLocale(ctx, actor.ID, locale)
}

// CreateSession lays out a new session from its format and start date.
func (s *Service) CreateSession(ctx context.Context, actor *User, n NewSession) (*Session, error) {
	if !actor.IsCoordinator() {
		return nil, ErrForbidden
	}
	if n.TimeZone == "" {
		n.TimeZone = s.TimeZone
	}
	f, start, loc, err := n.Validate()
	if err != nil {
		return nil, err
	}
	if n.WorkloadHours == 0 {
		n.WorkloadHours = DefaultWorkloadHours
	}
	num, err := s.Store.NextSessionNumber(ctx, f)
	if err != nil {
		return nil, err
	}
	plan := PlanSchedule(f, start, loc)
	sess := &Session{
		Code: SessionCode(f, num), Format: f, Number: num,
		StartsOn: plan.StartsOn, EndsOn: plan.EndsOn, TimeZone: loc.String(),
		Capacity: n.Capacity, Parts: plan.Parts, Evaluation: plan.Evaluation,
		Animators: []string{}, Settings: DefaultSettings(), WorkloadHours: n.WorkloadHours,
		CreatedAt: s.Now().UTC(), CreatedBy: actor.ID,
	}
	if err := s.Store.CreateSession(ctx, sess); err != nil {
		return nil, err
	}
	e := AuditEntry{Action: AuditSessionCreate, SessionID: sess.ID, Target: sess.Code, Detail: AuditDetail("audit.detail.session_create",
		map[string]string{"Starts": sess.StartsOn, "Ends": sess.EndsOn, "Zone": sess.TimeZone})}
	return sess, RecordAudit(ctx, s.Audit, s.Now(), actor, e)
}

// SessionList is the list of sessions people browse: every session not
// closed, and one page of the closed ones.
type SessionList struct {
	Open        []*Session
	Closed      []*Session
	ClosedTotal int
	// Enrolled holds the IDs of the sessions the person is enrolled in.
	Enrolled map[string]bool
}

// ClosedPageSize is how many closed sessions a page of the list shows.
const ClosedPageSize = 20

// SessionIndex returns the open sessions and page (from 1) of the closed ones
// to a signed-in person; past the last page it returns the last.
func (s *Service) SessionIndex(ctx context.Context, actor *User, page int) (*SessionList, int, error) {
	if actor == nil {
		return nil, 0, ErrUnauthenticated
	}
	open, err := s.Store.OpenSessions(ctx)
	if err != nil {
		return nil, 0, err
	}
	total, err := s.Store.CountClosedSessions(ctx)
	if err != nil {
		return nil, 0, err
	}
	page = min(max(page, 1), max((total+ClosedPageSize-1)/ClosedPageSize, 1))
	closed, err := s.Store.ClosedSessions(ctx, (page-1)*ClosedPageSize, ClosedPageSize)
	if err != nil {
		return nil, 0, err
	}
	enrols, err := s.Store.EnrolmentsByUser(ctx, actor.ID)
	if err != nil {
		return nil, 0, err
	}
	mine := make(map[string]bool, len(enrols))
	for _, e := range enrols {
		mine[e.SessionID] = true
	}
	return &SessionList{Open: open, Closed: closed, ClosedTotal: total, Enrolled: mine}, page, nil
}

// Session returns one session to a signed-in person.
func (s *Service) Session(ctx context.Context, actor *User, id string) (*Session, error) {
	if actor == nil {
		return nil, ErrUnauthenticated
	}
	return s.Store.SessionByID(ctx, id)
}

// IsEnrolled reports whether the actor is enrolled in the session.
func (s *Service) IsEnrolled(ctx context.Context, actor *User, sessionID string) (bool, error) {
	if actor == nil {
		return false, ErrUnauthenticated
	}
	return s.Store.IsEnrolled(ctx, sessionID, actor.ID)
}

// Animators returns the accounts of the session's animators, to those who
// may run it.
func (s *Service) Animators(ctx context.Context, actor *User, sess *Session) ([]*User, error) {
	if actor == nil {
		return nil, ErrUnauthenticated
	}
	if !CanManage(actor, sess) {
		return nil, ErrForbidden
	}
	return s.Store.UsersByIDs(ctx, sess.Animators)
}

// EnrolByEmail enrols the account with that address: a coordinator's
// action; a validation error on "email" when there is no such account.
func (s *Service) EnrolByEmail(ctx context.Context, actor *User, sessionID, email string) error {
	if actor == nil {
		return ErrUnauthenticated
	}
	if !actor.IsCoordinator() {
		return ErrForbidden
	}
	other, err := s.Store.UserByEmail(ctx, NormalizeEmail(email))
	if errors.Is(err, ErrNotFound) {
		return Invalid("email", "course.enrol.user_unknown")
	}
	if err != nil {
		return err
	}
	return s.Enrol(ctx, actor, sessionID, other.ID)
}

// Sessions lists every session to a signed-in person.
func (s *Service) Sessions(ctx context.Context, actor *User) ([]*Session, error) {
	if actor == nil {
		return nil, ErrUnauthenticated
	}
	return s.Store.ListSessions(ctx)
}

// CanManage reports whether actor may run session sess (a coordinator, or one
// of its animators).
func CanManage(actor *User, sess *Session) bool {
	return actor.IsCoordinator() || (actor != nil && sess.HasAnimator(actor.ID))
}

// Enrol enrols userID in a session: participants enrol themselves (userID empty
// or their own), coordinators enrol anyone.
func (s *Service) Enrol(ctx context.Context, actor *User, sessionID, userID string) error {
	if actor == nil {
		return ErrUnauthenticated
	}
	if userID == "" {
		userID = actor.ID
	}
	switch {
	case actor.IsCoordinator():
		if _, err := s.Store.UserByID(ctx, userID); err != nil {
			if errors.Is(err, ErrNotFound) {
				return Invalid("user_id", "course.enrol.user_unknown")
			}
			return err
		}
	case userID != actor.ID || !actor.Has(RoleParticipant):
		return ErrForbidden
	}
	sess, err := s.Store.SessionByID(ctx, sessionID)
	if err != nil {
		return err
	}
	if !sess.EnrolmentOpen(s.Now()) {
		return ErrSessionClosed
	}
	if err := s.Store.Enrol(ctx, Enrolment{SessionID: sess.ID, UserID: userID, EnrolledAt: s.Now().UTC()}); err != nil {
		return err
	}
	if userID == actor.ID { // people enrolling themselves are not in the log
		return nil
	}
	return RecordAudit(ctx, s.Audit, s.Now(), actor, AuditEntry{Action: AuditEnrol, SessionID: sess.ID, Target: userID})
}

// AddAnimator makes userID an animator of the session (and gives them the
// animator role), whatever roles they held before.
func (s *Service) AddAnimator(ctx context.Context, actor *User, sessionID, userID string) error {
	if !actor.IsCoordinator() {
		return ErrForbidden
	}
	sess, err := s.Store.SessionByID(ctx, sessionID)
	if err != nil {
		return err
	}
	if _, err := s.Store.UserByID(ctx, userID); err != nil {
		if errors.Is(err, ErrNotFound) {
			return Invalid("user_id", "course.enrol.user_unknown")
		}
		return err
	}
	if err := s.Store.AddAnimator(ctx, sessionID, userID); err != nil {
		return err
	}
	if err := s.Store.AddUserRole(ctx, userID, RoleAnimator); err != nil {
		return err
	}
	return RecordAudit(ctx, s.Audit, s.Now(), actor, AuditEntry{Action: AuditRoleChange, SessionID: sessionID, Target: userID, Detail: AuditDetail("audit.detail.animator_of", map[string]string{"Session": sess.Code})})
}

// SetCapacity changes how many people may enrol (0: no limit).
func (s *Service) SetCapacity(ctx context.Context, actor *User, sessionID string, capacity int) (*Session, error) {
	if !actor.IsCoordinator() {
		return nil, ErrForbidden
	}
	if err := ValidateCapacity(capacity); err != nil {
		return nil, err
	}
	if err := s.Store.SetCapacity(ctx, sessionID, capacity); err != nil {
		if errors.Is(err, ErrCapacityTooSmall) {
			return nil, Invalid("capacity", "course.session.capacity_below_enrolled")
		}
		return nil, err
	}
	sess, err := s.Store.SessionByID(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	detail := AuditDetail("audit.detail.capacity_none", nil)
	if capacity > 0 {
		detail = AuditDetail("audit.detail.capacity", map[string]string{"Capacity": strconv.Itoa(capacity)})
	}
	return sess, RecordAudit(ctx, s.Audit, s.Now(), actor, AuditEntry{Action: AuditSessionEdit, SessionID: sess.ID, Target: sess.Code, Detail: detail})
}

// SetWorkload changes the course's workload in hours stated on the
// session's certificates: coordinators only. Certificates already issued
// keep the workload they were issued with.
func (s *Service) SetWorkload(ctx context.Context, actor *User, sessionID string, hours int) (*Session, error) {
	if !actor.IsCoordinator() {
		return nil, ErrForbidden
	}
	if err := ValidateWorkload(hours); err != nil {
		return nil, err
	}
	if err := s.Store.SetWorkload(ctx, sessionID, hours); err != nil {
		return nil, err
	}
	sess, err := s.Store.SessionByID(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	e := AuditEntry{Action: AuditSessionEdit, SessionID: sess.ID, Target: sess.Code, Detail: AuditDetail("audit.detail.workload", map[string]string{"Hours": strconv.Itoa(hours)})}
	return sess, RecordAudit(ctx, s.Audit, s.Now(), actor, e)
}

// UpdatePart renames or moves a part: coordinators and the session's animators.
func (s *Service) UpdatePart(ctx context.Context, actor *User, sessionID string, n int, patch PartPatch) (Part, error) {
	if actor == nil {
		return Part{}, ErrUnauthenticated
	}
	sess, err := s.Store.SessionByID(ctx, sessionID)
	if err != nil {
		return Part{}, err
	}
	if !CanManage(actor, sess) {
		return Part{}, ErrForbidden
	}
	p, ok := sess.Part(n)
	if !ok {
		return Part{}, ErrNotFound
	}
	p, err = patch.Apply(p)
	if err != nil {
		return Part{}, err
	}
	if err := s.Store.UpdatePart(ctx, sessionID, p); err != nil {
		return Part{}, err
	}
	day := auditTimes(sess)
	e := AuditEntry{Action: AuditPartEdit, SessionID: sess.ID, Target: sess.Code, Detail: AuditDetail("audit.detail.part_edit", map[string]string{
		"Part": strconv.Itoa(n), "Opens": day(p.OpensAt), "SubmissionDue": day(p.SubmissionDue), "ReviewDue": day(p.ReviewDue)})}
	return p, RecordAudit(ctx, s.Audit, s.Now(), actor, e)
}

// auditTimes writes instants of sess for an audit detail: in its time zone,
// to the minute, with the zone's abbreviation.
func auditTimes(sess *Session) func(time.Time) string {
	loc, err := time.LoadLocation(sess.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	return func(t time.Time) string { return t.In(loc).Format("2006-01-02 15:04 MST") }
}

// UpdateEvaluation moves the final evaluation window: coordinators only.
func (s *Service) UpdateEvaluation(ctx context.Context, actor *User, sessionID string, patch WindowPatch) (Window, error) {
	if !actor.IsCoordinator() {
		return Window{}, ErrForbidden
	}
	sess, err := s.Store.SessionByID(ctx, sessionID)
	if err != nil {
		return Window{}, err
	}
	w, err := patch.Apply(sess.Evaluation)
	if err != nil {
		return Window{}, err
	}
	if err := s.Store.UpdateEvaluationWindow(ctx, sessionID, w); err != nil {
		return Window{}, err
	}
	day := auditTimes(sess)
	e := AuditEntry{Action: AuditEvaluationEdit, SessionID: sess.ID, Target: sess.Code, Detail: AuditDetail("audit.detail.evaluation_edit",
		map[string]string{"Opens": day(w.OpensAt), "Due": day(w.Due)})}
	return w, RecordAudit(ctx, s.Audit, s.Now(), actor, e)
}

// MySession is a session seen from one person's dashboard.
type MySession struct {
	Session   *Session
	Animating bool
	Enrolled  bool
	Next      []Deadline
}

// Dashboard lists the sessions actor takes part in (enrolled or animating),
// each with its next deadlines.
func (s *Service) Dashboard(ctx context.Context, actor *User) ([]MySession, error) {
	if actor == nil {
		return nil, ErrUnauthenticated
	}
	enrols, err := s.Store.EnrolmentsByUser(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	enrolled := make(map[string]bool, len(enrols))
	for _, e := range enrols {
		enrolled[e.SessionID] = true
	}
	mine, err := s.Store.SessionsOf(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	out := make([]MySession, 0, len(mine))
	for _, sess := range mine {
		anim := sess.HasAnimator(actor.ID)
		if !anim && !enrolled[sess.ID] {
			continue
		}
		out = append(out, MySession{Session: sess, Animating: anim, Enrolled: enrolled[sess.ID], Next: sess.NextDeadlines(now, 3)})
	}
	return out, nil
}

// Participant is an enrolled person, for staff.
type Participant struct {
	User       *User
	EnrolledAt time.Time
}

// Participants lists a session's participants to its staff, in two queries
// whatever their number.
func (s *Service) Participants(ctx context.Context, actor *User, sessionID string) ([]Participant, error) {
	if actor == nil {
		return nil, ErrUnauthenticated
	}
	sess, err := s.Store.SessionByID(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	if !CanManage(actor, sess) {
		return nil, ErrForbidden
	}
	enrols, err := s.Store.EnrolmentsBySession(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(enrols))
	for i, e := range enrols {
		ids[i] = e.UserID
	}
	users, err := s.Store.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*User, len(users))
	for _, u := range users {
		byID[u.ID] = u
	}
	out := make([]Participant, 0, len(enrols))
	for _, e := range enrols {
		if u := byID[e.UserID]; u != nil {
			out = append(out, Participant{User: u, EnrolledAt: e.EnrolledAt})
		}
	}
	return out, nil
}

// roleList writes roles for an audit detail: "participant, animator".
func roleList(roles []Role) string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}
