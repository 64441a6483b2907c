package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"librecours/course"
	"librecours/notify"
)

// Account recovery and settings (issue #13 item 1).
//
//	GET  /password/forgot          the form: an address
//	POST /password/forgot          e-mails a reset link when the address has an account; the same answer otherwise
//	GET  /password/reset/TOKEN     the form: a new password, twice
//	POST /password/reset/TOKEN     sets it, ends every session of the account; the link stops working
//	POST /account/password         current password and a new one; ends the other sessions
//	POST /account/name             a new name
//	POST /account/email            current password and a new address: a link goes to the new address
//	GET  /account/email/TOKEN      asks to confirm the new address (a link scanner's GET changes nothing)
//	POST /account/email/TOKEN      the address changes
//	POST /users/:id/reset          a coordinator e-mails someone a reset link (audited)
//
// Links are single-use AuthSessions of kind course.KindReset or
// course.KindEmail: only the SHA-256 of their token is stored; the token
// travels in the outbox message (notify.Outbox.Link) until the mail is
// sent and purged.
const (
	forgotWindow     = time.Hour
	forgotPerIP      = 10 // requests per client address and window, like registration
	forgotPerAccount = 3  // links e-mailed per account and window; further requests send nothing
)

func (s *Server) registerRecoveryRoutes() {
	a := s.app
	a.Get("/password/forgot", s.handleForgotShow)
	a.Post("/password/forgot", s.handleForgotCreate)
	a.Get(notify.LinkPaths[notify.KindPasswordReset]+":token", s.handleResetShow)
	a.Post(notify.LinkPaths[notify.KindPasswordReset]+":token", s.handleResetSave)
	a.Post("/account/password", s.handleAccountPassword)
	a.Post("/account/name", s.handleAccountName)
	a.Post("/account/email", s.handleAccountEmail)
	a.Get(notify.LinkPaths[notify.KindEmailChange]+":token", s.handleEmailConfirmShow)
	a.Post(notify.LinkPaths[notify.KindEmailChange]+":token", s.handleEmailConfirm)
	a.Post("/users/:id/reset", s.handleUserReset)
}

// errLinkInvalid answers a link that is unknown, used or expired.
var errLinkInvalid = &httpError{Status: http.StatusNotFound, Code: "not_found", Key: "account.link.invalid"}

// sendLink makes a single-use link of kind for u, valid ttl, and queues its
// e-mail. data is what the link carries (the new address of KindEmail).
func (s *Server) sendLink(ctx context.Context, u *course.User, kind string, ttl time.Duration, data string) error {
	token, hash, err := s.auth.StartLink(ctx, u, kind, ttl, data)
	if err != nil {
		return err
	}
	mk := notify.KindPasswordReset
	if kind == course.KindEmail {
		mk = notify.KindEmailChange
	}
	_, err = s.outbox.Link(ctx, mk, u.ID, notify.Event{Key: hash[:16], Code: token, Text: data})
	return err
}

// resetLink e-mails u a reset link unless forgotPerAccount were sent in
// the window (silently: the answer stays the same).
func (s *Server) resetLink(ctx context.Context, u *course.User) error {
	n, err := s.auth.Count(ctx, "reset:"+u.ID, forgotWindow)
	if err != nil || n > forgotPerAccount {
		return err
	}
	return s.sendLink(ctx, u, course.KindReset, course.ResetTTL, "")
}

func (s *Server) handleForgotShow(c *fiber.Ctx) error {
	p := s.newPage(c, "account.forgot.title")
	p.Form["email"] = c.Query("email")
	return s.render(c, "pages/account/forgot", p)
}

func (s *Server) handleForgotCreate(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := s.newPage(c, "account.forgot.title")
	p.Form["email"] = c.FormValue("email")
	show := s.formPage(c, "pages/account/forgot", p)
	email := course.NormalizeEmail(c.FormValue("email"))
	if err := course.ValidateEmail(email); err != nil {
		return s.formError(c, err, p, show)
	}
	count, err := s.auth.Count(ctx, "forgot:"+s.clientKey(c), forgotWindow)
	if err != nil {
		return err
	}
	if count > forgotPerIP {
		return s.formError(c, &throttled{After: forgotWindow, Key: "account.forgot.too_many"}, p, show)
	}
	u, err := s.auth.Account(ctx, email)
	switch {
	case errors.Is(err, course.ErrNotFound):
	case err != nil:
		return err
	default:
		if err := s.resetLink(ctx, u); err != nil {
			return err
		}
	}
	// The same answer whether the address has an account or not.
	s.flash(c, "app.flash.reset_sent")
	return c.Redirect("/login", http.StatusSeeOther)
}

// linkTarget reads the link of the path's :token, of the kind given,
// without taking it; an unknown or malformed one is errLinkInvalid. Its
// page sends no Referer, which would carry the token.
func (s *Server) linkTarget(c *fiber.Ctx, kind string) (*course.AuthSession, *course.User, error) {
	c.Set("Referrer-Policy", "no-referrer")
	token := c.Params("token")
	if token == "" || len(token) > 100 {
		return nil, nil, errLinkInvalid
	}
	a, u, err := s.auth.Caller(c.UserContext(), token, kind)
	if errors.Is(err, course.ErrNotFound) {
		return nil, nil, errLinkInvalid
	}
	return a, u, err
}

// takeLink uses up the link of the path's :token, of the kind given.
func (s *Server) takeLink(c *fiber.Ctx, kind string) (*course.AuthSession, error) {
	a, err := s.auth.Take(c.UserContext(), c.Params("token"), kind)
	if errors.Is(err, course.ErrNotFound) {
		return nil, errLinkInvalid
	}
	return a, err
}

