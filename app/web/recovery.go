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
// and the same for an API client, with the same rules (one implementation:
// the forgot, resetPassword, changePassword, requestEmailChange and
// confirmEmail methods below serve both):
//
//	POST /api/v1/auth/forgot       {email} -> 202, whether the address has an account or not
//	POST /api/v1/auth/reset        {token, password} -> 200 {user}
//	PUT  /api/v1/me/password       {current_password, password} -> 200 {user}; other sessions and tokens end
//	PUT  /api/v1/me/name           {name} -> 200 {user}
//	POST /api/v1/me/email          {email, current_password} -> 202: a link goes to the new address
//	POST /api/v1/auth/email        {token} -> 200 {user}
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

	api := a.Group("/api/v1")
	api.Post("/auth/forgot", s.handleAPIForgot)
	api.Post("/auth/reset", s.handleAPIReset)
	api.Put("/me/password", apiJSON(s.handleAPIPassword))
	api.Put("/me/name", apiJSON(s.handleAPIName))
	api.Post("/me/email", apiJSON(s.handleAPIEmail))
	api.Post("/auth/email", s.handleAPIEmailConfirm)
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

// forgot e-mails a reset link to the account of email, if there is one:
// the answer (nil) is the same whether there is or not. A malformed address
// is a validation error; more than forgotPerIP requests from client in the
// window are throttled.
func (s *Server) forgot(ctx context.Context, client, email string) error {
	email = course.NormalizeEmail(email)
	if err := course.ValidateEmail(email); err != nil {
		return err
	}
	count, err := s.auth.Count(ctx, "forgot:"+client, forgotWindow)
	if err != nil {
		return err
	}
	if count > forgotPerIP {
		return &throttled{After: forgotWindow, Key: "account.forgot.too_many"}
	}
	u, err := s.auth.Account(ctx, email)
	switch {
	case errors.Is(err, course.ErrNotFound):
		return nil
	case err != nil:
		return err
	}
	return s.resetLink(ctx, u)
}

func (s *Server) handleForgotCreate(c *fiber.Ctx) error {
	p := s.newPage(c, "account.forgot.title")
	if err := s.forgot(c.UserContext(), s.clientKey(c), c.FormValue("email")); err != nil {
		return s.formError(c, err, p, s.formPage(c, "pages/account/forgot", p))
	}
	// The same answer whether the address has an account or not.
	s.flash(c, "app.flash.reset_sent")
	return c.Redirect("/login", http.StatusSeeOther)
}

func (s *Server) handleAPIForgot(c *fiber.Ctx) error {
	in, err := readBody[struct {
		Email string `json:"email"`
	}](c)
	if err == nil {
		err = s.forgot(c.UserContext(), s.clientKey(c), in.Email)
	}
	if err != nil {
		return err
	}
	return c.Status(http.StatusAccepted).JSON(fiber.Map{"status": "sent"})
}

// linkTarget reads the link of the path's :token, of the kind given,
// without taking it (linkOf). Its page sends no Referer, which would carry
// the token.
func (s *Server) linkTarget(c *fiber.Ctx, kind string) (*course.AuthSession, *course.User, error) {
	c.Set("Referrer-Policy", "no-referrer")
	return s.linkOf(c.UserContext(), c.Params("token"), kind)
}

// linkOf reads the link of token, of the kind given, without taking it; an
// unknown, used, expired or malformed one is errLinkInvalid.
func (s *Server) linkOf(ctx context.Context, token, kind string) (*course.AuthSession, *course.User, error) {
	if token == "" || len(token) > 100 {
		return nil, nil, errLinkInvalid
	}
	a, u, err := s.auth.Caller(ctx, token, kind)
	if errors.Is(err, course.ErrNotFound) {
		return nil, nil, errLinkInvalid
	}
	return a, u, err
}

