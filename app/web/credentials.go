package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"librecours/certificates"
	"librecours/course"
)

// The public side of the credentials: what wallets, verifiers and 1EdTech's
// validator fetch from the URLs a badge carries. These routes are registered
// before the user and CSRF middleware: they read no session and set no
// cookie, and any origin may read them (Access-Control-Allow-Origin: *), so
// browser verifiers and web wallets can.

// Media types of the credential documents.
const (
	mimeJSONLD = "application/ld+json"
	mimeJWK    = "application/jwk+json"
	mimeJWKSet = "application/jwk-set+json"
	mimeVCJWT  = "application/vc+jwt"
	mimeSVG    = "image/svg+xml"
)

func (s *Server) registerCredentialRoutes() {
	a := s.app
	// Verification is rate-limited per address, so codes cannot be guessed
	// by brute force.
	verify := limiter.New(limiter.Config{Max: 60, Expiration: time.Minute, KeyGenerator: s.clientKey, // the client behind a trusted proxy
		LimitReached: func(c *fiber.Ctx) error { return course.ErrTooManyAttempts }})
	for path, handlers := range map[string][]fiber.Handler{
		"/issuer":                    {s.handleIssuer},
		"/achievements/:level":       {s.handleAchievementAny},
		"/achievements/:level/:lang": {s.handleAchievement},
		"/badges/:file":              {s.handleBadgeImage},
		"/keys/:kid":                 {s.handleKey},
		"/.well-known/jwks.json":     {s.handleJWKS},
		"/status/revocation":         {s.handleStatusList},
		"/api/v1/certificates/:code": {verify, s.handleAPIVerify},
	} {
		// Each route carries credentialCORS itself: a group's middleware
		// would run on every path of the site.
		a.Options(path, credentialCORS, handlePreflight)
		a.Get(path, append([]fiber.Handler{credentialCORS}, handlers...)...)
	}
}

// credentialCORS lets any origin read the answer and removes any cookie a
// handler or the error page would set.
func credentialCORS(c *fiber.Ctx) error {
	c.Set(fiber.HeaderAccessControlAllowOrigin, "*")
	c.Set(fiber.HeaderAccessControlExposeHeaders, "ETag, Location")
	err := c.Next()
	c.Response().Header.DelAllCookies()
	c.Response().Header.Del(fiber.HeaderSetCookie)
	return err
}

func handlePreflight(c *fiber.Ctx) error {
	c.Set(fiber.HeaderAccessControlAllowMethods, "GET, HEAD, OPTIONS")
	c.Set(fiber.HeaderAccessControlAllowHeaders, "Accept, Accept-Language, If-None-Match, Content-Type")
	c.Set(fiber.HeaderAccessControlMaxAge, "86400")
	return c.SendStatus(http.StatusNoContent)
}

// wantsHTML reports whether the client prefers a page to JSON: a browser
// says text/html first; no Accept, */* and JSON types get JSON. A link
// meant for people can say ?format=html.
func wantsHTML(c *fiber.Ctx) bool {
	if f := c.Query("format"); f != "" {
		return f == "html"
	}
	return c.Accepts(mimeJSONLD, fiber.MIMEApplicationJSON, fiber.MIMETextHTML) == fiber.MIMETextHTML
}

// sendJSONLD answers a JSON-LD document, as application/json to a client
// that asked for that, as application/ld+json otherwise.
func sendJSONLD(c *fiber.Ctx, doc any) error {
	c.Vary(fiber.HeaderAccept)
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	ct := mimeJSONLD
	if c.Accepts(mimeJSONLD, fiber.MIMEApplicationJSON) == fiber.MIMEApplicationJSON {
		ct = fiber.MIMEApplicationJSON
	}
	if err := c.JSON(doc); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, ct)
	return nil
}

// obContexts are the JSON-LD contexts of an Open Badges document.
var obContexts = []string{certificates.ContextCredentialsV2, certificates.ContextOpenBadgesV3}

