package web

import (
	"net/http"

	"github.com/gofiber/fiber/v2"

	"librecours/course"
)

// Session tools for coordinators: duplicate a past session, shift all of a
// session's deadlines at once. Routes are registered with the session ones.

func (s *Server) handleSessionDuplicate(c *fiber.Ctx, u *course.User) error {
	id := c.Params("id")
	sess, err := s.course.DuplicateSession(c.UserContext(), u, id, c.FormValue("starts_on"))
	if err != nil {
		p := s.newPage(c, "app.session.title")
		p.Form["starts_on"] = c.FormValue("starts_on")
		return s.formError(c, err, p, func() error { return s.renderSession(c, u, id, p) })
	}
	s.flash(c, "app.flash.session_duplicated")
	return c.Redirect("/sessions/"+sess.ID, http.StatusSeeOther)
}

func (s *Server) handleSessionShift(c *fiber.Ctx, u *course.User) error {
	return s.sessionAction(c, u, "app.flash.deadlines_shifted", func(id string) error {
		if !u.IsCoordinator() {
			return course.ErrForbidden
		}
		days, err := formInt(c, "days")
		if err != nil {
			return err
		}
		hours := 0
		if c.FormValue("hours") != "" {
			if hours, err = formInt(c, "hours"); err != nil {
				return err
			}
		}
		if !confirmed(c) {
			if err := course.CheckShift(days, hours); err != nil {
				return err
			}
			return errConfirm{func() error { return s.shiftConfirm(c, u, id, days, hours) }}
		}
		_, err = s.course.ShiftDeadlines(c.UserContext(), u, id, days, hours)
		return err
	})
}

type startsOnJSON struct {
	StartsOn string `json:"starts_on"`
}

func (s *Server) handleAPISessionDuplicate(c *fiber.Ctx, u *course.User, in *startsOnJSON) (any, error) {
	sess, err := s.course.DuplicateSession(c.UserContext(), u, c.Params("id"), in.StartsOn)
	if err != nil {
		return nil, err
	}
	return created(toSessionJSON(sess, s.now())), nil
}

type shiftJSON struct {
	Days  int `json:"days"`
	Hours int `json:"hours"`
}

func (s *Server) handleAPISessionShift(c *fiber.Ctx, u *course.User, in *shiftJSON) (any, error) {
	sess, err := s.course.ShiftDeadlines(c.UserContext(), u, c.Params("id"), in.Days, in.Hours)
	if err != nil {
		return nil, err
	}
	return toSessionJSON(sess, s.now()), nil
}
