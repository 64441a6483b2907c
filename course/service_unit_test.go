package course_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"librecours/course"
)

// memStore is an in-memory course.Store (and the one RosterStore method
// Rename needs). fail makes the named method return errStore.
type memStore struct {
	course.RosterStore // only SetUserName is implemented; the rest panics

	users    map[string]*course.User
	sessions map[string]*course.Session
	enrols   []course.Enrolment
	numbers  map[course.Format]int
	audits   []course.AuditEntry
	closed   int // CountClosedSessions answers this
	offsets  [][2]int
	fail     map[string]error
}

var errStore = errors.New("store down")

func newMem(users ...*course.User) *memStore {
	m := &memStore{users: map[string]*course.User{}, sessions: map[string]*course.Session{},
		numbers: map[course.Format]int{}, fail: map[string]error{}}
	for _, u := range users {
		m.users[u.ID] = u
	}
	return m
}

func (m *memStore) err(name string) error { return m.fail[name] }

func (m *memStore) CreateUser(_ context.Context, u *course.User) error {
	if err := m.err("CreateUser"); err != nil {
		return err
	}
	for _, o := range m.users {
		if o.Email == u.Email {
			return course.ErrEmailTaken
		}
	}
	u.ID = fmt.Sprintf("u%d", len(m.users)+1)
	m.users[u.ID] = u
	return nil
}

func (m *memStore) UserByID(_ context.Context, id string) (*course.User, error) {
	if err := m.err("UserByID"); err != nil {
		return nil, err
	}
	if u, ok := m.users[id]; ok {
		return u, nil
	}
	return nil, course.ErrNotFound
}

func (m *memStore) UserByEmail(_ context.Context, email string) (*course.User, error) {
	for _, u := range m.users {
		if u.Email == email {
			return u, nil
		}
	}
	return nil, course.ErrNotFound
}

func (m *memStore) UsersByIDs(_ context.Context, ids []string) ([]*course.User, error) {
	if err := m.err("UsersByIDs"); err != nil {
		return nil, err
	}
	var out []*course.User
	for _, id := range ids {
		if u, ok := m.users[id]; ok {
			out = append(out, u)
		}
	}
	return out, nil
}

func (m *memStore) ListUsers(context.Context) ([]*course.User, error) {
	var out []*course.User
	for _, u := range m.users {
		out = append(out, u)
	}
	return out, nil
}

func (m *memStore) AddUserRole(_ context.Context, id string, r course.Role) error {
	if err := m.err("AddUserRole"); err != nil {
		return err
	}
	u, ok := m.users[id]
	if !ok {
		return course.ErrNotFound
	}
	if !u.Has(r) {
		u.Roles = append(u.Roles, r)
	}
	return nil
}

func (m *memStore) SetUserLocale(_ context.Context, id, locale string) error {
	u, ok := m.users[id]
	if !ok {
		return course.ErrNotFound
	}
	u.Locale = locale
	return nil
}

func (m *memStore) SetUserPassword(_ context.Context, id, hash string) error {
	if err := m.err("SetUserPassword"); err != nil {
		return err
	}
	u, ok := m.users[id]
	if !ok {
		return course.ErrNotFound
	}
	u.PasswordHash = hash
	return nil
}

func (m *memStore) SetUserEmail(_ context.Context, id, email string) error {
	for _, o := range m.users {
		if o.Email == email && o.ID != id {
			return course.ErrEmailTaken
		}
	}
	u, ok := m.users[id]
	if !ok {
		return course.ErrNotFound
	}
	u.Email = email
	return nil
}

func (m *memStore) SetUserName(_ context.Context, id, name string) error {
	u, ok := m.users[id]
	if !ok {
		return course.ErrNotFound
	}
	u.Name = name
	return nil
}

func (m *memStore) NextSessionNumber(_ context.Context, f course.Format) (int, error) {
	if err := m.err("NextSessionNumber"); err != nil {
		return 0, err
	}
	m.numbers[f]++
	return m.numbers[f], nil
}

func (m *memStore) CreateSession(_ context.Context, s *course.Session) error {
	if err := m.err("CreateSession"); err != nil {
		return err
	}
	s.ID = fmt.Sprintf("s%d", len(m.sessions)+1)
	m.sessions[s.ID] = s
	return nil
}

func (m *memStore) SessionByID(_ context.Context, id string) (*course.Session, error) {
	if err := m.err("SessionByID"); err != nil {
		return nil, err
	}
	if s, ok := m.sessions[id]; ok {
		return s, nil
	}
	return nil, course.ErrNotFound
}

func (m *memStore) sorted(keep func(*course.Session) bool) []*course.Session {
	var out []*course.Session
	for _, s := range m.sessions {
		if keep(s) {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b *course.Session) int { return strings.Compare(b.StartsOn, a.StartsOn) })
	return out
}

func (m *memStore) ListSessions(context.Context) ([]*course.Session, error) {
	if err := m.err("ListSessions"); err != nil {
		return nil, err
	}
	return m.sorted(func(*course.Session) bool { return true }), nil
}

func (m *memStore) SessionsOf(_ context.Context, userID string) ([]*course.Session, error) {
	if err := m.err("SessionsOf"); err != nil {
		return nil, err
	}
	return m.sorted(func(s *course.Session) bool {
		return s.HasAnimator(userID) || slices.ContainsFunc(m.enrols, func(e course.Enrolment) bool {
			return e.SessionID == s.ID && e.UserID == userID
		})
	}), nil
}

func (m *memStore) OpenSessions(context.Context) ([]*course.Session, error) {
	if err := m.err("OpenSessions"); err != nil {
		return nil, err
	}
	return m.sorted(func(s *course.Session) bool { return s.ClosedAt == nil }), nil
}

func (m *memStore) ClosedSessions(_ context.Context, offset, limit int) ([]*course.Session, error) {
	if err := m.err("ClosedSessions"); err != nil {
		return nil, err
	}
	m.offsets = append(m.offsets, [2]int{offset, limit})
	return m.sorted(func(s *course.Session) bool { return s.ClosedAt != nil }), nil
}

func (m *memStore) CountClosedSessions(context.Context) (int, error) {
	if err := m.err("CountClosedSessions"); err != nil {
		return 0, err
	}
	return m.closed, nil
}

func (m *memStore) UpdatePart(_ context.Context, sessionID string, p course.Part) error {
	if err := m.err("UpdatePart"); err != nil {
		return err
	}
	s := m.sessions[sessionID]
	for i := range s.Parts {
		if s.Parts[i].Number == p.Number {
			s.Parts[i] = p
		}
	}
	return nil
}

func (m *memStore) UpdateEvaluationWindow(_ context.Context, sessionID string, w course.Window) error {
	if err := m.err("UpdateEvaluationWindow"); err != nil {
		return err
	}
	m.sessions[sessionID].Evaluation = w
	return nil
}

func (m *memStore) SetCapacity(_ context.Context, sessionID string, capacity int) error {
	s, ok := m.sessions[sessionID]
	if !ok {
		return course.ErrNotFound
	}
	if capacity > 0 && capacity < s.Enrolled {
		return course.ErrCapacityTooSmall
	}
	s.Capacity = capacity
	return nil
}

func (m *memStore) SetWorkload(_ context.Context, sessionID string, hours int) error {
	if err := m.err("SetWorkload"); err != nil {
		return err
	}
	s, ok := m.sessions[sessionID]
	if !ok {
		return course.ErrNotFound
	}
	s.WorkloadHours = hours
	return nil
}

func (m *memStore) AddAnimator(_ context.Context, sessionID, userID string) error {
	if err := m.err("AddAnimator"); err != nil {
		return err
	}
	s := m.sessions[sessionID]
	if !s.HasAnimator(userID) {
		s.Animators = append(s.Animators, userID)
	}
	return nil
}

