package certificates_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"librecours/certificates"
	"librecours/course"
	"librecours/grading"
)

var errStore = errors.New("store down")

// memCerts is an in-memory certificates.Store and AnimatorStore; fail makes
// the named method return errStore.
type memCerts struct {
	rules     map[string]certificates.Rules
	declined  map[string]map[string]bool
	overrides map[string]map[string]certificates.Override
	certs     []certificates.Certificate // insertion order
	commits   []certificates.Commitment
	keys      []certificates.StoredKey
	audits    []course.AuditEntry
	searched  []certificates.AuditFilter
	avail     []certificates.Availability
	taken     int // InsertCertificate answers ErrStatusIndexTaken this many times
	fail      map[string]error
}

func newCerts() *memCerts {
	return &memCerts{rules: map[string]certificates.Rules{}, declined: map[string]map[string]bool{},
		overrides: map[string]map[string]certificates.Override{}, fail: map[string]error{}}
}

func (m *memCerts) Rules(_ context.Context, sessionID string) (certificates.Rules, error) {
	if err := m.fail["Rules"]; err != nil {
		return certificates.Rules{}, err
	}
	if r, ok := m.rules[sessionID]; ok {
		return r, nil
	}
	return certificates.Rules{}, certificates.ErrNotFound
}

func (m *memCerts) PutRules(_ context.Context, sessionID string, r certificates.Rules) error {
	if err := m.fail["PutRules"]; err != nil {
		return err
	}
	m.rules[sessionID] = r
	return nil
}

func (m *memCerts) Declined(_ context.Context, sessionID string) (map[string]bool, error) {
	return m.declined[sessionID], m.fail["Declined"]
}

func (m *memCerts) SetDeclined(_ context.Context, sessionID, userID string, declined bool) error {
	if m.declined[sessionID] == nil {
		m.declined[sessionID] = map[string]bool{}
	}
	m.declined[sessionID][userID] = declined
	return nil
}

func (m *memCerts) Overrides(_ context.Context, sessionID string) (map[string]certificates.Override, error) {
	return m.overrides[sessionID], m.fail["Overrides"]
}

func (m *memCerts) PutOverride(_ context.Context, sessionID string, o certificates.Override) error {
	if err := m.fail["PutOverride"]; err != nil {
		return err
	}
	if m.overrides[sessionID] == nil {
		m.overrides[sessionID] = map[string]certificates.Override{}
	}
	m.overrides[sessionID][o.UserID] = o
	return nil
}

func (m *memCerts) DeleteOverride(_ context.Context, sessionID, userID string) error {
	delete(m.overrides[sessionID], userID)
	return nil
}

func (m *memCerts) InsertCertificate(_ context.Context, c certificates.Certificate) error {
	if err := m.fail["InsertCertificate"]; err != nil {
		return err
	}
	if m.taken > 0 {
		m.taken--
		return certificates.ErrStatusIndexTaken
	}
	m.certs = append(m.certs, c)
	return nil
}

func (m *memCerts) Certificate(_ context.Context, code string) (*certificates.Certificate, error) {
	for i := range m.certs {
		if m.certs[i].Code == code {
			c := m.certs[i]
			return &c, nil
		}
	}
	return nil, certificates.ErrNotFound
}

func (m *memCerts) CertificatesBySession(_ context.Context, sessionID string) ([]certificates.Certificate, error) {
	if err := m.fail["CertificatesBySession"]; err != nil {
		return nil, err
	}
	var out []certificates.Certificate
	for _, c := range m.certs {
		if c.SessionID == sessionID {
			out = append(out, c)
		}
	}
	return out, nil
}

func (m *memCerts) CertificatesByUser(_ context.Context, userID string) ([]certificates.Certificate, error) {
	var out []certificates.Certificate
	for _, c := range m.certs {
		if c.UserID == userID {
			out = append(out, c)
		}
	}
	return out, nil
}

func (m *memCerts) Revoke(_ context.Context, code, reason string, public bool, at time.Time) error {
	if err := m.fail["Revoke"]; err != nil {
		return err
	}
	for i := range m.certs {
		if m.certs[i].Code == code {
			if m.certs[i].RevokedAt != nil {
				return certificates.ErrRevoked
			}
			m.certs[i].RevokedAt, m.certs[i].RevokeReason, m.certs[i].RevokePublic = &at, reason, public
			return nil
		}
	}
	return certificates.ErrNotFound
}

func (m *memCerts) RevokedStatusIndices(context.Context) ([]int, error) {
	var out []int
	for _, c := range m.certs {
		if c.RevokedAt != nil && c.StatusIndex != 0 {
			out = append(out, c.StatusIndex)
		}
	}
	return out, m.fail["RevokedStatusIndices"]
}

func (m *memCerts) Commitments(context.Context) ([]certificates.Commitment, error) {
	return slices.Clone(m.commits), m.fail["Commitments"]
}

func (m *memCerts) CommitmentsOf(_ context.Context, userID string) ([]certificates.Commitment, error) {
	var out []certificates.Commitment
	for _, c := range m.commits {
		if c.UserID == userID {
			out = append(out, c)
		}
	}
	return out, m.fail["CommitmentsOf"]
}

func (m *memCerts) PutCommitment(_ context.Context, c certificates.Commitment) error {
	if err := m.fail["PutCommitment"]; err != nil {
		return err
	}
	for i := range m.commits {
		if m.commits[i].ID == c.ID {
			m.commits[i] = c
			return nil
		}
	}
	m.commits = append(m.commits, c)
	return nil
}

func (m *memCerts) SigningKeys(context.Context) ([]certificates.StoredKey, error) {
	return m.keys, m.fail["SigningKeys"]
}

func (m *memCerts) AddSigningKey(_ context.Context, k certificates.StoredKey) error {
	m.keys = append(m.keys, k)
	return nil
}

func (m *memCerts) Audit(_ context.Context, e course.AuditEntry) error {
	if err := m.fail["Audit"]; err != nil {
		return err
	}
	m.audits = append(m.audits, e)
	return nil
}

func (m *memCerts) AuditSearch(_ context.Context, f certificates.AuditFilter) ([]course.AuditEntry, error) {
	m.searched = append(m.searched, f)
	return m.audits, nil
}

func (m *memCerts) SetAvailability(_ context.Context, a certificates.Availability) error {
	m.avail = append(m.avail, a)
	return nil
}

func (m *memCerts) Availabilities(context.Context) ([]certificates.Availability, error) {
	return m.avail, nil
}

func (m *memCerts) AvailabilitiesOf(_ context.Context, userID string) ([]certificates.Availability, error) {
	var out []certificates.Availability
	for _, a := range m.avail {
		if a.UserID == userID {
			out = append(out, a)
		}
	}
	return out, nil
}

// actions lists the audited actions with their targets.
func (m *memCerts) actions() []string {
	var out []string
	for _, e := range m.audits {
		out = append(out, e.Action+" "+e.Target)
	}
	return out
}

var (
	_ certificates.Store         = (*memCerts)(nil)
	_ certificates.AnimatorStore = (*memCerts)(nil)
)

// memCourse answers the course reads the certificates service makes; other
// methods panic on the nil interface it embeds.
type memCourse struct {
	course.Store
	users    map[string]*course.User
	sessions map[string]*course.Session
	enrolled map[string][]string // session ID -> user IDs
	closings []string
	fail     map[string]error
}

func (m *memCourse) SessionByID(_ context.Context, id string) (*course.Session, error) {
	if s, ok := m.sessions[id]; ok {
		return s, nil
	}
	return nil, course.ErrNotFound
}

func (m *memCourse) EnrolmentsBySession(_ context.Context, id string) ([]course.Enrolment, error) {
	var out []course.Enrolment
	for _, u := range m.enrolled[id] {
		out = append(out, course.Enrolment{SessionID: id, UserID: u})
	}
	return out, m.fail["EnrolmentsBySession"]
}

func (m *memCourse) UsersByIDs(_ context.Context, ids []string) ([]*course.User, error) {
	var out []*course.User
	for _, id := range ids {
		if u, ok := m.users[id]; ok {
			out = append(out, u)
		}
	}
	return out, nil
}