// takeLink uses up the link of token, of the kind given.
func (s *Server) takeLink(ctx context.Context, token, kind string) (*course.AuthSession, error) {
	a, err := s.auth.Take(ctx, token, kind)
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

// resetPassword gives the account of the reset link token the password pw
// (confirmed by confirm; an API client sends it once and confirm = pw).
// The link is taken only once the password is accepted, so a refused one
// leaves it usable; then whoever knew the old password is out, and the
// account can sign in at once whatever guesses came before.
func (s *Server) resetPassword(ctx context.Context, token, pw, confirm string) (*course.User, error) {
	_, u, err := s.linkOf(ctx, token, course.KindReset)
	if err != nil {
		return nil, err
	}
	if pw != confirm {
		return nil, course.Invalid("password_confirm", "app.register.password_mismatch")
	}
	hash, err := s.course.NewPasswordHash(u, pw) // hashed in an argon slot
	if err != nil {
		return nil, err
	}
	if _, err := s.takeLink(ctx, token, course.KindReset); err != nil {
		return nil, err
	}
	if err := s.course.SetPasswordHash(ctx, u, hash); err != nil {
		return nil, err
	}
	if _, err := s.auth.EndAll(ctx, u.ID, ""); err != nil {
		return nil, err
	}
	return u, s.forgetAttempts(ctx, "email:"+u.Email)
}

func (s *Server) handleResetSave(c *fiber.Ctx) error {
	_, u, err := s.linkTarget(c, course.KindReset)
	if err != nil {
		return err
	}
	if _, err := s.resetPassword(c.UserContext(), c.Params("token"), c.FormValue("password"), c.FormValue("password_confirm")); err != nil {
		p := s.resetPage(c, u)
		return s.formError(c, err, p, s.formPage(c, "pages/account/reset", p))
	}
	s.setCookie(c, cookieSession, "", -1)
	s.flash(c, "app.flash.password_reset")
	return c.Redirect("/login", http.StatusSeeOther)
}

func (s *Server) handleAPIReset(c *fiber.Ctx) error {
	in, err := readBody[struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}](c)
	if err != nil {
		return err
	}
	return answerJSON(c)(jsonOf(toUserJSON)(s.resetPassword(c.UserContext(), in.Token, in.Password, in.Password)))
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

// changePassword changes u's password (the current one checked and
// counted like a sign-in), then ends every other session and token of the
// account: all but the caller's own (c's).
func (s *Server) changePassword(c *fiber.Ctx, u *course.User, pc course.PasswordChange) error {
	ctx := c.UserContext()
	if err := s.course.ChangePassword(ctx, u, pc, s.deletionCheck(ctx, u)); err != nil {
		return err
	}
	keep := ""
	if a := currentAuth(c); a != nil {
		keep = a.TokenHash
	}
	_, err := s.auth.EndAll(ctx, u.ID, keep)
	return err
}

// requestEmailChange e-mails a confirmation link to u's new address, once
// the current password is given and right.
func (s *Server) requestEmailChange(ctx context.Context, u *course.User, newEmail, current string) error {
	email, err := s.course.NewEmail(u, newEmail)
	if err != nil {
		return err
	}
	if current == "" {
		return course.Invalid("current_password", "account.password.current_required")
	}
	ok, err := s.deletionCheck(ctx, u)(u.PasswordHash, current)
	if err != nil {
		return err
	}
	if !ok {
		return course.Invalid("current_password", "account.password.current_wrong")
	}
	return s.sendLink(ctx, u, course.KindEmail, course.EmailChangeTTL, email)
}

func (s *Server) handleAccountPassword(c *fiber.Ctx) error {
	return s.accountForm(c, func(u *course.User) (string, error) {
		pc := course.PasswordChange{Current: c.FormValue("current_password"), New: c.FormValue("password"), Confirm: c.FormValue("password_confirm")}
		return "app.flash.password_changed", s.changePassword(c, u, pc)
	})
}

func (s *Server) handleAccountName(c *fiber.Ctx) error {
	return s.accountForm(c, func(u *course.User) (string, error) {
		return "app.flash.name_changed", s.course.Rename(c.UserContext(), u, c.FormValue("name"))
	})
}

func (s *Server) handleAccountEmail(c *fiber.Ctx) error {
	return s.accountForm(c, func(u *course.User) (string, error) {
		return "app.flash.email_link_sent", s.requestEmailChange(c.UserContext(), u, c.FormValue("email"), c.FormValue("current_password"))
	})
}

type passwordChangeJSON struct {
	Current  string `json:"current_password"`
	Password string `json:"password"`
}

func (s *Server) handleAPIPassword(c *fiber.Ctx, u *course.User, in *passwordChangeJSON) (any, error) {
	if err := s.changePassword(c, u, course.PasswordChange{Current: in.Current, New: in.Password, Confirm: in.Password}); err != nil {
		return nil, err
	}
	return toUserJSON(u), nil
}

type nameJSON struct {
	Name string `json:"name"`
}

func (s *Server) handleAPIName(c *fiber.Ctx, u *course.User, in *nameJSON) (any, error) {
	if err := s.course.Rename(c.UserContext(), u, in.Name); err != nil {
		return nil, err
	}
	return jsonOf(toUserJSON)(s.auth.AccountByID(c.UserContext(), u.ID))
}

type emailChangeJSON struct {
	Email   string `json:"email"`
	Current string `json:"current_password"`
}

func (s *Server) handleAPIEmail(c *fiber.Ctx, u *course.User, in *emailChangeJSON) (any, error) {
	if err := s.requestEmailChange(c.UserContext(), u, in.Email, in.Current); err != nil {
		return nil, err
	}
	c.Status(http.StatusAccepted)
	return fiber.Map{"status": "link_sent"}, nil
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

// confirmEmail gives the account of the e-mail change link token the new
// address the link carries, and uses the link up.
func (s *Server) confirmEmail(ctx context.Context, token string) (*course.User, error) {
	_, u, err := s.linkOf(ctx, token, course.KindEmail)
	if err != nil {
		return nil, err
	}
	a, err := s.takeLink(ctx, token, course.KindEmail)
	if err != nil {
		return nil, err
	}
	return s.course.ConfirmEmail(ctx, u.ID, a.CSRF)
}

func (s *Server) handleAPIEmailConfirm(c *fiber.Ctx) error {
	in, err := readBody[struct {
		Token string `json:"token"`
	}](c)
	if err != nil {
		return err
	}
	return answerJSON(c)(jsonOf(toUserJSON)(s.confirmEmail(c.UserContext(), in.Token)))
}

func (s *Server) handleEmailConfirm(c *fiber.Ctx) error {
	c.Set("Referrer-Policy", "no-referrer")
	if _, err := s.confirmEmail(c.UserContext(), c.Params("token")); err != nil {
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
