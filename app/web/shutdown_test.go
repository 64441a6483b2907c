package web

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// syncBuffer is a log sink shared by the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestGracefulShutdown: on shutdown, a request being handled completes and
// its work is stored; connections still sending a request's headers or
// body are closed at once and logged; new connections are refused; the
// shutdown returns nil (exit 0) without waiting for the slow clients; the
// scheduler stops once its current job is done.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.e
	ctx := t.Context()
	var logs syncBuffer
	e.srv.log = slog.New(slog.NewTextHandler(&logs, nil))
	e.clock.Set(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	if err := e.srv.course.Enrol(ctx, f.coord, f.session.ID, f.part.ID); err != nil {
		t.Fatal(err)
	}
	token := e.token(f.part)

	// A request that is being handled when the shutdown begins: it waits
	// for release, then stores a submission.
	started, release := make(chan struct{}), make(chan struct{})
	e.srv.App().Put("/api/v1/test/slow", func(c *fiber.Ctx) error {
		close(started)
		<-release
		_, err := e.srv.grading.Submit(c.UserContext(), f.part, f.session.ID, 1, "Travail envoyé pendant l'arrêt du serveur.", nil)
		if err != nil {
			return err
		}
		return c.SendString("stored")
	})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = e.srv.App().Listener(ln) }()
	addr := ln.Addr().String()
	dial := func() net.Conn {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}

	slow := dial()
	fmt.Fprintf(slow, "PUT /api/v1/test/slow HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: 0\r\n\r\n", token)
	select {
	case <-started:
	case <-time.After(30 * time.Second):
		t.Fatal("the slow request never reached its handler")
	}
	halfHeader := dial()
	fmt.Fprint(halfHeader, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Half: ")
	body := `{"text":"Jamais fini."}`
	halfBody := dial()
	fmt.Fprintf(halfBody, "PUT /api/v1/sessions/%s/parts/1/submission HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		f.session.ID, token, len(body), body[:5])
	// Both have been read from (a healthz round trip orders us after them).
	for _, c := range []net.Conn{halfHeader, halfBody} {
		waitState(t, e.srv, c.LocalAddr().String())
	}

	// The deadline is far: were the shutdown to wait for the half-sent
	// requests (their read timeout is 30 s), it would still succeed, so
	// the test checks that they were cut before the slow request ended.
	done := make(chan error, 1)
	go func() { done <- e.srv.Shutdown(context.Background()) }()
	for _, c := range []net.Conn{halfHeader, halfBody} {
		_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
		n, err := c.Read(make([]byte, 1))
		if ne, ok := err.(net.Error); err == nil || n > 0 || (ok && ne.Timeout()) {
			t.Fatalf("a half-sent request was not cut: %d bytes, %v", n, err)
		}
	}
	for i := 0; ; i++ { // new connections are refused
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if i == 200 {
			t.Fatal("the listener still accepts connections")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("shutdown returned (%v) while a request was being handled", err)
	default:
	}
	close(release)
	resp, err := http.ReadResponse(bufio.NewReader(slow), nil)
	if err != nil {
		t.Fatalf("request being handled: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "stored" {
		t.Fatalf("request being handled: %d %s", resp.StatusCode, b)
	}
	if err := <-done; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	sub, err := e.srv.grading.Store.SubmissionByAuthor(ctx, f.session.ID, 1, f.part.ID)
	if err != nil || !strings.Contains(sub.Text, "pendant l'arrêt") {
		t.Fatalf("work sent during shutdown: %+v %v", sub, err)
	}
	out := logs.String()
	for _, c := range []net.Conn{halfHeader, halfBody} {
		if !strings.Contains(out, "remote="+c.LocalAddr().String()) {
			t.Errorf("cut connection %s not logged:\n%s", c.LocalAddr(), out)
		}
	}
	if !strings.Contains(out, "connections_cut=2") {
		t.Errorf("summary:\n%s", out)
	}

	// The scheduler returns once its context ends.
	sctx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { e.jobs.Run(sctx, time.Hour); close(stopped) }()
	cancel()
	select {
	case <-stopped:
	case <-time.After(30 * time.Second):
		t.Fatal("the scheduler did not stop")
	}
}

// waitState waits until the server tracks the connection from local.
func waitState(t *testing.T, s *Server, local string) {
	t.Helper()
	for i := 0; i < 500; i++ {
		s.conns.mu.Lock()
		found := false
		for c := range s.conns.m {
			if c.RemoteAddr().String() == local {
				found = true
			}
		}
		s.conns.mu.Unlock()
		if found {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the server never saw %s", local)
}
