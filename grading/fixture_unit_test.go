package grading_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"sync"
	"testing"
	"time"

	"librecours/course"
	"librecours/grading"
	"librecours/grading/gradingtest"
)

// The unit tests of the services run against the in-memory fakes of
// grading/gradingtest: one session, "s1", of three parts a week apart, with
// an animator, a coordinator and six enrolled participants p1..p6.

const sid = "s1"

// t0 is when part 1 opens.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

var (
	coord    = &course.User{ID: "coord", Roles: []course.Role{course.RoleCoordinator}}
	anim     = &course.User{ID: "anim", Roles: []course.Role{course.RoleAnimator}}
	outsider = &course.User{ID: "out", Roles: []course.Role{course.RoleParticipant}}
	people   = []string{"p1", "p2", "p3", "p4", "p5", "p6"}
)

func user(id string) *course.User {
	return &course.User{ID: id, Roles: []course.Role{course.RoleParticipant}}
}

// part returns part n of the test session: it opens (n-1) weeks after t0,
// submissions are due a week later and reviews a week after that.
func part(n int) course.Part {
	opens := t0.Add(time.Duration(n-1) * 7 * day)
	return course.Part{Number: n, Title: "Partie", OpensAt: opens, SubmissionDue: opens.Add(7 * day), ReviewDue: opens.Add(14 * day)}
}

func newSession() *course.Session {
	return &course.Session{ID: sid, Code: "LCIII-001", StartsOn: "2026-03-02", TimeZone: "Europe/Paris",
		Parts:      []course.Part{part(1), part(2), part(3)},
		Evaluation: course.Window{OpensAt: t0.Add(30 * day), Due: t0.Add(37 * day)},
		Animators:  []string{"anim"}, Settings: course.DefaultSettings()}
}

// rubric is the test exercise's: 10 points in all.
var rubric = []grading.Criterion{
	{ID: "fond", Label: "Le fond", MaxPoints: 8},
	{ID: "forme", Label: "La forme", MaxPoints: 2},
}

// comment is long enough for the default minimum (20 characters).
const comment = "Un commentaire argumenté et bienveillant."

// clock is a settable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

type env struct {
	svc    *grading.Service
	store  *gradingtest.Store
	course *gradingtest.Course
	clock  *clock
	events *gradingtest.Notifier
	audit  *gradingtest.Auditor
	// ids are what a set-up leaves for the test to act on (review and
	// submission IDs), read before any failure is injected.
	ids map[string]string
}

var ctx = context.Background()

// newEnv is the test session with p1..p6 enrolled, the test exercise on
// parts 1 and 2, and the clock at t0.
func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{store: &gradingtest.Store{}, course: &gradingtest.Course{}, clock: &clock{now: t0},
		events: &gradingtest.Notifier{}, audit: &gradingtest.Auditor{}, ids: map[string]string{}}
	e.course.AddSession(newSession(), people...)
	for n := 1; n <= 2; n++ {
		if err := e.store.PutExercise(ctx, sid, grading.Exercise{Part: n, Instructions: "Écrivez.", InstructionsHTML: "<p>Écrivez.</p>", Rubric: rubric}); err != nil {
			t.Fatal(err)
		}
	}
	e.svc = &grading.Service{Store: e.store, Course: e.course, Now: e.clock.Now, Audit: e.audit, Events: e.events,
		Markdown: func(_, src string) (string, error) { return "<p>" + src + "</p>", nil }}
	return e
}

// submit has each of ids submit part n on time (a day after it opens).
func (e *env) submit(t testing.TB, n int, ids ...string) map[string]*grading.Submission {
	t.Helper()
	e.clock.Set(part(n).OpensAt.Add(day))
	out := map[string]*grading.Submission{}
	for _, id := range ids {
		sub, err := e.svc.Submit(ctx, user(id), sid, n, "Le travail de "+id, nil)
		if err != nil {
			t.Fatalf("submit %s: %v", id, err)
		}
		out[id] = sub
	}
	return out
}

// assign runs the scheduler's assignment of part n at its submission
// deadline.
func (e *env) assign(t testing.TB, n int) grading.AssignReport {
	t.Helper()
	e.clock.Set(part(n).SubmissionDue)
	rep, err := e.svc.AssignPart(ctx, nil, sid, n)
	if err != nil {
		t.Fatalf("assign part %d: %v", n, err)
	}
	return rep
}

// reviewsOf returns the reviews id holds in part n.
func (e *env) reviewsOf(t testing.TB, n int, id string) []grading.Review {
	t.Helper()
	rs, err := e.store.ReviewsByReviewer(ctx, sid, id)
	if err != nil {
		t.Fatal(err)
	}
	var out []grading.Review
	for _, r := range rs {
		if r.Part == n {
			out = append(out, r)
		}
	}
	return out
}

// review hands in a review with these points.
func (e *env) review(t testing.TB, r grading.Review, fond, forme int) *grading.Review {
	t.Helper()
	got, err := e.svc.SaveReview(ctx, user(r.ReviewerID), r.ID, map[string]int{"fond": fond, "forme": forme}, comment)
	if err != nil {
		t.Fatalf("review %s by %s: %v", r.ID, r.ReviewerID, err)
	}
	return got
}

// finishAll has id hand in every review they hold in part n.
func (e *env) finishAll(t testing.TB, n int, id string, fond, forme int) {
	t.Helper()
	for _, r := range e.reviewsOf(t, n, id) {
		if r.Status != grading.ReviewDone {
			e.review(t, r, fond, forme)
		}
	}
}

func wantErr(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want %v", err, target)
	}
}

// wantKey checks that err is a grading or course validation error with key.
func wantKey(t testing.TB, err error, key string) {
	t.Helper()
	var ge *grading.ValidationError
	var ce *course.ValidationError
	switch {
	case errors.As(err, &ge):
		if ge.Key != key {
			t.Fatalf("validation key = %q, want %q", ge.Key, key)
		}
	case errors.As(err, &ce):
		if ce.Key != key {
			t.Fatalf("validation key = %q, want %q", ce.Key, key)
		}
	default:
		t.Fatalf("error = %v, want a validation error %q", err, key)
	}
}

func noErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// pngFile is a valid 2×2 PNG without metadata.
func pngFile(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
