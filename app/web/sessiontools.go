package web

import (
	"context"
	"errors"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"librecours/certificates"
	"librecours/course"
	"librecours/grading"
)

// Session tools for coordinators: duplicate a past session, shift all of a
// session's deadlines at once. Routes are registered with the session ones.

// duplicateSession creates the copy, then carries over what the other
// domains keep per session: the exercises, the final evaluation and the
// certificate rules. A failure after the copy exists leaves it with the
// default content, which the coordinator may edit or fill again.
func (s *Server) duplicateSession(ctx context.Context, u *course.User, sourceID, startsOn string) (*course.Session, error) {
	sess, err := s.course.DuplicateSession(ctx, u, sourceID, startsOn)
	if err != nil {
		return nil, err
	}
	if err := s.grading.InitSession(ctx, sess.ID); err != nil {
		return nil, err
	}
	exercises, err := s.grading.Store.Exercises(ctx, sourceID)
	if err != nil {
		return nil, err
	}
	for _, ex := range exercises {
		if err := s.grading.Store.PutExercise(ctx, sess.ID, ex); err != nil {
			return nil, err
		}
	}
	switch ev, err := s.quiz.Store.Evaluation(ctx, sourceID); {
	case errors.Is(err, grading.ErrNotFound):
	case err != nil:
		return nil, err
	default:
		if err := s.quiz.Store.PutEvaluation(ctx, sess.ID, *ev); err != nil {
			return nil, err
		}
	}
	switch rules, err := s.certs.Store.Rules(ctx, sourceID); {
	case errors.Is(err, certificates.ErrNotFound):
	case err != nil:
		return nil, err
	default:
		if err := s.certs.Store.PutRules(ctx, sess.ID, rules); err != nil {
			return nil, err
		}
	}
	return sess, nil
}

func (s *Server) handleSessionDuplicate(c *fiber.Ctx) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	id := c.Params("id")
	sess, err := s.duplicateSession(c.UserContext(), u, id, c.FormValue("starts_on"))
	if err != nil {
		p := s.newPage(c, "app.session.title")
		p.Form["starts_on"] = c.FormValue("starts_on")
		return s.formError(c, err, p, func() error { return s.renderSession(c, u, id, p) })
	}
	s.flash(c, "app.flash.session_duplicated")
	return c.Redirect("/sessions/"+sess.ID, http.StatusSeeOther)
}

func (s *Server) handleSessionShift(c *fiber.Ctx) error {
	return s.sessionAction(c, "app.flash.deadlines_shifted", func(u *course.User, id string) error {
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

func (s *Server) handleAPISessionDuplicate(c *fiber.Ctx) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	var in struct {
		StartsOn string `json:"starts_on"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	sess, err := s.duplicateSession(c.UserContext(), u, c.Params("id"), in.StartsOn)
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(toSessionJSON(sess, s.now()))
}

func (s *Server) handleAPISessionShift(c *fiber.Ctx) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	var in struct {
		Days  int `json:"days"`
		Hours int `json:"hours"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	sess, err := s.course.ShiftDeadlines(c.UserContext(), u, c.Params("id"), in.Days, in.Hours)
	if err != nil {
		return err
	}
	return c.JSON(toSessionJSON(sess, s.now()))
}