// resetPage is the reset link's form for u's account.
func (s *Server) resetPage(c *fiber.Ctx, u *course.User) *page {
	p := s.newPage(c, "account.reset.title")
	p.Data = fiber.Map{"Email": u.Email, "Token": c.Params("token")}
	return p
}

func (s *Server) handleResetShow(c *fiber.Ctx) error {
	_, u, err := s.linkTarget(c, course.KindReset)
	if err != nil {
		return err
	}
	return s.render(c, "pages/account/reset", s.resetPage(c, u))
}

func (s *Server) handleResetSave(c *fiber.Ctx) error {
	ctx := c.UserContext()
	_, u, err := s.linkTarget(c, course.KindReset)
	if err != nil {
		return err
	}
	p := s.resetPage(c, u)
	show := s.formPage(c, "pages/account/reset", p)
	if c.FormValue("password") != c.FormValue("password_confirm") {
		return s.formError(c, course.Invalid("password_confirm", "app.register.password_mismatch"), p, show)
	}
	hash, err := s.course.NewPasswordHash(u, c.FormValue("password")) // hashed in an argon slot
	if err != nil {
		return s.formError(c, err, p, show)
	}
	// Taken only now: a refused password leaves the link usable.
	if _, err := s.takeLink(c, course.KindReset); err != nil {
		return err
	}
	if err := s.course.SetPasswordHash(ctx, u, hash); err != nil {
		return err
	}
	// Whoever knew the old password is out, and the account can sign in
	// at once whatever guesses came before.
	if _, err := s.auth.EndAll(ctx, u.ID, ""); err != nil {
		return err
	}
	if err := s.forgetAttempts(ctx, "email:"+u.Email); err != nil {
		return err
	}
	s.setCookie(c, cookieSession, "", -1)
	s.flash(c, "app.flash.password_reset")
	return c.Redirect("/login", http.StatusSeeOther)
}

// accountForm handles a form of the account page: run does the change;
// an error shows the page again with the message.
func (s *Server) accountForm(c *fiber.Ctx, run func(u *course.User) (flash string, err error)) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	flash, err := run(u)
	if err != nil {
		p := s.newPage(c, "app.privacy.title")
		p.Form["name"], p.Form["email"] = c.FormValue("name"), c.FormValue("email")
		return s.formError(c, err, p, func() error { return s.renderAccount(c, u, p) })
	}
	s.flash(c, flash)
	return c.Redirect("/account", http.StatusSeeOther)
}

func (s *Server) handleAccountPassword(c *fiber.Ctx) error {
	return s.accountForm(c, func(u *course.User) (string, error) {
		ctx := c.UserContext()
		pc := course.PasswordChange{Current: c.FormValue("current_password"), New: c.FormValue("password"), Confirm: c.FormValue("password_confirm")}
		if err := s.course.ChangePassword(ctx, u, pc, s.deletionCheck(ctx, u)); err != nil { // counted like a sign-in
			return "", err
		}
		keep := ""
		if a := currentAuth(c); a != nil {
			keep = a.TokenHash
		}
		if _, err := s.auth.EndAll(ctx, u.ID, keep); err != nil {
			return "", err
		}
		return "app.flash.password_changed", nil
	})
}

func (s *Server) handleAccountName(c *fiber.Ctx) error {
	return s.accountForm(c, func(u *course.User) (string, error) {
		return "app.flash.name_changed", s.course.Rename(c.UserContext(), u, c.FormValue("name"))
	})
}

func (s *Server) handleAccountEmail(c *fiber.Ctx) error {
	return s.accountForm(c, func(u *course.User) (string, error) {
		ctx := c.UserContext()
		email, err := s.course.NewEmail(u, c.FormValue("email"))
		if err != nil {
			return "", err
		}
		if c.FormValue("current_password") == "" {
			return "", course.Invalid("current_password", "account.password.current_required")
		}
		ok, err := s.deletionCheck(ctx, u)(u.PasswordHash, c.FormValue("current_password"))
		if err != nil {
			return "", err
		}
		if !ok {
			return "", course.Invalid("current_password", "account.password.current_wrong")
		}
		if err := s.sendLink(ctx, u, course.KindEmail, course.EmailChangeTTL, email); err != nil {
			return "", err
		}
		return "app.flash.email_link_sent", nil
	})
}

func (s *Server) handleEmailConfirmShow(c *fiber.Ctx) error {
	a, u, err := s.linkTarget(c, course.KindEmail)
	if err != nil {
		return err
	}
	p := s.newPage(c, "account.email.confirm_title")
	p.Data = fiber.Map{"Old": u.Email, "New": a.CSRF, "Token": c.Params("token")}
	return s.render(c, "pages/account/email", p)
}

func (s *Server) handleEmailConfirm(c *fiber.Ctx) error {
	_, u, err := s.linkTarget(c, course.KindEmail)
	if err != nil {
		return err
	}
	a, err := s.takeLink(c, course.KindEmail)
	if err != nil {
		return err
	}
	if _, err := s.course.ConfirmEmail(c.UserContext(), u.ID, a.CSRF); err != nil {
		return err
	}
	s.flash(c, "app.flash.email_changed")
	if currentUser(c) == nil {
		return c.Redirect("/login", http.StatusSeeOther)
	}
	return c.Redirect("/account", http.StatusSeeOther)
}

func (s *Server) handleUserReset(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u, err := s.course.ResetTarget(ctx, currentUser(c), c.Params("id"))
	if err != nil {
		return err
	}
	if err := s.sendLink(ctx, u, course.KindReset, course.ResetTTL, ""); err != nil {
		return err
	}
	s.flash(c, "app.flash.reset_link_sent")
	return c.Redirect("/users", http.StatusSeeOther)
}
