package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"librecours/app/mongostore"
	"librecours/app/mongostore/mongotest"
	"librecours/course"
)

// faultRig runs a platform on a database at uri while writers submit new
// versions in a loop, each remembering the ones acknowledged with a 200.
type faultRig struct {
	t      *testing.T
	e      *testEnv
	srv    *Server
	tokens []string
	sessID string

	mu       sync.Mutex
	acked    map[int][]string
	statuses map[int]int
	stop     chan struct{}
	wg       sync.WaitGroup
}

const faultWriters = 4

func newFaultRig(t *testing.T, uri string) *faultRig {
	ctx := context.Background()
	db, err := mongostore.Connect(mongostore.Options{URI: uri, Timeout: 300 * time.Millisecond, Heartbeat: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(ctx) })
	if err := db.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	backend := mongostore.NewBackend(db)
	srv, err := testServer(testConfig(), backend, clk.Now, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv.grading.VersionCap = math.MaxInt32 // the writers save versions of one work until the test has seen enough
	r := &faultRig{t: t, e: &testEnv{t: t, srv: srv, clock: clk, db: backend}, srv: srv, acked: map[int][]string{}, statuses: map[int]int{}, stop: make(chan struct{})}
	coord := r.e.user("c@example.org", "C", course.RoleCoordinator)
	sess, err := srv.course.CreateSession(ctx, coord, course.NewSession{Format: "LCIII", StartsOn: "2026-03-02"})
	if err != nil {
		t.Fatal(err)
	}
	r.sessID = sess.ID
	for i := range faultWriters {
		u := r.e.user(fmt.Sprintf("p%d@example.org", i), fmt.Sprintf("P%d", i), course.RoleParticipant)
		if err := srv.course.Enrol(ctx, coord, sess.ID, u.ID); err != nil {
			t.Fatal(err)
		}
		r.tokens = append(r.tokens, r.e.token(u))
	}
	path := "/api/v1/sessions/" + sess.ID + "/parts/1/submission"
	for i := range faultWriters {
		r.wg.Add(1)
		go func(i int) {
			defer r.wg.Done()
			for n := 0; ; n++ {
				select {
				case <-r.stop:
					return
				default:
				}
				text := fmt.Sprintf("version %d of %d", n, i)
				res := r.e.api("PUT", path, r.tokens[i], map[string]string{"text": text})
				r.mu.Lock()
				r.statuses[res.Status]++
				if res.Status == 200 {
					r.acked[i] = append(r.acked[i], text)
				}
				r.mu.Unlock()
				if res.Status != 200 && res.Status != 503 {
					t.Errorf("writer %d: %d %s", i, res.Status, res.Body)
					return
				}
			}
		}(i)
	}
	return r
}

// waitFor polls ok, at most 60 s.
func (r *faultRig) waitFor(what string, ok func() bool) {
	r.t.Helper()
	for range 600 {
		if ok() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	r.t.Fatalf("timed out waiting for %s", what)
}

func (r *faultRig) acks() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, a := range r.acked {
		n += len(a)
	}
	return n
}

func (r *faultRig) status(code int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.statuses[code]
}

// finish stops the writers and checks that every acknowledged version is
// stored.
func (r *faultRig) finish() {
	t, ctx := r.t, context.Background()
	close(r.stop)
	r.wg.Wait()
	for i := range faultWriters {
		u, err := r.e.db.Stores().Course.UserByEmail(ctx, fmt.Sprintf("p%d@example.org", i))
		if err != nil {
			t.Fatal(err)
		}
		sub, err := r.srv.grading.Store.SubmissionByAuthor(ctx, r.sessID, 1, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		vs, err := r.srv.grading.Store.Versions(ctx, sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		stored := map[string]bool{}
		for _, v := range vs {
			stored[v.Text] = true
		}
		for _, text := range r.acked[i] {
			if !stored[text] {
				t.Errorf("acknowledged %q is lost", text)
			}
		}
	}
	t.Logf("statuses: %v; %d versions acknowledged", r.statuses, r.acks())
}

// TestDatabaseOutage stops MongoDB (FerretDB here) while participants submit,
// checks that requests answer 503 (JSON and localized page) and /readyz
// fails, starts it again, and checks that everything recovers without a
// restart and that every submission that got a 200 is stored.
func TestDatabaseOutage(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("the MongoDB-protocol suites run without -short")
	}
	ctx := context.Background()
	dir := t.TempDir()
	dbsrv, err := mongotest.Start(ctx, mongotest.FerretOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { dbsrv.Stop() }()
	addr := dbsrv.Addr()
	r := newFaultRig(t, dbsrv.URI())
	e := r.e
	r.waitFor("writes before the outage", func() bool { return r.acks() >= 20 })

	dbsrv.Stop() // the outage
	r.waitFor("503s during the outage", func() bool { return r.status(503) >= faultWriters })
	b := e.browser()
	if p := b.get("/readyz"); p.Status != http.StatusServiceUnavailable {
		t.Fatalf("/readyz during the outage: %d", p.Status)
	}
	if res := e.api("GET", "/api/v1/sessions", r.tokens[0], nil, "Accept-Language", "en"); res.Status != 503 || res.errorCode() != "unavailable" || !strings.Contains(res.errorMessage(), "database") {
		t.Fatalf("API during the outage: %d %s", res.Status, res.Body)
	}
	if p := b.get("/login"); p.Status != 200 {
		t.Fatalf("a page without the database during the outage: %d", p.Status)
	}
	b.cookies[cookieSession] = "any-session-token-needs-the-database-to-check"
	if p := b.get("/dashboard"); p.Status != http.StatusServiceUnavailable || !strings.Contains(p.Doc.Find("main").Text(), "base de données") {
		t.Fatalf("page during the outage: %d %s", p.Status, p.Doc.Find("main").Text())
	}
	before := r.acks()

	if dbsrv, err = mongotest.Start(ctx, mongotest.FerretOptions{Dir: dir, Addr: addr}); err != nil {
		t.Fatal(err)
	}
	r.waitFor("/readyz after the outage", func() bool { return e.browser().get("/readyz").Status == 200 })
	r.waitFor("writes after the outage", func() bool { return r.acks() >= before+20 })
	r.finish()
}

// TestDroppedConnections cuts every connection between the platform and its
// database, several times, while participants submit (a proxy in front of
// the database drops them, as a failing network or a MongoDB failover
// does). Requests answer 200 or 503, never anything else; the platform goes
// on without a restart; every version that got a 200 is stored. On a
// replica set the driver also retries the interrupted write once (retryable
// writes, on by default), so fewer requests see the 503.
func TestDroppedConnections(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("the MongoDB-protocol suites run without -short")
	}
	ctx := context.Background()
	dbsrv, err := mongotest.Start(ctx, mongotest.FerretOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer dbsrv.Stop()
	px := startDropProxy(t, dbsrv.Addr())
	r := newFaultRig(t, "mongodb://"+px.addr()+"/")
	for round := 1; round <= 3; round++ {
		before := r.acks()
		r.waitFor("writes before the cut", func() bool { return r.acks() >= before+10 })
		if px.dropAll() == 0 {
			t.Fatal("the proxy had no connection to cut")
		}
	}
	before := r.acks()
	r.waitFor("writes after the cuts", func() bool { return r.acks() >= before+20 })
	r.finish()
}

// dropProxy forwards TCP connections to a target and can cut them all.
type dropProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
}

func startDropProxy(t *testing.T, target string) *dropProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &dropProxy{ln: ln, target: target}
	t.Cleanup(func() { _ = ln.Close(); p.dropAll() })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				_ = in.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(out, in); _ = out.Close() }()
			go func() { _, _ = io.Copy(in, out); _ = in.Close() }()
		}
	}()
	return p
}

func (p *dropProxy) addr() string { return p.ln.Addr().String() }

// dropAll closes every connection the proxy carries and returns how many
// client connections it cut.
func (p *dropProxy) dropAll() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	n := len(p.conns) / 2
	p.conns = nil
	return n
}
