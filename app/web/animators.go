package web

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"librecours/certificates"
	"librecours/course"
)

func (s *Server) registerAnimatorRoutes() {
	a := s.app
	a.Get("/animators", signedIn(s.handleAnimatorPool))
	a.Post("/animators/:uid/release", signedIn(s.handleCommitmentRelease))
	a.Post("/availability", signedIn(s.handleAvailability))
	s.registerAuditRoutes()
	a.Post("/sessions/:id/duplicate", signedIn(s.handleSessionDuplicate))
	a.Post("/sessions/:id/shift", s.handleSessionShift)

	api := a.Group("/api/v1")
	api.Get("/animators", signedIn(s.handleAPIAnimatorPool))
	api.Post("/animators/:uid/release", signedIn(s.handleAPICommitmentRelease))
	api.Get("/me/availability", signedIn(s.handleAPIMyAvailability))
	api.Put("/me/availability", signedIn(s.handleAPIAvailability))
	api.Post("/sessions/:id/duplicate", signedIn(s.handleAPISessionDuplicate))
	api.Post("/sessions/:id/shift", signedIn(s.handleAPISessionShift))
}

// Pages

func (s *Server) handleAnimatorPool(c *fiber.Ctx, u *course.User) error {
	return s.renderPool(c, u, s.newPage(c, "app.animators.title"))
}

func (s *Server) renderPool(c *fiber.Ctx, u *course.User, p *page) error {
	pool, err := s.certs.Pool(c.UserContext(), u)
	if err != nil {
		return err
	}
	var upcoming []certificates.SessionAvailability
	if len(pool) > 0 {
		upcoming = pool[0].Upcoming
	}
	p.Data = fiber.Map{"Pool": pool, "Upcoming": upcoming}
	return s.render(c, "pages/animators/index", p)
}

func (s *Server) handleCommitmentRelease(c *fiber.Ctx, u *course.User) error {
	_, err := s.certs.ReleaseCommitment(c.UserContext(), u, c.Params("uid"), c.FormValue("commitment"), c.FormValue("reason"))
	if err != nil {
		p := s.newPage(c, "app.animators.title")
		p.Form["reason"] = c.FormValue("reason")
		return s.formError(c, err, p, func() error { return s.renderPool(c, u, p) })
	}
	s.flash(c, "app.flash.commitment_released")
	return c.Redirect("/animators", http.StatusSeeOther)
}

func (s *Server) handleAvailability(c *fiber.Ctx, u *course.User) error {
	var available *bool
	if v := c.FormValue("available"); v == "yes" || v == "no" {
		yes := v == "yes"
		available = &yes
	}
	if err := s.certs.DeclareAvailability(c.UserContext(), u, c.FormValue("session_id"), available); err != nil {
		p := s.newPage(c, "app.dashboard.title")
		return s.formError(c, err, p, func() error { return s.renderDashboard(c, u, p) })
	}
	s.flash(c, "app.flash.availability_saved")
	return c.Redirect("/dashboard", http.StatusSeeOther)
}

// API

type poolJSON struct {
	UserID           string             `json:"user_id"`
	Name             string             `json:"name"`
	Commitment       *commitmentJSON    `json:"commitment"`
	Commitments      []commitmentJSON   `json:"commitments"`
	SessionsAnimated []string           `json:"sessions_animated"`
	Corrections      int                `json:"corrections"`
	MedianDelayHours *float64           `json:"median_delay_hours"`
	Availability     []availabilityJSON `json:"availability"`
}

type commitmentJSON struct {
	ID          string    `json:"id"`
	Status      string    `json:"status"`
	FromSession string    `json:"from_session"`
	Certificate string    `json:"certificate"`
	CreatedAt   time.Time `json:"created_at"`
	FulfilledBy string    `json:"fulfilled_by,omitempty"`
	Reason      string    `json:"reason,omitempty"`
}

type availabilityJSON struct {
	SessionID   string `json:"session_id"`
	SessionCode string `json:"session_code"`
	StartsOn    string `json:"starts_on"`
	Available   *bool  `json:"available"`
}

func toCommitmentJSON(c certificates.Commitment) commitmentJSON {
	return commitmentJSON{ID: c.ID, Status: c.Status, FromSession: c.FromSessionCode, Certificate: c.Certificate,
		CreatedAt: c.CreatedAt, FulfilledBy: c.FulfilledBy, Reason: c.Reason}
}

func toAvailabilityJSON(list []certificates.SessionAvailability) []availabilityJSON {
	out := make([]availabilityJSON, len(list))
	for i, a := range list {
		out[i] = availabilityJSON{SessionID: a.Session.ID, SessionCode: a.Session.Code, StartsOn: a.Session.StartsOn, Available: a.Available}
	}
	return out
}

func (s *Server) handleAPIAnimatorPool(c *fiber.Ctx, u *course.User) error {
	pool, err := s.certs.Pool(c.UserContext(), u)
	if err != nil {
		return err
	}
	out := make([]poolJSON, len(pool))
	for i, e := range pool {
		j := poolJSON{UserID: e.User.ID, Name: e.User.Name, SessionsAnimated: append([]string{}, e.Animated...),
			Corrections: e.Corrections, Commitments: []commitmentJSON{}, Availability: toAvailabilityJSON(e.Upcoming)}
		if e.Commitment != nil {
			cj := toCommitmentJSON(*e.Commitment)
			j.Commitment = &cj
		}
		for _, cm := range e.Commitments {
			j.Commitments = append(j.Commitments, toCommitmentJSON(cm))
		}
		if e.MedianDelay != nil {
			h := e.MedianDelay.Hours()
			j.MedianDelayHours = &h
		}
		out[i] = j
	}
	return c.JSON(out)
}

func (s *Server) handleAPICommitmentRelease(c *fiber.Ctx, u *course.User) error {
	var in struct {
		CommitmentID string `json:"commitment_id"`
		Reason       string `json:"reason"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	cm, err := s.certs.ReleaseCommitment(c.UserContext(), u, c.Params("uid"), in.CommitmentID, in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(toCommitmentJSON(*cm))
}

func (s *Server) handleAPIMyAvailability(c *fiber.Ctx, u *course.User) error {
	mine, err := s.certs.MyAvailability(c.UserContext(), u)
	if err != nil {
		return err
	}
	return c.JSON(toAvailabilityJSON(mine))
}

func (s *Server) handleAPIAvailability(c *fiber.Ctx, u *course.User) error {
	var in struct {
		SessionID string `json:"session_id"`
		Available *bool  `json:"available"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := s.certs.DeclareAvailability(c.UserContext(), u, in.SessionID, in.Available); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"session_id": in.SessionID, "available": in.Available})
}
