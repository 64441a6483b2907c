package web

import (
	"net/http"

	"github.com/gofiber/fiber/v2"
)

func (s *Server) registerHomeRoutes() {
	s.app.Get("/", s.handleHome)
	s.app.Get("/api/v1/openapi.json", s.handleOpenAPI)
}

func (s *Server) handleHome(c *fiber.Ctx) error {
	if currentUser(c) != nil {
		return c.Redirect("/dashboard", http.StatusSeeOther)
	}
	p := s.newPage(c, "app.home.title")
	p.Data = fiber.Map{"SelfRegistration": s.cfg.SelfRegistration}
	return s.render(c, "pages/home", p)
}