func (m *memStore) RemoveAnimator(_ context.Context, sessionID, userID string) error {
	if err := m.err("RemoveAnimator"); err != nil {
		return err
	}
	s := m.sessions[sessionID]
	s.Animators = slices.DeleteFunc(s.Animators, func(id string) bool { return id == userID })
	return nil
}

func (m *memStore) DeleteSession(_ context.Context, sessionID string) error {
	delete(m.sessions, sessionID)
	return nil
}

func (m *memStore) SetClosed(_ context.Context, sessionID string, at *time.Time) error {
	m.sessions[sessionID].ClosedAt = at
	return nil
}

func (m *memStore) SetSchedule(_ context.Context, sessionID string, plan course.Schedule) error {
	if err := m.err("SetSchedule"); err != nil {
		return err
	}
	s := m.sessions[sessionID]
	s.StartsOn, s.EndsOn, s.Parts, s.Evaluation = plan.StartsOn, plan.EndsOn, plan.Parts, plan.Evaluation
	return nil
}

func (m *memStore) Enrol(_ context.Context, e course.Enrolment) error {
	if ok, _ := m.IsEnrolled(context.Background(), e.SessionID, e.UserID); ok {
		return course.ErrAlreadyEnrolled
	}
	s := m.sessions[e.SessionID]
	if s.Full() {
		return course.ErrSessionFull
	}
	s.Enrolled++
	m.enrols = append(m.enrols, e)
	return nil
}

func (m *memStore) IsEnrolled(_ context.Context, sessionID, userID string) (bool, error) {
	return slices.ContainsFunc(m.enrols, func(e course.Enrolment) bool {
		return e.SessionID == sessionID && e.UserID == userID
	}), nil
}

func (m *memStore) EnrolmentsByUser(_ context.Context, userID string) ([]course.Enrolment, error) {
	if err := m.err("EnrolmentsByUser"); err != nil {
		return nil, err
	}
	var out []course.Enrolment
	for _, e := range m.enrols {
		if e.UserID == userID {
			out = append(out, e)
		}
	}
	return out, nil
}

func (m *memStore) EnrolmentsBySession(_ context.Context, sessionID string) ([]course.Enrolment, error) {
	if err := m.err("EnrolmentsBySession"); err != nil {
		return nil, err
	}
	var out []course.Enrolment
	for _, e := range m.enrols {
		if e.SessionID == sessionID {
			out = append(out, e)
		}
	}
	return out, nil
}

func (m *memStore) Unenrol(_ context.Context, sessionID, userID string) error {
	n := len(m.enrols)
	m.enrols = slices.DeleteFunc(m.enrols, func(e course.Enrolment) bool { return e.SessionID == sessionID && e.UserID == userID })
	if len(m.enrols) == n {
		return course.ErrNotFound
	}
	m.sessions[sessionID].Enrolled--
	return nil
}

// Audit makes memStore the course.Auditor too.
func (m *memStore) Audit(_ context.Context, e course.AuditEntry) error {
	if err := m.err("Audit"); err != nil {
		return err
	}
	m.audits = append(m.audits, e)
	return nil
}

var _ course.Store = (*memStore)(nil)

// The people of these tests.
func coordinator() *course.User {
	return &course.User{ID: "c", Email: "coord@example.org", Name: "Claire Coord", Roles: []course.Role{course.RoleCoordinator}}
}

func participant(id string) *course.User {
	return &course.User{ID: id, Email: id + "@example.org", Name: "Person " + strings.ToUpper(id), Roles: []course.Role{course.RoleParticipant}}
}

func animator(id string) *course.User {
	return &course.User{ID: id, Email: id + "@example.org", Name: "Animator " + id, Roles: []course.Role{course.RoleAnimator}}
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func clock(s string) func() time.Time {
	t := at(s)
	return func() time.Time { return t }
}

// svcWith returns a service over st, its clock at now, hashing "p" as
// "hash:p", with "password123" on the common list.
func svcWith(st *memStore, now string) *course.Service {
	return &course.Service{Store: st, Roster: st, Audit: st, Now: clock(now), TimeZone: course.DefaultTimeZone,
		HashPassword:   func(p string) (string, error) { return "hash:" + p, nil },
		CommonPassword: func(p string) bool { return p == "password123" }}
}

// lcIII is LCIII-001 starting on Monday 2 March 2026 in Paris (UTC+1 all
// along: summer time starts on 29 March): part 1 opens 2026-03-01T23:00Z,
// the session ends on 22 March.
func lcIII(st *memStore) *course.Session {
	loc, _ := time.LoadLocation("Europe/Paris")
	plan := course.PlanSchedule(course.LCIII, time.Date(2026, 3, 2, 0, 0, 0, 0, loc), loc)
	s := &course.Session{ID: "s1", Code: "LCIII-001", Format: course.LCIII, Number: 1, StartsOn: plan.StartsOn, EndsOn: plan.EndsOn,
		TimeZone: "Europe/Paris", Parts: plan.Parts, Evaluation: plan.Evaluation, Animators: []string{"a1"}, Settings: course.DefaultSettings()}
	st.sessions[s.ID] = s
	return s
}

// wantValidation fails unless err is a *course.ValidationError on field with key.
func wantValidation(t *testing.T, err error, field, key string) {
	t.Helper()
	var ve *course.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want a validation error on %s (%s)", err, field, key)
	}
	if ve.Field != field || ve.Key != key {
		t.Fatalf("validation error on %s (%s), want %s (%s)", ve.Field, ve.Key, field, key)
	}
}

// check compares err with want: a sentinel by errors.Is, a
// *course.ValidationError by field and key, nil for success.
func check(t *testing.T, err, want error) {
	t.Helper()
	var ve *course.ValidationError
	if errors.As(want, &ve) {
		wantValidation(t, err, ve.Field, ve.Key)
		return
	}
	if want == nil && err != nil || want != nil && !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
}

