package web

import (
	"github.com/gofiber/fiber/v2"

	"librecours/course"
)

// The course's workload in hours, a session setting stated on its
// certificates (issue #15 item 4): the session page's form. The create
// form and the JSON API read the same field, workload_hours, in session.go.

// handleSessionWorkload saves the workload a coordinator typed; an empty
// field is refused like any number out of 1..500.
func (s *Server) handleSessionWorkload(c *fiber.Ctx, u *course.User) error {
	return s.sessionAction(c, u, "workload.saved", func(id string) error {
		hours, err := formInt(c, "workload_hours")
		if err != nil {
			return err
		}
		_, err = s.course.SetWorkload(c.UserContext(), u, id, hours)
		return err
	})
}