func (m *memCourse) ListUsers(context.Context) ([]*course.User, error) {
	var out []*course.User
	for _, u := range m.users {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (m *memCourse) ListSessions(context.Context) ([]*course.Session, error) {
	var out []*course.Session
	for _, s := range m.sessions {
		out = append(out, s)
	}
	return out, m.fail["ListSessions"]
}

func (m *memCourse) IsEnrolled(_ context.Context, sessionID, userID string) (bool, error) {
	if err := m.fail["IsEnrolled"]; err != nil {
		return false, err
	}
	return slices.Contains(m.enrolled[sessionID], userID), nil
}

func (m *memCourse) SetClosed(_ context.Context, sessionID string, at *time.Time) error {
	if err := m.fail["SetClosed"]; err != nil {
		return err
	}
	m.sessions[sessionID].ClosedAt = at
	if at == nil {
		m.closings = append(m.closings, "reopen")
	} else {
		m.closings = append(m.closings, "close "+at.Format(time.RFC3339))
	}
	return nil
}

// memGrading holds submissions, reviews, part states and attempts.
type memGrading struct {
	grading.Store
	subs     []*grading.Submission
	reviews  []grading.Review
	states   []grading.PartState
	attempts []grading.Attempt
}

func (g *memGrading) Submissions(_ context.Context, _ string, _ int) ([]*grading.Submission, error) {
	return g.subs, nil
}

func (g *memGrading) SubmissionsByAuthor(_ context.Context, _, author string) ([]*grading.Submission, error) {
	var out []*grading.Submission
	for _, s := range g.subs {
		if s.AuthorID == author {
			out = append(out, s)
		}
	}
	return out, nil
}

func (g *memGrading) SubmissionsByIDs(_ context.Context, ids []string) ([]*grading.Submission, error) {
	var out []*grading.Submission
	for _, s := range g.subs {
		if slices.Contains(ids, s.ID) {
			out = append(out, s)
		}
	}
	return out, nil
}

func (g *memGrading) Reviews(_ context.Context, _ string, _ int) ([]grading.Review, error) {
	return g.reviews, nil
}

func (g *memGrading) ReviewsInvolving(_ context.Context, _, userID string) ([]grading.Review, error) {
	var out []grading.Review
	for _, r := range g.reviews {
		if r.ReviewerID == userID || r.TakenFrom == userID {
			out = append(out, r)
		}
	}
	return out, nil
}

func (g *memGrading) PartStates(context.Context, string) ([]grading.PartState, error) {
	return g.states, nil
}

func (g *memGrading) Corrections(context.Context) ([]*grading.Submission, error) {
	var out []*grading.Submission
	for _, s := range g.subs {
		if s.Animator != nil {
			out = append(out, s)
		}
	}
	return out, nil
}

// memEval is the evaluation store behind grading.Quiz.
type memEval struct {
	grading.EvaluationStore
	g *memGrading
}

func (e memEval) Attempts(_ context.Context, _, userID string) ([]grading.Attempt, error) {
	var out []grading.Attempt
	for _, a := range e.g.attempts {
		if a.UserID == userID {
			out = append(out, a)
		}
	}
	return out, nil
}

func (e memEval) AttemptsBySession(context.Context, string) ([]grading.Attempt, error) {
	return e.g.attempts, nil
}

// texts names each message by its language and ID.
type texts struct{}

func (texts) T(lang, id string, _ map[string]any) string { return lang + ":" + id }
func (texts) Languages() []string                        { return []string{"fr", "en"} }

// One RSA key for every test: generating one takes a noticeable time.
var (
	keyOnce sync.Once
	keyPEM  []byte
	keyErr  error
)

func storedKey(t *testing.T) certificates.StoredKey {
	t.Helper()
	created := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	keyOnce.Do(func() {
		var k certificates.SigningKey
		if k, keyErr = certificates.GenerateSigningKey(nil, created); keyErr == nil {
			keyPEM, keyErr = k.MarshalPEM()
		}
	})
	if keyErr != nil {
		t.Fatal(keyErr)
	}
	return certificates.StoredKey{PEM: keyPEM, CreatedAt: created}
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func f64(v float64) *float64 { return &v }

func user(id, name string, roles ...course.Role) *course.User {
	return &course.User{ID: id, Name: name, Email: id + "@example.org", Roles: roles}
}

var coord = user("c", "Claire", course.RoleCoordinator)

// env is a certificates service over in-memory stores (see newEnv).
type env struct {
	svc    *certificates.Service
	certs  *memCerts
	course *memCourse
	grades *memGrading
	now    time.Time
}

// newEnv builds LCIII-001 (s1) with its results: part p's reviews are due
// at 2026-03-(2+3p)T22:59Z; part 1 was closed late, at 2026-03-07T12:00Z.
// Each part asks one review per submission (EffectiveK 1).
//
//	ann (u1): 80 90 70 60 75 85, evaluation 88 (best of 61 and 88), six
//	          reviews on time, one of them after part 1's due date but
//	          before its late closing: level II.
//	bob (u2): 50 49 50 50 50 0, evaluation 50, five reviews on time, one
//	          late and one he let lapse: four exercises passed, level I.
//	cid (u3): 100 ×6, evaluation 95, six reviews on time, declined the
//	          commitment: level I.
//	dan (u4): 90 90 90 and nothing else, evaluation 100: level 0.
//	u5:       enrolled, account deleted since: counted, never issued.
func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{certs: newCerts(), grades: &memGrading{}, now: at("2026-03-25T10:00:00Z")}
	e.certs.keys = []certificates.StoredKey{storedKey(t)}
	e.course = &memCourse{users: map[string]*course.User{}, sessions: map[string]*course.Session{}, enrolled: map[string][]string{}, fail: map[string]error{}}
	for _, u := range []*course.User{user("u1", "Ann", course.RoleParticipant), user("u2", "Bob", course.RoleParticipant),
		user("u3", "Cid", course.RoleParticipant), user("u4", "Dan", course.RoleParticipant), user("a1", "Alma", course.RoleAnimator), coord} {
		e.course.users[u.ID] = u
	}
	e.course.users["u2"].Locale = "en"
	sess := &course.Session{ID: "s1", Code: "LCIII-001", Format: course.LCIII, StartsOn: "2026-03-02", EndsOn: "2026-03-22", TimeZone: "Europe/Paris", Animators: []string{"a1"}}
	for p := 1; p <= 6; p++ {
		sess.Parts = append(sess.Parts, course.Part{Number: p, Title: fmt.Sprintf("Part %d", p),
			OpensAt: at(fmt.Sprintf("2026-03-%02dT23:00:00Z", 3*p-2)), ReviewDue: at(fmt.Sprintf("2026-03-%02dT22:59:00Z", 2+3*p))})
		e.grades.states = append(e.grades.states, grading.PartState{SessionID: "s1", Part: p, Phase: grading.PhaseReview, EffectiveK: 1})
	}
	e.grades.states[0].Phase, e.grades.states[0].ClosedAt = grading.PhaseClosed, at("2026-03-07T12:00:00Z")
	e.course.sessions["s1"] = sess
	e.course.enrolled["s1"] = []string{"u1", "u2", "u3", "u4", "u5"}
	grade := map[string][]float64{"u1": {80, 90, 70, 60, 75, 85}, "u2": {50, 49, 50, 50, 50, 0}, "u3": {100, 100, 100, 100, 100, 100}, "u4": {90, 90, 90}}
	for _, u := range []string{"u1", "u2", "u3", "u4"} {
		for i, g := range grade[u] {
			e.grades.subs = append(e.grades.subs, &grading.Submission{ID: fmt.Sprintf("%s-%d", u, i+1), AuthorID: u, Part: i + 1, Grade: &grading.Grade{Score: g}})
		}
	}
	// An ungraded submission and one of a part that does not exist count for nothing.
	e.grades.subs = append(e.grades.subs, &grading.Submission{AuthorID: "u4", Part: 4}, &grading.Submission{AuthorID: "u4", Part: 9, Grade: &grading.Grade{Score: 99}})
	review := func(reviewer string, part int, done string) {
		r := grading.Review{Part: part, ReviewerID: reviewer, Required: true, Status: grading.ReviewAssigned}
		if done != "" {
			d := at(done)
			r.Status, r.DoneAt = grading.ReviewDone, &d
		}
		e.grades.reviews = append(e.grades.reviews, r)
	}
	for p := 1; p <= 6; p++ {
		due := sess.Parts[p-1].ReviewDue
		review("u1", p, due.Add(-time.Hour).Format(time.RFC3339))
		review("u3", p, due.Add(-time.Hour).Format(time.RFC3339))
		if p == 6 {
			review("u2", p, due.Add(time.Minute).Format(time.RFC3339)) // late
		} else {
			review("u2", p, due.Format(time.RFC3339)) // on the minute: on time
		}
	}
	// ann's part 1 review: after the due date, before the late closing.
	e.grades.reviews[0].DoneAt = ptrTime(at("2026-03-06T08:00:00Z"))
	// bob let a part 3 review lapse: u4 holds it now, and it counts against bob.
	e.grades.reviews = append(e.grades.reviews, grading.Review{Part: 3, ReviewerID: "u4", TakenFrom: "u2", Required: true, Status: grading.ReviewAssigned})
	// An extra review (not required) counts for nothing.
	e.grades.reviews = append(e.grades.reviews, grading.Review{Part: 2, ReviewerID: "u4", Status: grading.ReviewDone, DoneAt: ptrTime(at("2026-03-06T08:00:00Z"))})
	e.grades.attempts = []grading.Attempt{{UserID: "u1", Score: f64(61)}, {UserID: "u1", Score: f64(88)}, {UserID: "u1"},
		{UserID: "u2", Score: f64(50)}, {UserID: "u3", Score: f64(95)}, {UserID: "u4", Score: f64(100)}}
	e.certs.declined["s1"] = map[string]bool{"u3": true}
	e.svc = &certificates.Service{Store: e.certs, Animators: e.certs, Course: e.course, Grading: e.grades,
		Quiz: &grading.Quiz{Store: memEval{g: e.grades}}, Now: func() time.Time { return e.now },
		BaseURL: "https://librecours.example.org", Organisation: "Libre cours", Texts: texts{}}
	return e
}

func ptrTime(t time.Time) *time.Time { return &t }

// wantErr compares err with want: a *certificates.ValidationError by field
// and key, anything else with errors.Is, nil for success.
func wantErr(t *testing.T, err, want error) {
	t.Helper()
	var wv *certificates.ValidationError
	if errors.As(want, &wv) {
		var ve *certificates.ValidationError
		if !errors.As(err, &ve) || ve.Field != wv.Field || ve.Key != wv.Key {
			t.Fatalf("err = %v, want validation of %s (%s)", err, wv.Field, wv.Key)
		}
		return
	}
	if want == nil && err != nil || want != nil && !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
}

func verr(field, key string) error { return &certificates.ValidationError{Field: field, Key: key} }

// levels summarises results as "id:computed/level".
func levels(rs []certificates.Result) []string {
	var out []string
	for _, r := range rs {
		s := fmt.Sprintf("%s:%d/%d", r.User.ID, r.Computed, r.Level())
		if r.Deleted {
			s += " deleted"
		}
		out = append(out, s)
	}
	return out
}

func TestResults(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	rs, err := e.svc.Results(ctx, coord, "s1")
	if err != nil {
		t.Fatal(err)
	}
	// Sorted by name: the deleted account has none.
	if diff := cmp.Diff([]string{"u5:0/0 deleted", "u1:2/2", "u2:1/1", "u3:1/1", "u4:0/0"}, levels(rs)); diff != "" {
		t.Errorf("levels (-want +got):\n%s", diff)
	}
	bob := rs[2]
	want := certificates.ParticipantResult{Grades: bob.Input.Grades, ReviewsAssigned: 7, ReviewsOnTime: 5, ReviewsOwed: 6, EvaluationScore: f64(50), ReviewQuality: f64(0)}
	if diff := cmp.Diff(want, bob.Input); diff != "" {
		t.Errorf("bob's input (-want +got):\n%s", diff)
	}
	wantMissing := []certificates.Missing{
		{Reason: certificates.MissingExercises, Have: 4, Need: 6},
		{Reason: certificates.MissingEvaluationScore, Have: 50, Need: 70},
		{Reason: certificates.MissingReviews, Have: 5, Need: 7},
	}
	if diff := cmp.Diff(wantMissing, bob.Outcome.MissingLevelII); diff != "" {
		t.Errorf("bob misses (-want +got):\n%s", diff)
	}
	if bob.ReviewsDone != 5 || bob.ReviewsAssigned != 7 || bob.Outcome.ExercisesPassed != 4 {
		t.Errorf("bob: %d of %d reviews, %d passed", bob.ReviewsDone, bob.ReviewsAssigned, bob.Outcome.ExercisesPassed)
	}
	if ann := rs[1]; ann.ReviewsDone != 6 || *ann.Input.EvaluationScore != 88 {
		t.Errorf("ann: %d reviews on time, evaluation %v", ann.ReviewsDone, *ann.Input.EvaluationScore)
	}
	if cid := rs[3]; !slices.Equal(cid.Outcome.MissingLevelII, []certificates.Missing{{Reason: certificates.MissingCommitment}}) {
		t.Errorf("cid misses %v", cid.Outcome.MissingLevelII)
	}
	// dan: five submissions, one ungraded, one of a part 9 that has no
	// state: he owes one review for each of parts 1 to 4.
	if dan := rs[4]; dan.Outcome.ExercisesPassed != 3 || dan.Input.ReviewsOwed != 4 || dan.ReviewsAssigned != 4 {
		t.Errorf("dan: %d passed, owes %d, assigned %d", dan.Outcome.ExercisesPassed, dan.Input.ReviewsOwed, dan.ReviewsAssigned)
	}

	rep, rs2, err := e.svc.SessionReport(ctx, animator(), "s1")
	if err != nil || len(rs2) != 5 {
		t.Fatal(rs2, err)
	}
	if rep != (certificates.Report{Participants: 5, Validated: 3, Level1: 2, Level2: 1}) {
		t.Errorf("report %+v", rep)
	}
}

func animator() *course.User { return user("a1", "Alma", course.RoleAnimator) }

func TestAccessRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	other := user("a2", "Other animator", course.RoleAnimator)
	part := user("u1", "Ann", course.RoleParticipant)
	for _, tc := range []struct {
		name string
		call func(*certificates.Service) error
		want error
	}{
		{"results: anonymous", func(s *certificates.Service) error { _, err := s.Results(ctx, nil, "s1"); return err }, course.ErrUnauthenticated},
		{"results: participant", func(s *certificates.Service) error { _, err := s.Results(ctx, part, "s1"); return err }, course.ErrForbidden},
		{"results: another session's animator", func(s *certificates.Service) error { _, err := s.Results(ctx, other, "s1"); return err }, course.ErrForbidden},
		{"results: unknown session", func(s *certificates.Service) error { _, err := s.Results(ctx, coord, "s9"); return err }, course.ErrNotFound},
		{"rules: the session's animator reads", func(s *certificates.Service) error { _, err := s.SessionRules(ctx, animator(), "s1"); return err }, nil},
		{"rules: participant", func(s *certificates.Service) error { _, err := s.SessionRules(ctx, part, "s1"); return err }, course.ErrForbidden},
		{"set rules: animator", func(s *certificates.Service) error {
			return s.SetRules(ctx, animator(), "s1", certificates.DefaultRules())
		}, course.ErrForbidden},
		{"close: animator", func(s *certificates.Service) error { _, err := s.Close(ctx, animator(), "s1"); return err }, course.ErrForbidden},
		{"reopen: animator", func(s *certificates.Service) error { return s.Reopen(ctx, animator(), "s1", "a good reason") }, course.ErrForbidden},
		{"revoke: animator", func(s *certificates.Service) error { return s.Revoke(ctx, animator(), "X", "a good reason", false) }, course.ErrForbidden},
		{"reissue: anonymous", func(s *certificates.Service) error {
			_, err := s.Reissue(ctx, nil, "s1", "u1", "a good reason")
			return err
		}, course.ErrUnauthenticated},
		{"reissue: animator", func(s *certificates.Service) error {
			_, err := s.Reissue(ctx, animator(), "s1", "u1", "a good reason")
			return err
		}, course.ErrForbidden},
		{"override: animator", func(s *certificates.Service) error {
			return s.SetOverride(ctx, animator(), "s1", "u1", 1, "a good reason")
		}, course.ErrForbidden},
		{"certificates: animator", func(s *certificates.Service) error {
			_, err := s.SessionCertificates(ctx, animator(), "s1")
			return err
		}, course.ErrForbidden},
		{"completion: participant", func(s *certificates.Service) error { _, err := s.Completion(ctx, part, "s1"); return err }, course.ErrForbidden},
		{"report: participant", func(s *certificates.Service) error { _, _, err := s.SessionReport(ctx, part, "s1"); return err }, course.ErrForbidden},
		{"progress: anonymous", func(s *certificates.Service) error { _, err := s.Progress(ctx, nil, "s1"); return err }, course.ErrUnauthenticated},
		{"progress: not enrolled", func(s *certificates.Service) error { _, err := s.Progress(ctx, coord, "s1"); return err }, course.ErrForbidden},
		{"progress: unknown session", func(s *certificates.Service) error { _, err := s.Progress(ctx, part, "s9"); return err }, course.ErrNotFound},
		{"commitment: anonymous", func(s *certificates.Service) error { return s.SetCommitment(ctx, nil, "s1", nil) }, course.ErrUnauthenticated},
		{"commitment: not enrolled", func(s *certificates.Service) error { return s.SetCommitment(ctx, coord, "s1", nil) }, course.ErrForbidden},
		{"my certificates: anonymous", func(s *certificates.Service) error { _, err := s.MyCertificates(ctx, nil); return err }, course.ErrUnauthenticated},
		{"owned: anonymous", func(s *certificates.Service) error { _, err := s.Owned(ctx, nil, "X"); return err }, course.ErrUnauthenticated},
		{"pool: anonymous", func(s *certificates.Service) error { _, err := s.Pool(ctx, nil); return err }, course.ErrUnauthenticated},
		{"pool: animator", func(s *certificates.Service) error { _, err := s.Pool(ctx, animator()); return err }, course.ErrForbidden},
		{"candidates: animator", func(s *certificates.Service) error { _, err := s.Candidates(ctx, animator(), "s1"); return err }, course.ErrForbidden},
		{"release: anonymous", func(s *certificates.Service) error {
			_, err := s.ReleaseCommitment(ctx, nil, "u1", "", "a good reason")
			return err
		}, course.ErrUnauthenticated},
		{"release: animator", func(s *certificates.Service) error {
			_, err := s.ReleaseCommitment(ctx, animator(), "u1", "", "a good reason")
			return err
		}, course.ErrForbidden},
		{"audit log: anonymous", func(s *certificates.Service) error {
			_, err := s.AuditLog(ctx, nil, certificates.AuditFilter{})
			return err
		}, course.ErrUnauthenticated},
		{"audit log: animator", func(s *certificates.Service) error {
			_, err := s.AuditLog(ctx, animator(), certificates.AuditFilter{})
			return err
		}, course.ErrForbidden},
		{"availability: anonymous", func(s *certificates.Service) error { _, err := s.MyAvailability(ctx, nil); return err }, course.ErrUnauthenticated},
		{"declare: anonymous", func(s *certificates.Service) error { return s.DeclareAvailability(ctx, nil, "s1", nil) }, course.ErrUnauthenticated},
		{"declare: plain participant", func(s *certificates.Service) error { return s.DeclareAvailability(ctx, part, "s1", nil) }, course.ErrForbidden},
		{"overview: anonymous", func(s *certificates.Service) error { _, err := s.Overview(ctx, nil); return err }, course.ErrUnauthenticated},
		{"overview: animator", func(s *certificates.Service) error { _, err := s.Overview(ctx, animator()); return err }, course.ErrForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			wantErr(t, tc.call(e.svc), tc.want)
			if len(e.certs.audits) != 0 || len(e.certs.certs) != 0 {
				t.Errorf("audited %v, issued %d", e.certs.actions(), len(e.certs.certs))
			}
		})
	}
}

func TestSetRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	strict := certificates.DefaultRules()
	strict.PassGrade = 60
	bad := certificates.DefaultRules()
	bad.Level2Exercises = 3
	for _, tc := range []struct {
		name   string
		rules  certificates.Rules
		closed bool
		fail   string
		want   error
	}{
		{"closed session", strict, true, "", course.ErrSessionClosed},
		{"level II below level I", bad, false, "", verr("level2_exercises", certificates.KeyLevel2BelowLevel1)},
		{"store fails", strict, false, "PutRules", errStore},
		{"stricter pass grade", strict, false, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			if tc.closed {
				e.course.sessions["s1"].ClosedAt = ptrTime(e.now)
			}
			if tc.fail != "" {
				e.certs.fail[tc.fail] = errStore
			}
			wantErr(t, e.svc.SetRules(ctx, coord, "s1", tc.rules), tc.want)
			got, err := e.svc.SessionRules(ctx, coord, "s1")
			if err != nil {
				t.Fatal(err)
			}
			want := certificates.DefaultRules()
			if tc.want == nil {
				want = tc.rules
				if diff := cmp.Diff([]string{"rules.change "}, e.certs.actions()); diff != "" {
					t.Errorf("audit (-want +got):\n%s", diff)
				}
				// At a pass grade of 60, bob passes nothing at 50: level 0.
				rs, err := e.svc.Results(ctx, coord, "s1")
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff([]string{"u5:0/0 deleted", "u1:2/2", "u2:0/0", "u3:1/1", "u4:0/0"}, levels(rs)); diff != "" {
					t.Errorf("levels (-want +got):\n%s", diff)
				}
			}
			if got != want {
				t.Errorf("rules %+v, want %+v", got, want)
			}
		})
	}
	t.Run("rules unreadable", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.certs.fail["Rules"] = errStore
		if _, err := e.svc.SessionRules(ctx, coord, "s1"); !errors.Is(err, errStore) {
			t.Errorf("err = %v", err)
		}
		if _, err := e.svc.Results(ctx, coord, "s1"); !errors.Is(err, errStore) {
			t.Errorf("results: err = %v", err)
		}
	})
}

