package web

import (
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// storageLogEvery is how often a run of storage failures is logged: the first
// at once, then one line a minute with the count of those not logged.
const storageLogEvery = time.Minute

// storageLog rate-limits the log of storage failures (a full disk fails every
// request: one line each would fill what is left of it).
type storageLog struct {
	mu         sync.Mutex
	last       time.Time
	suppressed int
}

// storageFailure logs a storage failure unless one was logged less than a
// minute ago; the next line carries the count of those in between.
func (s *Server) storageFailure(c *fiber.Ctx, err error) {
	s.metrics.StorageFailed()
	now := time.Now()
	s.storageLog.mu.Lock()
	if !s.storageLog.last.IsZero() && now.Sub(s.storageLog.last) < storageLogEvery {
		s.storageLog.suppressed++
		s.storageLog.mu.Unlock()
		return
	}
	n := s.storageLog.suppressed
	s.storageLog.last, s.storageLog.suppressed = now, 0
	s.storageLog.mu.Unlock()
	s.log.Warn("storage unavailable", "path", redactSecrets(c.Path()), "route", routePattern(c), "request_id", requestID(c),
		"err", err, "failures_not_logged", n)
}
