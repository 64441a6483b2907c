package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"librecours/app/embeddb"
	"librecours/app/mongostore"
	"librecours/course"
)

// TestDatabaseOutage stops the embedded database while participants submit,
// checks that requests answer 503 (JSON and localized page) and /readyz
// fails, starts it again, and checks that everything recovers without a
// restart and that every submission that got a 200 is stored.
func TestDatabaseOutage(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbsrv, err := embeddb.Start(ctx, embeddb.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	addr := dbsrv.Addr()
	db, err := mongostore.Connect(mongostore.Options{URI: dbsrv.URI(), SingleWriter: true, Timeout: 300 * time.Millisecond, Heartbeat: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close(ctx); dbsrv.Stop() }()
	if err := db.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	srv, err := NewServer(Deps{Config: testConfig(), DB: db, Now: clk.Now, Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))})
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, srv: srv, clock: clk}
	coord := e.user("c@example.org", "C", course.RoleCoordinator)
	sess, err := srv.course.CreateSession(ctx, coord, course.NewSession{Format: "LCIII", StartsOn: "2026-03-02"})
	if err != nil {
		t.Fatal(err)
	}
	const writers = 4
	tokens := make([]string, writers)
	for i := range writers {
		u := e.user(fmt.Sprintf("p%d@example.org", i), fmt.Sprintf("P%d", i), course.RoleParticipant)
		if err := srv.course.Enrol(ctx, coord, sess.ID, u.ID); err != nil {
			t.Fatal(err)
		}
		tokens[i] = e.token(u)
	}
	path := "/api/v1/sessions/" + sess.ID + "/parts/1/submission"

	// Writers submit new versions until told to stop; each remembers the
	// texts that were acknowledged.
	var mu sync.Mutex
	acked := map[int][]string{}
	statuses := map[int]int{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				text := fmt.Sprintf("version %d of %d", n, i)
				res := e.api("PUT", path, tokens[i], map[string]string{"text": text})
				mu.Lock()
				statuses[res.Status]++
				if res.Status == 200 {
					acked[i] = append(acked[i], text)
				}
				mu.Unlock()
				if res.Status != 200 && res.Status != 503 {
					t.Errorf("writer %d: %d %s", i, res.Status, res.Body)
					return
				}
			}
		}(i)
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for range 600 { // bounded: at most 60 s
			if ok() {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("timed out waiting for %s", what)
	}
	acks := func() int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, a := range acked {
			n += len(a)
		}
		return n
	}
	waitFor("writes before the outage", func() bool { return acks() >= 20 })

	dbsrv.Stop() // the outage
	waitFor("503s during the outage", func() bool { mu.Lock(); defer mu.Unlock(); return statuses[503] >= writers })
	b := e.browser()
	if p := b.get("/readyz"); p.Status != http.StatusServiceUnavailable {
		t.Fatalf("/readyz during the outage: %d", p.Status)
	}
	if res := e.api("GET", "/api/v1/sessions", tokens[0], nil, "Accept-Language", "en"); res.Status != 503 || res.errorCode() != "unavailable" || !strings.Contains(res.errorMessage(), "database") {
		t.Fatalf("API during the outage: %d %s", res.Status, res.Body)
	}
	if p := b.get("/login"); p.Status != 200 {
		t.Fatalf("a page without the database during the outage: %d", p.Status)
	}
	b.cookies[cookieSession] = "any-session-token-needs-the-database-to-check"
	if p := b.get("/dashboard"); p.Status != http.StatusServiceUnavailable || !strings.Contains(p.Doc.Find("main").Text(), "base de données") {
		t.Fatalf("page during the outage: %d %s", p.Status, p.Doc.Find("main").Text())
	}
	before := acks()

	if dbsrv, err = embeddb.Start(ctx, embeddb.Options{Dir: dir, Addr: addr}); err != nil {
		t.Fatal(err)
	}
	waitFor("/readyz after the outage", func() bool { return e.browser().get("/readyz").Status == 200 })
	waitFor("writes after the outage", func() bool { return acks() >= before+20 })
	close(stop)
	wg.Wait()

	// Every acknowledged version is stored.
	for i := range writers {
		u, err := srv.store.UserByEmail(ctx, fmt.Sprintf("p%d@example.org", i))
		if err != nil {
			t.Fatal(err)
		}
		sub, err := srv.grading.Store.SubmissionByAuthor(ctx, sess.ID, 1, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		vs, err := srv.grading.Store.Versions(ctx, sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		stored := map[string]bool{}
		for _, v := range vs {
			stored[v.Text] = true
		}
		for _, text := range acked[i] {
			if !stored[text] {
				t.Errorf("acknowledged %q is lost", text)
			}
		}
	}
	t.Logf("statuses: %v; %d versions acknowledged", statuses, acks())
}
