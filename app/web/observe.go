package web

import (
	"context"
	"fmt"
	"librecours/app/internal/serve"
	"librecours/app/metrics"
	"net"
	"net/http"
	"reflect"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
)

// routeUnmatched is the route label of a request no route answered: 404,
// or a middleware refused it first.
const routeUnmatched = "unmatched"

// registerMetricsRoutes serves /metrics on the platform's own listener when
// it is protected by a token and no separate listener was asked for.
func (s *Server) registerMetricsRoutes() {
	if s.metrics == nil {
		return
	}
	if s.cfg.MetricsAddr == "" && s.cfg.MetricsToken != "" {
		s.app.Get("/metrics", adaptor.HTTPHandler(s.metrics.Handler()))
	}
}

// ListenMetrics serves /metrics on LIBRECOURS_METRICS_ADDR until the
// returned stop is called.
func (s *Server) ListenMetrics(addr string) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listener %s: %w", addr, err)
	}
	return s.serveMetrics(ln), nil
}

// serveMetrics serves /metrics on ln until the returned stop is called.
func (s *Server) serveMetrics(ln net.Listener) (stop func()) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.Handler())
	return serve.Background(&http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: metrics.CollectTimeout + 10*time.Second, IdleTimeout: 2 * time.Minute}, ln)
}

// requestInfoKey keys the request's *requestInfo in its user context.
type requestInfoKey struct{}

// requestInfo is what a log line written during a request says about it.
// It is read on the request's goroutine only (fiber reuses its Ctx once
// the request is answered).
type requestInfo struct {
	id    string
	c     *fiber.Ctx // nil once the request is answered
	route string     // the final route, once answered
}

func (r *requestInfo) Route() string {
	if r.c != nil {
		return routePattern(r.c)
	}
	return r.route
}

// routePattern is the pattern of the route that answers c
// ("/sessions/:id"), or "unmatched" while only middleware ran (no route
// matched: 404 or 405, or a middleware answered first).
func routePattern(c *fiber.Ctx) string {
	r := c.Route()
	if r == nil || r.Path == "" || isMiddleware(r) {
		return routeUnmatched
	}
	return r.Path
}

// routeUseField is the index of fiber.Route's unexported "use" field, which
// alone tells a middleware (app.Use) from a route; TestMetrics fails if a
// fiber upgrade loses it.
var routeUseField, routeUseFieldOK = func() ([]int, bool) {
	f, ok := reflect.TypeFor[fiber.Route]().FieldByName("use")
	return f.Index, ok && f.Type.Kind() == reflect.Bool
}()

// isMiddleware reports whether r was registered by app.Use.
func isMiddleware(r *fiber.Route) bool {
	return routeUseFieldOK && reflect.ValueOf(r).Elem().FieldByIndex(routeUseField).Bool()
}

// observe puts the request's ID and route in its context, for the log lines
// written while answering it, and counts and times the request.
func (s *Server) observe(c *fiber.Ctx) error {
	info := &requestInfo{id: requestID(c), c: c}
	c.SetUserContext(context.WithValue(c.UserContext(), requestInfoKey{}, info))
	m := s.metrics
	start := time.Now()
	defer m.InFlight()()
	err := c.Next()
	info.route, info.c = routePattern(c), nil
	if m != nil {
		status := c.Response().StatusCode()
		if err != nil {
			status = s.classify(err).Status
		}
		m.Request(c.Method(), info.route, status, time.Since(start))
	}
	return err
}
