package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"librecours/course"
)

func (s *Server) registerAccountRoutes() {
	a := s.app
	a.Get("/login", s.handleLoginShow)
	a.Post("/login", s.handleLoginCreate)
	a.Post("/logout", s.handleLogout)
	a.Get("/register", s.handleRegisterShow)
	a.Post("/register", s.handleRegisterCreate)
	a.Post("/lang", s.handleLangUpdate)
	a.Get("/users", signedIn(s.handleUsersIndex))
	a.Post("/users", signedIn(s.handleUsersCreate))

	api := a.Group("/api/v1")
	api.Post("/auth/token", s.handleAPITokenCreate)
	api.Delete("/auth/token", s.handleAPITokenDelete)
	api.Post("/auth/register", s.handleAPIRegister)
	api.Post("/users", apiJSON(s.handleAPIUserCreate))
	api.Get("/users", apiJSON(s.handleAPIUsersIndex))
	api.Get("/me", apiJSON(s.handleAPIMe))
}

func (s *Server) handleLoginShow(c *fiber.Ctx) error {
	if currentUser(c) != nil {
		return c.Redirect(safeNext(c.Query("next"), "/dashboard"), http.StatusSeeOther)
	}
	p := s.newPage(c, "app.login.title")
	p.Form["next"] = safeNext(c.Query("next"), "")
	return s.render(c, "pages/account/login", p)
}

func (s *Server) handleLoginCreate(c *fiber.Ctx) error {
	p := s.newPage(c, "app.login.title")
	p.Form["email"], p.Form["next"] = c.FormValue("email"), safeNext(c.FormValue("next"), "")
	u, err := s.signIn(c, c.FormValue("email"), c.FormValue("password"))
	if err != nil {
		return s.formError(c, err, p, s.formPage(c, "pages/account/login", p))
	}
	return s.beginWebSession(c, u, p.Form["next"])
}

// beginWebSession replaces any previous session (a new cookie at every
// sign-in) and redirects.
func (s *Server) beginWebSession(c *fiber.Ctx, u *course.User, next string) error {
	if old := currentAuth(c); old != nil {
		if err := s.auth.End(c.UserContext(), old.TokenHash); err != nil {
			return err
		}
	}
	token, err := s.startSession(c.UserContext(), u, "web")
	if err != nil {
		return err
	}
	s.setCookie(c, cookieSession, token, 0)
	s.setCookie(c, cookieCSRF, "", -1)
	return c.Redirect(safeNext(next, "/dashboard"), http.StatusSeeOther)
}

func (s *Server) handleLogout(c *fiber.Ctx) error {
	if a := currentAuth(c); a != nil {
		if err := s.auth.End(c.UserContext(), a.TokenHash); err != nil {
			return err
		}
	}
	s.setCookie(c, cookieSession, "", -1)
	s.flash(c, "app.flash.signed_out")
	return c.Redirect("/", http.StatusSeeOther)
}

func (s *Server) handleRegisterShow(c *fiber.Ctx) error {
	p := s.newPage(c, "app.register.title")
	if !s.cfg.SelfRegistration {
		return course.ErrRegistrationOff
	}
	return s.render(c, "pages/account/register", p)
}

func (s *Server) handleRegisterCreate(c *fiber.Ctx) error {
	p := s.newPage(c, "app.register.title")
	p.Form["email"], p.Form["name"] = c.FormValue("email"), c.FormValue("name")
	if c.FormValue("password") != c.FormValue("password_confirm") {
		return s.formError(c, course.Invalid("password_confirm", "app.register.password_mismatch"), p, s.formPage(c, "pages/account/register", p))
	}
	err := s.register(c, course.NewUser{
		Email: c.FormValue("email"), Name: c.FormValue("name"), Password: c.FormValue("password"), Locale: p.Lang(),
	})
	if err != nil {
		return s.formError(c, err, p, s.formPage(c, "pages/account/register", p))
	}
	// The same answer whether the address had an account or not.
	s.flash(c, "app.flash.check_mail")
	return c.Redirect("/login", http.StatusSeeOther)
}

