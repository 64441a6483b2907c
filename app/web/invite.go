package web

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"librecours/course"
)

// Inviting one person (issue #13 item 8): a coordinator types an address and
// a name on the import page; someone without an account gets one and an
// e-mailed invitation, as an import of one line.
//
//	POST /sessions/:id/invite             email, name → the import page with the result
//	POST /api/v1/sessions/:id/invitations {email, name} → the import's answer

// registerInviteRoutes is called by registerRosterRoutes.
func (s *Server) registerInviteRoutes() {
	s.app.Post("/sessions/:id/invite", s.handleInviteCreate)
	s.app.Post("/api/v1/sessions/:id/invitations", s.handleAPIInvite)
}

func (s *Server) handleInviteCreate(c *fiber.Ctx) error {
	u, sess, err := s.importSession(c)
	if err != nil {
		return err
	}
	p := s.newPage(c, "app.roster.title")
	data := fiber.Map{"Session": sess}
	p.Data = data
	p.Form["invite_email"], p.Form["invite_name"] = c.FormValue("email"), c.FormValue("name")
	res, err := s.course.Invite(c.UserContext(), u, sess.ID, c.FormValue("email"), c.FormValue("name"))
	if err != nil {
		var ve *course.ValidationError
		if errors.As(err, &ve) { // the form's fields are named invite_*
			ve.Field = "invite_" + ve.Field
		}
		return s.formError(c, err, p, s.formPage(c, "pages/sessions/import", p))
	}
	if updated, err := s.course.Session(c.UserContext(), u, sess.ID); err == nil {
		data["Session"] = updated
	}
	p.Form["invite_email"], p.Form["invite_name"] = "", ""
	view := s.toImportView(res)
	view.Mailed = s.mailInvitations(c.UserContext(), sess, res)
	view.List = invitationList(p.translator, view.Created, view.Reinvited)
	data["Result"] = view
	return s.render(c, "pages/sessions/import", p)
}

func (s *Server) handleAPIInvite(c *fiber.Ctx) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	var in struct {
		Email string `json:"email"`
		Name  string `json:"name"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	res, err := s.course.Invite(c.UserContext(), u, c.Params("id"), in.Email, in.Name)
	if err != nil {
		return err
	}
	return s.importAnswer(c, u, res)
}
