package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"librecours/app/store"
	"librecours/course"
)

// Course is the conformance suite of course.Store, course.RosterStore and
// course.FeedStore: accounts, sessions, enrolments, enrolment imports,
// invitations and calendar feeds, their races, and their backup records.
func Course(t *testing.T, open Open) {
	for _, sc := range []struct {
		name string
		run  func(t *testing.T, s store.CourseStore)
	}{
		{"Users", courseUsers},
		{"UsersSortedByName", courseUsersSorted},
		{"SetUserEmail", courseSetUserEmail},
		{"SessionNumbering", courseSessionNumbering},
		{"ListSessions", courseListSessions},
		{"SessionsOf", courseSessionsOf},
		{"OpenSessions", courseOpenSessions},
		{"ClosedSessions", courseClosedSessions},
		{"UpdatePart", courseUpdatePart},
		{"EvaluationWindow", courseEvaluationWindow},
		{"Animators", courseAnimators},
		{"CloseReopen", courseCloseReopen},
		{"Schedule", courseSchedule},
		{"EnrolCapacity", courseEnrolCapacity},
		{"EnrolmentsByUserAndSession", courseEnrolments},
		{"RosterUsers", courseRosterUsers},
		{"EnrolMany", courseEnrolMany},
		{"Invitations", courseInvitations},
		{"CalendarFeeds", courseCalendarFeeds},
		{"RaceForLastSeat", courseRaceLastSeat},
		{"RaceForSeats", courseRaceSeats},
		{"RaceSamePerson", courseRaceSamePerson},
		{"RaceEnrolMany", courseRaceEnrolMany},
		{"RaceSessionNumbers", courseRaceNumbers},
		{"RaceUseInvitation", courseRaceUseInvitation},
		{"RaceAnimators", courseRaceAnimators},
		{"ReadYourWrites", courseReadYourWrites},
		{"RandomIDs", courseRandomIDs},
	} {
		t.Run(sc.name, func(t *testing.T) { sc.run(t, open(t).Stores().Course) })
	}
	t.Run("BackupRoundTrip", func(t *testing.T) { courseBackupRoundTrip(t, open) })
}

func courseUser(email string, roles ...course.Role) *course.User {
	return &course.User{Email: email, Name: "Name " + email, Roles: roles, PasswordHash: "h", CreatedAt: T0}
}

