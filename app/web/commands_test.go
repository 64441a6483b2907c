package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"

	"librecours/app/mongostore"
	"librecours/app/mongostore/mongotest"
	"librecours/app/sqlstore"
	"librecours/app/store"
	"librecours/course"
)

// commandWorld is a running part 1 with n participants, a command counter
// on the database, and the callers the counted requests come from.
type commandWorld struct {
	e        *testEnv
	count    *atomic.Int64
	rows     *atomic.Int64 // rows read (the embedded store only)
	sess     *course.Session
	part     *course.User // a participant who submitted and reviews
	partTok  string
	coordTok string
	review   string
	sub      string
}

func newCommandWorld(t *testing.T, n int, backend string) *commandWorld {
	return newCommandWorldWith(t, n, 0, backend)
}

// newCommandWorldWith also gives the platform closed sessions of others:
// history that no participant's request should read.
func newCommandWorldWith(t *testing.T, n, closed int, backend string) *commandWorld {
	var count, rows atomic.Int64
	var db store.Backend
	switch backend {
	case "sqlite":
		s, err := sqlstore.OpenStore(context.Background(), t.TempDir(), sqlstore.Options{Statements: &count, Rows: &rows})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		db = s
	default:
		// Queries and writes count; fetching the next batch of one cursor
		// (getMore) is paging a single query, not another query.
		mon := &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
			if e.CommandName != "getMore" && e.CommandName != "killCursors" {
				count.Add(1)
			}
		}}
		db = mongostore.NewBackend(mongotest.Open(t, mongotest.Options{Monitor: mon}).DB)
	}
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	srv, err := testServer(testConfig(), db, clk.Now, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, srv: srv, clock: clk, db: db}
	ctx := t.Context()
	coord := e.user("coord@example.org", "Coord", course.RoleCoordinator)
	w := &commandWorld{e: e, count: &count, rows: &rows, coordTok: e.token(coord)}
	for i := range closed {
		old, err := srv.course.CreateSession(ctx, coord, course.NewSession{Format: "LCVI", StartsOn: fmt.Sprintf("2025-%02d-%02d", 1+i/28, 1+i%28)})
		if err != nil {
			t.Fatal(err)
		}
		at := clk.t.AddDate(0, -1, 0)
		if err := db.Stores().Course.SetClosed(ctx, old.ID, &at); err != nil {
			t.Fatal(err)
		}
	}
	if w.sess, err = srv.createSessionFor(ctx, coord); err != nil {
		t.Fatal(err)
	}
	w.part = e.user("part@example.org", "Part", course.RoleParticipant)
	w.partTok = e.token(w.part)
	people := []*course.User{w.part}
	for i := range n - 1 {
		u := &course.User{Email: fmt.Sprintf("p%03d@example.org", i), Name: fmt.Sprintf("P%03d", i), Roles: []course.Role{course.RoleParticipant}, PasswordHash: "x", CreatedAt: clk.t}
		if err := db.Stores().Course.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		people = append(people, u)
	}
	for i, u := range people {
		if err := srv.course.Enrol(ctx, coord, w.sess.ID, u.ID); err != nil {
			t.Fatal(err)
		}
		sub, err := srv.grading.Submit(ctx, u, w.sess.ID, 1, fmt.Sprintf("Travail %d", i), nil)
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			w.sub = sub.ID
		}
	}
	if _, err := srv.grading.AssignPart(ctx, coord, w.sess.ID, 1); err != nil {
		t.Fatal(err)
	}
	tasks, err := srv.grading.MyReviews(ctx, w.part, w.sess.ID, 1)
	if err != nil || len(tasks) == 0 {
		t.Fatalf("reviews: %v", err)
	}
	w.review = tasks[0].Review.ID
	return w
}

// createSessionFor creates an LCIII session starting 2026-03-02.
func (s *Server) createSessionFor(ctx context.Context, u *course.User) (*course.Session, error) {
	sess, err := s.course.CreateSession(ctx, u, course.NewSession{Format: "LCIII", StartsOn: "2026-03-02"})
	if err != nil {
		return nil, err
	}
	return sess, s.grading.InitSession(ctx, sess.ID)
}

// commands counts the database commands one API call sends.
func (w *commandWorld) commands(t *testing.T, method, path, token string, body any) int64 {
	before := w.count.Load()
	res := w.e.api(method, path, token, body)
	if res.Status >= 400 {
		t.Fatalf("%s %s: %d %s", method, path, res.Status, res.Body)
	}
	return w.count.Load() - before
}

// TestCommandsDoNotGrowWithParticipants: the database commands (MongoDB) or
// SQL statements (the embedded store) of each hot call are the same with 6
// participants and 2 closed sessions of others as with 40 and 40: no N+1
// queries. On the embedded store, the rows a participant's request reads are
// the same too: its work does not grow with the cohort or the history.
func TestCommandsDoNotGrowWithParticipants(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "mongodb"} {
		t.Run(backend, func(t *testing.T) {
			if backend == "mongodb" && testing.Short() {
				t.Skip("the MongoDB-protocol suites run without -short")
			}
			commandsDoNotGrow(t, backend)
		})
	}
}