func TestRegisterAndCreateUser(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	good := course.NewUser{Email: " New.Person@Example.org ", Name: "  Nina   Nouvelle ", Password: "correct horse battery"}
	for _, tc := range []struct {
		name      string
		selfReg   bool
		actor     *course.User // nil: Register
		in        course.NewUser
		fail      string
		want      error
		wantRoles []course.Role
	}{
		{name: "self-registration off", in: good, want: course.ErrRegistrationOff},
		{name: "self-registration gives the participant role only", selfReg: true,
			in:        course.NewUser{Email: good.Email, Name: good.Name, Password: good.Password, Roles: []course.Role{course.RoleCoordinator}},
			wantRoles: []course.Role{course.RoleParticipant}},
		{name: "common password", selfReg: true, in: course.NewUser{Email: good.Email, Name: good.Name, Password: "password123"},
			want: course.Invalid("password", course.PasswordCommon)},
		{name: "invalid address", selfReg: true, in: course.NewUser{Email: "nobody", Name: "N", Password: good.Password},
			want: course.Invalid("email", "course.user.email_invalid")},
		{name: "address taken", selfReg: true, in: course.NewUser{Email: "coord@example.org", Name: "X", Password: good.Password},
			want: course.ErrEmailTaken},
		{name: "participant may not create accounts", actor: participant("p1"), in: good, want: course.ErrForbidden},
		{name: "coordinator creates an animator", actor: coordinator(),
			in:        course.NewUser{Email: good.Email, Name: good.Name, Password: good.Password, Roles: []course.Role{course.RoleAnimator, course.RoleParticipant, course.RoleAnimator}},
			wantRoles: []course.Role{course.RoleAnimator, course.RoleParticipant}},
		{name: "store failure", actor: coordinator(), in: good, fail: "CreateUser", want: errStore},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := newMem(coordinator())
			if tc.fail != "" {
				st.fail[tc.fail] = errStore
			}
			svc := svcWith(st, "2026-02-01T09:00:00Z")
			svc.SelfRegistration = tc.selfReg
			var u *course.User
			var err error
			if tc.actor == nil {
				u, err = svc.Register(ctx, tc.in)
			} else {
				u, err = svc.CreateUser(ctx, tc.actor, tc.in)
			}
			check(t, err, tc.want)
			if tc.want != nil {
				if len(st.audits) != 0 {
					t.Errorf("audited %v after a failure", st.audits)
				}
				return
			}
			want := &course.User{ID: "u2", Email: "new.person@example.org", Name: "Nina Nouvelle", Roles: tc.wantRoles,
				PasswordHash: "hash:correct horse battery", CreatedAt: at("2026-02-01T09:00:00Z")}
			if diff := cmp.Diff(want, u); diff != "" {
				t.Errorf("user (-want +got):\n%s", diff)
			}
			if tc.actor != nil {
				wantAudit := []course.AuditEntry{{At: at("2026-02-01T09:00:00Z"), ActorID: "c", Action: course.AuditRoleChange, Target: "u2",
					Detail: course.AuditDetail("audit.detail.account_created", map[string]string{"Roles": "animator, participant"})}}
				if diff := cmp.Diff(wantAudit, st.audits); diff != "" {
					t.Errorf("audit (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestBootstrapHashFailure(t *testing.T) {
	t.Parallel()
	st := newMem()
	svc := svcWith(st, "2026-02-01T09:00:00Z")
	errHash := errors.New("no entropy")
	svc.HashPassword = func(string) (string, error) { return "", errHash }
	_, err := svc.Bootstrap(context.Background(), course.NewUser{Email: "admin@example.org", Name: "Admin", Password: "a long enough secret",
		Roles: []course.Role{course.RoleCoordinator}})
	if !errors.Is(err, errHash) {
		t.Fatalf("err = %v, want the hash error wrapped", err)
	}
	if len(st.users) != 0 {
		t.Errorf("stored %d users after a failed hash", len(st.users))
	}
	svc.HashPassword = func(p string) (string, error) { return "h", nil }
	u, err := svc.Bootstrap(context.Background(), course.NewUser{Email: "admin@example.org", Name: "Admin", Password: "a long enough secret",
		Roles: []course.Role{course.RoleCoordinator}})
	if err != nil || !u.IsCoordinator() || u.Locale != "" {
		t.Fatalf("Bootstrap = %+v, %v; want a coordinator", u, err)
	}
}

func TestSetLocale(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		actor  *course.User
		locale string
		want   error
	}{
		{"anonymous", nil, "fr", course.ErrUnauthenticated},
		{"unknown language", participant("p1"), "de", course.Invalid("locale", "course.user.locale_invalid")},
		{"english", participant("p1"), "en", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := newMem(participant("p1"))
			err := svcWith(st, "2026-02-01T09:00:00Z").SetLocale(context.Background(), tc.actor, tc.locale)
			check(t, err, tc.want)
			want := ""
			if tc.want == nil {
				want = tc.locale
			}
			if got := st.users["p1"].Locale; got != want {
				t.Errorf("locale %q, want %q", got, want)
			}
		})
	}
}

func TestCreateSession(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("LCIII in Paris", func(t *testing.T) {
		t.Parallel()
		st := newMem()
		st.numbers[course.LCIII] = 4
		svc := svcWith(st, "2026-01-10T08:00:00Z")
		s, err := svc.CreateSession(ctx, coordinator(), course.NewSession{Format: "lciii", StartsOn: "2026-03-02", Capacity: 30})
		if err != nil {
			t.Fatal(err)
		}
		// Day 0 is Monday 2 March (UTC+1): part 1 opens at 23:00Z the day
		// before, its submissions are due on day 1 at 23:59 local, its
		// reviews on day 3; part 2 opens on day 3. The evaluation opens on
		// day 14 and is due on day 20.
		if s.Code != "LCIII-005" || s.Number != 5 || s.EndsOn != "2026-03-22" || s.TimeZone != "Europe/Paris" || s.Capacity != 30 || s.CreatedBy != "c" {
			t.Errorf("session %s #%d ends %s in %s, capacity %d, by %s", s.Code, s.Number, s.EndsOn, s.TimeZone, s.Capacity, s.CreatedBy)
		}
		want := []course.Part{
			{Number: 1, Title: course.DefaultPartTitles[0], OpensAt: at("2026-03-01T23:00:00Z"), SubmissionDue: at("2026-03-03T22:59:00Z"), ReviewDue: at("2026-03-05T22:59:00Z")},
			{Number: 2, Title: course.DefaultPartTitles[1], OpensAt: at("2026-03-04T23:00:00Z"), SubmissionDue: at("2026-03-06T22:59:00Z"), ReviewDue: at("2026-03-08T22:59:00Z")},
		}
		if diff := cmp.Diff(want, s.Parts[:2]); diff != "" {
			t.Errorf("parts (-want +got):\n%s", diff)
		}
		if s.Evaluation != (course.Window{OpensAt: at("2026-03-15T23:00:00Z"), Due: at("2026-03-22T22:59:00Z")}) {
			t.Errorf("evaluation %+v", s.Evaluation)
		}
		if s.Settings != (course.Settings{ReviewsPerSubmission: 3, CommentMinLength: 20, AcceptLate: true}) {
			t.Errorf("settings %+v", s.Settings)
		}
		if st.sessions[s.ID] != s {
			t.Error("the session was not stored")
		}
	})
	t.Run("LCVI crosses summer time", func(t *testing.T) {
		t.Parallel()
		st := newMem()
		svc := svcWith(st, "2026-01-10T08:00:00Z")
		s, err := svc.CreateSession(ctx, coordinator(), course.NewSession{Format: "LCVI", StartsOn: "2026-03-02"})
		if err != nil {
			t.Fatal(err)
		}
		// Part 5 opens on day 28, Monday 30 March, after the change to UTC+2.
		if s.Code != "LCVI-001" || s.EndsOn != "2026-04-12" || !s.Parts[4].OpensAt.Equal(at("2026-03-29T22:00:00Z")) ||
			!s.Parts[3].OpensAt.Equal(at("2026-03-22T23:00:00Z")) || !s.Evaluation.Due.Equal(at("2026-04-12T21:59:00Z")) {
			t.Errorf("%s ends %s, part 4 opens %s, part 5 %s, evaluation due %s", s.Code, s.EndsOn, s.Parts[3].OpensAt, s.Parts[4].OpensAt, s.Evaluation.Due)
		}
	})
	for _, tc := range []struct {
		name  string
		actor *course.User
		in    course.NewSession
		fail  string
		want  error
	}{
		{"animator", animator("a1"), course.NewSession{Format: "LCIII", StartsOn: "2026-03-02"}, "", course.ErrForbidden},
		{"anonymous", nil, course.NewSession{Format: "LCIII", StartsOn: "2026-03-02"}, "", course.ErrForbidden},
		{"bad format", coordinator(), course.NewSession{Format: "LCIV", StartsOn: "2026-03-02"}, "", course.Invalid("format", "course.session.format_invalid")},
		{"bad date", coordinator(), course.NewSession{Format: "LCIII", StartsOn: "2026-02-30"}, "", course.Invalid("starts_on", "course.session.starts_on_invalid")},
		{"numbering fails", coordinator(), course.NewSession{Format: "LCIII", StartsOn: "2026-03-02"}, "NextSessionNumber", errStore},
		{"insert fails", coordinator(), course.NewSession{Format: "LCIII", StartsOn: "2026-03-02"}, "CreateSession", errStore},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := newMem()
			if tc.fail != "" {
				st.fail[tc.fail] = errStore
			}
			_, err := svcWith(st, "2026-01-10T08:00:00Z").CreateSession(ctx, tc.actor, tc.in)
			check(t, err, tc.want)
			if len(st.sessions) != 0 {
				t.Errorf("%d sessions stored", len(st.sessions))
			}
		})
	}
}

