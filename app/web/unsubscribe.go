package web

import (
	"context"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"librecours/course"
	"librecours/notify"
)

// One-click unsubscribe (RFC 8058). Every e-mail of a kind that can be
// switched off carries List-Unsubscribe: <BASE/unsubscribe/TOKEN> and
// List-Unsubscribe-Post: List-Unsubscribe=One-Click. The token names the
// person and the kind and is signed (HMAC-SHA256) with a secret the
// platform makes once and keeps in its settings, so every instance signs
// and checks alike. The routes sit before the session middleware: no
// sign-in, no cookie, no CSRF token (a mail client's one-click POST has
// none); the signed token is the proof.
//
//	GET  /unsubscribe/TOKEN  a page that asks to confirm (a link scanner's
//	                         GET changes nothing)
//	POST /unsubscribe/TOKEN  switches the kind off: the mail client's
//	                         one-click POST, or the page's button

func (s *Server) registerUnsubscribeRoutes() {
	s.app.Get(notify.UnsubscribePath+":token", s.handleUnsubscribeShow)
	s.app.Post(notify.UnsubscribePath+":token", s.handleUnsubscribe)
}

// unsubscribeKey returns the secret that signs unsubscribe links.
func (s *Server) unsubscribeKey(ctx context.Context) ([]byte, error) {
	return s.secrets.Key(ctx, course.SecretUnsubscribe)
}

// unsubscribeTarget reads the token of the request: the person (who must
// still exist) and the kind. A bad token is 404.
func (s *Server) unsubscribeTarget(c *fiber.Ctx) (*course.User, notify.Kind, error) {
	ctx := c.UserContext()
	key, err := s.unsubscribeKey(ctx)
	if err != nil {
		return nil, "", err
	}
	uid, kind, err := notify.ParseUnsubscribeToken(key, c.Params("token"))
	if err != nil {
		return nil, "", course.ErrNotFound
	}
	u, err := s.auth.AccountByID(ctx, uid)
	if err != nil {
		return nil, "", err
	}
	return u, kind, nil
}

// unsubscribePage renders the page in the person's language when they
// chose one, else in the browser's (no one is signed in here).
func (s *Server) unsubscribePage(c *fiber.Ctx, u *course.User, kind notify.Kind, done bool) error {
	p := s.newPage(c, "credentials.unsubscribe.title")
	if tr, ok := s.translators[u.Locale]; ok {
		p.translator = tr
		p.Title = tr.T("credentials.unsubscribe.title")
	}
	p.Data = fiber.Map{"Kind": "app.notify.kind." + string(kind), "Done": done, "Action": c.Path()}
	c.Set("X-Robots-Tag", "noindex")
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	return s.render(c, "pages/account/unsubscribe", p)
}

func (s *Server) handleUnsubscribeShow(c *fiber.Ctx) error {
	u, kind, err := s.unsubscribeTarget(c)
	if err != nil {
		return err
	}
	prefs, err := s.outbox.Prefs(c.UserContext(), u)
	if err != nil {
		return err
	}
	return s.unsubscribePage(c, u, kind, !prefs.Enabled(kind))
}

// handleUnsubscribe switches the kind off. A mail client's one-click POST
// (body List-Unsubscribe=One-Click) gets a short 200; a person gets the page.
func (s *Server) handleUnsubscribe(c *fiber.Ctx) error {
	u, kind, err := s.unsubscribeTarget(c)
	if err != nil {
		return err
	}
	if _, err := s.outbox.Unsubscribe(c.UserContext(), u.ID, kind); err != nil {
		return err
	}
	s.log.InfoContext(c.UserContext(), "notify: unsubscribed", "user", u.ID, "kind", string(kind))
	if c.FormValue("List-Unsubscribe") == "One-Click" {
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.Status(http.StatusOK).SendString("unsubscribed")
	}
	return s.unsubscribePage(c, u, kind, true)
}
