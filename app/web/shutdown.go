package web

import (
	"context"
	"net"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// conns follows the server's connections, so that a shutdown can tell the
// requests being handled (they finish) from the connections still sending
// their request's headers or body (they are closed at once: a client that
// sent half a header must not hold the shutdown until the read timeout).
type conns struct {
	mu sync.Mutex
	m  map[net.Conn]*connState
}

type connState struct {
	state    fasthttp.ConnState
	handling bool // the request was read whole and reached the handlers
}

// track is fasthttp's ConnState hook.
func (t *conns) track(c net.Conn, st fasthttp.ConnState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch st {
	case fasthttp.StateClosed, fasthttp.StateHijacked:
		delete(t.m, c)
	default:
		if t.m == nil {
			t.m = map[net.Conn]*connState{}
		}
		cs := t.m[c]
		if cs == nil {
			cs = &connState{}
			t.m[c] = cs
		}
		cs.state = st
		if st != fasthttp.StateActive {
			cs.handling = false // idle again: the next request has to be read
		}
	}
}

// handling marks the request's connection as being handled, until it goes
// idle or closes: its response is being computed or written. fasthttp
// reads the whole body before it calls the handlers.
func (t *conns) handling(c *fiber.Ctx) error {
	if nc := c.Context().Conn(); nc != nil {
		t.mu.Lock()
		if cs := t.m[nc]; cs != nil {
			cs.handling = true
		}
		t.mu.Unlock()
	}
	return c.Next()
}

// cutReading closes the connections that are still sending a request, and
// returns their remote addresses.
func (t *conns) cutReading() []string {
	t.mu.Lock()
	var cut []net.Conn
	for c, cs := range t.m {
		if (cs.state == fasthttp.StateNew || cs.state == fasthttp.StateActive) && !cs.handling {
			cut = append(cut, c)
			delete(t.m, c)
		}
	}
	t.mu.Unlock()
	addrs := make([]string, 0, len(cut))
	for _, c := range cut {
		_ = c.Close() // the client is gone or too slow; nothing to report
		addrs = append(addrs, c.RemoteAddr().String())
	}
	return addrs
}

// shutdownPoll is how often a shutdown looks again for connections still
// sending a request (one may arrive before the listener closes).
const shutdownPoll = 20 * time.Millisecond

// Shutdown stops accepting connections, closes at once those still sending
// their request's headers or body (each is logged), and waits for the
// requests being handled. It returns nil when those requests finished
// before ctx ended, however many connections were cut.
func (s *Server) Shutdown(ctx context.Context) error {
	done := make(chan error, 1)
	go func() { done <- s.app.ShutdownWithContext(ctx) }()
	tick := time.NewTicker(shutdownPoll)
	defer tick.Stop()
	cut := 0
	for {
		for _, addr := range s.conns.cutReading() {
			cut++
			s.log.Info("shutdown: closed a connection still sending its request", "remote", addr)
		}
		select {
		case err := <-done:
			s.log.Info("shutdown: requests finished", "connections_cut", cut, "err", err)
			return err
		case <-tick.C:
		}
	}
}