func TestProgressAndCommitment(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	bob := e.course.users["u2"]
	r, err := e.svc.Progress(ctx, bob, "s1")
	if err != nil {
		t.Fatal(err)
	}
	// The same standing as in the whole table, from bob's own rows.
	if r.User != bob || r.Level() != certificates.LevelI || r.ReviewsDone != 5 || r.ReviewsAssigned != 7 || *r.Input.EvaluationScore != 50 {
		t.Errorf("bob's progress: level %d, %d of %d reviews, input %+v", r.Level(), r.ReviewsDone, r.ReviewsAssigned, r.Input)
	}
	ann := e.course.users["u1"]
	wantErr(t, e.svc.SetCommitment(ctx, ann, "s1", nil), verr("accept", "certificates.commitment.accept_required"))
	no := false
	if err := e.svc.SetCommitment(ctx, ann, "s1", &no); err != nil {
		t.Fatal(err)
	}
	if r, err := e.svc.Progress(ctx, ann, "s1"); err != nil || r.Level() != certificates.LevelI || !r.Input.CommitmentDeclined {
		t.Errorf("ann after declining: %+v, %v", r, err)
	}
	yes := true
	if err := e.svc.SetCommitment(ctx, ann, "s1", &yes); err != nil {
		t.Fatal(err)
	}
	if r, err := e.svc.Progress(ctx, ann, "s1"); err != nil || r.Level() != certificates.LevelII {
		t.Errorf("ann after accepting again: %+v, %v", r, err)
	}
	e.course.fail["IsEnrolled"] = errStore
	if _, err := e.svc.Progress(ctx, ann, "s1"); !errors.Is(err, errStore) {
		t.Errorf("progress, store failing: %v", err)
	}
	if err := e.svc.SetCommitment(ctx, ann, "s1", &yes); !errors.Is(err, errStore) {
		t.Errorf("commitment, store failing: %v", err)
	}
}

func TestSetOverride(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		user   string
		level  int
		reason string
		fail   string
		want   error
		after  string // dan's computed/level
		audits []string
	}{
		{name: "not enrolled", user: "c", level: 1, reason: "jury decision", want: verr("user_id", "certificates.override.not_enrolled"), after: "0/0"},
		{name: "reason too short", user: "u4", level: 1, reason: " abc  ", want: verr("reason", "certificates.reason_required"), after: "0/0"},
		{name: "level 3", user: "u4", level: 3, reason: "jury decision", want: verr("level", "certificates.override.level_invalid"), after: "0/0"},
		{name: "level -2", user: "u4", level: -2, reason: "jury decision", want: verr("level", "certificates.override.level_invalid"), after: "0/0"},
		{name: "store fails", user: "u4", level: 1, reason: "jury decision", fail: "PutOverride", want: errStore, after: "0/0"},
		{name: "raised to level I", user: "u4", level: 1, reason: "  jury decision ", after: "0/1", audits: []string{"level.override u4"}},
		{name: "removed", user: "u4", level: -1, reason: "mistake, sorry", after: "0/0", audits: []string{"level.override_removed u4"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			if tc.level == -1 {
				e.certs.overrides["s1"] = map[string]certificates.Override{"u4": {UserID: "u4", Level: certificates.LevelII}}
			}
			if tc.fail != "" {
				e.certs.fail[tc.fail] = errStore
			}
			wantErr(t, e.svc.SetOverride(ctx, coord, "s1", tc.user, tc.level, tc.reason), tc.want)
			if diff := cmp.Diff(tc.audits, e.certs.actions()); diff != "" {
				t.Errorf("audit (-want +got):\n%s", diff)
			}
			if tc.want == nil && tc.level >= 0 {
				want := certificates.Override{UserID: "u4", Level: certificates.LevelI, Reason: "jury decision", By: "c", At: e.now}
				if got := e.certs.overrides["s1"]["u4"]; got != want {
					t.Errorf("override %+v, want %+v", got, want)
				}
				if e.certs.audits[0].Reason != "jury decision" || e.certs.audits[0].Detail != course.AuditDetail("audit.detail.level", map[string]string{"Level": "I"}) {
					t.Errorf("audit %+v", e.certs.audits[0])
				}
			}
			if tc.level == -1 && tc.want == nil {
				return // the override is gone; dan's level is his own again
			}
			rs, err := e.svc.Results(ctx, coord, "s1")
			if err != nil {
				t.Fatal(err)
			}
			if got := levels(rs)[4]; got != "u4:"+tc.after {
				t.Errorf("dan %s, want %s", got, tc.after)
			}
		})
	}
}

func TestCloseIssuesOnceThenOnlyChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	// a1 animates LCIII-001: the commitment made in an earlier session is
	// fulfilled by its close; one made in a later session is not; a released one stays so.
	e.certs.commits = []certificates.Commitment{
		{ID: "a1:s0", UserID: "a1", FromSessionID: "s0", FromSessionCode: "LCVI-007", FromStart: "2025-09-01", Status: certificates.CommitmentPending},
		{ID: "a1:s9", UserID: "a1", FromSessionID: "s9", FromSessionCode: "LCVI-009", FromStart: "2026-04-01", Status: certificates.CommitmentPending},
		{ID: "x:s0", UserID: "x", FromSessionID: "s0", FromStart: "2025-09-01", Status: certificates.CommitmentReleased},
	}
	e.certs.taken = 2 // the first two status indexes drawn are taken: drawn again
	res, err := e.svc.Close(ctx, coord, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if res.Report != (certificates.Report{Participants: 5, Validated: 3, Level1: 2, Level2: 1}) || len(res.Revoked) != 0 || len(res.Withheld) != 0 {
		t.Errorf("first close %+v", res)
	}
	type issued struct {
		User, Session, Lang, Name string
		Level                     certificates.Level
	}
	var got []issued
	for _, c := range e.certs.certs {
		got = append(got, issued{c.UserID, c.SessionCode, c.Lang, c.HolderName, c.Level})
		if c.StatusIndex == 0 || c.Badge == "" || c.Salt == "" || !c.IssuedAt.Equal(e.now) || c.Rules != certificates.DefaultRules() || c.SessionEnd != "2026-03-22" {
			t.Errorf("certificate %+v", c)
		}
		if _, ok := certificates.NormalizeCode(c.Code); !ok {
			t.Errorf("code %q", c.Code)
		}
	}
	want := []issued{{"u1", "LCIII-001", "fr", "Ann", certificates.LevelII}, {"u2", "LCIII-001", "en", "Bob", certificates.LevelI}, {"u3", "LCIII-001", "fr", "Cid", certificates.LevelI}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("issued (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(e.certs.certs, res.Issued); diff != "" {
		t.Errorf("close result's certificates (-stored +returned):\n%s", diff)
	}
	annCode := e.certs.certs[0].Code
	wantCommits := []certificates.Commitment{
		{ID: "a1:s0", UserID: "a1", FromSessionID: "s0", FromSessionCode: "LCVI-007", FromStart: "2025-09-01", Status: certificates.CommitmentFulfilled, FulfilledBy: "LCIII-001"},
		{ID: "a1:s9", UserID: "a1", FromSessionID: "s9", FromSessionCode: "LCVI-009", FromStart: "2026-04-01", Status: certificates.CommitmentPending},
		{ID: "x:s0", UserID: "x", FromSessionID: "s0", FromStart: "2025-09-01", Status: certificates.CommitmentReleased},
		{ID: "u1:s1", UserID: "u1", FromSessionID: "s1", FromSessionCode: "LCIII-001", FromStart: "2026-03-02", Certificate: annCode, Status: certificates.CommitmentPending, CreatedAt: e.now},
	}
	if diff := cmp.Diff(wantCommits, e.certs.commits); diff != "" {
		t.Errorf("commitments (-want +got):\n%s", diff)
	}
	wantAudit := []string{"certificate.issue " + annCode, "certificate.issue " + e.certs.certs[1].Code, "certificate.issue " + e.certs.certs[2].Code, "session.close LCIII-001"}
	if diff := cmp.Diff(wantAudit, e.certs.actions()); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"close 2026-03-25T10:00:00Z"}, e.course.closings); diff != "" {
		t.Errorf("closings (-want +got):\n%s", diff)
	}

	// Closing again changes nothing.
	e.now = e.now.Add(time.Hour)
	res, err = e.svc.Close(ctx, coord, "s1")
	if err != nil || len(res.Issued)+len(res.Revoked)+len(res.Withheld) != 0 || len(e.certs.audits) != 4 || len(e.course.closings) != 1 {
		t.Fatalf("second close: %+v, %v; %d audits, closings %v", res, err, len(e.certs.audits), e.course.closings)
	}

	// Reopened and corrected: bob drops to 0 (his certificate is revoked as
	// reissued), dan rises to I.
	wantErr(t, e.svc.Reopen(ctx, coord, "s1", "oops"), verr("reason", "certificates.reason_required"))
	if err := e.svc.Reopen(ctx, coord, "s1", "grading error in part 2"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Reopen(ctx, coord, "s1", "grading error in part 2"); err != nil { // open already: nothing
		t.Fatal(err)
	}
	if err := e.svc.SetOverride(ctx, coord, "s1", "u2", 0, "plagiarism found"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.SetOverride(ctx, coord, "s1", "u4", 1, "work sent by post"); err != nil {
		t.Fatal(err)
	}
	bobCode := e.certs.certs[1].Code
	res, err = e.svc.Close(ctx, coord, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Revoked, []string{bobCode}) || len(res.Issued) != 1 || res.Issued[0].UserID != "u4" || res.Issued[0].Level != certificates.LevelI {
		t.Errorf("third close: revoked %v, issued %+v", res.Revoked, res.Issued)
	}
	if res.Report != (certificates.Report{Participants: 5, Validated: 3, Level1: 2, Level2: 1}) {
		t.Errorf("third report %+v", res.Report)
	}
	if c := e.certs.certs[1]; c.RevokedAt == nil || c.RevokeReason != certificates.ReasonReissued || c.RevokePublic {
		t.Errorf("bob's certificate %+v", c)
	}
	if diff := cmp.Diff([]string{"close 2026-03-25T10:00:00Z", "reopen", "close 2026-03-25T11:00:00Z"}, e.course.closings); diff != "" {
		t.Errorf("closings (-want +got):\n%s", diff)
	}
	wantAudit = append(wantAudit, "session.reopen LCIII-001", "level.override u2", "level.override u4",
		"certificate.revoke "+bobCode, "certificate.issue "+res.Issued[0].Code, "session.close LCIII-001")
	if diff := cmp.Diff(wantAudit, e.certs.actions()); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}

	// A coordinator's revocation withholds cid's certificate from later
	// closes until it is reissued on purpose.
	cidCode := e.certs.certs[2].Code
	wantErr(t, e.svc.Revoke(ctx, coord, cidCode, " no ", false), verr("reason", "certificates.reason_required"))
	if err := e.svc.Revoke(ctx, coord, "LC3-0000-0000-0000-0000", "identity theft", true); !errors.Is(err, certificates.ErrNotFound) {
		t.Errorf("unknown code: %v", err)
	}
	if err := e.svc.Revoke(ctx, coord, cidCode, "  identity theft ", true); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Revoke(ctx, coord, cidCode, "identity theft", true); !errors.Is(err, certificates.ErrRevoked) {
		t.Errorf("twice: %v", err)
	}
	c, _ := e.svc.Lookup(ctx, cidCode)
	if c.Valid() || c.PublicReason() != "identity theft" {
		t.Errorf("revoked certificate: valid %v, public reason %q", c.Valid(), c.PublicReason())
	}
	if last := e.certs.audits[len(e.certs.audits)-1]; last.Detail != course.AuditDetail("audit.detail.revoke_public", nil) || last.Reason != "identity theft" || last.Action != "certificate.revoke" {
		t.Errorf("revocation audit %+v", last)
	}
	res, err = e.svc.Close(ctx, coord, "s1")
	if err != nil || !slices.Equal(res.Withheld, []string{"u3"}) || len(res.Issued) != 0 {
		t.Fatalf("close after revocation: %+v, %v", res, err)
	}
	// The report counts the rules' levels, not the certificates.
	if res.Report.Level1 != 2 {
		t.Errorf("report %+v", res.Report)
	}

	for _, tc := range []struct {
		name, session, user, reason string
		want                        error
	}{
		{"reason too short", "s1", "u3", "why", verr("reason", "certificates.reason_required")},
		{"unknown session", "s9", "u3", "appeal granted", course.ErrNotFound},
		{"not withheld: valid certificate", "s1", "u1", "appeal granted", certificates.ErrNotFound},
		{"not withheld: replaced by a close", "s1", "u2", "appeal granted", certificates.ErrNotFound},
		{"never had one", "s1", "u4x", "appeal granted", certificates.ErrNotFound},
	} {
		t.Run("reissue: "+tc.name, func(t *testing.T) {
			_, err := e.svc.Reissue(ctx, coord, tc.session, tc.user, tc.reason)
			wantErr(t, err, tc.want)
		})
	}
	n := len(e.certs.certs)
	re, err := e.svc.Reissue(ctx, coord, "s1", "u3", "appeal granted")
	if err != nil {
		t.Fatal(err)
	}
	if re.UserID != "u3" || re.Level != certificates.LevelI || re.Code == cidCode || len(e.certs.certs) != n+1 {
		t.Errorf("reissued %+v", re)
	}
	if last := e.certs.audits[len(e.certs.audits)-1]; last.Action != "certificate.reissue" || last.Reason != "appeal granted" || last.Detail != course.AuditDetail("audit.detail.level", map[string]string{"Level": "I"}) {
		t.Errorf("reissue audit %+v", last)
	}
	if _, err := e.svc.Reissue(ctx, coord, "s1", "u3", "appeal granted"); !errors.Is(err, certificates.ErrNotFound) {
		t.Errorf("second reissue: %v", err)
	}
	res, err = e.svc.Close(ctx, coord, "s1")
	if err != nil || len(res.Withheld)+len(res.Issued)+len(res.Revoked) != 0 {
		t.Errorf("close after reissue: %+v, %v", res, err)
	}

	// Certificates as their holders and the staff see them.
	mine, err := e.svc.MyCertificates(ctx, e.course.users["u3"])
	if err != nil || len(mine) != 2 {
		t.Errorf("cid's certificates: %v, %v", mine, err)
	}
	all, err := e.svc.SessionCertificates(ctx, coord, "s1")
	if err != nil || len(all) != 5 {
		t.Errorf("session certificates: %d, %v", len(all), err)
	}
	if got, err := e.svc.Owned(ctx, e.course.users["u1"], strings.ToLower(annCode)); err != nil || got.UserID != "u1" {
		t.Errorf("ann's own: %v, %v", got, err)
	}
	if _, err := e.svc.Owned(ctx, e.course.users["u2"], annCode); !errors.Is(err, certificates.ErrNotFound) {
		t.Errorf("bob reading ann's: %v", err)
	}
	if got, err := e.svc.Owned(ctx, coord, annCode); err != nil || got.Code != annCode {
		t.Errorf("coordinator reading ann's: %v, %v", got, err)
	}
	if _, err := e.svc.Lookup(ctx, "not a code"); !errors.Is(err, certificates.ErrNotFound) {
		t.Errorf("lookup of garbage: %v", err)
	}
	// dan's level I was set by the coordination; ann's by the rules.
	for _, tc := range []struct {
		user string
		want bool
	}{{"u4", true}, {"u1", false}} {
		i := slices.IndexFunc(e.certs.certs, func(c certificates.Certificate) bool { return c.UserID == tc.user })
		if got, err := e.svc.ByCoordination(ctx, &e.certs.certs[i]); err != nil || got != tc.want {
			t.Errorf("ByCoordination(%s) = %v, %v", tc.user, got, err)
		}
	}
}

func TestReissueRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	revokedFor := func(e *env, user string, lvl certificates.Level) {
		e.certs.certs = append(e.certs.certs, certificates.Certificate{Code: "LC3-AAAA-" + user, SessionID: "s1", UserID: user, Level: lvl,
			RevokedAt: ptrTime(at("2026-03-24T00:00:00Z")), RevokeReason: "fraud"})
	}
	t.Run("open session", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		revokedFor(e, "u1", certificates.LevelII)
		_, err := e.svc.Reissue(ctx, coord, "s1", "u1", "appeal granted")
		wantErr(t, err, verr("session", "certificates.session_not_closed"))
	})
	t.Run("level 0 now", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.course.sessions["s1"].ClosedAt = ptrTime(e.now)
		revokedFor(e, "u4", certificates.LevelI)
		_, err := e.svc.Reissue(ctx, coord, "s1", "u4", "appeal granted")
		wantErr(t, err, certificates.ErrNotEligible)
	})
	t.Run("account deleted", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.course.sessions["s1"].ClosedAt = ptrTime(e.now)
		revokedFor(e, "u5", certificates.LevelI)
		_, err := e.svc.Reissue(ctx, coord, "s1", "u5", "appeal granted")
		wantErr(t, err, certificates.ErrNotFound)
	})
	t.Run("store failures", func(t *testing.T) {
		t.Parallel()
		for _, m := range []string{"CertificatesBySession", "InsertCertificate", "Audit", "SigningKeys"} {
			e := newEnv(t)
			e.course.sessions["s1"].ClosedAt = ptrTime(e.now)
			revokedFor(e, "u1", certificates.LevelII)
			e.certs.fail[m] = errStore
			if _, err := e.svc.Reissue(ctx, coord, "s1", "u1", "appeal granted"); !errors.Is(err, errStore) {
				t.Errorf("%s failing: %v", m, err)
			}
		}
	})
}

func TestCloseFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, m := range []string{"CertificatesBySession", "SigningKeys", "InsertCertificate", "PutCommitment", "Audit", "Commitments", "Declined", "Overrides", "SetClosed", "EnrolmentsBySession"} {
		t.Run(m, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.certs.fail[m] = errStore
			e.course.fail[m] = errStore
			if _, err := e.svc.Close(ctx, coord, "s1"); !errors.Is(err, errStore) {
				t.Errorf("err = %v", err)
			}
		})
	}
	t.Run("status indexes all taken", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.certs.taken = 100
		if _, err := e.svc.Close(ctx, coord, "s1"); !errors.Is(err, certificates.ErrStatusIndexTaken) {
			t.Errorf("err = %v, want ErrStatusIndexTaken after nine draws", err)
		}
		if e.certs.taken != 91 {
			t.Errorf("%d draws, want 9", 100-e.certs.taken)
		}
	})
	t.Run("revocation fails at re-close", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.certs.certs = []certificates.Certificate{{Code: "LC3-OLD", SessionID: "s1", UserID: "u1", Level: certificates.LevelI}}
		e.certs.fail["Revoke"] = errStore
		if _, err := e.svc.Close(ctx, coord, "s1"); !errors.Is(err, errStore) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("reopen fails", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.course.sessions["s1"].ClosedAt = ptrTime(e.now)
		e.course.fail["SetClosed"] = errStore
		if err := e.svc.Reopen(ctx, coord, "s1", "grading error"); !errors.Is(err, errStore) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestCompletion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	got, err := e.svc.Completion(context.Background(), animator(), "s1")
	if err != nil {
		t.Fatal(err)
	}
	// Part 2: ann, bob, cid, dan submitted (graded 90, 49, 100, 90); three
	// required reviews and dan's extra one, all done.
	want := certificates.PartStats{Part: 2, Title: "Part 2", Submitted: 4, ReviewsAssigned: 4, ReviewsDone: 4, Grades: []float64{90, 49, 100, 90}}
	if diff := cmp.Diff(want, got[1]); diff != "" {
		t.Errorf("part 2 (-want +got):\n%s", diff)
	}
	// Part 4: dan's ungraded submission counts as submitted, not graded.
	if got[3].Submitted != 4 || len(got[3].Grades) != 3 || got[3].ReviewsAssigned != 3 {
		t.Errorf("part 4 %+v", got[3])
	}
	if len(got) != 6 {
		t.Errorf("%d parts", len(got))
	}
}

func TestKeysAndStatusList(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	keys, err := e.svc.Keys(ctx)
	if err != nil || len(keys) != 1 {
		t.Fatal(keys, err)
	}
	if want := certificates.KeyURL("https://librecours.example.org", keys[0].KID); keys[0].URL != want {
		t.Errorf("key URL %q, want %q", keys[0].URL, want)
	}
	if k, err := e.svc.Key(ctx, keys[0].KID); err != nil || k.KID != keys[0].KID {
		t.Errorf("Key: %v, %v", k.KID, err)
	}
	if _, err := e.svc.Key(ctx, "nope"); !errors.Is(err, certificates.ErrNotFound) {
		t.Errorf("unknown kid: %v", err)
	}
	if err := e.svc.EnsureKey(ctx); err != nil || len(e.certs.keys) != 1 {
		t.Errorf("EnsureKey with a key: %v, %d keys", err, len(e.certs.keys))
	}

	tok1, etag1, err := e.svc.StatusList(ctx)
	if err != nil || tok1 == "" || len(etag1) != 34 {
		t.Fatalf("status list %q %q %v", tok1, etag1, err)
	}
	e.now = e.now.Add(time.Hour)
	tok2, etag2, err := e.svc.StatusList(ctx)
	if err != nil || tok2 != tok1 || etag2 != etag1 {
		t.Errorf("unchanged revocations signed again: %v", err)
	}
	e.certs.certs = append(e.certs.certs, certificates.Certificate{Code: "X", StatusIndex: 42, RevokedAt: ptrTime(e.now)})
	tok3, etag3, err := e.svc.StatusList(ctx)
	if err != nil || tok3 == tok1 || etag3 == etag1 {
		t.Errorf("a revocation kept the old list: %v", err)
	}
	if _, err := certificates.VerifyStatusList(tok3, certificates.JWKS(keys)); err != nil {
		t.Errorf("the list does not verify: %v", err)
	}
	e.certs.fail["RevokedStatusIndices"] = errStore
	if _, _, err := e.svc.StatusList(ctx); !errors.Is(err, errStore) {
		t.Errorf("store failing: %v", err)
	}

	e.certs.keys = []certificates.StoredKey{{PEM: []byte("not a key")}}
	if _, err := e.svc.Keys(ctx); err == nil {
		t.Error("a broken stored key parsed")
	}
}

func TestEnsureKeyCreatesTheFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.certs.keys = nil
	if err := e.svc.EnsureKey(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(e.certs.keys) != 1 || !e.certs.keys[0].CreatedAt.Equal(e.now) {
		t.Fatalf("keys %v", e.certs.keys)
	}
	if err := e.svc.EnsureKey(context.Background()); err != nil || len(e.certs.keys) != 1 {
		t.Errorf("second EnsureKey: %v, %d keys", err, len(e.certs.keys))
	}
}

func TestAchievementAndIssuer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, err := e.svc.Achievement(certificates.LevelII, "en")
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != "en:certificates.level2.name" || a.Description != "en:certificates.level2.meaning" {
		t.Errorf("achievement %q / %q", a.Name, a.Description)
	}
	for _, tc := range []struct {
		lvl  certificates.Level
		lang string
	}{{certificates.LevelNone, "fr"}, {certificates.LevelI, "de"}, {3, "fr"}} {
		if _, err := e.svc.Achievement(tc.lvl, tc.lang); !errors.Is(err, certificates.ErrNotFound) {
			t.Errorf("Achievement(%d, %s): %v", tc.lvl, tc.lang, err)
		}
	}
	e.svc.BaseURL = "https://librecours.example.org/"
	p := e.svc.Issuer("fr")
	if p.URL != "https://librecours.example.org" || p.ID != certificates.IssuerID("https://librecours.example.org") || p.Name != "Libre cours" ||
		p.Description != "fr:certificates.issuer.description" {
		t.Errorf("issuer %+v", p)
	}
	in := e.svc.AchievementInput(certificates.LevelI, "fr")
	if in.CriteriaNarrative != "fr:certificates.level1.criteria" || !slices.Equal(in.OtherLangs, []string{"fr", "en"}) {
		t.Errorf("achievement input %+v", in)
	}
}