func commandsDoNotGrow(t *testing.T, backend string) {
	small, large := newCommandWorldWith(t, 6, 2, backend), newCommandWorldWith(t, 40, 40, backend)
	calls := []struct {
		name         string
		method, path string
		coord        bool
		body         func(w *commandWorld) any
	}{
		{"session", "GET", "/api/v1/sessions/{s}", false, nil},
		{"exercise", "GET", "/api/v1/sessions/{s}/parts/1/exercise", false, nil},
		{"own submission", "GET", "/api/v1/sessions/{s}/parts/1/submission", false, nil},
		{"reviews to do", "GET", "/api/v1/me/reviews?session={s}&part=1", false, nil},
		{"save a review", "PUT", "/api/v1/reviews/{r}", false, func(w *commandWorld) any {
			tasks, _ := w.e.srv.grading.MyReviews(t.Context(), w.part, w.sess.ID, 1)
			scores := map[string]int{}
			for _, c := range tasks[0].Rubric {
				scores[c.ID] = 1
			}
			return map[string]any{"scores": scores, "comment": "Un commentaire assez long pour compter."}
		}},
		{"participants", "GET", "/api/v1/sessions/{s}/enrolments", true, nil},
		{"correction queue", "GET", "/api/v1/sessions/{s}/corrections", true, nil},
		{"staff submission", "GET", "/api/v1/submissions/{sub}", true, nil},
		{"results", "GET", "/api/v1/sessions/{s}/results", true, nil},
		{"report", "GET", "/api/v1/sessions/{s}/report", true, nil},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			var got, read [2]int64
			for i, w := range []*commandWorld{small, large} {
				rowsBefore := w.rows.Load()
				path := c.path
				for k, v := range map[string]string{"{s}": w.sess.ID, "{r}": w.review, "{sub}": w.sub} {
					path = strings.ReplaceAll(path, k, v)
				}
				tok := w.partTok
				if c.coord {
					tok = w.coordTok
				}
				var body any
				if c.body != nil {
					body = c.body(w)
				}
				got[i] = w.commands(t, c.method, path, tok, body)
				read[i] = w.rows.Load() - rowsBefore
			}
			t.Logf("%s: %d commands with 6 participants, %d with 40; %d and %d rows", c.name, got[0], got[1], read[0], read[1])
			if got[1] != got[0] {
				t.Fatalf("%s sends %d commands with 6 participants and %d with 40", c.name, got[0], got[1])
			}
			if backend == "sqlite" && !c.coord && read[1] != read[0] {
				t.Errorf("%s reads %d rows with 6 participants and %d with 40", c.name, read[0], read[1])
			}
		})
	}
	// Pages too: a participant's pages read the same rows whatever the
	// cohort and the history.
	for _, path := range []string{"/dashboard", "/sessions", "/sessions/{s}", "/sessions/{s}/parts/1", "/reviews/{r}"} {
		var got, read [2]int64
		for i, w := range []*commandWorld{small, large} {
			b := w.e.browser()
			b.login(w.part)
			p := strings.NewReplacer("{s}", w.sess.ID, "{r}", w.review).Replace(path)
			before, rowsBefore := w.count.Load(), w.rows.Load()
			if pg := b.send(httptest.NewRequest(http.MethodGet, p, nil)); pg.Status != 200 {
				t.Fatalf("%s: %d", p, pg.Status)
			}
			got[i], read[i] = w.count.Load()-before, w.rows.Load()-rowsBefore
		}
		t.Logf("page %s: %d and %d commands, %d and %d rows", path, got[0], got[1], read[0], read[1])
		if got[0] != got[1] {
			t.Errorf("page %s sends %d commands with 6 participants and %d with 40", path, got[0], got[1])
		}
		switch {
		case backend != "sqlite":
		case path == "/sessions": // every open session, then one page of the closed ones
			if read[1] > read[0]+course.ClosedPageSize {
				t.Errorf("page %s reads %d rows with 2 closed sessions, %d with 40: more than a page more", path, read[0], read[1])
			}
		case read[0] != read[1]:
			t.Errorf("page %s reads %d rows with 6 participants and 2 closed sessions, %d with 40 and 40", path, read[0], read[1])
		}
	}
}

// TestQueueWarmAtStart: once the staff views are warmed (the scheduler does
// it at start), the first correction-queue request runs no more statements
// than the next one: no warm-up stall.
func TestQueueWarmAtStart(t *testing.T) {
	t.Parallel()
	for _, warm := range []bool{false, true} {
		w := newCommandWorld(t, 6, "sqlite")
		if warm {
			if err := w.e.srv.grading.WarmQueues(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		path := "/api/v1/sessions/" + w.sess.ID + "/corrections"
		cost := func() int64 {
			before := w.count.Load()
			if res := w.e.api("GET", path, w.coordTok, nil); res.Status != 200 {
				t.Fatalf("queue: %d %s", res.Status, res.Body)
			}
			return w.count.Load() - before
		}
		first, next := cost(), cost()
		switch {
		case warm && first != next:
			t.Fatalf("after the warm-up the first queue request ran %d statements, the next %d", first, next)
		case !warm && first <= next:
			t.Fatalf("without a warm-up the first request ran %d statements, the next %d: the test no longer sees the computation", first, next)
		}
	}
}
