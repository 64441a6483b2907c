package mongostore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"librecours/app/embeddb"
	"librecours/app/mongostore"
	"librecours/app/mongostore/storetest"
	"librecours/course"
	"librecours/grading"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// TestIncrementConcurrent: 8 goroutines doing 2,000 $inc on one counter
// through the store lose none (embedded mode writes through one connection).
func TestIncrementConcurrent(t *testing.T) {
	db := storetest.Open(t, storetest.Options{})
	ctx := context.Background()
	const workers, total = 8, 2000
	var wg sync.WaitGroup
	errs := make(chan error, total)
	for w := range workers {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for range total / workers {
				if _, err := db.Increment(ctx, "race"); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got, err := db.Counter(ctx, "race")
	if err != nil {
		t.Fatal(err)
	}
	if got != total {
		t.Fatalf("counter = %d after %d concurrent increments, want %d", got, total, total)
	}
}

func newUser(email string, roles ...course.Role) *course.User {
	return &course.User{Email: email, Name: "Name " + email, Roles: roles, PasswordHash: "h", CreatedAt: t0}
}

func TestUsers(t *testing.T) {
	db := storetest.Open(t, storetest.Options{})
	s := mongostore.NewCourseStore(db.DB)
	ctx := context.Background()

	u := newUser("ada@example.org", course.RoleParticipant)
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if u.ID == "" {
		t.Fatal("CreateUser did not set the ID")
	}
	if err := s.CreateUser(ctx, newUser("ada@example.org")); !errors.Is(err, course.ErrEmailTaken) {
		t.Fatalf("duplicate email: err = %v, want ErrEmailTaken", err)
	}
	got, err := s.UserByEmail(ctx, " ADA@example.org ")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(u, got); diff != "" {
		t.Fatalf("UserByEmail (-want +got):\n%s", diff)
	}
	if _, err := s.UserByID(ctx, "missing"); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("missing user: err = %v", err)
	}
	if err := s.AddUserRole(ctx, u.ID, course.RoleAnimator); err != nil {
		t.Fatal(err)
	}
	if err := s.AddUserRole(ctx, u.ID, course.RoleAnimator); err != nil {
		t.Fatal(err)
	}
	if err := s.SetUserLocale(ctx, u.ID, "en"); err != nil {
		t.Fatal(err)
	}
	got, _ = s.UserByID(ctx, u.ID)
	if diff := cmp.Diff([]course.Role{course.RoleParticipant, course.RoleAnimator}, got.Roles); diff != "" || got.Locale != "en" {
		t.Fatalf("roles/locale after update: %v %q", got.Roles, got.Locale)
	}
	if err := s.SetUserLocale(ctx, "missing", "en"); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("update missing user: err = %v", err)
	}
	b := newUser("bob@example.org")
	if err := s.CreateUser(ctx, b); err != nil {
		t.Fatal(err)
	}
	list, err := s.UsersByIDs(ctx, []string{b.ID, u.ID, "missing"})
	if err != nil || len(list) != 2 {
		t.Fatalf("UsersByIDs = %d users, %v", len(list), err)
	}
}

