package app

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestGracefulShutdown: a request in flight when shutdown begins still
// completes and its work is stored; new connections are refused; the
// scheduler stops once its current job is done.
func TestGracefulShutdown(t *testing.T) {
	f := newFixture(t)
	e := f.e
	ctx := t.Context()
	e.clock.Set(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	if err := e.srv.course.Enrol(ctx, f.coord, f.session.ID, f.part.ID); err != nil {
		t.Fatal(err)
	}
	token := e.token(f.part)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = e.srv.App().Listener(ln) }()
	addr := ln.Addr().String()

	// Start a request and send half of its body.
	body := `{"text":"Travail envoyé pendant l'arrêt du serveur."}`
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "PUT /api/v1/sessions/%s/parts/1/submission HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		f.session.ID, token, len(body), body[:10])

	done := make(chan error, 1)
	go func() { done <- e.srv.Shutdown(context.Background()) }()
	for i := 0; ; i++ { // shutdown has begun once new connections are refused
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
	fmt.Fprint(conn, body[10:])
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight request: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("in-flight request: %d", resp.StatusCode)
	}
	conn.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	sub, err := e.srv.grading.Store.SubmissionByAuthor(ctx, f.session.ID, 1, f.part.ID)
	if err != nil || !strings.Contains(sub.Text, "pendant l'arrêt") {
		t.Fatalf("work sent during shutdown: %+v %v", sub, err)
	}

	// The scheduler returns once its context ends.
	sctx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { e.srv.RunScheduler(sctx, time.Hour); close(stopped) }()
	cancel()
	select {
	case <-stopped:
	case <-time.After(30 * time.Second):
		t.Fatal("the scheduler did not stop")
	}
}
