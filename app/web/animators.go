package web

import (
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
	a.Post("/sessions/:id/shift", signedIn(s.handleSessionShift))

	api := a.Group("/api/v1")
	api.Get("/animators", apiJSON(s.handleAPIAnimatorPool))
	api.Post("/animators/:uid/release", apiJSON(s.handleAPICommitmentRelease))
	api.Get("/me/availability", apiJSON(s.handleAPIMyAvailability))
	api.Put("/me/availability", apiJSON(s.handleAPIAvailability))
	api.Post("/sessions/:id/duplicate", apiJSON(s.handleAPISessionDuplicate))
	api.Post("/sessions/:id/shift", apiJSON(s.handleAPISessionShift))
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
	return s.formAction(c, "app.flash.commitment_released", "app.animators.title", "/animators",
		func() error {
			_, err := s.certs.ReleaseCommitment(c.UserContext(), u, c.Params("uid"), c.FormValue("commitment"), c.FormValue("reason"))
			return err
		},
		func(p *page) error { return s.renderPool(c, u, p) })
}

func (s *Server) handleAvailability(c *fiber.Ctx, u *course.User) error {
	var available *bool
	if v := c.FormValue("available"); v == "yes" || v == "no" {
		yes := v == "yes"
		available = &yes
	}
	return s.formAction(c, "app.flash.availability_saved", "app.dashboard.title", "/dashboard",
		func() error {
			return s.certs.DeclareAvailability(c.UserContext(), u, c.FormValue("session_id"), available)
		},
		func(p *page) error { return s.renderDashboard(c, u, p) })
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
	return mapJSON(list, func(a certificates.SessionAvailability) availabilityJSON {
		return availabilityJSON{SessionID: a.Session.ID, SessionCode: a.Session.Code, StartsOn: a.Session.StartsOn, Available: a.Available}
	})
}

func toPoolJSON(e certificates.PoolEntry) poolJSON {
	j := poolJSON{UserID: e.User.ID, Name: e.User.Name, SessionsAnimated: append([]string{}, e.Animated...),
		Corrections: e.Corrections, Commitments: mapJSON(e.Commitments, toCommitmentJSON), Availability: toAvailabilityJSON(e.Upcoming)}
	if e.Commitment != nil {
		cj := toCommitmentJSON(*e.Commitment)
		j.Commitment = &cj
	}
	if e.MedianDelay != nil {
		h := e.MedianDelay.Hours()
		j.MedianDelayHours = &h
	}
	return j
}

func (s *Server) handleAPIAnimatorPool(c *fiber.Ctx, u *course.User, _ *noBody) (any, error) {
	return jsonOf(listOf(toPoolJSON))(s.certs.Pool(c.UserContext(), u))
}

type releaseJSON struct {
	CommitmentID string `json:"commitment_id"`
	Reason       string `json:"reason"`
}

func (s *Server) handleAPICommitmentRelease(c *fiber.Ctx, u *course.User, in *releaseJSON) (any, error) {
	return jsonOf(func(cm *certificates.Commitment) commitmentJSON { return toCommitmentJSON(*cm) })(
		s.certs.ReleaseCommitment(c.UserContext(), u, c.Params("uid"), in.CommitmentID, in.Reason))
}

func (s *Server) handleAPIMyAvailability(c *fiber.Ctx, u *course.User, _ *noBody) (any, error) {
	return jsonOf(toAvailabilityJSON)(s.certs.MyAvailability(c.UserContext(), u))
}

type availabilityInJSON struct {
	SessionID string `json:"session_id"`
	Available *bool  `json:"available"`
}

func (s *Server) handleAPIAvailability(c *fiber.Ctx, u *course.User, in *availabilityInJSON) (any, error) {
	if err := s.certs.DeclareAvailability(c.UserContext(), u, in.SessionID, in.Available); err != nil {
		return nil, err
	}
	return fiber.Map{"session_id": in.SessionID, "available": in.Available}, nil
}