func TestSessionIndexPages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		closed     int
		page       int
		wantPage   int
		wantOffset int
	}{
		{"no closed session", 0, 3, 1, 0},
		{"first page", 45, 0, 1, 0},
		{"second page", 45, 2, 2, 20},
		{"past the end: the last page", 45, 9, 3, 40},
		{"exactly two pages", 40, 3, 2, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := newMem()
			st.closed = tc.closed
			s := lcIII(st)
			list, page, err := svcWith(st, "2026-03-10T10:00:00Z").SessionIndex(context.Background(), participant("p1"), tc.page)
			if err != nil {
				t.Fatal(err)
			}
			if page != tc.wantPage || list.ClosedTotal != tc.closed || len(list.Open) != 1 || list.Open[0] != s {
				t.Errorf("page %d of %d closed, open %v; want page %d", page, list.ClosedTotal, list.Open, tc.wantPage)
			}
			if want := [][2]int{{tc.wantOffset, course.ClosedPageSize}}; !slices.Equal(st.offsets, want) {
				t.Errorf("ClosedSessions(offset, limit) = %v, want %v", st.offsets, want)
			}
		})
	}
	t.Run("errors", func(t *testing.T) {
		t.Parallel()
		for _, m := range []string{"OpenSessions", "CountClosedSessions", "ClosedSessions"} {
			st := newMem()
			st.fail[m] = errStore
			if _, _, err := svcWith(st, "2026-03-10T10:00:00Z").SessionIndex(context.Background(), participant("p1"), 1); !errors.Is(err, errStore) {
				t.Errorf("%s failing: err = %v", m, err)
			}
		}
		if _, _, err := svcWith(newMem(), "2026-03-10T10:00:00Z").SessionIndex(context.Background(), nil, 1); !errors.Is(err, course.ErrUnauthenticated) {
			t.Errorf("anonymous: err = %v", err)
		}
	})
}

func TestSessionReads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := newMem()
	s := lcIII(st)
	svc := svcWith(st, "2026-03-10T10:00:00Z")
	if _, err := svc.Session(ctx, nil, "s1"); !errors.Is(err, course.ErrUnauthenticated) {
		t.Errorf("Session anonymous: %v", err)
	}
	if _, err := svc.Sessions(ctx, nil); !errors.Is(err, course.ErrUnauthenticated) {
		t.Errorf("Sessions anonymous: %v", err)
	}
	if got, err := svc.Session(ctx, participant("p1"), "s1"); err != nil || got != s {
		t.Errorf("Session = %v, %v", got, err)
	}
	if _, err := svc.Session(ctx, participant("p1"), "nope"); !errors.Is(err, course.ErrNotFound) {
		t.Errorf("Session unknown: %v", err)
	}
	if got, err := svc.Sessions(ctx, participant("p1")); err != nil || len(got) != 1 || got[0] != s {
		t.Errorf("Sessions = %v, %v", got, err)
	}
	if got, ok := s.Part(6); !ok || got.Number != 6 || got.Title != course.DefaultPartTitles[5] {
		t.Errorf("Part(6) = %+v, %v", got, ok)
	}
	if _, ok := s.Part(7); ok {
		t.Error("Part(7) found")
	}
}