func courseCreateUser(t *testing.T, s store.CourseStore, u *course.User) *course.User {
	t.Helper()
	if err := s.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

// courseSession creates a session of format f starting on startsOn (UTC),
// numbered by the store.
func courseSession(t testing.TB, s store.CourseStore, f course.Format, capacity int, startsOn time.Time) *course.Session {
	t.Helper()
	return createSession(t, s, f, startsOn, func(sess *course.Session) {
		sess.Capacity, sess.WorkloadHours, sess.CreatedBy = capacity, course.DefaultWorkloadHours, "c"
	})
}

// createSession creates a session of format f starting on startsOn (UTC),
// numbered by the store, with its planned parts and default settings,
// created at T0; set fills in what the scenario needs before it is stored.
func createSession(t testing.TB, s store.CourseStore, f course.Format, startsOn time.Time, set func(*course.Session)) *course.Session {
	t.Helper()
	ctx := context.Background()
	n, err := s.NextSessionNumber(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	plan := course.PlanSchedule(f, startsOn, time.UTC)
	sess := &course.Session{
		Code: course.SessionCode(f, n), Format: f, Number: n, StartsOn: plan.StartsOn, EndsOn: plan.EndsOn,
		TimeZone: "Europe/Paris", Parts: plan.Parts, Evaluation: plan.Evaluation,
		Animators: []string{}, Settings: course.DefaultSettings(), CreatedAt: T0,
	}
	set(sess)
	if err := s.CreateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	if sess.ID == "" {
		t.Fatal("CreateSession did not set the ID")
	}
	return sess
}

func courseGetSession(t *testing.T, s store.CourseStore, id string) *course.Session {
	t.Helper()
	got, err := s.SessionByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func courseWant(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: err = %v, want %v", what, err, want)
	}
}

// courseSetUserEmail: an address changes, the old one finds nobody, and
// another account's address is refused with ErrEmailTaken.
func courseSetUserEmail(t *testing.T, s store.CourseStore) {
	ctx := context.Background()
	ada := courseCreateUser(t, s, courseUser("ada@example.org"))
	courseCreateUser(t, s, courseUser("bob@example.org"))
	if err := s.SetUserEmail(ctx, ada.ID, "ada@new.example.org"); err != nil {
		t.Fatal(err)
	}
	got, err := s.UserByEmail(ctx, "ada@new.example.org")
	if err != nil || got.ID != ada.ID {
		t.Fatalf("UserByEmail(new) = %+v, %v", got, err)
	}
	_, err = s.UserByEmail(ctx, "ada@example.org")
	courseWant(t, "old address", err, course.ErrNotFound)
	courseWant(t, "taken address", s.SetUserEmail(ctx, ada.ID, "bob@example.org"), course.ErrEmailTaken)
	courseWant(t, "unknown account", s.SetUserEmail(ctx, "missing", "zoe@example.org"), course.ErrNotFound)
	if got, err = s.UserByID(ctx, ada.ID); err != nil || got.Email != "ada@new.example.org" {
		t.Fatalf("after a refused change: %+v, %v", got, err)
	}
}

func courseUsers(t *testing.T, s store.CourseStore) {
	ctx := context.Background()
	u := courseUser("ada@example.org", course.RoleParticipant)
	courseCreateUser(t, s, u)
	if u.ID == "" {
		t.Fatal("CreateUser did not set the ID")
	}
	courseWant(t, "duplicate e-mail", s.CreateUser(ctx, courseUser("ada@example.org")), course.ErrEmailTaken)
	got, err := s.UserByEmail(ctx, " ADA@example.org ")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(u, got); diff != "" {
		t.Fatalf("UserByEmail (-want +got):\n%s", diff)
	}
	if got, err = s.UserByID(ctx, u.ID); err != nil || cmp.Diff(u, got) != "" {
		t.Fatalf("UserByID = %+v, %v", got, err)
	}
	_, err = s.UserByID(ctx, "missing")
	courseWant(t, "missing user", err, course.ErrNotFound)
	_, err = s.UserByEmail(ctx, "missing@example.org")
	courseWant(t, "missing e-mail", err, course.ErrNotFound)

	for range 2 { // the second time changes nothing
		if err := s.AddUserRole(ctx, u.ID, course.RoleAnimator); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetUserLocale(ctx, u.ID, "en"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetUserPassword(ctx, u.ID, "h2"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetUserName(ctx, u.ID, "Ada L."); err != nil {
		t.Fatal(err)
	}
	want := *u
	want.Roles = []course.Role{course.RoleParticipant, course.RoleAnimator}
	want.Locale, want.PasswordHash, want.Name = "en", "h2", "Ada L."
	got, _ = s.UserByID(ctx, u.ID)
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Fatalf("after updates (-want +got):\n%s", diff)
	}
	for name, err := range map[string]error{
		"AddUserRole":     s.AddUserRole(ctx, "missing", course.RoleAnimator),
		"SetUserLocale":   s.SetUserLocale(ctx, "missing", "en"),
		"SetUserPassword": s.SetUserPassword(ctx, "missing", "h"),
		"SetUserName":     s.SetUserName(ctx, "missing", "n"),
	} {
		courseWant(t, name+" of a missing user", err, course.ErrNotFound)
	}
	// An account without roles nor locale reads back as it was written.
	bare := courseCreateUser(t, s, &course.User{Email: "bare@example.org", Name: "Bare", PasswordHash: "h", CreatedAt: T0})
	if got, err := s.UserByID(ctx, bare.ID); err != nil || len(got.Roles) != 0 || got.Locale != "" {
		t.Fatalf("bare account = %+v, %v", got, err)
	}
}

func courseNames(us []*course.User) []string {
	out := []string{}
	for _, u := range us {
		out = append(out, u.Name)
	}
	return out
}

func courseUsersSorted(t *testing.T, s store.CourseStore) {
	ctx := context.Background()
	var ids []string
	for _, n := range []string{"Zoé", "Ada", "Marc"} {
		u := courseCreateUser(t, s, &course.User{Email: fmt.Sprintf("%d@example.org", len(ids)), Name: n, Roles: []course.Role{course.RoleParticipant}, PasswordHash: "h", CreatedAt: T0})
		ids = append(ids, u.ID)
	}
	got, err := s.UsersByIDs(ctx, []string{ids[0], ids[2], "missing"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Marc", "Zoé"}, courseNames(got)); diff != "" {
		t.Fatalf("UsersByIDs (-want +got):\n%s", diff)
	}
	if got, err := s.UsersByIDs(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("UsersByIDs(nil) = %v, %v", got, err)
	}
	all, err := s.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Ada", "Marc", "Zoé"}, courseNames(all)); diff != "" {
		t.Fatalf("ListUsers (-want +got):\n%s", diff)
	}
}

func courseSessionNumbering(t *testing.T, s store.CourseStore) {
	ctx := context.Background()
	a := courseSession(t, s, course.LCIII, 0, T0)
	b := courseSession(t, s, course.LCIII, 0, T0)
	c := courseSession(t, s, course.LCVI, 0, T0)
	for _, tc := range []struct{ got, want string }{{a.Code, "LCIII-001"}, {b.Code, "LCIII-002"}, {c.Code, "LCVI-001"}} {
		if tc.got != tc.want {
			t.Errorf("code = %s, want %s", tc.got, tc.want)
		}
	}
	if diff := cmp.Diff(a, courseGetSession(t, s, a.ID)); diff != "" {
		t.Fatalf("SessionByID (-want +got):\n%s", diff)
	}
	dup := *a
	courseWant(t, "duplicate code", s.CreateSession(ctx, &dup), course.ErrConflict)
	_, err := s.SessionByID(ctx, "missing")
	courseWant(t, "missing session", err, course.ErrNotFound)
}

func courseListSessions(t *testing.T, s store.CourseStore) {
	ctx := context.Background()
	courseSession(t, s, course.LCIII, 0, T0)                    // LCIII-001
	courseSession(t, s, course.LCVI, 0, T0.AddDate(0, 0, 14))   // LCVI-001
	courseSession(t, s, course.LCIII, 0, T0.AddDate(0, 0, -14)) // LCIII-002
	courseSession(t, s, course.LCVI, 12, T0)                    // LCVI-002
	list, err := s.ListSessions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, sess := range list {
		codes = append(codes, sess.Code)
	}
	// Latest start first, then by code.
	if diff := cmp.Diff([]string{"LCVI-001", "LCIII-001", "LCVI-002", "LCIII-002"}, codes); diff != "" {
		t.Fatalf("ListSessions (-want +got):\n%s", diff)
	}
	if list[2].Capacity != 12 || len(list[2].Parts) != course.PartCount || list[2].Animators == nil {
		t.Fatalf("listed session = %+v", list[2])
	}
}

// courseOpenSessions: closed sessions are left out, a reopened one is back.
func courseOpenSessions(t *testing.T, s store.CourseStore) {
	ctx := context.Background()
	a := courseSession(t, s, course.LCIII, 0, T0)
	b := courseSession(t, s, course.LCVI, 0, T0.AddDate(0, 0, 14))
	c := courseSession(t, s, course.LCIII, 0, T0.AddDate(0, 0, -14))
	closed := T0.AddDate(0, 2, 0)
	if err := s.SetClosed(ctx, a.ID, &closed); err != nil {
		t.Fatal(err)
	}
	codes := func() []string {
		list, err := s.OpenSessions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, sess := range list {
			out = append(out, sess.Code)
		}
		return out
	}
	if diff := cmp.Diff([]string{b.Code, c.Code}, codes()); diff != "" {
		t.Fatalf("OpenSessions (-want +got):\n%s", diff)
	}
	if err := s.SetClosed(ctx, a.ID, nil); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{b.Code, a.Code, c.Code}, codes()); diff != "" {
		t.Fatalf("OpenSessions after reopening (-want +got):\n%s", diff)
	}
}

// courseClosedSessions: closed sessions a page at a time, latest start
// first, with their count; open ones never listed.
func courseClosedSessions(t *testing.T, s store.CourseStore) {
	ctx := context.Background()
	var closedCodes []string // latest start first
	for i := range 5 {
		sess := courseSession(t, s, course.LCIII, 0, T0.AddDate(0, 0, -7*i))
		at := T0.AddDate(0, 3, 0)
		if err := s.SetClosed(ctx, sess.ID, &at); err != nil {
			t.Fatal(err)
		}
		closedCodes = append(closedCodes, sess.Code)
	}
	courseSession(t, s, course.LCVI, 0, T0.AddDate(0, 0, 7)) // open
	if n, err := s.CountClosedSessions(ctx); err != nil || n != 5 {
		t.Fatalf("CountClosedSessions = %d, %v; want 5", n, err)
	}
	for _, tc := range []struct {
		offset, limit int
		want          []string
	}{{0, 2, closedCodes[:2]}, {2, 2, closedCodes[2:4]}, {4, 2, closedCodes[4:]}, {6, 2, nil}} {
		list, err := s.ClosedSessions(ctx, tc.offset, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, sess := range list {
			got = append(got, sess.Code)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ClosedSessions(%d, %d) (-want +got):\n%s", tc.offset, tc.limit, diff)
		}
	}
}

// courseSessionsOf: the sessions a person is enrolled in or animates, each
// once, latest start first; nobody else's.
func courseSessionsOf(t *testing.T, s store.CourseStore) {
	ctx := context.Background()
	a := courseSession(t, s, course.LCIII, 0, T0)                   // enrolled
	b := courseSession(t, s, course.LCVI, 0, T0.AddDate(0, 0, 14))  // animated
	c := courseSession(t, s, course.LCIII, 0, T0.AddDate(0, 0, 28)) // enrolled and animated
	courseSession(t, s, course.LCVI, 0, T0.AddDate(0, 0, 42))       // someone else's
	for _, id := range []string{a.ID, c.ID} {
		if err := s.Enrol(ctx, course.Enrolment{SessionID: id, UserID: "me", EnrolledAt: T0}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Enrol(ctx, course.Enrolment{SessionID: b.ID, UserID: "other", EnrolledAt: T0}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{b.ID, c.ID} {
		if err := s.AddAnimator(ctx, id, "me"); err != nil {
			t.Fatal(err)
		}
	}
	codes := func(user string) []string {
		list, err := s.SessionsOf(ctx, user)
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, sess := range list {
			out = append(out, sess.Code)
		}
		return out
	}
	if diff := cmp.Diff([]string{c.Code, b.Code, a.Code}, codes("me")); diff != "" {
		t.Fatalf("SessionsOf(me) (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{b.Code}, codes("other")); diff != "" {
		t.Fatalf("SessionsOf(other) (-want +got):\n%s", diff)
	}
	if got := codes("nobody"); len(got) != 0 {
		t.Fatalf("SessionsOf(nobody) = %v", got)
	}
}

func courseUpdatePart(t *testing.T, s store.CourseStore) {
	ctx := context.Background()
	a := courseSession(t, s, course.LCIII, 0, T0)
	p := a.Parts[2]
	p.Title = "Creative Commons, en pratique"
	p.ReviewDue = p.ReviewDue.Add(24 * time.Hour)
	if err := s.UpdatePart(ctx, a.ID, p); err != nil {
		t.Fatal(err)
	}
	want := *a
	want.Parts = slices.Clone(a.Parts)
	want.Parts[2] = p
	if diff := cmp.Diff(&want, courseGetSession(t, s, a.ID)); diff != "" {
		t.Fatalf("after UpdatePart (-want +got):\n%s", diff)
	}
	p.Number = 9
	courseWant(t, "missing part", s.UpdatePart(ctx, a.ID, p), course.ErrNotFound)
	p.Number = 0
	courseWant(t, "part 0", s.UpdatePart(ctx, a.ID, p), course.ErrNotFound)
	courseWant(t, "missing session", s.UpdatePart(ctx, "missing", a.Parts[0]), course.ErrNotFound)
}

func courseEvaluationWindow(t *testing.T, s store.CourseStore) {
	ctx := context.Background()
	a := courseSession(t, s, course.LCVI, 0, T0)
	w := course.Window{OpensAt: a.Evaluation.OpensAt.Add(-48 * time.Hour), Due: a.Evaluation.Due.Add(72 * time.Hour)}
	if err := s.UpdateEvaluationWindow(ctx, a.ID, w); err != nil {
		t.Fatal(err)
	}
	want := *a
	want.Evaluation = w
	if diff := cmp.Diff(&want, courseGetSession(t, s, a.ID)); diff != "" {
		t.Fatalf("after UpdateEvaluationWindow (-want +got):\n%s", diff)
	}
	courseWant(t, "missing session", s.UpdateEvaluationWindow(ctx, "missing", w), course.ErrNotFound)
}

func courseAnimators(t *testing.T, s store.CourseStore) {
	ctx := context.Background()
	a := courseSession(t, s, course.LCIII, 0, T0)
	for _, id := range []string{"anim", "anim", "bob"} {
		if err := s.AddAnimator(ctx, a.ID, id); err != nil {
			t.Fatal(err)
		}
	}
	got := courseGetSession(t, s, a.ID)
	if diff := cmp.Diff([]string{"anim", "bob"}, got.Animators); diff != "" {
		t.Fatalf("animators (-want +got):\n%s", diff)
	}
	if !got.HasAnimator("bob") || got.HasAnimator("carol") {
		t.Fatalf("HasAnimator wrong for %v", got.Animators)
	}
	courseWant(t, "missing session", s.AddAnimator(ctx, "missing", "anim"), course.ErrNotFound)

	// A session created with its animators keeps them, in order.
	plan := course.PlanSchedule(course.LCVI, T0, time.UTC)
	b := &course.Session{Code: "LCVI-900", Format: course.LCVI, Number: 900, StartsOn: plan.StartsOn, EndsOn: plan.EndsOn,
		TimeZone: "UTC", Parts: plan.Parts, Evaluation: plan.Evaluation, Animators: []string{"zed", "amy"},
		Settings: course.Settings{ReviewsPerSubmission: 2, CommentMinLength: 0, AcceptLate: false}, WorkloadHours: 12, CreatedAt: T0, CreatedBy: "c"}
	if err := s.CreateSession(ctx, b); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(b, courseGetSession(t, s, b.ID)); diff != "" {
		t.Fatalf("session with animators (-want +got):\n%s", diff)
	}
}

func courseCloseReopen(t *testing.T, s store.CourseStore) {
	ctx := context.Background()
	a := courseSession(t, s, course.LCIII, 0, T0)
	at := T0.Add(30 * 24 * time.Hour)
	if err := s.SetClosed(ctx, a.ID, &at); err != nil {
		t.Fatal(err)
	}
	got := courseGetSession(t, s, a.ID)
	if got.ClosedAt == nil || !got.ClosedAt.Equal(at) || got.Status(at) != course.StatusClosed {
		t.Fatalf("closed at = %v", got.ClosedAt)
	}
	if err := s.SetClosed(ctx, a.ID, nil); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, courseGetSession(t, s, a.ID)); diff != "" {
		t.Fatalf("reopened (-want +got):\n%s", diff)
	}
	courseWant(t, "missing session", s.SetClosed(ctx, "missing", &at), course.ErrNotFound)
}

func courseSchedule(t *testing.T, s store.CourseStore) {
	ctx := context.Background()
	a := courseSession(t, s, course.LCIII, 0, T0)
	if err := s.AddAnimator(ctx, a.ID, "anim"); err != nil {
		t.Fatal(err)
	}
	plan := course.PlanSchedule(course.LCIII, T0.AddDate(0, 0, 7), time.UTC)
	if err := s.SetSchedule(ctx, a.ID, plan); err != nil {
		t.Fatal(err)
	}
	want := *a
	want.StartsOn, want.EndsOn, want.Parts, want.Evaluation = plan.StartsOn, plan.EndsOn, plan.Parts, plan.Evaluation
	want.Animators = []string{"anim"}
	if diff := cmp.Diff(&want, courseGetSession(t, s, a.ID)); diff != "" {
		t.Fatalf("after SetSchedule (-want +got):\n%s", diff)
	}
	courseWant(t, "missing session", s.SetSchedule(ctx, "missing", plan), course.ErrNotFound)
}

func courseEnrolCapacity(t *testing.T, s store.CourseStore) {
	ctx := context.Background()
	sess := courseSession(t, s, course.LCVI, 2, T0)
	enrol := func(u string) error {
		return s.Enrol(ctx, course.Enrolment{SessionID: sess.ID, UserID: u, EnrolledAt: T0})
	}
	if err := enrol("u1"); err != nil {
		t.Fatal(err)
	}
	courseWant(t, "second enrolment", enrol("u1"), course.ErrAlreadyEnrolled)
	if err := enrol("u2"); err != nil {
		t.Fatal(err)
	}
	courseWant(t, "over capacity", enrol("u3"), course.ErrSessionFull)
	courseWant(t, "already enrolled in a full session", enrol("u2"), course.ErrAlreadyEnrolled)
	courseWant(t, "capacity below enrolled", s.SetCapacity(ctx, sess.ID, 1), course.ErrCapacityTooSmall)
	courseWant(t, "capacity of a missing session", s.SetCapacity(ctx, "missing", 5), course.ErrNotFound)
	if err := s.SetCapacity(ctx, sess.ID, 2); err != nil { // equal to the enrolled count
		t.Fatal(err)
	}
	if err := s.SetCapacity(ctx, sess.ID, 0); err != nil {
		t.Fatal(err)
	}
	if err := enrol("u3"); err != nil {
		t.Fatal(err)
	}
	got := courseGetSession(t, s, sess.ID)
	if got.Enrolled != 3 || got.Capacity != 0 || got.Full() {
		t.Fatalf("enrolled = %d, capacity %d; want 3 and 0", got.Enrolled, got.Capacity)
	}
	if err := s.SetCapacity(ctx, sess.ID, 3); err != nil {
		t.Fatal(err)
	}
	if got := courseGetSession(t, s, sess.ID); !got.Full() {
		t.Fatalf("session at capacity not full: %d/%d", got.Enrolled, got.Capacity)
	}
	courseWant(t, "missing session", s.Enrol(ctx, course.Enrolment{SessionID: "missing", UserID: "u1", EnrolledAt: T0}), course.ErrNotFound)
	if ok, err := s.IsEnrolled(ctx, sess.ID, "u3"); err != nil || !ok {
		t.Fatalf("IsEnrolled(u3) = %v, %v", ok, err)
	}
	if ok, err := s.IsEnrolled(ctx, sess.ID, "u9"); err != nil || ok {
		t.Fatalf("IsEnrolled(u9) = %v, %v", ok, err)
	}
}

func courseEnrolments(t *testing.T, s store.CourseStore) {
	ctx := context.Background()
	a := courseSession(t, s, course.LCIII, 0, T0)
	b := courseSession(t, s, course.LCVI, 0, T0)
	for i, e := range []course.Enrolment{
		{SessionID: a.ID, UserID: "u2"},
		{SessionID: a.ID, UserID: "u1"},
		{SessionID: b.ID, UserID: "u1"},
		{SessionID: a.ID, UserID: "u3"},
	} {
		e.EnrolledAt = T0.Add(time.Duration(i) * time.Minute)
		if err := s.Enrol(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	bySession, err := s.EnrolmentsBySession(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []course.Enrolment{
		{SessionID: a.ID, UserID: "u2", EnrolledAt: T0},
		{SessionID: a.ID, UserID: "u1", EnrolledAt: T0.Add(time.Minute)},
		{SessionID: a.ID, UserID: "u3", EnrolledAt: T0.Add(3 * time.Minute)},
	}
	if diff := cmp.Diff(want, bySession); diff != "" {
		t.Fatalf("EnrolmentsBySession, first enrolled first (-want +got):\n%s", diff)
	}
	byUser, err := s.EnrolmentsByUser(ctx, "u1")
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(byUser, func(i, j int) bool { return byUser[i].EnrolledAt.Before(byUser[j].EnrolledAt) })
	wantUser := []course.Enrolment{
		{SessionID: a.ID, UserID: "u1", EnrolledAt: T0.Add(time.Minute)},
		{SessionID: b.ID, UserID: "u1", EnrolledAt: T0.Add(2 * time.Minute)},
	}
	if diff := cmp.Diff(wantUser, byUser); diff != "" {
		t.Fatalf("EnrolmentsByUser (-want +got):\n%s", diff)
	}
	if es, err := s.EnrolmentsByUser(ctx, "nobody"); err != nil || len(es) != 0 {
		t.Fatalf("EnrolmentsByUser(nobody) = %v, %v", es, err)
	}
	if es, err := s.EnrolmentsBySession(ctx, "missing"); err != nil || len(es) != 0 {
		t.Fatalf("EnrolmentsBySession(missing) = %v, %v", es, err)
	}
	if got := courseGetSession(t, s, a.ID); got.Enrolled != 3 {
		t.Fatalf("enrolled = %d, want 3", got.Enrolled)
	}
}

func courseRosterUsers(t *testing.T, s store.CourseStore) {
	ctx := context.Background()
	courseCreateUser(t, s, courseUser("taken@example.org", course.RoleParticipant))
	batch := []*course.User{courseUser("a@example.org", course.RoleParticipant), courseUser("b@example.org", course.RoleParticipant)}
	if err := s.CreateUsers(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if batch[0].ID == "" || batch[1].ID == "" || batch[0].ID == batch[1].ID {
		t.Fatalf("CreateUsers set IDs %q and %q", batch[0].ID, batch[1].ID)
	}
	got, err := s.UsersByEmails(ctx, []string{"b@example.org", "a@example.org", "missing@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(batch, got); diff != "" {
		t.Fatalf("UsersByEmails (-want +got):\n%s", diff)
	}
	if got, err := s.UsersByEmails(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("UsersByEmails(nil) = %v, %v", got, err)
	}
	count := func() int {
		t.Helper()
		all, err := s.ListUsers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return len(all)
	}
	// A taken address in the middle of a batch, or twice in the batch:
	// none of it stays.
	for _, bad := range [][]*course.User{
		{courseUser("c@example.org"), courseUser("taken@example.org"), courseUser("d@example.org")},
		{courseUser("e@example.org"), courseUser("e@example.org")},
	} {
		courseWant(t, "CreateUsers with a taken address", s.CreateUsers(ctx, bad), course.ErrEmailTaken)
		if n := count(); n != 3 {
			t.Fatalf("%d accounts after a refused batch, want 3", n)
		}
		// Deleting the IDs it set is safe whatever happened.
		var ids []string
		for _, u := range bad {
			ids = append(ids, u.ID)
		}
		if err := s.DeleteUsers(ctx, ids); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.UserByEmail(ctx, "c@example.org"); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("an account of a refused batch: %v", err)
	}
	if err := s.CreateUsers(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.SetUserName(ctx, batch[0].ID, "Ada"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUsers(ctx, []string{batch[1].ID, "missing"}); err != nil {
		t.Fatal(err)
	}
	if u, err := s.UserByID(ctx, batch[0].ID); err != nil || u.Name != "Ada" {
		t.Fatalf("renamed: %+v %v", u, err)
	}
	_, err = s.UserByID(ctx, batch[1].ID)
	courseWant(t, "deleted account", err, course.ErrNotFound)
	if err := s.DeleteUsers(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 2 {
		t.Fatalf("%d accounts, want 2", n)
	}
}

func courseEnrolMany(t *testing.T, s store.CourseStore) {
	ctx := context.Background()
	sess := courseSession(t, s, course.LCIII, 3, T0)
	enrol := func(ids ...string) []course.Enrolment {
		var es []course.Enrolment
		for _, id := range ids {
			es = append(es, course.Enrolment{SessionID: sess.ID, UserID: id, EnrolledAt: T0})
		}
		return es
	}
	check := func(wantEnrolled int, wantUsers ...string) {
		t.Helper()
		got := courseGetSession(t, s, sess.ID)
		if got.Enrolled != wantEnrolled {
			t.Fatalf("enrolled = %d, want %d", got.Enrolled, wantEnrolled)
		}
		es, err := s.EnrolmentsBySession(ctx, sess.ID)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, e := range es {
			ids = append(ids, e.UserID)
			if !e.EnrolledAt.Equal(T0) {
				t.Fatalf("enrolled at %s", e.EnrolledAt)
			}
		}
		slices.Sort(ids)
		if !slices.Equal(ids, wantUsers) {
			t.Fatalf("enrolments %v, want %v", ids, wantUsers)
		}
		for _, id := range wantUsers {
			if ok, _ := s.IsEnrolled(ctx, sess.ID, id); !ok {
				t.Fatalf("%s not enrolled", id)
			}
		}
	}
	if err := s.EnrolMany(ctx, sess.ID, "b1", enrol("u1", "u2")); err != nil {
		t.Fatal(err)
	}
	check(2, "u1", "u2")
	courseWant(t, "over capacity", s.EnrolMany(ctx, sess.ID, "b2", enrol("u3", "u4")), course.ErrSessionFull)
	check(2, "u1", "u2")
	if err := s.SetCapacity(ctx, sess.ID, 0); err != nil {
		t.Fatal(err)
	}
	// u2 is already enrolled: the whole batch is undone (u0 and u5 too,
	// and their seats), and u2's own enrolment stays.
	courseWant(t, "a batch with someone enrolled", s.EnrolMany(ctx, sess.ID, "b3", enrol("u0", "u2", "u5")), course.ErrAlreadyEnrolled)
	check(2, "u1", "u2")
	courseWant(t, "unknown session", s.EnrolMany(ctx, "nope", "b4", enrol("u9")), course.ErrNotFound)
	if err := s.EnrolMany(ctx, sess.ID, "b5", nil); err != nil {
		t.Fatal(err)
	}
	if err := s.EnrolMany(ctx, sess.ID, "b5", enrol("u0", "u5")); err != nil {
		t.Fatal(err)
	}
	check(4, "u0", "u1", "u2", "u5")
	// Exactly the seats left.
	if err := s.SetCapacity(ctx, sess.ID, 6); err != nil {
		t.Fatal(err)
	}
	if err := s.EnrolMany(ctx, sess.ID, "b6", enrol("u6", "u7")); err != nil {
		t.Fatal(err)
	}
	check(6, "u0", "u1", "u2", "u5", "u6", "u7")
	courseWant(t, "one past capacity", s.Enrol(ctx, enrol("u8")[0]), course.ErrSessionFull)
}

func courseInvitations(t *testing.T, s store.CourseStore) {
	ctx := context.Background()
	exp := T0.Add(course.InvitationTTL)
	invs := []course.Invitation{
		{TokenHash: "h1", UserID: "u1", Email: "a@example.org", SessionID: "s", CreatedAt: T0, ExpiresAt: exp},
		{TokenHash: "h2", UserID: "u2", Email: "b@example.org", SessionID: "s", CreatedAt: T0, ExpiresAt: exp},
		{TokenHash: "h3", UserID: "u3", Email: "c@example.org", SessionID: "s", CreatedAt: T0, ExpiresAt: exp},
	}
	if err := s.CreateInvitations(ctx, invs); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateInvitations(ctx, nil); err != nil {
		t.Fatal(err)
	}
	got, err := s.InvitationByHash(ctx, "h1")
	if err != nil || cmp.Diff(invs[0], *got) != "" {
		t.Fatalf("InvitationByHash = %+v, %v", got, err)
	}
	_, err = s.InvitationByHash(ctx, "nope")
	courseWant(t, "unknown invitation", err, course.ErrNotFound)
	if err := s.UseInvitation(ctx, "h1", T0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	courseWant(t, "second use", s.UseInvitation(ctx, "h1", T0.Add(time.Hour)), course.ErrNotFound)
	_, err = s.InvitationByHash(ctx, "h1")
	courseWant(t, "used invitation", err, course.ErrNotFound)
	courseWant(t, "unknown invitation used", s.UseInvitation(ctx, "nope", T0), course.ErrNotFound)

	pending, err := s.PendingInvitations(ctx, []string{"u1", "u2", "u3", "u9"})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(pending, func(i, j int) bool { return pending[i].TokenHash < pending[j].TokenHash })
	if diff := cmp.Diff(invs[1:], pending); diff != "" {
		t.Fatalf("PendingInvitations without the used one (-want +got):\n%s", diff)
	}
	if p, err := s.PendingInvitations(ctx, nil); err != nil || len(p) != 0 {
		t.Fatalf("PendingInvitations(nil) = %v, %v", p, err)
	}

	if err := s.RestoreInvitation(ctx, "h1"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.InvitationByHash(ctx, "h1"); err != nil || cmp.Diff(invs[0], *got) != "" {
		t.Fatalf("restored invitation = %+v, %v", got, err)
	}
	if err := s.UseInvitation(ctx, "h1", T0.Add(2*time.Hour)); err != nil {
		t.Fatalf("restored invitation: %v", err)
	}
	// Expired at its expiry: not usable, but still pending (renewable).
	courseWant(t, "expired invitation", s.UseInvitation(ctx, "h2", exp), course.ErrNotFound)
	if p, err := s.PendingInvitations(ctx, []string{"u2"}); err != nil || len(p) != 1 {
		t.Fatalf("expired invitation pending = %v, %v", p, err)
	}
	if err := s.UseInvitation(ctx, "h2", exp.Add(-time.Millisecond)); err != nil {
		t.Fatalf("invitation just before expiry: %v", err)
	}

	if err := s.DeleteInvitations(ctx, []string{"u3", "u9"}); err != nil {
		t.Fatal(err)
	}
	_, err = s.InvitationByHash(ctx, "h3")
	courseWant(t, "deleted invitation", err, course.ErrNotFound)
	if err := s.DeleteInvitations(ctx, nil); err != nil {
		t.Fatal(err)
	}
	// A new invitation replacing a deleted one.
	renewed := course.Invitation{TokenHash: "h4", UserID: "u3", Email: "c@example.org", SessionID: "s", CreatedAt: T0.Add(time.Hour), ExpiresAt: exp.Add(time.Hour)}
	if err := s.CreateInvitations(ctx, []course.Invitation{renewed}); err != nil {
		t.Fatal(err)
	}
	if p, err := s.PendingInvitations(ctx, []string{"u3"}); err != nil || cmp.Diff([]course.Invitation{renewed}, p) != "" {
		t.Fatalf("renewed invitation pending = %v, %v", p, err)
	}
}

func courseCalendarFeeds(t *testing.T, s store.CourseStore) {
	ctx := context.Background()
	put := func(hash, sessionID, userID string) {
		t.Helper()
		if err := s.PutCalendarFeed(ctx, course.CalendarFeed{SessionID: sessionID, UserID: userID, TokenHash: hash, CreatedAt: T0}); err != nil {
			t.Fatal(err)
		}
	}
	put("h1", "s1", "u1")
	put("h2", "s2", "u1")
	put("h3", "s1", "u2")
	f, err := s.CalendarFeedByHash(ctx, "h1")
	if err != nil || cmp.Diff(course.CalendarFeed{SessionID: "s1", UserID: "u1", TokenHash: "h1", CreatedAt: T0}, *f) != "" {
		t.Fatalf("CalendarFeedByHash = %+v, %v", f, err)
	}
	put("h4", "s1", "u1") // a new address replaces the old one
	_, err = s.CalendarFeedByHash(ctx, "h1")
	courseWant(t, "replaced feed", err, course.ErrNotFound)
	if f, err := s.CalendarFeed(ctx, "s1", "u1"); err != nil || f.TokenHash != "h4" {
		t.Fatalf("CalendarFeed = %+v, %v", f, err)
	}
	if err := s.DeleteCalendarFeed(ctx, "s1", "u1"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteCalendarFeed(ctx, "s1", "u1"); err != nil {
		t.Fatalf("revoking twice: %v", err)
	}
	_, err = s.CalendarFeed(ctx, "s1", "u1")
	courseWant(t, "revoked feed", err, course.ErrNotFound)
	_, err = s.CalendarFeedByHash(ctx, "h4")
	courseWant(t, "revoked feed by hash", err, course.ErrNotFound)
	for _, h := range []string{"h2", "h3"} {
		if _, err := s.CalendarFeedByHash(ctx, h); err != nil {
			t.Fatalf("another feed %s: %v", h, err)
		}
	}
}

// courseRace runs fn(i) for i in [0, n) from n goroutines released at once
// and returns their errors.
func courseRace(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	together(n, func(i int) { errs[i] = fn(i) })
	return errs
}

// courseRaceEnrol lets n people race for capacity seats and checks that
// exactly capacity of them got one.
func courseRaceEnrol(t *testing.T, s store.CourseStore, n, capacity int) {
	ctx := context.Background()
	sess := courseSession(t, s, course.LCIII, capacity, T0)
	errs := courseRace(n, func(i int) error {
		return s.Enrol(ctx, course.Enrolment{SessionID: sess.ID, UserID: fmt.Sprintf("u%02d", i), EnrolledAt: T0})
	})
	ok := wins(t, "enrol", errs, course.ErrSessionFull)
	got := courseGetSession(t, s, sess.ID)
	es, err := s.EnrolmentsBySession(ctx, sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ok != capacity || got.Enrolled != capacity || len(es) != capacity {
		t.Fatalf("accepted %d, counter %d, enrolments %d; want %d each", ok, got.Enrolled, len(es), capacity)
	}
}

func courseRaceLastSeat(t *testing.T, s store.CourseStore) { courseRaceEnrol(t, s, 2, 1) }

func courseRaceSeats(t *testing.T, s store.CourseStore) { courseRaceEnrol(t, s, 20, 5) }

// courseRaceSamePerson: one person enrolling twice at once gets one seat.
func courseRaceSamePerson(t *testing.T, s store.CourseStore) {
	ctx := context.Background()
	sess := courseSession(t, s, course.LCVI, 0, T0)
	errs := courseRace(4, func(int) error {
		return s.Enrol(ctx, course.Enrolment{SessionID: sess.ID, UserID: "u1", EnrolledAt: T0})
	})
	ok := wins(t, "enrol", errs, course.ErrAlreadyEnrolled)
	if got := courseGetSession(t, s, sess.ID); ok != 1 || got.Enrolled != 1 {
		t.Fatalf("accepted %d, counter %d; want 1 each", ok, got.Enrolled)
	}
}

// courseRaceEnrolMany: two imports of 3 people race for 4 seats; one wins
// whole, the other leaves nothing.
func courseRaceEnrolMany(t *testing.T, s store.CourseStore) {
	ctx := context.Background()
	sess := courseSession(t, s, course.LCVI, 4, T0)
	errs := courseRace(2, func(i int) error {
		var es []course.Enrolment
		for j := range 3 {
			es = append(es, course.Enrolment{SessionID: sess.ID, UserID: fmt.Sprintf("b%d-u%d", i, j), EnrolledAt: T0})
		}
		return s.EnrolMany(ctx, sess.ID, fmt.Sprintf("batch%d", i), es)
	})
	ok := wins(t, "EnrolMany", errs, course.ErrSessionFull)
	es, err := s.EnrolmentsBySession(ctx, sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := courseGetSession(t, s, sess.ID); ok != 1 || got.Enrolled != 3 || len(es) != 3 {
		t.Fatalf("batches accepted %d, counter %d, enrolments %d; want 1, 3, 3", ok, got.Enrolled, len(es))
	}
}

// courseRaceNumbers: session numbers taken from many goroutines at once are
// all different, and none is lost.
func courseRaceNumbers(t *testing.T, s store.CourseStore) {
	ctx := context.Background()
	const n = 24
	nums := make([]int, n)
	errs := courseRace(n, func(i int) error {
		var err error
		nums[i], err = s.NextSessionNumber(ctx, course.LCVI)
		return err
	})
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	slices.Sort(nums)
	for i, v := range nums {
		if v != i+1 {
			t.Fatalf("numbers %v, want 1..%d each once", nums, n)
		}
	}
	if next, err := s.NextSessionNumber(ctx, course.LCVI); err != nil || next != n+1 {
		t.Fatalf("next = %d, %v; want %d", next, err, n+1)
	}
	if other, err := s.NextSessionNumber(ctx, course.LCIII); err != nil || other != 1 {
		t.Fatalf("other format = %d, %v; want 1", other, err)
	}
}

// courseRaceUseInvitation: of several uses of one invitation at once,
// exactly one succeeds.
func courseRaceUseInvitation(t *testing.T, s store.CourseStore) {
	ctx := context.Background()
	inv := course.Invitation{TokenHash: "h", UserID: "u", Email: "u@example.org", SessionID: "s", CreatedAt: T0, ExpiresAt: T0.Add(course.InvitationTTL)}
	if err := s.CreateInvitations(ctx, []course.Invitation{inv}); err != nil {
		t.Fatal(err)
	}
	errs := courseRace(4, func(int) error { return s.UseInvitation(ctx, "h", T0.Add(time.Hour)) })
	ok := wins(t, "use", errs, course.ErrNotFound)
	if ok != 1 {
		t.Fatalf("%d uses succeeded, want 1", ok)
	}
}

// courseRaceAnimators: animators added at once are all kept.
func courseRaceAnimators(t *testing.T, s store.CourseStore) {
	ctx := context.Background()
	sess := courseSession(t, s, course.LCIII, 0, T0)
	const n = 8
	errs := courseRace(n, func(i int) error { return s.AddAnimator(ctx, sess.ID, fmt.Sprintf("a%d", i)) })
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	got := slices.Sorted(slices.Values(courseGetSession(t, s, sess.ID).Animators))
	var want []string
	for i := range n {
		want = append(want, fmt.Sprintf("a%d", i))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("animators (-want +got):\n%s", diff)
	}
}

// courseReadYourWrites: every goroutine reads back what it has just written.
func courseReadYourWrites(t *testing.T, s store.CourseStore) {
	ctx := context.Background()
	sess := courseSession(t, s, course.LCVI, 0, T0)
	errs := courseRace(16, func(i int) error {
		u := courseUser(fmt.Sprintf("rw%02d@example.org", i), course.RoleParticipant)
		if err := s.CreateUser(ctx, u); err != nil {
			return err
		}
		got, err := s.UserByID(ctx, u.ID)
		if err != nil {
			return fmt.Errorf("read back a new account: %w", err)
		}
		if got.Email != u.Email {
			return fmt.Errorf("read back %s, want %s", got.Email, u.Email)
		}
		for k := range 3 {
			name := fmt.Sprintf("Name %d.%d", i, k)
			if err := s.SetUserName(ctx, u.ID, name); err != nil {
				return err
			}
			if got, err := s.UserByEmail(ctx, u.Email); err != nil || got.Name != name {
				return fmt.Errorf("after renaming to %q, read %+v, %v", name, got, err)
			}
		}
		if err := s.AddUserRole(ctx, u.ID, course.RoleAnimator); err != nil {
			return err
		}
		if got, err := s.UserByID(ctx, u.ID); err != nil || !got.Has(course.RoleAnimator) {
			return fmt.Errorf("after AddUserRole, read %+v, %v", got, err)
		}
		if err := s.Enrol(ctx, course.Enrolment{SessionID: sess.ID, UserID: u.ID, EnrolledAt: T0}); err != nil {
			return err
		}
		if ok, err := s.IsEnrolled(ctx, sess.ID, u.ID); err != nil || !ok {
			return fmt.Errorf("after Enrol, IsEnrolled = %v, %v", ok, err)
		}
		return nil
	})
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if got := courseGetSession(t, s, sess.ID); got.Enrolled != 16 {
		t.Fatalf("enrolled = %d, want 16", got.Enrolled)
	}
}

// courseCollections are the backup collections of this suite.
var courseCollections = []string{"users", "counters", "sessions", "enrolments", "invitations", "calendar_feeds"}

// courseRecords keeps the JSON of exported records of the course
// collections, and reads them back as a backup does.
type courseRecords map[string][]json.RawMessage

func (m courseRecords) Write(collection string, rec any) error {
	if !slices.Contains(courseCollections, collection) {
		return nil
	}
	return memRecords(m).Write(collection, rec)
}

func (m courseRecords) Read(collection string, fn func(decode func(v any) error) error) error {
	for _, data := range m[collection] {
		err := fn(func(v any) error {
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.DisallowUnknownFields()
			return dec.Decode(v)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// sorted returns each collection's records as sorted JSON lines.
func (m courseRecords) sorted() map[string][]string {
	out := memRecords(m).strings(courseCollections...)
	for _, lines := range out {
		slices.Sort(lines)
	}
	return out
}

func courseExpect(t *testing.T, recs map[string][]any) map[string][]string {
	t.Helper()
	m := courseRecords{}
	for c, rs := range recs {
		for _, r := range rs {
			if err := m.Write(c, r); err != nil {
				t.Fatal(err)
			}
		}
	}
	return m.sorted()
}

// courseBackupRoundTrip: the course collections export as exactly the
// store-neutral records (so a backup of one backend restores into the
// other), and import into an empty backend that then behaves the same.
func courseBackupRoundTrip(t *testing.T, open Open) {
	ctx := context.Background()
	b := open(t)
	s := b.Stores().Course

	ada := courseCreateUser(t, s, &course.User{Email: "ada@example.org", Name: "Ada", Roles: []course.Role{course.RoleCoordinator, course.RoleParticipant}, PasswordHash: "h1", Locale: "fr", CreatedAt: T0})
	bob := courseCreateUser(t, s, &course.User{Email: "bob@example.org", Name: "Bob", PasswordHash: "h2", CreatedAt: T0.Add(time.Second)})
	a := courseSession(t, s, course.LCIII, 3, T0)
	c := courseSession(t, s, course.LCIII, 0, T0.AddDate(0, 0, 7))
	v := courseSession(t, s, course.LCVI, 0, T0)
	if err := s.AddAnimator(ctx, a.ID, bob.ID); err != nil {
		t.Fatal(err)
	}
	closed := T0.Add(40 * 24 * time.Hour)
	if err := s.SetClosed(ctx, c.ID, &closed); err != nil {
		t.Fatal(err)
	}
	if err := s.Enrol(ctx, course.Enrolment{SessionID: a.ID, UserID: ada.ID, EnrolledAt: T0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := s.EnrolMany(ctx, v.ID, "batch-1", []course.Enrolment{{SessionID: v.ID, UserID: bob.ID, EnrolledAt: T0.Add(2 * time.Minute)}}); err != nil {
		t.Fatal(err)
	}
	exp := T0.Add(course.InvitationTTL)
	invs := []course.Invitation{
		{TokenHash: "inv-used", UserID: ada.ID, Email: ada.Email, SessionID: a.ID, CreatedAt: T0, ExpiresAt: exp},
		{TokenHash: "inv-open", UserID: bob.ID, Email: bob.Email, SessionID: v.ID, CreatedAt: T0, ExpiresAt: exp},
	}
	if err := s.CreateInvitations(ctx, invs); err != nil {
		t.Fatal(err)
	}
	usedAt := T0.Add(3 * time.Hour)
	if err := s.UseInvitation(ctx, "inv-used", usedAt); err != nil {
		t.Fatal(err)
	}
	feed := course.CalendarFeed{SessionID: a.ID, UserID: bob.ID, TokenHash: "feed-1", CreatedAt: T0.Add(time.Hour)}
	if err := s.PutCalendarFeed(ctx, feed); err != nil {
		t.Fatal(err)
	}

	sessions := []any{}
	for _, sess := range []*course.Session{a, c, v} {
		sessions = append(sessions, courseGetSession(t, s, sess.ID))
	}
	if got := sessions[0].(*course.Session); got.Enrolled != 1 || len(got.Animators) != 1 {
		t.Fatalf("session a = %+v", got)
	}
	want := courseExpect(t, map[string][]any{
		"users":    {ada, bob},
		"counters": {store.Counter{Name: "session:LCIII", Value: 2}, store.Counter{Name: "session:LCVI", Value: 1}},
		"sessions": sessions,
		"enrolments": {
			store.EnrolmentRecord{Enrolment: course.Enrolment{SessionID: a.ID, UserID: ada.ID, EnrolledAt: T0.Add(time.Minute)}},
			store.EnrolmentRecord{Enrolment: course.Enrolment{SessionID: v.ID, UserID: bob.ID, EnrolledAt: T0.Add(2 * time.Minute)}, Batch: "batch-1"},
		},
		"invitations": {
			store.InvitationRecord{Invitation: invs[0], Used: true, UsedAt: &usedAt},
			store.InvitationRecord{Invitation: invs[1]},
		},
		"calendar_feeds": {feed},
	})

	first := courseRecords{}
	if err := b.Export(ctx, first); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, first.sorted()); diff != "" {
		t.Fatalf("exported records (-want +got):\n%s", diff)
	}

	b2 := open(t)
	if err := b2.Import(ctx, first); err != nil {
		t.Fatal(err)
	}
	again := courseRecords{}
	if err := b2.Export(ctx, again); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, again.sorted()); diff != "" {
		t.Fatalf("records after a round trip (-want +got):\n%s", diff)
	}

	// The restored store works on: unique e-mails, counters, seats,
	// enrolments, invitations and feeds.
	s2 := b2.Stores().Course
	if got, err := s2.UserByEmail(ctx, "ada@example.org"); err != nil || cmp.Diff(ada, got) != "" {
		t.Fatalf("restored account = %+v, %v", got, err)
	}
	courseWant(t, "restored unique e-mail", s2.CreateUser(ctx, courseUser("bob@example.org")), course.ErrEmailTaken)
	if n := courseSession(t, s2, course.LCIII, 0, T0); n.Code != "LCIII-003" {
		t.Fatalf("restored counter gave %s, want LCIII-003", n.Code)
	}
	courseWant(t, "restored enrolment", s2.Enrol(ctx, course.Enrolment{SessionID: a.ID, UserID: ada.ID, EnrolledAt: T0}), course.ErrAlreadyEnrolled)
	for _, u := range []string{"x1", "x2"} {
		if err := s2.Enrol(ctx, course.Enrolment{SessionID: a.ID, UserID: u, EnrolledAt: T0}); err != nil {
			t.Fatal(err)
		}
	}
	courseWant(t, "restored capacity", s2.Enrol(ctx, course.Enrolment{SessionID: a.ID, UserID: "x3", EnrolledAt: T0}), course.ErrSessionFull)
	_, err := s2.InvitationByHash(ctx, "inv-used")
	courseWant(t, "restored used invitation", err, course.ErrNotFound)
	if got, err := s2.InvitationByHash(ctx, "inv-open"); err != nil || cmp.Diff(invs[1], *got) != "" {
		t.Fatalf("restored invitation = %+v, %v", got, err)
	}
	if got, err := s2.CalendarFeedByHash(ctx, "feed-1"); err != nil || cmp.Diff(feed, *got) != "" {
		t.Fatalf("restored feed = %+v, %v", got, err)
	}
	if got := courseGetSession(t, s2, c.ID); got.ClosedAt == nil || !got.ClosedAt.Equal(closed) {
		t.Fatalf("restored closed session = %+v", got)
	}
}

// courseRandomIDs: the IDs a store gives people are 128 random bits in hex,
// never time-ordered (an ObjectID's leading timestamp and trailing counter
// let one guess others' IDs from one's own: issue #12).
func courseRandomIDs(t *testing.T, s store.CourseStore) {
	var ids []string
	for i := range 8 {
		ids = append(ids, courseCreateUser(t, s, courseUser(fmt.Sprintf("u%d@example.org", i))).ID)
	}
	CheckRandomIDs(t, ids)
}

// CheckRandomIDs fails unless every ID is 32 lower-case hex digits (128
// bits) and no two consecutive IDs share their first 6 digits, as
// time-ordered IDs made in one run do (an ObjectID starts with the second).
func CheckRandomIDs(t *testing.T, ids []string) {
	t.Helper()
	for i, id := range ids {
		if len(id) != 32 || strings.Trim(id, "0123456789abcdef") != "" {
			t.Errorf("ID %q is not 128 bits of hex", id)
		}
		if i == 0 {
			continue
		}
		if p := ids[i-1]; len(p) >= 6 && len(id) >= 6 && p[:6] == id[:6] {
			t.Errorf("IDs %q and %q look time-ordered", p, id)
		}
	}
}