func TestAnimatorPool(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	// Two upcoming sessions (now is 2026-03-25), one past one animated by a1.
	up1 := &course.Session{ID: "s2", Code: "LCVI-002", StartsOn: "2026-05-04", EndsOn: "2026-06-14", TimeZone: "UTC",
		Parts: []course.Part{{Number: 1, OpensAt: at("2026-05-04T00:00:00Z")}}}
	up2 := &course.Session{ID: "s3", Code: "LCIII-002", StartsOn: "2026-04-06", EndsOn: "2026-04-26", TimeZone: "UTC",
		Parts: []course.Part{{Number: 1, OpensAt: at("2026-04-06T00:00:00Z")}}, Animators: []string{"u3"}}
	past := &course.Session{ID: "s0", Code: "LCVI-001", StartsOn: "2025-09-01", EndsOn: "2025-10-12", TimeZone: "UTC",
		Parts: []course.Part{{Number: 1, OpensAt: at("2025-09-01T00:00:00Z")}}, Animators: []string{"a1", "gone"}}
	e.course.sessions["s2"], e.course.sessions["s3"], e.course.sessions["s0"] = up1, up2, past
	e.certs.commits = []certificates.Commitment{
		{ID: "u1:s0", UserID: "u1", FromSessionID: "s0", Status: certificates.CommitmentFulfilled},
		{ID: "u1:s1", UserID: "u1", FromSessionID: "s1", FromSessionCode: "LCIII-001", Status: certificates.CommitmentPending},
		{ID: "u2:s0", UserID: "u2", FromSessionID: "s0", Status: certificates.CommitmentReleased},
		{ID: "gone:s0", UserID: "gone", Status: certificates.CommitmentPending},
		{ID: "u4:s0", UserID: "u4", FromSessionID: "s0", Status: certificates.CommitmentPending},
	}
	e.certs.avail = []certificates.Availability{{UserID: "u1", SessionID: "s2", Available: true}, {UserID: "a1", SessionID: "s2", Available: false},
		{UserID: "u4", SessionID: "s2", Available: false}}
	// a1 decided on submissions queued 2, 9, 4 and 10 hours before (median
	// (4+9)/2 = 6.5 h), one an hour before it was queued (no delay), one
	// without a queue time; a correction by someone outside the pool.
	q := at("2026-03-10T00:00:00Z")
	for i, h := range []int{2, 9, 4, 10, -1} {
		e.grades.subs = append(e.grades.subs, &grading.Submission{ID: fmt.Sprint("q", i), QueuedAt: ptrTime(q), Animator: &grading.AnimatorGrade{By: "a1", At: q.Add(time.Duration(h) * time.Hour)}})
	}
	e.grades.subs = append(e.grades.subs, &grading.Submission{ID: "q8", Animator: &grading.AnimatorGrade{By: "a1", At: q}},
		&grading.Submission{ID: "q9", QueuedAt: ptrTime(q), Animator: &grading.AnimatorGrade{By: "nobody", At: q}})

	pool, err := e.svc.Pool(ctx, coord)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range pool {
		names = append(names, p.User.ID)
	}
	// ann and dan hold a pending commitment: first. Then by name: Alma
	// (animator role), Bob (a released commitment), Cid (animates s3).
	if diff := cmp.Diff([]string{"u1", "u4", "a1", "u2", "u3"}, names); diff != "" {
		t.Fatalf("pool (-want +got):\n%s", diff)
	}
	ann, alma, bob, cid := pool[0], pool[2], pool[3], pool[4]
	if !ann.Pending() || ann.Commitment.ID != "u1:s1" || len(ann.Commitments) != 2 || *ann.AvailableFor("s2") != true || ann.AvailableFor("s3") != nil {
		t.Errorf("ann %+v", ann)
	}
	if len(ann.Upcoming) != 2 || ann.Upcoming[0].Session != up2 || ann.Upcoming[1].Session != up1 {
		t.Errorf("upcoming sessions not by start: %v", ann.Upcoming)
	}
	if alma.Pending() || alma.Commitment != nil || !slices.Equal(alma.Animated, []string{"LCVI-001", "LCIII-001"}) || alma.Corrections != 6 ||
		alma.MedianDelay == nil || *alma.MedianDelay != 6*time.Hour+30*time.Minute || *alma.AvailableFor("s2") != false {
		t.Errorf("alma %+v", alma)
	}
	if bob.Pending() || bob.Commitment.Status != certificates.CommitmentReleased || bob.MedianDelay != nil {
		t.Errorf("bob %+v", bob)
	}
	if !slices.Equal(cid.Animated, []string{"LCIII-002"}) {
		t.Errorf("cid %+v", cid)
	}

	cands, err := e.svc.Candidates(ctx, coord, "s2")
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, c := range cands {
		order = append(order, fmt.Sprintf("%s:%v", c.User.ID, c.Proposed))
	}
	// ann: available and pending (0); cid: animator of another session
	// but no animator role, no declaration (4) like Bob and Claire, by name
	// (Cid before Claire); Alma and Dan said no (5), Dan's pending
	// commitment notwithstanding.
	if diff := cmp.Diff([]string{"u1:true", "u2:false", "u3:false", "c:false", "a1:false", "u4:false"}, order); diff != "" {
		t.Errorf("candidates (-want +got):\n%s", diff)
	}
	cands, err = e.svc.Candidates(ctx, coord, "s3")
	if err != nil {
		t.Fatal(err)
	}
	order = order[:0]
	for _, c := range cands {
		order = append(order, fmt.Sprintf("%s:%v", c.User.ID, c.Proposed))
	}
	// For s3 nobody declared: ann and dan are pending and proposed (2);
	// Alma has the role (3); cid animates s3 already and is left out.
	if diff := cmp.Diff([]string{"u1:true", "u4:true", "a1:false", "u2:false", "c:false"}, order); diff != "" {
		t.Errorf("candidates for s3 (-want +got):\n%s", diff)
	}
	if _, err := e.svc.Candidates(ctx, coord, "s9"); !errors.Is(err, course.ErrNotFound) {
		t.Errorf("unknown session: %v", err)
	}
	e.course.fail["ListSessions"] = errStore
	if _, err := e.svc.Pool(ctx, coord); !errors.Is(err, errStore) {
		t.Errorf("pool, store failing: %v", err)
	}

	if _, err := e.svc.Overview(ctx, coord); !errors.Is(err, errStore) {
		t.Errorf("overview, store failing: %v", err)
	}
}