func TestEnrol(t *testing.T) {
	t.Parallel()
	// LCIII-001: part 1 opens 2026-03-01T23:00Z, the last day is 22 March
	// (Paris), so enrolment closes at 2026-03-22T23:00Z.
	for _, tc := range []struct {
		name    string
		actor   *course.User
		userID  string
		now     string
		closed  bool
		full    bool
		already bool
		want    error
		wantWho string
	}{
		{name: "anonymous", now: "2026-02-20T10:00:00Z", want: course.ErrUnauthenticated},
		{name: "participant enrols themself before the start", actor: participant("p1"), now: "2026-02-20T10:00:00Z", wantWho: "p1"},
		{name: "participant, own ID, while running", actor: participant("p1"), userID: "p1", now: "2026-03-22T22:59:00Z", wantWho: "p1"},
		{name: "after the last day", actor: participant("p1"), now: "2026-03-22T23:00:00Z", want: course.ErrSessionClosed},
		{name: "closed by a coordinator", actor: participant("p1"), now: "2026-03-05T10:00:00Z", closed: true, want: course.ErrSessionClosed},
		{name: "participant enrols someone else", actor: participant("p1"), userID: "p2", now: "2026-02-20T10:00:00Z", want: course.ErrForbidden},
		{name: "animator without the participant role", actor: animator("a9"), now: "2026-02-20T10:00:00Z", want: course.ErrForbidden},
		{name: "coordinator enrols a participant", actor: coordinator(), userID: "p2", now: "2026-02-20T10:00:00Z", wantWho: "p2"},
		{name: "coordinator, unknown person", actor: coordinator(), userID: "ghost", now: "2026-02-20T10:00:00Z", want: course.Invalid("user_id", "course.enrol.user_unknown")},
		{name: "full", actor: participant("p1"), now: "2026-02-20T10:00:00Z", full: true, want: course.ErrSessionFull},
		{name: "twice", actor: participant("p1"), now: "2026-02-20T10:00:00Z", already: true, want: course.ErrAlreadyEnrolled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := newMem(participant("p1"), participant("p2"), coordinator())
			s := lcIII(st)
			if tc.closed {
				c := at("2026-03-04T00:00:00Z")
				s.ClosedAt = &c
			}
			if tc.full {
				s.Capacity, s.Enrolled = 2, 2
			}
			if tc.already {
				st.enrols = append(st.enrols, course.Enrolment{SessionID: "s1", UserID: "p1"})
			}
			before := len(st.enrols)
			err := svcWith(st, tc.now).Enrol(context.Background(), tc.actor, "s1", tc.userID)
			check(t, err, tc.want)
			if tc.want != nil {
				if len(st.enrols) != before {
					t.Errorf("enrolments %v after a refusal", st.enrols)
				}
				return
			}
			want := []course.Enrolment{{SessionID: "s1", UserID: tc.wantWho, EnrolledAt: at(tc.now)}}
			if diff := cmp.Diff(want, st.enrols); diff != "" {
				t.Errorf("enrolments (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("unknown session", func(t *testing.T) {
		t.Parallel()
		st := newMem(participant("p1"))
		if err := svcWith(st, "2026-02-20T10:00:00Z").Enrol(context.Background(), participant("p1"), "s9", ""); !errors.Is(err, course.ErrNotFound) {
			t.Errorf("err = %v", err)
		}
		st.fail["UserByID"] = errStore
		if err := svcWith(st, "2026-02-20T10:00:00Z").Enrol(context.Background(), coordinator(), "s9", "p1"); !errors.Is(err, errStore) {
			t.Errorf("coordinator, store failing: err = %v", err)
		}
	})
}

func TestAddAndRemoveAnimator(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("add gives the role and audits, remove keeps the role", func(t *testing.T) {
		t.Parallel()
		st := newMem(participant("p1"))
		lcIII(st)
		svc := svcWith(st, "2026-02-20T10:00:00Z")
		if err := svc.AddAnimator(ctx, coordinator(), "s1", "p1"); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(st.sessions["s1"].Animators, []string{"a1", "p1"}) {
			t.Errorf("animators %v", st.sessions["s1"].Animators)
		}
		if !slices.Equal(st.users["p1"].Roles, []course.Role{course.RoleParticipant, course.RoleAnimator}) {
			t.Errorf("roles %v", st.users["p1"].Roles)
		}
		if err := svc.RemoveAnimator(ctx, coordinator(), "s1", "p1"); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(st.sessions["s1"].Animators, []string{"a1"}) || !st.users["p1"].Has(course.RoleAnimator) {
			t.Errorf("after removal: animators %v, roles %v", st.sessions["s1"].Animators, st.users["p1"].Roles)
		}
		want := []course.AuditEntry{
			{At: at("2026-02-20T10:00:00Z"), ActorID: "c", Action: course.AuditRoleChange, SessionID: "s1", Target: "p1", Detail: course.AuditDetail("audit.detail.animator_of", map[string]string{"Session": "LCIII-001"})},
			{At: at("2026-02-20T10:00:00Z"), ActorID: "c", Action: course.AuditAnimatorRemove, SessionID: "s1", Target: "p1", Detail: course.AuditDetail("audit.detail.animator_of", map[string]string{"Session": "LCIII-001"})},
		}
		if diff := cmp.Diff(want, st.audits); diff != "" {
			t.Errorf("audit (-want +got):\n%s", diff)
		}
	})
	for _, tc := range []struct {
		name    string
		actor   *course.User
		session string
		user    string
		fail    string
		want    error
	}{
		{"animator may not add", animator("a1"), "s1", "p1", "", course.ErrForbidden},
		{"unknown session", coordinator(), "s9", "p1", "", course.ErrNotFound},
		{"unknown person", coordinator(), "s1", "ghost", "", course.Invalid("user_id", "course.enrol.user_unknown")},
		{"user lookup fails", coordinator(), "s1", "p1", "UserByID", errStore},
		{"store refuses", coordinator(), "s1", "p1", "AddAnimator", errStore},
		{"role not given", coordinator(), "s1", "p1", "AddUserRole", errStore},
		{"audit fails", coordinator(), "s1", "p1", "Audit", errStore},
	} {
		t.Run("add: "+tc.name, func(t *testing.T) {
			t.Parallel()
			st := newMem(participant("p1"))
			lcIII(st)
			if tc.fail != "" {
				st.fail[tc.fail] = errStore
			}
			check(t, svcWith(st, "2026-02-20T10:00:00Z").AddAnimator(ctx, tc.actor, tc.session, tc.user), tc.want)
		})
	}
	for _, tc := range []struct {
		name   string
		actor  *course.User
		user   string
		closed bool
		fail   string
		want   error
	}{
		{"animator may not remove", animator("a1"), "a1", false, "", course.ErrForbidden},
		{"closed session keeps its animators", coordinator(), "a1", true, "", course.ErrSessionClosed},
		{"not an animator", coordinator(), "p1", false, "", course.Invalid("user_id", "course.animator.not_animator")},
		{"store fails", coordinator(), "a1", false, "RemoveAnimator", errStore},
		{"session lookup fails", coordinator(), "a1", false, "SessionByID", errStore},
	} {
		t.Run("remove: "+tc.name, func(t *testing.T) {
			t.Parallel()
			st := newMem(participant("p1"))
			s := lcIII(st)
			if tc.closed {
				c := at("2026-03-25T00:00:00Z")
				s.ClosedAt = &c
			}
			if tc.fail != "" {
				st.fail[tc.fail] = errStore
			}
			check(t, svcWith(st, "2026-02-20T10:00:00Z").RemoveAnimator(ctx, tc.actor, "s1", tc.user), tc.want)
			if !slices.Equal(s.Animators, []string{"a1"}) {
				t.Errorf("animators %v", s.Animators)
			}
		})
	}
}

func TestSetCapacity(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		actor    *course.User
		capacity int
		want     error
		wantCap  int
	}{
		{"participant", participant("p1"), 10, course.ErrForbidden, 25},
		{"negative", coordinator(), -1, course.Invalid("capacity", "course.session.capacity_invalid"), 25},
		{"above the maximum", coordinator(), course.MaxCapacity + 1, course.Invalid("capacity", "course.session.capacity_invalid"), 25},
		{"below the enrolled count", coordinator(), 11, course.Invalid("capacity", "course.session.capacity_below_enrolled"), 25},
		{"exactly the enrolled count", coordinator(), 12, nil, 12},
		{"no limit", coordinator(), 0, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := newMem()
			s := lcIII(st)
			s.Capacity, s.Enrolled = 25, 12
			got, err := svcWith(st, "2026-02-20T10:00:00Z").SetCapacity(context.Background(), tc.actor, "s1", tc.capacity)
			check(t, err, tc.want)
			if tc.want == nil && got != s {
				t.Errorf("returned %v, want the stored session", got)
			}
			if s.Capacity != tc.wantCap {
				t.Errorf("capacity %d, want %d", s.Capacity, tc.wantCap)
			}
		})
	}
	if _, err := svcWith(newMem(), "2026-02-20T10:00:00Z").SetCapacity(context.Background(), coordinator(), "s9", 3); !errors.Is(err, course.ErrNotFound) {
		t.Errorf("unknown session: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestUpdatePart(t *testing.T) {
	t.Parallel()
	// Part 2 of LCIII-001 opens 2026-03-04T23:00Z, is due 2026-03-06T22:59Z,
	// reviews 2026-03-08T22:59Z.
	for _, tc := range []struct {
		name  string
		actor *course.User
		part  int
		patch course.PartPatch
		fail  string
		want  error
		after course.Part
	}{
		{name: "anonymous", part: 2, want: course.ErrUnauthenticated},
		{name: "participant", actor: participant("p1"), part: 2, want: course.ErrForbidden},
		{name: "animator of another session", actor: animator("a2"), part: 2, want: course.ErrForbidden},
		{name: "no part 7", actor: coordinator(), part: 7, want: course.ErrNotFound},
		{name: "blank title", actor: animator("a1"), part: 2, patch: course.PartPatch{Title: ptr("  ")}, want: course.Invalid("title", "course.part.title_required")},
		{name: "due before it opens", actor: coordinator(), part: 2, patch: course.PartPatch{SubmissionDue: ptr(at("2026-03-04T23:00:00Z"))},
			want: course.Invalid("submission_due", "course.part.submission_before_open")},
		{name: "store fails", actor: coordinator(), part: 2, patch: course.PartPatch{Title: ptr("T")}, fail: "UpdatePart", want: errStore},
		{name: "the session's animator renames and extends", actor: animator("a1"), part: 2,
			patch: course.PartPatch{Title: ptr("  Licences libres, suite "), ReviewDue: ptr(time.Date(2026, 3, 9, 23, 59, 0, 0, time.FixedZone("CET", 3600)))},
			after: course.Part{Number: 2, Title: "Licences libres, suite", OpensAt: at("2026-03-04T23:00:00Z"), SubmissionDue: at("2026-03-06T22:59:00Z"), ReviewDue: at("2026-03-09T22:59:00Z")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := newMem()
			s := lcIII(st)
			orig := s.Parts[1]
			if tc.fail != "" {
				st.fail[tc.fail] = errStore
			}
			got, err := svcWith(st, "2026-02-20T10:00:00Z").UpdatePart(context.Background(), tc.actor, "s1", tc.part, tc.patch)
			check(t, err, tc.want)
			want := orig
			if tc.want == nil {
				want = tc.after
				if diff := cmp.Diff(tc.after, got); diff != "" {
					t.Errorf("returned part (-want +got):\n%s", diff)
				}
			}
			if diff := cmp.Diff(want, s.Parts[1]); diff != "" {
				t.Errorf("stored part (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUpdateEvaluation(t *testing.T) {
	t.Parallel()
	// The evaluation of LCIII-001 opens 2026-03-15T23:00Z, due 2026-03-22T22:59Z.
	orig := course.Window{OpensAt: at("2026-03-15T23:00:00Z"), Due: at("2026-03-22T22:59:00Z")}
	for _, tc := range []struct {
		name    string
		actor   *course.User
		session string
		patch   course.WindowPatch
		fail    string
		want    error
		after   course.Window
	}{
		{name: "animator", actor: animator("a1"), session: "s1", want: course.ErrForbidden, after: orig},
		{name: "unknown session", actor: coordinator(), session: "s9", want: course.ErrNotFound, after: orig},
		{name: "due before it opens", actor: coordinator(), session: "s1", patch: course.WindowPatch{Due: ptr(at("2026-03-15T22:00:00Z"))},
			want: course.Invalid("due", "course.evaluation.due_before_open"), after: orig},
		{name: "store fails", actor: coordinator(), session: "s1", patch: course.WindowPatch{Due: ptr(at("2026-03-23T22:59:00Z"))}, fail: "UpdateEvaluationWindow", want: errStore, after: orig},
		{name: "opens a day earlier", actor: coordinator(), session: "s1", patch: course.WindowPatch{OpensAt: ptr(at("2026-03-14T23:00:00Z"))},
			after: course.Window{OpensAt: at("2026-03-14T23:00:00Z"), Due: orig.Due}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := newMem()
			s := lcIII(st)
			if tc.fail != "" {
				st.fail[tc.fail] = errStore
			}
			got, err := svcWith(st, "2026-02-20T10:00:00Z").UpdateEvaluation(context.Background(), tc.actor, tc.session, tc.patch)
			check(t, err, tc.want)
			if tc.want == nil && got != tc.after {
				t.Errorf("returned %+v, want %+v", got, tc.after)
			}
			if s.Evaluation != tc.after {
				t.Errorf("stored %+v, want %+v", s.Evaluation, tc.after)
			}
		})
	}
}

func TestDashboard(t *testing.T) {
	t.Parallel()
	st := newMem(participant("p1"))
	s1 := lcIII(st)
	s2 := &course.Session{ID: "s2", Code: "LCVI-001", StartsOn: "2026-01-05", EndsOn: "2026-02-15", TimeZone: "Europe/Paris", Animators: []string{"p1"}}
	s3 := &course.Session{ID: "s3", Code: "LCVI-002", StartsOn: "2026-05-04", EndsOn: "2026-06-14", TimeZone: "Europe/Paris"}
	st.sessions["s2"], st.sessions["s3"] = s2, s3
	st.enrols = append(st.enrols, course.Enrolment{SessionID: "s1", UserID: "p1"})
	// At 2026-03-04T12:00Z part 1's submissions are past; next come part 1's
	// reviews (03-05T22:59Z), part 2 opening (03-04T23:00Z) and its
	// submissions (03-06T22:59Z), soonest first.
	got, err := svcWith(st, "2026-03-04T12:00:00Z").Dashboard(context.Background(), participant("p1"))
	if err != nil {
		t.Fatal(err)
	}
	want := []course.MySession{
		{Session: s1, Enrolled: true, Next: []course.Deadline{
			{Part: 2, Kind: "opens", At: at("2026-03-04T23:00:00Z")},
			{Part: 1, Kind: "review", At: at("2026-03-05T22:59:00Z")},
			{Part: 2, Kind: "submission", At: at("2026-03-06T22:59:00Z")},
		}},
		{Session: s2, Animating: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("dashboard (-want +got):\n%s", diff)
	}
	if _, err := svcWith(st, "2026-03-04T12:00:00Z").Dashboard(context.Background(), nil); !errors.Is(err, course.ErrUnauthenticated) {
		t.Errorf("anonymous: %v", err)
	}
	for _, m := range []string{"EnrolmentsByUser", "SessionsOf"} {
		st := newMem()
		st.fail[m] = errStore
		if _, err := svcWith(st, "2026-03-04T12:00:00Z").Dashboard(context.Background(), participant("p1")); !errors.Is(err, errStore) {
			t.Errorf("%s failing: %v", m, err)
		}
	}
}

func TestParticipants(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		actor *course.User
		fail  string
		want  error
	}{
		{name: "anonymous", want: course.ErrUnauthenticated},
		{name: "participant", actor: participant("p1"), want: course.ErrForbidden},
		{name: "enrolments fail", actor: coordinator(), fail: "EnrolmentsBySession", want: errStore},
		{name: "users fail", actor: coordinator(), fail: "UsersByIDs", want: errStore},
		{name: "session fails", actor: coordinator(), fail: "SessionByID", want: errStore},
		{name: "coordinator", actor: coordinator()},
		{name: "the session's animator", actor: animator("a1")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := newMem(participant("p1"), participant("p2"))
			lcIII(st)
			// p3's account is gone: skipped, not a nil User.
			st.enrols = []course.Enrolment{{SessionID: "s1", UserID: "p2", EnrolledAt: at("2026-02-01T00:00:00Z")},
				{SessionID: "s1", UserID: "p3"}, {SessionID: "s1", UserID: "p1", EnrolledAt: at("2026-02-03T00:00:00Z")}}
			if tc.fail != "" {
				st.fail[tc.fail] = errStore
			}
			got, err := svcWith(st, "2026-03-04T12:00:00Z").Participants(context.Background(), tc.actor, "s1")
			check(t, err, tc.want)
			if tc.want != nil {
				return
			}
			want := []course.Participant{{User: st.users["p2"], EnrolledAt: at("2026-02-01T00:00:00Z")}, {User: st.users["p1"], EnrolledAt: at("2026-02-03T00:00:00Z")}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("participants (-want +got):\n%s", diff)
			}
		})
	}
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	// The current password of p1 is "old secret one"; check counts nothing.
	check2 := func(hash, pw string) (bool, error) {
		return hash == "hash:old secret one" && pw == "old secret one", nil
	}
	errCheck := errors.New("throttled")
	for _, tc := range []struct {
		name  string
		actor *course.User
		pc    course.PasswordChange
		check course.PasswordCheck
		fail  string
		want  error
	}{
		{name: "anonymous", want: course.ErrUnauthenticated},
		{name: "no current password", actor: participant("p1"), pc: course.PasswordChange{New: "x", Confirm: "x"}, want: course.Invalid("current_password", "account.password.current_required")},
		{name: "confirmation differs", actor: participant("p1"), pc: course.PasswordChange{Current: "old secret one", New: "new secret two", Confirm: "new secret 2"},
			want: course.Invalid("password_confirm", "app.register.password_mismatch")},
		{name: "wrong current password", actor: participant("p1"), pc: course.PasswordChange{Current: "guess", New: "new secret two", Confirm: "new secret two"},
			want: course.Invalid("current_password", "account.password.current_wrong")},
		{name: "check fails", actor: participant("p1"), pc: course.PasswordChange{Current: "old secret one", New: "new secret two", Confirm: "new secret two"},
			check: func(string, string) (bool, error) { return false, errCheck }, want: errCheck},
		{name: "too short", actor: participant("p1"), pc: course.PasswordChange{Current: "old secret one", New: "short", Confirm: "short"},
			want: course.Invalid("password", "course.user.password_too_short")},
		{name: "common", actor: participant("p1"), pc: course.PasswordChange{Current: "old secret one", New: "password123", Confirm: "password123"},
			want: course.Invalid("password", course.PasswordCommon)},
		{name: "holds the address", actor: participant("p1"), pc: course.PasswordChange{Current: "old secret one", New: "my p1 secret", Confirm: "my p1 secret"},
			want: nil}, // "p1" is shorter than the three letters looked for
		{name: "holds the name", actor: participant("p1"), pc: course.PasswordChange{Current: "old secret one", New: "Person forever", Confirm: "Person forever"},
			want: course.Invalid("password", course.PasswordPersonal)},
		{name: "store fails", actor: participant("p1"), pc: course.PasswordChange{Current: "old secret one", New: "new secret two", Confirm: "new secret two"},
			fail: "SetUserPassword", want: errStore},
		{name: "changed", actor: participant("p1"), pc: course.PasswordChange{Current: "old secret one", New: "new secret two", Confirm: "new secret two"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u := participant("p1")
			u.PasswordHash = "hash:old secret one"
			st := newMem(u)
			if tc.fail != "" {
				st.fail[tc.fail] = errStore
			}
			c := tc.check
			if c == nil {
				c = check2
			}
			err := svcWith(st, "2026-03-04T12:00:00Z").ChangePassword(context.Background(), tc.actor, tc.pc, c)
			check(t, err, tc.want)
			want := "hash:old secret one"
			if tc.want == nil {
				want = "hash:" + tc.pc.New
				if tc.actor.PasswordHash != want {
					t.Errorf("actor's hash %q, want %q", tc.actor.PasswordHash, want)
				}
			}
			if got := st.users["p1"].PasswordHash; got != want {
				t.Errorf("stored hash %q, want %q", got, want)
			}
		})
	}
}

func TestNewPasswordHash(t *testing.T) {
	t.Parallel()
	svc := svcWith(newMem(), "2026-03-04T12:00:00Z")
	if _, err := svc.NewPasswordHash(nil, "whatever long"); !errors.Is(err, course.ErrUnauthenticated) {
		t.Errorf("nil user: %v", err)
	}
	_, err := svc.NewPasswordHash(participant("p1"), "librecours2026")
	wantValidation(t, err, "password", course.PasswordPlatform)
	errHash := errors.New("hash failed")
	svc.HashPassword = func(string) (string, error) { return "", errHash }
	if _, err := svc.NewPasswordHash(participant("p1"), "a fine passphrase"); !errors.Is(err, errHash) {
		t.Errorf("hash failure: %v", err)
	}
}

func TestCheckNameAndRename(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want string
		err  error
	}{
		{"  Zoé   Durand ", "Zoé Durand", nil},
		{"   ", "", course.Invalid("name", "course.user.name_required")},
		{strings.Repeat("é", course.MaxNameRunes), strings.Repeat("é", course.MaxNameRunes), nil},
		{strings.Repeat("é", course.MaxNameRunes+1), "", course.Invalid("name", "course.user.name_too_long")},
	} {
		got, err := course.CheckName(tc.in)
		check(t, err, tc.err)
		if got != tc.want {
			t.Errorf("CheckName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	ctx := context.Background()
	st := newMem(participant("p1"))
	svc := svcWith(st, "2026-03-04T12:00:00Z")
	actor := participant("p1")
	if err := svc.Rename(ctx, nil, "X"); !errors.Is(err, course.ErrUnauthenticated) {
		t.Errorf("anonymous: %v", err)
	}
	check(t, svc.Rename(ctx, actor, " "), course.Invalid("name", "course.user.name_required"))
	if err := svc.Rename(ctx, actor, "  Paul   Pair "); err != nil {
		t.Fatal(err)
	}
	if actor.Name != "Paul Pair" || st.users["p1"].Name != "Paul Pair" {
		t.Errorf("names %q and %q, want Paul Pair", actor.Name, st.users["p1"].Name)
	}
	svc.Roster = nil
	if err := svc.Rename(ctx, actor, "Other"); err == nil || actor.Name != "Paul Pair" {
		t.Errorf("no roster store: err %v, name %q", err, actor.Name)
	}
}

func TestEmailChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := newMem(participant("p1"), participant("p2"))
	svc := svcWith(st, "2026-03-04T12:00:00Z")
	for _, tc := range []struct {
		name  string
		actor *course.User
		in    string
		want  string
		err   error
	}{
		{"anonymous", nil, "x@example.org", "", course.ErrUnauthenticated},
		{"normalised", participant("p1"), "  New.Mail@Example.ORG ", "new.mail@example.org", nil},
		{"invalid", participant("p1"), "new@", "", course.Invalid("email", "course.user.email_invalid")},
		{"empty", participant("p1"), " ", "", course.Invalid("email", "course.user.email_required")},
		{"the same", participant("p1"), "P1@example.org", "", course.Invalid("email", "account.email.same")},
		{"someone else's is not told", participant("p1"), "p2@example.org", "p2@example.org", nil},
	} {
		got, err := svc.NewEmail(tc.actor, tc.in)
		check(t, err, tc.err)
		if got != tc.want {
			t.Errorf("%s: NewEmail = %q, want %q", tc.name, got, tc.want)
		}
	}
	if _, err := svc.ConfirmEmail(ctx, "p1", "p2@example.org"); !errors.Is(err, course.ErrEmailTaken) {
		t.Errorf("taken: %v", err)
	}
	if _, err := svc.ConfirmEmail(ctx, "p1", "bad"); err == nil {
		t.Error("invalid address confirmed")
	}
	u, err := svc.ConfirmEmail(ctx, "p1", "Paul@Example.org")
	if err != nil || u.Email != "paul@example.org" {
		t.Errorf("ConfirmEmail = %v, %v", u, err)
	}
}

func TestSendResetAllowedAndParseRole(t *testing.T) {
	t.Parallel()
	check(t, course.SendResetAllowed(nil), course.ErrUnauthenticated)
	check(t, course.SendResetAllowed(animator("a1")), course.ErrForbidden)
	check(t, course.SendResetAllowed(coordinator()), nil)
	for in, want := range map[string]course.Role{" Coordinator ": course.RoleCoordinator, "ANIMATOR": course.RoleAnimator, "participant": course.RoleParticipant} {
		if got, ok := course.ParseRole(in); !ok || got != want {
			t.Errorf("ParseRole(%q) = %q, %v", in, got, ok)
		}
	}
	if _, ok := course.ParseRole("admin"); ok {
		t.Error("admin parsed as a role")
	}
}

func TestShiftDeadlines(t *testing.T) {
	t.Parallel()
	t.Run("a week and two hours later", func(t *testing.T) {
		t.Parallel()
		st := newMem()
		s := lcIII(st)
		got, err := svcWith(st, "2026-02-20T10:00:00Z").ShiftDeadlines(context.Background(), coordinator(), "s1", 7, 2)
		if err != nil {
			t.Fatal(err)
		}
		// Part 1 opened at midnight on 2 March (23:00Z the day before): now
		// 02:00 on 9 March, 01:00Z. Its submissions: 23:59 on 3 March, now
		// 01:59 on 11 March (00:59Z). The evaluation is due on 29 March at
		// 23:59 + 2 h = 01:59 on 30 March, summer time: 23:59Z on the 29th.
		if got != s || s.StartsOn != "2026-03-09" || s.EndsOn != "2026-03-29" {
			t.Errorf("dates %s..%s", s.StartsOn, s.EndsOn)
		}
		if !s.Parts[0].OpensAt.Equal(at("2026-03-09T01:00:00Z")) || !s.Parts[0].SubmissionDue.Equal(at("2026-03-11T00:59:00Z")) ||
			!s.Evaluation.Due.Equal(at("2026-03-29T23:59:00Z")) {
			t.Errorf("part 1 %s / %s, evaluation due %s", s.Parts[0].OpensAt, s.Parts[0].SubmissionDue, s.Evaluation.Due)
		}
		want := []course.AuditEntry{{At: at("2026-02-20T10:00:00Z"), ActorID: "c", Action: course.AuditShift, SessionID: "s1", Target: "LCIII-001", Detail: course.AuditDetail("audit.detail.shift", map[string]string{"Days": "+7", "Hours": "+2"})}}
		if diff := cmp.Diff(want, st.audits); diff != "" {
			t.Errorf("audit (-want +got):\n%s", diff)
		}
	})
	for _, tc := range []struct {
		name        string
		actor       *course.User
		session     string
		days, hours int
		closed      bool
		fail        string
		want        error
	}{
		{"animator", animator("a1"), "s1", 1, 0, false, "", course.ErrForbidden},
		{"unknown session", coordinator(), "s9", 1, 0, false, "", course.ErrNotFound},
		{"nothing", coordinator(), "s1", 0, 0, false, "", course.Invalid("days", "course.shift.nothing")},
		{"too many days", coordinator(), "s1", -367, 0, false, "", course.Invalid("days", "course.shift.days_range")},
		{"too many hours", coordinator(), "s1", 0, 24, false, "", course.Invalid("hours", "course.shift.hours_range")},
		{"closed", coordinator(), "s1", -1, -3, true, "", course.ErrSessionClosed},
		{"store fails", coordinator(), "s1", 1, 0, false, "SetSchedule", errStore},
		{"audit fails", coordinator(), "s1", 1, 0, false, "Audit", errStore},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := newMem()
			s := lcIII(st)
			if tc.closed {
				c := at("2026-03-25T00:00:00Z")
				s.ClosedAt = &c
			}
			if tc.fail != "" {
				st.fail[tc.fail] = errStore
			}
			_, err := svcWith(st, "2026-02-20T10:00:00Z").ShiftDeadlines(context.Background(), tc.actor, tc.session, tc.days, tc.hours)
			check(t, err, tc.want)
			if tc.fail != "Audit" && s.StartsOn != "2026-03-02" {
				t.Errorf("schedule moved to %s", s.StartsOn)
			}
		})
	}
	var ve *course.ValidationError
	if err := course.CheckShift(400, 0); !errors.As(err, &ve) || ve.Args["Max"] != course.MaxShiftDays {
		t.Errorf("CheckShift(400, 0) = %v, want Args Max %d", err, course.MaxShiftDays)
	}
}

func TestDuplicateSession(t *testing.T) {
	t.Parallel()
	loc, _ := time.LoadLocation("Europe/Paris")
	newSrc := func(st *memStore) *course.Session {
		plan := course.PlanSchedule(course.LCVI, time.Date(2026, 3, 2, 0, 0, 0, 0, loc), loc)
		plan.Parts[2].Title = "Creative Commons, en détail"
		s := &course.Session{ID: "src", Code: "LCVI-001", Format: course.LCVI, Number: 1, StartsOn: plan.StartsOn, EndsOn: plan.EndsOn,
			TimeZone: "Europe/Paris", Capacity: 40, Enrolled: 33, Parts: plan.Parts, Evaluation: plan.Evaluation, Animators: []string{"a1"},
			Settings: course.Settings{ReviewsPerSubmission: 4, CommentMinLength: 50}}
		st.sessions["src"] = s
		st.numbers[course.LCVI] = 1
		return s
	}
	t.Run("six months later", func(t *testing.T) {
		t.Parallel()
		st := newMem()
		newSrc(st)
		got, err := svcWith(st, "2026-06-01T08:00:00Z").DuplicateSession(context.Background(), coordinator(), "src", " 2026-09-07 ")
		if err != nil {
			t.Fatal(err)
		}
		// 2 March to 7 September is 189 days. Part 1 opens at midnight on 7
		// September, summer time (22:00Z the day before); part 6 on day 35,
		// 12 October; the last day is day 41, 18 October, before winter
		// time (25 October): the evaluation is due at 21:59Z.
		if got.Code != "LCVI-002" || got.Number != 2 || got.StartsOn != "2026-09-07" || got.EndsOn != "2026-10-18" ||
			got.Capacity != 40 || got.Enrolled != 0 || len(got.Animators) != 0 || got.Settings.CommentMinLength != 50 || got.CreatedBy != "c" {
			t.Errorf("copy %+v", got)
		}
		if !got.Parts[0].OpensAt.Equal(at("2026-09-06T22:00:00Z")) || !got.Parts[5].OpensAt.Equal(at("2026-10-11T22:00:00Z")) ||
			!got.Evaluation.Due.Equal(at("2026-10-18T21:59:00Z")) || got.Parts[2].Title != "Creative Commons, en détail" {
			t.Errorf("part 1 opens %s, part 6 %s, evaluation due %s, part 3 %q", got.Parts[0].OpensAt, got.Parts[5].OpensAt, got.Evaluation.Due, got.Parts[2].Title)
		}
		want := []course.AuditEntry{{At: at("2026-06-01T08:00:00Z"), ActorID: "c", Action: course.AuditSessionCopy, SessionID: got.ID, Target: "LCVI-002", Detail: course.AuditDetail("audit.detail.duplicate", map[string]string{"From": "LCVI-001", "Starts": "2026-09-07"})}}
		if diff := cmp.Diff(want, st.audits); diff != "" {
			t.Errorf("audit (-want +got):\n%s", diff)
		}
	})
	for _, tc := range []struct {
		name   string
		actor  *course.User
		source string
		start  string
		badSrc bool
		fail   string
		want   error
	}{
		{name: "animator", actor: animator("a1"), source: "src", start: "2026-09-07", want: course.ErrForbidden},
		{name: "unknown source", actor: coordinator(), source: "nope", start: "2026-09-07", want: course.ErrNotFound},
		{name: "bad date", actor: coordinator(), source: "src", start: "07/09/2026", want: course.Invalid("starts_on", "course.session.starts_on_invalid")},
		{name: "numbering fails", actor: coordinator(), source: "src", start: "2026-09-07", fail: "NextSessionNumber", want: errStore},
		{name: "insert fails", actor: coordinator(), source: "src", start: "2026-09-07", fail: "CreateSession", want: errStore},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := newMem()
			newSrc(st)
			if tc.fail != "" {
				st.fail[tc.fail] = errStore
			}
			_, err := svcWith(st, "2026-06-01T08:00:00Z").DuplicateSession(context.Background(), tc.actor, tc.source, tc.start)
			check(t, err, tc.want)
			if len(st.sessions) != 1 {
				t.Errorf("%d sessions", len(st.sessions))
			}
		})
	}
	t.Run("source with a broken date", func(t *testing.T) {
		t.Parallel()
		st := newMem()
		newSrc(st).StartsOn = "someday"
		if _, err := svcWith(st, "2026-06-01T08:00:00Z").DuplicateSession(context.Background(), coordinator(), "src", "2026-09-07"); err == nil {
			t.Error("duplicated a session without a start date")
		}
	})
}

func TestStartsInPast(t *testing.T) {
	t.Parallel()
	// 2026-03-01T23:30Z is already 2 March, 00:30, in Paris.
	svc := svcWith(newMem(), "2026-03-01T23:30:00Z")
	for in, want := range map[string]bool{"2026-03-01": true, "2026-03-02": false, " 2026-02-28 ": true, "2026-03-03": false, "not a date": false} {
		if got := svc.StartsInPast(in); got != want {
			t.Errorf("StartsInPast(%q) = %v, want %v", in, got, want)
		}
	}
	svc.TimeZone = "UTC"
	if !svc.StartsInPast("2026-02-28") || svc.StartsInPast("2026-03-01") {
		t.Error("in UTC, 1 March is today")
	}
	svc.TimeZone = "Nowhere/Town"
	if svc.StartsInPast("2000-01-01") {
		t.Error("unknown time zone: past")
	}
}

func TestRecordAudit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if err := course.RecordAudit(ctx, nil, at("2026-01-01T00:00:00Z"), coordinator(), course.AuditEntry{Action: "x"}); err != nil {
		t.Errorf("nil auditor: %v", err)
	}
	st := newMem()
	paris := time.FixedZone("CET", 3600)
	if err := course.RecordAudit(ctx, st, time.Date(2026, 1, 1, 1, 0, 0, 0, paris), nil, course.AuditEntry{Action: "x", Reason: "why"}); err != nil {
		t.Fatal(err)
	}
	want := []course.AuditEntry{{At: at("2026-01-01T00:00:00Z"), Action: "x", Reason: "why"}}
	if diff := cmp.Diff(want, st.audits); diff != "" || st.audits[0].At.Location() != time.UTC {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
}

func TestErrorTexts(t *testing.T) {
	t.Parallel()
	if got := course.Invalid("email", "course.user.email_invalid").Error(); got != "invalid email (course.user.email_invalid)" {
		t.Errorf("Error() = %q", got)
	}
	s := &course.Session{TimeZone: "Not/AZone"}
	if s.Location() != time.UTC {
		t.Errorf("unknown zone: %v", s.Location())
	}
}
