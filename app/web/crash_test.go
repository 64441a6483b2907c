package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"librecours/course"
)

// The crash test kills the server with SIGKILL while 16 participants save
// their submissions, five times over the same data folder, and checks after
// each restart that every save that was answered 200 is stored. The server
// runs in a child process: this test binary, started again with
// crashChildEnv set, runs TestCrashChild.

const (
	crashChildEnv = "LIBRECOURS_CRASH_CHILD_DATA"
	crashWriters  = 16
	crashRounds   = 5
	// crashWritesPerRound is how many saves per writer a round waits for
	// before the kill: below grading.MaxVersions with what is in flight.
	crashWritesPerRound = 5
)

var crashNow = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// TestCrashChild is the server of the crash test; it runs only in the child.
func TestCrashChild(t *testing.T) {
	t.Parallel()
	dir := os.Getenv(crashChildEnv)
	if dir == "" {
		t.Skip("the crash test's child process")
	}
	cfg := testConfig()
	cfg.DataDir = dir
	p, err := openPlatformStore(context.Background(), cfg)
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(3)
	}
	srv, err := testServer(cfg, p.Store, func() time.Time { return crashNow }, nil, nil)
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(3)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(3)
	}
	fmt.Println("LISTENING", ln.Addr().String())
	_ = srv.App().Listener(ln) // until killed
}

type crashChild struct {
	cmd  *exec.Cmd
	addr string
}

func startCrashChild(t *testing.T, dir string) *crashChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1") // #nosec G204 -- this test binary
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if addr, ok := strings.CutPrefix(line, "LISTENING "); ok {
			go func() { // keep draining
				for sc.Scan() {
				}
			}()
			return &crashChild{cmd: cmd, addr: addr}
		}
		if strings.HasPrefix(line, "ERROR") {
			t.Fatalf("child: %s", line)
		}
	}
	t.Fatalf("child exited before listening: %v", cmd.Wait())
	return nil
}

func (c *crashChild) kill(t *testing.T) {
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = c.cmd.Wait()
}

func TestCrashLosesNoAcknowledgedWrite(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("kills and restarts a server five times")
	}
	dir := t.TempDir()
	// Seed: a session, 16 enrolled participants and their API tokens.
	cfg := testConfig()
	cfg.DataDir = dir
	p, err := openPlatformStore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: crashNow}
	srv, err := testServer(cfg, p.Store, clk.Now, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, srv: srv, clock: clk, db: p.Store}
	ctx := context.Background()
	coord := e.user("coord@example.org", "Coord", course.RoleCoordinator)
	sess, err := srv.createSessionFor(ctx, coord)
	if err != nil {
		t.Fatal(err)
	}
	tokens := make([]string, crashWriters)
	ids := make([]string, crashWriters)
	for i := range crashWriters {
		u := e.user(fmt.Sprintf("p%02d@example.org", i), fmt.Sprintf("P%02d", i), course.RoleParticipant)
		if err := srv.course.Enrol(ctx, coord, sess.ID, u.ID); err != nil {
			t.Fatal(err)
		}
		tokens[i], ids[i] = e.token(u), u.ID
	}
	// Each round writes another part (a submission keeps at most
	// grading.MaxVersions versions): open them all now.
	for n := 2; n <= crashRounds; n++ {
		opens, due := crashNow.Add(-time.Hour), crashNow.AddDate(0, 0, 7)
		if _, err := srv.course.UpdatePart(ctx, coord, sess.ID, n, course.PartPatch{OpensAt: &opens, SubmissionDue: &due, ReviewDue: &due}); err != nil {
			t.Fatal(err)
		}
	}
	p.Close()

	partPath := func(round int) string {
		return "/api/v1/sessions/" + sess.ID + "/parts/" + strconv.Itoa(round+1) + "/submission"
	}
	acked := make([][]string, crashWriters) // texts answered 200 in the last round, per writer
	client := &http.Client{Timeout: 10 * time.Second}
	for round := range crashRounds {
		child := startCrashChild(t, dir)
		base := "http://" + child.addr
		// Everything acknowledged before the crash is there after it.
		if round > 0 {
			for i := range crashWriters {
				checkAcked(t, client, base+partPath(round-1), tokens[i], acked[i], round)
			}
		}
		acked = make([][]string, crashWriters)
		path := partPath(round)
		var mu sync.Mutex
		total := 0
		enough := make(chan struct{})
		var wg sync.WaitGroup
		for i := range crashWriters {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				for n := 0; ; n++ {
					text := fmt.Sprintf("round %d, version %d of writer %d", round, n, i)
					body, _ := json.Marshal(map[string]string{"text": text})
					req, _ := http.NewRequest(http.MethodPut, base+path, bytes.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+tokens[i])
					req.Header.Set("Content-Type", "application/json")
					resp, err := client.Do(req)
					if err != nil {
						return // the server is gone
					}
					_ = resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						t.Errorf("writer %d: status %d", i, resp.StatusCode)
						return
					}
					mu.Lock()
					acked[i] = append(acked[i], text)
					total++
					if total == crashWritesPerRound*crashWriters {
						close(enough)
					}
					mu.Unlock()
				}
			}(i)
		}
		stopped := make(chan struct{}) // every writer gave up: a failure already reported
		go func() { wg.Wait(); close(stopped) }()
		select {
		case <-enough:
		case <-stopped:
		}
		child.kill(t) // in the middle of the writes
		wg.Wait()
	}
	child := startCrashChild(t, dir)
	defer child.kill(t)
	for i := range crashWriters {
		checkAcked(t, client, "http://"+child.addr+partPath(crashRounds-1), tokens[i], acked[i], crashRounds)
	}
}

// checkAcked checks that the submission holds the last acknowledged text (or
// one written after it, whose answer the crash cut).
func checkAcked(t *testing.T, client *http.Client, url, token string, acked []string, round int) {
	t.Helper()
	if len(acked) == 0 {
		return
	}
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var sub struct {
		Text string `json:"text"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&sub); err != nil {
		t.Fatal(err)
	}
	last := acked[len(acked)-1]
	if sub.Text != last && !laterVersion(sub.Text, last) {
		t.Errorf("after crash %d: stored %q, acknowledged %q", round, sub.Text, last)
	}
}

// laterVersion reports whether got was written after want by the same writer.
func laterVersion(got, want string) bool {
	var r1, v1, w1, r2, v2, w2 int
	if _, err := fmt.Sscanf(got, "round %d, version %d of writer %d", &r1, &v1, &w1); err != nil {
		return false
	}
	if _, err := fmt.Sscanf(want, "round %d, version %d of writer %d", &r2, &v2, &w2); err != nil {
		return false
	}
	return w1 == w2 && (r1 > r2 || (r1 == r2 && v1 > v2))
}