func TestAvailability(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	setup := func(t *testing.T) *env {
		e := newEnv(t)
		e.course.sessions["s2"] = &course.Session{ID: "s2", Code: "LCVI-002", StartsOn: "2026-05-04", EndsOn: "2026-06-14", TimeZone: "UTC",
			Parts: []course.Part{{Number: 1, OpensAt: at("2026-05-04T00:00:00Z")}}}
		e.certs.commits = []certificates.Commitment{{ID: "u1:s1", UserID: "u1", Status: certificates.CommitmentPending},
			{ID: "u2:s0", UserID: "u2", Status: certificates.CommitmentFulfilled}}
		return e
	}
	yes, no := true, false
	for _, tc := range []struct {
		name      string
		actor     *course.User
		session   string
		available *bool
		want      error
	}{
		{"committed participant says yes", user("u1", "Ann", course.RoleParticipant), "s2", &yes, nil},
		{"animator says no", animator(), "s2", &no, nil},
		{"fulfilled commitment only", user("u2", "Bob", course.RoleParticipant), "s2", &yes, course.ErrForbidden},
		{"no answer", animator(), "s2", nil, verr("available", "certificates.availability.answer_required")},
		{"no session", animator(), "", &yes, verr("session_id", "certificates.availability.session_required")},
		{"unknown session", animator(), "s9", &yes, course.ErrNotFound},
		{"session running", coord, "s1", &yes, verr("session_id", "certificates.availability.not_upcoming")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			wantErr(t, e.svc.DeclareAvailability(ctx, tc.actor, tc.session, tc.available), tc.want)
			if tc.want != nil {
				if len(e.certs.avail) != 0 {
					t.Errorf("stored %v", e.certs.avail)
				}
				return
			}
			want := []certificates.Availability{{UserID: tc.actor.ID, SessionID: "s2", Available: *tc.available, At: e.now}}
			if diff := cmp.Diff(want, e.certs.avail); diff != "" {
				t.Errorf("availabilities (-want +got):\n%s", diff)
			}
			mine, err := e.svc.MyAvailability(ctx, tc.actor)
			if err != nil || len(mine) != 1 || mine[0].Session.ID != "s2" || *mine[0].Available != *tc.available {
				t.Errorf("MyAvailability = %+v, %v", mine, err)
			}
		})
	}
	t.Run("nothing to declare", func(t *testing.T) {
		t.Parallel()
		e := setup(t)
		got, err := e.svc.MyAvailability(ctx, user("u4", "Dan", course.RoleParticipant))
		if err != nil || got != nil {
			t.Errorf("MyAvailability = %v, %v; want nil, nil", got, err)
		}
		e.certs.fail["CommitmentsOf"] = errStore
		if _, err := e.svc.MyAvailability(ctx, user("u4", "Dan")); !errors.Is(err, errStore) {
			t.Errorf("store failing: %v", err)
		}
		if err := e.svc.DeclareAvailability(ctx, user("u4", "Dan"), "s2", &yes); !errors.Is(err, errStore) {
			t.Errorf("declare, store failing: %v", err)
		}
		got, err = e.svc.MyAvailability(ctx, animator())
		if err != nil || len(got) != 1 || got[0].Available != nil {
			t.Errorf("animator, nothing declared: %+v, %v", got, err)
		}
	})
}

func TestReleaseCommitment(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name, user, id, reason string
		want                   error
		wantID                 string
	}{
		{"oldest pending", "u1", "", "moved abroad", nil, "u1:s1"},
		{"by ID", "u1", "u1:s2", " moved abroad ", nil, "u1:s2"},
		{"already fulfilled", "u1", "u1:s0", "moved abroad", certificates.ErrCommitmentNotPending, ""},
		{"unknown", "u1", "u1:s9", "moved abroad", certificates.ErrNotFound, ""},
		{"nobody's", "u4", "", "moved abroad", certificates.ErrNotFound, ""},
		{"reason too short", "u1", "", "no", verr("reason", "certificates.reason_required"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.certs.commits = []certificates.Commitment{
				{ID: "u1:s0", UserID: "u1", FromSessionID: "s0", Status: certificates.CommitmentFulfilled},
				{ID: "u1:s1", UserID: "u1", FromSessionID: "s1", FromSessionCode: "LCIII-001", Status: certificates.CommitmentPending},
				{ID: "u1:s2", UserID: "u1", FromSessionID: "s2", FromSessionCode: "LCVI-002", Status: certificates.CommitmentPending},
			}
			before := slices.Clone(e.certs.commits)
			c, err := e.svc.ReleaseCommitment(ctx, coord, tc.user, tc.id, tc.reason)
			wantErr(t, err, tc.want)
			if tc.want != nil {
				if diff := cmp.Diff(before, e.certs.commits); diff != "" {
					t.Errorf("commitments changed (-before +after):\n%s", diff)
				}
				return
			}
			if c.ID != tc.wantID || c.Status != certificates.CommitmentReleased || c.Reason != "moved abroad" {
				t.Errorf("released %+v", c)
			}
			i := slices.IndexFunc(e.certs.commits, func(x certificates.Commitment) bool { return x.ID == tc.wantID })
			if e.certs.commits[i] != *c {
				t.Errorf("stored %+v", e.certs.commits[i])
			}
			want := course.AuditEntry{At: e.now, ActorID: "c", Action: "commitment.release", SessionID: c.FromSessionID, Target: "u1", Detail: c.FromSessionCode, Reason: "moved abroad"}
			if diff := cmp.Diff([]course.AuditEntry{want}, e.certs.audits); diff != "" {
				t.Errorf("audit (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAuditLog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	_, err := e.svc.AuditLog(ctx, coord, certificates.AuditFilter{Action: "coffee.break"})
	wantErr(t, err, verr("action", "certificates.audit.action_unknown"))
	for _, tc := range []struct{ in, want int }{{0, 500}, {-3, 500}, {20, 20}, {500, 500}, {501, 500}} {
		if _, err := e.svc.AuditLog(ctx, coord, certificates.AuditFilter{Action: "session.close", Limit: tc.in}); err != nil {
			t.Fatal(err)
		}
		if got := e.certs.searched[len(e.certs.searched)-1]; got.Limit != tc.want || got.Action != "session.close" {
			t.Errorf("limit %d searched as %+v, want %d", tc.in, got, tc.want)
		}
	}
}

func TestOverviewCounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.certs.commits = []certificates.Commitment{{Status: certificates.CommitmentPending}, {Status: certificates.CommitmentPending}, {Status: certificates.CommitmentFulfilled}}
	o, err := e.svc.Overview(context.Background(), coord)
	if err != nil {
		t.Fatal(err)
	}
	want := certificates.SummarizeSessions([]*course.Session{e.course.sessions["s1"]}, e.certs.commits, e.now)
	if diff := cmp.Diff(want, o, cmpopts.EquateEmpty()); diff != "" || o.PendingCommitments != 2 {
		t.Errorf("overview (-want +got):\n%s", diff)
	}
}

// TestReviewQualityRule: review_quality_min turns ann's level II into a
// level I while her reviews are poor, and back once they are good, alike
// in the session's table and in her own progress (read from her rows and
// the work she reviewed).
func TestReviewQualityRule(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	ann := e.course.users["u1"]
	check := func(step string, want certificates.Level, missing []certificates.Missing) {
		t.Helper()
		rs, err := e.svc.Results(ctx, coord, "s1")
		if err != nil {
			t.Fatal(err)
		}
		mine, err := e.svc.Progress(ctx, ann, "s1")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []certificates.Result{rs[1], *mine} {
			if r.User.ID != "u1" || r.Level() != want {
				t.Errorf("%s: %s level %d, want %d", step, r.User.ID, r.Level(), want)
			}
			if diff := cmp.Diff(missing, r.Outcome.MissingLevelII); diff != "" {
				t.Errorf("%s: missing for level II (-want +got):\n%s", step, diff)
			}
		}
	}
	check("rule off (default)", certificates.LevelII, nil)

	rules := certificates.DefaultRules()
	rules.ReviewQualityMin = 40
	if err := e.svc.SetRules(ctx, coord, "s1", rules); err != nil {
		t.Fatal(err)
	}
	// Empty comments, nothing rated, and no graded work to agree with: 0.
	check("poor reviews", certificates.LevelI, []certificates.Missing{{Reason: certificates.MissingReviewQuality, Have: 0, Need: 40}})

	// Her reviews now agree with u3's grades (100, an animator's: the
	// agreement part leaves her own review out of a peer grade), are
	// developed and rated 4 of 5 by their authors:
	// (0.5·100 + 0.2·100 + 0.3·75)/1 = 92.5.
	for _, s := range e.grades.subs {
		if s.AuthorID == "u3" {
			s.Grade.Source = grading.SourceAnimator
		}
	}
	for i, r := range e.grades.reviews {
		if r.ReviewerID == "u1" && r.Status == grading.ReviewDone {
			r.SubmissionID = fmt.Sprintf("u3-%d", r.Part)
			r.Percent = 100
			r.Comment = strings.Repeat("Une remarque précise. ", 20)
			r.Reply = &grading.Reply{Text: "Merci", Helpfulness: 4}
			e.grades.reviews[i] = r
		}
	}
	check("good reviews", certificates.LevelII, nil)
	rs, err := e.svc.Results(ctx, coord, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if q := rs[1].Input.ReviewQuality; q == nil || *q != 92.5 {
		t.Errorf("ann's review quality = %v, want 92.5", q)
	}

	// One poorly rated review too many: 4 of 6 rated 1 gives
	// helpfulness 2 (25 of 100): 0.5·100 + 0.2·100 + 0.3·25 = 77.5.
	n := 0
	for i, r := range e.grades.reviews {
		if r.ReviewerID == "u1" && r.Reply != nil && n < 4 {
			e.grades.reviews[i].Reply = &grading.Reply{Helpfulness: 1}
			n++
		}
	}
	rules.ReviewQualityMin = 90
	if err := e.svc.SetRules(ctx, coord, "s1", rules); err != nil {
		t.Fatal(err)
	}
	check("rated unhelpful", certificates.LevelI, []certificates.Missing{{Reason: certificates.MissingReviewQuality, Have: 77.5, Need: 90}})
}