// handleIssuer serves the issuer's Profile: JSON-LD to programs, the home
// page to people.
func (s *Server) handleIssuer(c *fiber.Ctx) error {
	if wantsHTML(c) {
		c.Vary(fiber.HeaderAccept)
		return c.Redirect("/", http.StatusSeeOther)
	}
	return sendJSONLD(c, struct {
		Context []string `json:"@context"`
		certificates.Profile
	}{obContexts, s.certs.Issuer(s.translator(c).lang)})
}

// parseLevel reads "level-1" or "level-2".
func parseLevel(p string) (certificates.Level, bool) {
	n, err := strconv.Atoi(strings.TrimPrefix(p, "level-"))
	if !strings.HasPrefix(p, "level-") || err != nil || (n != 1 && n != 2) {
		return certificates.LevelNone, false
	}
	return certificates.Level(n), true
}

// handleAchievementAny is the language-neutral address of a level, which
// badges issued before per-language achievements carry: it redirects to
// the reader's language.
func (s *Server) handleAchievementAny(c *fiber.Ctx) error {
	lvl, ok := parseLevel(c.Params("level"))
	if !ok {
		return certificates.ErrNotFound
	}
	c.Vary(fiber.HeaderAcceptLanguage)
	return c.Redirect(certificates.AchievementID("", lvl, s.translator(c).lang), http.StatusSeeOther)
}

// handleAchievement serves a level's Achievement in one language: JSON-LD
// to programs, a page with its description, criteria and image to people.
func (s *Server) handleAchievement(c *fiber.Ctx) error {
	lvl, ok := parseLevel(c.Params("level"))
	if !ok {
		return certificates.ErrNotFound
	}
	a, err := s.certs.Achievement(lvl, c.Params("lang"))
	if err != nil {
		return err
	}
	if wantsHTML(c) {
		p := s.newPage(c, "app.achievement.title")
		p.Title = a.Name
		p.Data = fiber.Map{"Achievement": a, "Level": int(lvl)}
		c.Vary(fiber.HeaderAccept)
		c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
		return c.Render("pages/certificates/achievement", p, "layouts/main")
	}
	return sendJSONLD(c, struct {
		Context []string `json:"@context"`
		certificates.Achievement
	}{obContexts, a})
}

// handleBadgeImage serves a level's badge picture.
func (s *Server) handleBadgeImage(c *fiber.Ctx) error {
	name, ok := strings.CutSuffix(c.Params("file"), ".svg")
	lvl, ok2 := parseLevel(name)
	if !ok || !ok2 {
		return certificates.ErrNotFound
	}
	c.Set(fiber.HeaderContentType, mimeSVG)
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	return c.SendString(certificates.BadgeSVG(lvl, s.cfg.Organisation))
}

// handleKey serves one public key as a JWK: the address a badge's kid
// names, which verifiers such as 1EdTech's validator fetch.
func (s *Server) handleKey(c *fiber.Ctx) error {
	k, err := s.certs.Key(c.UserContext(), c.Params("kid"))
	if err != nil {
		return err
	}
	if err := c.JSON(k.URLJWK()); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, mimeJWK)
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	return nil
}

func (s *Server) handleJWKS(c *fiber.Ctx) error {
	keys, err := s.certs.Keys(c.UserContext())
	if err != nil {
		return err
	}
	if err := c.JSON(certificates.JWKS(keys)); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, mimeJWKSet)
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return nil
}

// handleStatusList serves the signed revocation list. Its ETag changes with
// the revocations only, so verifiers revalidate it cheaply.
func (s *Server) handleStatusList(c *fiber.Ctx) error {
	token, etag, err := s.certs.StatusList(c.UserContext())
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderCacheControl, "public, max-age=60")
	if match := c.Get(fiber.HeaderIfNoneMatch); match != "" && etagMatches(match, etag) {
		return c.SendStatus(http.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, mimeVCJWT)
	return c.SendString(token)
}

// etagMatches reports whether an If-None-Match list names etag (weak or
// strong) or is "*".
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