func (s *Server) handleLangUpdate(c *fiber.Ctx) error {
	lang := c.FormValue("lang")
	if lang != "fr" && lang != "en" {
		return course.Invalid("lang", "course.user.locale_invalid")
	}
	if u := currentUser(c); u != nil {
		if err := s.course.SetLocale(c.UserContext(), u, lang); err != nil {
			return err
		}
	}
	s.setCookie(c, cookieLang, lang, 365*24*time.Hour)
	return c.Redirect(safeNext(c.FormValue("next"), "/"), http.StatusSeeOther)
}

func (s *Server) handleUsersIndex(c *fiber.Ctx, u *course.User) error {
	if !u.IsCoordinator() {
		return course.ErrForbidden
	}
	return s.renderUsers(c, s.newPage(c, "app.users.title"))
}

func (s *Server) renderUsers(c *fiber.Ctx, p *page) error {
	users, err := s.course.Users(c.UserContext(), currentUser(c))
	if err != nil {
		return err
	}
	p.Data = fiber.Map{"Users": users, "Roles": course.Roles}
	return s.render(c, "pages/users/index", p)
}

func (s *Server) handleUsersCreate(c *fiber.Ctx, u *course.User) error {
	var roles []course.Role
	for _, r := range c.Request().PostArgs().PeekMulti("roles") {
		if role, ok := course.ParseRole(string(r)); ok {
			roles = append(roles, role)
		} else {
			return course.Invalid("roles", "course.user.role_invalid")
		}
	}
	return s.formAction(c, "app.flash.user_created", "app.users.title", "/users",
		func() error {
			_, err := s.course.CreateUser(c.UserContext(), u, course.NewUser{
				Email: c.FormValue("email"), Name: c.FormValue("name"), Password: c.FormValue("password"), Roles: roles,
			})
			return err
		},
		func(p *page) error { return s.renderUsers(c, p) })
}

// API

type credentialsJSON struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

func (s *Server) handleAPITokenCreate(c *fiber.Ctx) error {
	var in credentialsJSON
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	u, err := s.signIn(c, in.Email, in.Password)
	if err != nil {
		return err
	}
	token, err := s.startSession(c.UserContext(), u, "api")
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"token": token, "user": toUserJSON(u)})
}

func (s *Server) handleAPITokenDelete(c *fiber.Ctx) error {
	a := currentAuth(c)
	if a == nil {
		return course.ErrUnauthenticated
	}
	if err := s.auth.End(c.UserContext(), a.TokenHash); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

type newUserJSON struct {
	Email    string   `json:"email"`
	Name     string   `json:"name"`
	Password string   `json:"password"`
	Roles    []string `json:"roles"`
	Locale   string   `json:"locale"`
}

func (j newUserJSON) toNewUser() (course.NewUser, error) {
	n := course.NewUser{Email: j.Email, Name: j.Name, Password: j.Password, Locale: strings.TrimSpace(j.Locale)}
	for _, r := range j.Roles {
		role, ok := course.ParseRole(r)
		if !ok {
			return n, course.Invalid("roles", "course.user.role_invalid")
		}
		n.Roles = append(n.Roles, role)
	}
	return n, nil
}

func (s *Server) handleAPIRegister(c *fiber.Ctx) error {
	var in newUserJSON
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if len(in.Roles) > 0 {
		return course.Invalid("roles", "course.user.roles_not_allowed")
	}
	n, _ := in.toNewUser()
	if err := s.register(c, n); err != nil {
		return err
	}
	// The same answer whether the address had an account or not.
	return c.Status(http.StatusAccepted).JSON(fiber.Map{"status": "check_mail", "message": s.translator(c).T("app.register.check_mail")})
}

func (s *Server) handleAPIUserCreate(c *fiber.Ctx, actor *course.User, _ *noBody) (any, error) {
	var in newUserJSON
	if err := coordinatorBody(c, actor, &in); err != nil {
		return nil, err
	}
	n, err := in.toNewUser()
	if err != nil {
		return nil, err
	}
	u, err := s.course.CreateUser(c.UserContext(), actor, n)
	if err != nil {
		return nil, err
	}
	return created(toUserJSON(u)), nil
}

func (s *Server) handleAPIUsersIndex(c *fiber.Ctx, actor *course.User, _ *noBody) (any, error) {
	return jsonOf(listOf(toUserJSON))(s.course.Users(c.UserContext(), actor))
}

func (s *Server) handleAPIMe(c *fiber.Ctx, u *course.User, _ *noBody) (any, error) {
	return toUserJSON(u), nil
}
