package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"librecours/course"
)

// Cookie base names; over https they carry the __Host- prefix.
const (
	cookieSession = "lc_session"
	cookieCSRF    = "lc_csrf"
	cookieLang    = "lc_lang"
	cookieFlash   = "lc_flash"
)

// SessionCookie names the sign-in cookie as a client over plain http sends
// it (the load harness signs its people in with it).
const SessionCookie = cookieSession

const (
	localUser = "user"
	localAuth = "auth"
	localCSRF = "csrf"
)

// cookieName prefixes name with __Host- when served over https, so the cookie
// is bound to this exact host and path.
func (s *Server) cookieName(name string) string {
	if s.cfg.Secure() {
		return "__Host-" + name
	}
	return name
}

func (s *Server) setCookie(c *fiber.Ctx, name, value string, maxAge time.Duration) {
	ck := &fiber.Cookie{
		Name: s.cookieName(name), Value: value, Path: "/",
		HTTPOnly: true, Secure: s.cfg.Secure(), SameSite: fiber.CookieSameSiteLaxMode,
	}
	if maxAge < 0 {
		ck.Expires = time.Unix(1, 0)
		ck.MaxAge = -1
	} else if maxAge > 0 {
		ck.MaxAge = int(maxAge.Seconds())
	}
	c.Cookie(ck)
}

func (s *Server) cookie(c *fiber.Ctx, name string) string { return c.Cookies(s.cookieName(name)) }

func currentUser(c *fiber.Ctx) *course.User {
	u, _ := c.Locals(localUser).(*course.User)
	return u
}

func currentAuth(c *fiber.Ctx) *course.AuthSession {
	a, _ := c.Locals(localAuth).(*course.AuthSession)
	return a
}

func csrfToken(c *fiber.Ctx) string {
	t, _ := c.Locals(localCSRF).(string)
	return t
}

// loadUser finds who is calling: a Bearer token on the API, the session cookie
// on pages. The API uses no cookies, so it needs no CSRF token.
func (s *Server) loadUser(c *fiber.Ctx) error {
	var token, kind string
	if isAPI(c) || bearerAllowed(c) {
		if h := c.Get(fiber.HeaderAuthorization); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
			token, kind = strings.TrimSpace(h[7:]), "api"
		}
	}
	if token == "" && !isAPI(c) {
		token, kind = s.cookie(c, cookieSession), "web"
	}
	if token == "" {
		return c.Next()
	}
	a, u, err := s.auth.Caller(c.UserContext(), token, kind)
	if errors.Is(err, course.ErrNotFound) {
		if kind == course.KindWeb {
			s.setCookie(c, cookieSession, "", -1)
		}
		return c.Next()
	}
	if err != nil {
		return err
	}
	c.Locals(localUser, u)
	c.Locals(localAuth, a)
	return c.Next()
}

// bearerAllowed tells the page routes that also take an API token: the
// certificate files, fetched by scripts and wallets.
func bearerAllowed(c *fiber.Ctx) bool {
	return c.Method() == fiber.MethodGet && certificateFile(c.Path())
}

// certificateFile tells a certificate's files, its holder's alone: the PDF,
// the signed badge and the baked badge.
func certificateFile(p string) bool {
	return strings.HasPrefix(p, "/certificates/") &&
		(strings.HasSuffix(p, ".pdf") || strings.HasSuffix(p, "/badge.jwt") || strings.HasSuffix(p, "/badge.svg"))
}

// checkCSRF guards every HTML form: a signed-in person's token is bound to
// their session, an anonymous visitor's to a cookie (double submit).
func (s *Server) checkCSRF(c *fiber.Ctx) error {
	if isAPI(c) {
		return c.Next()
	}
	var token string
	if a := currentAuth(c); a != nil {
		token = a.CSRF
	} else {
		token = s.cookie(c, cookieCSRF)
		if len(token) < 32 {
			token = course.NewToken()
			s.setCookie(c, cookieCSRF, token, 0)
		}
	}
	c.Locals(localCSRF, token)
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	sent := c.FormValue("_csrf")
	if sent == "" {
		sent = c.Get("X-CSRF-Token")
	}
	if subtle.ConstantTimeCompare([]byte(sent), []byte(token)) != 1 {
		return errCSRF
	}
	return c.Next()
}

// startSession creates a session or token for u and returns its secret.
func (s *Server) startSession(ctx context.Context, u *course.User, kind string) (string, error) {
	token, _, err := s.auth.Start(ctx, u, kind)
	return token, err
}

// requireUser returns the signed-in person or ErrUnauthenticated.
func requireUser(c *fiber.Ctx) (*course.User, error) {
	u := currentUser(c)
	if u == nil {
		return nil, course.ErrUnauthenticated
	}
	return u, nil
}

// flash keeps a one-time message (a message ID) for the next page.
func (s *Server) flash(c *fiber.Ctx, key string) { s.setCookie(c, cookieFlash, key, time.Minute) }

func (s *Server) takeFlash(c *fiber.Ctx) string {
	key := s.cookie(c, cookieFlash)
	if key == "" || !strings.HasPrefix(key, "app.flash.") {
		return ""
	}
	s.setCookie(c, cookieFlash, "", -1)
	return s.translator(c).T(key)
}

// safeNext keeps a redirect target on this site.
func safeNext(next, def string) string {
	u, err := url.Parse(next)
	if next == "" || err != nil || u.IsAbs() || u.Host != "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return def
	}
	return next
}