func newSession(t *testing.T, s *mongostore.CourseStore, f course.Format, capacity int) *course.Session {
	t.Helper()
	ctx := context.Background()
	n, err := s.NextSessionNumber(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	plan := course.PlanSchedule(f, t0, time.UTC)
	sess := &course.Session{
		Code: course.SessionCode(f, n), Format: f, Number: n, StartsOn: plan.StartsOn, EndsOn: plan.EndsOn,
		TimeZone: "Europe/Paris", Capacity: capacity, Parts: plan.Parts, Evaluation: plan.Evaluation,
		Animators: []string{}, Settings: course.DefaultSettings(), CreatedAt: t0, CreatedBy: "c",
	}
	if err := s.CreateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	return sess
}

func TestSessions(t *testing.T) {
	db := storetest.Open(t, storetest.Options{})
	s := mongostore.NewCourseStore(db.DB)
	ctx := context.Background()

	a := newSession(t, s, course.LCIII, 0)
	b := newSession(t, s, course.LCIII, 0)
	c := newSession(t, s, course.LCVI, 0)
	for _, tc := range []struct{ got, want string }{{a.Code, "LCIII-001"}, {b.Code, "LCIII-002"}, {c.Code, "LCVI-001"}} {
		if tc.got != tc.want {
			t.Errorf("code = %s, want %s", tc.got, tc.want)
		}
	}
	got, err := s.SessionByID(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, got); diff != "" {
		t.Fatalf("SessionByID (-want +got):\n%s", diff)
	}
	dup := *a
	if err := s.CreateSession(ctx, &dup); !errors.Is(err, course.ErrConflict) {
		t.Fatalf("duplicate code: err = %v, want ErrConflict", err)
	}
	list, err := s.ListSessions(ctx)
	if err != nil || len(list) != 3 {
		t.Fatalf("ListSessions = %d, %v", len(list), err)
	}

	p := a.Parts[2]
	p.Title = "Creative Commons, en pratique"
	p.ReviewDue = p.ReviewDue.Add(24 * time.Hour)
	if err := s.UpdatePart(ctx, a.ID, p); err != nil {
		t.Fatal(err)
	}
	got, _ = s.SessionByID(ctx, a.ID)
	if diff := cmp.Diff(p, got.Parts[2]); diff != "" {
		t.Fatalf("updated part (-want +got):\n%s", diff)
	}
	if got.Parts[1] != a.Parts[1] || got.Parts[3] != a.Parts[3] {
		t.Fatal("UpdatePart changed another part")
	}
	p.Number = 9
	if err := s.UpdatePart(ctx, a.ID, p); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("missing part: err = %v", err)
	}
	if err := s.AddAnimator(ctx, a.ID, "anim"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddAnimator(ctx, a.ID, "anim"); err != nil {
		t.Fatal(err)
	}
	got, _ = s.SessionByID(ctx, a.ID)
	if diff := cmp.Diff([]string{"anim"}, got.Animators); diff != "" {
		t.Fatalf("animators: %s", diff)
	}
}

func TestEnrolCapacity(t *testing.T) {
	db := storetest.Open(t, storetest.Options{})
	s := mongostore.NewCourseStore(db.DB)
	ctx := context.Background()
	sess := newSession(t, s, course.LCVI, 2)

	enrol := func(u string) error {
		return s.Enrol(ctx, course.Enrolment{SessionID: sess.ID, UserID: u, EnrolledAt: t0})
	}
	if err := enrol("u1"); err != nil {
		t.Fatal(err)
	}
	if err := enrol("u1"); !errors.Is(err, course.ErrAlreadyEnrolled) {
		t.Fatalf("second enrolment: err = %v", err)
	}
	if err := enrol("u2"); err != nil {
		t.Fatal(err)
	}
	if err := enrol("u3"); !errors.Is(err, course.ErrSessionFull) {
		t.Fatalf("over capacity: err = %v", err)
	}
	if err := s.SetCapacity(ctx, sess.ID, 1); !errors.Is(err, course.ErrCapacityTooSmall) {
		t.Fatalf("capacity below enrolled: err = %v", err)
	}
	if err := s.SetCapacity(ctx, sess.ID, 0); err != nil {
		t.Fatal(err)
	}
	if err := enrol("u3"); err != nil {
		t.Fatal(err)
	}
	got, _ := s.SessionByID(ctx, sess.ID)
	if got.Enrolled != 3 {
		t.Fatalf("enrolled = %d, want 3", got.Enrolled)
	}
	es, err := s.EnrolmentsBySession(ctx, sess.ID)
	if err != nil || len(es) != 3 {
		t.Fatalf("EnrolmentsBySession = %d, %v", len(es), err)
	}
	mine, err := s.EnrolmentsByUser(ctx, "u2")
	if err != nil || len(mine) != 1 || mine[0].SessionID != sess.ID {
		t.Fatalf("EnrolmentsByUser = %v, %v", mine, err)
	}
	if ok, _ := s.IsEnrolled(ctx, sess.ID, "u9"); ok {
		t.Fatal("IsEnrolled(u9) = true")
	}
}

// TestConcurrentEnrolmentRespectsCapacity: 20 people race for 5 seats.
func TestConcurrentEnrolmentRespectsCapacity(t *testing.T) {
	db := storetest.Open(t, storetest.Options{})
	s := mongostore.NewCourseStore(db.DB)
	ctx := context.Background()
	sess := newSession(t, s, course.LCIII, 5)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := range 20 {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			err := s.Enrol(ctx, course.Enrolment{SessionID: sess.ID, UserID: string(rune('a' + i)), EnrolledAt: t0})
			if err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			} else if !errors.Is(err, course.ErrSessionFull) {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	got, _ := s.SessionByID(ctx, sess.ID)
	es, _ := s.EnrolmentsBySession(ctx, sess.ID)
	if ok != 5 || got.Enrolled != 5 || len(es) != 5 {
		t.Fatalf("accepted %d, counter %d, documents %d; want 5 each", ok, got.Enrolled, len(es))
	}
}

func TestAuthSessionsAndThrottle(t *testing.T) {
	db := storetest.Open(t, storetest.Options{})
	s := mongostore.NewAuthStore(db.DB)
	ctx := context.Background()
	a := mongostore.AuthSession{TokenHash: "h1", Kind: "web", UserID: "u", CSRF: "c", CreatedAt: t0, LastSeen: t0,
		ExpiresAt: t0.Add(time.Hour), IdleExpiresAt: t0.Add(10 * time.Minute)}
	if err := s.CreateSession(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, "h1", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, "h1", t0.Add(11*time.Minute)); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("idle-expired session: err = %v", err)
	}
	if err := s.Touch(ctx, "h1", t0.Add(9*time.Minute), t0.Add(19*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, "h1", t0.Add(11*time.Minute)); err != nil {
		t.Fatalf("touched session: %v", err)
	}
	if _, err := s.Session(ctx, "h1", t0.Add(61*time.Minute)); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("absolute expiry: err = %v", err)
	}
	if n, err := s.DeleteExpired(ctx, t0.Add(2*time.Hour)); err != nil || n != 1 {
		t.Fatalf("DeleteExpired = %d, %v", n, err)
	}

	w := 15 * time.Minute
	for i := range 3 {
		if err := s.RecordFailure(ctx, "k", t0.Add(time.Duration(i)*time.Minute), w); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := s.Failures(ctx, "k", t0.Add(5*time.Minute), w); n != 3 {
		t.Fatalf("failures = %d, want 3", n)
	}
	if n, _ := s.Failures(ctx, "k", t0.Add(16*time.Minute), w); n != 0 {
		t.Fatalf("failures after the window = %d, want 0", n)
	}
	if err := s.RecordFailure(ctx, "k", t0.Add(20*time.Minute), w); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Failures(ctx, "k", t0.Add(21*time.Minute), w); n != 1 {
		t.Fatalf("failures in a new window = %d, want 1", n)
	}
	if err := s.ResetFailures(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Failures(ctx, "k", t0.Add(21*time.Minute), w); n != 0 {
		t.Fatalf("failures after reset = %d", n)
	}
}

func TestIndexesIdempotent(t *testing.T) {
	db := storetest.Open(t, storetest.Options{})
	for range 2 {
		if err := db.EnsureIndexes(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRestart: data written to the embedded database is there after it stops
// and starts again on the same folder.
func TestRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	open := func() (*embeddb.Server, *mongostore.DB) {
		srv, err := embeddb.Start(ctx, embeddb.Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		db, err := mongostore.Connect(mongostore.Options{URI: srv.URI(), SingleWriter: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.WaitReady(ctx); err != nil {
			t.Fatal(err)
		}
		if err := db.EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
		return srv, db
	}
	srv, db := open()
	s := mongostore.NewCourseStore(db)
	u := newUser("persist@example.org", course.RoleCoordinator)
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	sess := newSession(t, s, course.LCIII, 12)
	_ = db.Close(ctx)
	srv.Stop()

	srv, db = open()
	defer srv.Stop()
	defer db.Close(ctx)
	s = mongostore.NewCourseStore(db)
	gotU, err := s.UserByEmail(ctx, u.Email)
	if err != nil {
		t.Fatalf("user after restart: %v", err)
	}
	if diff := cmp.Diff(u, gotU); diff != "" {
		t.Fatalf("user after restart (-want +got):\n%s", diff)
	}
	gotS, err := s.SessionByID(ctx, sess.ID)
	if err != nil {
		t.Fatalf("session after restart: %v", err)
	}
	if diff := cmp.Diff(sess, gotS); diff != "" {
		t.Fatalf("session after restart (-want +got):\n%s", diff)
	}
	if err := s.CreateUser(ctx, newUser("persist@example.org")); !errors.Is(err, course.ErrEmailTaken) {
		t.Fatalf("unique index after restart: err = %v", err)
	}
	next := newSession(t, s, course.LCIII, 0)
	if next.Code != "LCIII-002" {
		t.Fatalf("counter after restart gave %s, want LCIII-002", next.Code)
	}
}

// TestVersionNumberTaken: a save whose version number is taken by a save that
// failed half-way (version kept, submission not updated) keeps its own text
// under the next number, while a retry of the very same save stays one copy.
func TestVersionNumberTaken(t *testing.T) {
	db := storetest.Open(t, storetest.Options{})
	s := mongostore.NewGradingStore(db.DB)
	ctx := context.Background()
	sub := &grading.Submission{SessionID: "s", Part: 1, AuthorID: "a", Text: "un", Version: 1, SubmittedAt: t0, UpdatedAt: t0}
	if err := s.SaveSubmission(ctx, sub, grading.Version{N: 1, Text: "un", At: t0}); err != nil {
		t.Fatal(err)
	}
	// The failed save left version 2 ("deux"); the next save also computes 2.
	failed := *sub
	failed.Text, failed.Version = "deux", 2
	if err := s.SaveSubmission(ctx, &failed, grading.Version{N: 2, Text: "deux", At: t0}); err != nil {
		t.Fatal(err)
	}
	next := *sub
	next.Text, next.Version = "trois", 2
	if err := s.SaveSubmission(ctx, &next, grading.Version{N: 2, Text: "trois", At: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSubmission(ctx, &next, grading.Version{N: 3, Text: "trois", At: t0}); err != nil {
		t.Fatal(err)
	}
	vs, err := s.Versions(ctx, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, v := range vs {
		texts = append(texts, fmt.Sprintf("%d:%s", v.N, v.Text))
	}
	if got := strings.Join(texts, " "); got != "1:un 2:deux 3:trois" {
		t.Fatalf("versions = %s", got)
	}
	got, _ := s.SubmissionByID(ctx, sub.ID)
	if got.Version != 3 || got.Text != "trois" {
		t.Fatalf("submission = version %d %q", got.Version, got.Text)
	}
}
