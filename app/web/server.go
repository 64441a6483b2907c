// Package web is the platform's HTTP side: fiber setup, routes, handlers,
// middleware, authentication, CSRF, pages, locales and /metrics. Handlers
// call the services they are given (Deps), never a store; app/platform.go
// wires them.
package web

import (
	"context"
	"fmt"
	"html/template"
	"io/fs"
	"librecours/app/metrics"
	"librecours/app/password"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/etag"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"

	"librecours/app/config"
	"librecours/app/markdown"
	"librecours/assets"
	"librecours/certificates"
	"librecours/course"
	"librecours/grading"
	"librecours/notify"
)

// Body size limits: a JSON or form body over 1 MiB gets 413; a multipart
// upload may carry a 10 MiB file and a 200 KB text.
const (
	maxBodyBytes      = 1 << 20
	maxMultipartBytes = grading.MaxUploadBytes + grading.MaxTextBytes + 64<<10
	fiberBodyLimit    = 12 << 20 // the transport's own limit, above every route's
)

// Deps are what a Server is built from: the services of one platform,
// wired in app/platform.go.
type Deps struct {
	Config       config.Config
	Log          *slog.Logger
	Now          func() time.Time // the clock; time.Now outside tests
	Texts        *Texts
	Passwords    *password.Limiter
	Secrets      *course.Secrets
	Auth         *course.Auth
	Markdown     *markdown.Renderer
	Course       *course.Service
	Grading      *grading.Service
	Quiz         *grading.Quiz
	Certificates *certificates.Service
	Outbox       *notify.Outbox
	// Ready says whether the store answers (/readyz); Unavailable whether
	// an error from it means it failed (answered 503 with Retry-After).
	Ready       func(ctx context.Context) error
	Unavailable func(err error) bool
	// Metrics, when not nil, count the requests and are served at /metrics.
	Metrics *metrics.Metrics
}

// Server is the web platform: one fiber app over the services.
type Server struct {
	cfg         config.Config
	log         *slog.Logger
	now         func() time.Time
	course      *course.Service
	grading     *grading.Service
	quiz        *grading.Quiz
	certs       *certificates.Service
	pdf         *certificates.PDFRenderer
	markdown    *markdown.Renderer
	auth        *course.Auth
	texts       *Texts
	passwords   *password.Limiter
	secrets     *course.Secrets
	zones       zones
	translators map[string]*translator
	static      *assets.Hashed
	app         *fiber.App
	storageLog  storageLog
	outbox      *notify.Outbox
	conns       conns // shutdown.go
	ready       func(ctx context.Context) error
	unavailable func(err error) bool
	metrics     *metrics.Metrics // nil: off
}

// NewServer builds the routes over the services.
func NewServer(d Deps) (*Server, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	static, err := assets.HashStatic()
	if err != nil {
		return nil, fmt.Errorf("web: hash static files: %w", err)
	}
	s := &Server{
		cfg: d.Config, log: d.Log, ready: d.Ready, unavailable: d.Unavailable, now: d.Now, metrics: d.Metrics,
		auth: d.Auth, texts: d.Texts, translators: d.Texts.translators, static: static,
		passwords: d.Passwords, secrets: d.Secrets, markdown: d.Markdown,
		course: d.Course, grading: d.Grading, quiz: d.Quiz, certs: d.Certificates, outbox: d.Outbox,
	}
	if s.pdf, err = certificates.NewPDFRenderer(); err != nil {
		return nil, fmt.Errorf("web: certificate fonts: %w", err)
	}

	engine := newViews(assets.Templates, template.FuncMap{
		"dict":      func(kv ...any) map[string]any { return kv2map(kv) },
		"add":       func(a, b int) int { return a + b },
		"deref":     func(f *float64) float64 { return *f },
		"derefTime": func(t *time.Time) time.Time { return *t },
		"derefBool": func(b *bool) bool { return b != nil && *b },
		"markdown":  s.markdown.Render,
		"prose":     prose(s.markdown),
		"scoreOf": func(m map[string]int, id string) string {
			if v, ok := m[id]; ok {
				return strconv.Itoa(v)
			}
			return ""
		},
	}, func(lang string) map[string]func(string) string {
		tr, ok := s.translators[lang]
		if !ok {
			return nil
		}
		return map[string]func(string) string{
			"T":     func(id string) string { return tr.T(id) },
			"Asset": s.static.URL,
		}
	})
	if err := engine.Load(); err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	s.app = fiber.New(fiber.Config{
		Immutable:             true,
		Views:                 engine,
		ErrorHandler:          s.handleError,
		BodyLimit:             fiberBodyLimit,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
		DisableStartupMessage: true,
		AppName:               "librecours",
		// Forwarded headers count only from LIBRECOURS_TRUSTED_PROXIES
		// (clientIP reads X-Forwarded-For itself, from the right).
		EnableTrustedProxyCheck: true,
		TrustedProxies:          proxyStrings(d.Config.TrustedProxies),

		// Multipart bodies are parsed when a handler asks (c.MultipartForm):
		// fasthttp's own early parse, on a malformed body, resets the request
		// before the error handler sees it (no path, no Accept-Language), so
		// an API call got the French HTML error page.
		DisablePreParseMultipartForm: true,
	})
	s.app.Server().ConnState = s.conns.track
	s.routes()
	return s, nil
}

// App returns the fiber app (tests drive it with app.Test).
// WarmPages makes every page's template set in every language, so that
// the first request of a page after a start costs what the next ones do
// (app.Open calls it; the tests make sets as pages are rendered).
func (s *Server) WarmPages() error {
	return s.app.Config().Views.(*views).warm(languages)
}

func (s *Server) App() *fiber.App { return s.app }

// Listen serves on addr until Shutdown.
func (s *Server) Listen(addr string) error { return s.app.Listen(addr) }

func (s *Server) routes() {
	a := s.app
	a.Use(s.conns.handling)
	a.Use(recover.New())
	a.Use(requestIDs())
	a.Use(s.observe) // observe.go: request ID and route for the log, request metrics
	a.Use(s.accessLog)
	a.Use(s.securityHeaders)
	a.Use(s.limitBody)
	a.Use(s.checkUTF8)
	a.Use(compress.New(compress.Config{Level: compress.LevelBestSpeed}))

	a.Get("/healthz", func(c *fiber.Ctx) error { return c.SendString("ok") })
	a.Get("/readyz", s.handleReady)
	s.registerMetricsRoutes()
	a.Get("/static/*", etag.New(), s.handleStatic)

	s.registerCredentialRoutes()  // public, before the session: no cookie
	s.registerUnsubscribeRoutes() // signed links from e-mails: no sign-in, no CSRF token

	a.Use(s.loadUser)
	a.Use(s.checkCSRF)
	a.Use(formOnly) // input.go
	a.Use(s.hideObjects)

	s.registerHomeRoutes()
	s.registerAccountRoutes()
	s.registerSessionRoutes()
	s.registerPartRoutes()
	s.registerReviewRoutes()
	s.registerDialogueRoutes()
	s.registerCorrectionRoutes()
	s.registerEvaluationRoutes()
	s.registerCertificateRoutes()
	s.registerAnimatorRoutes()
	s.registerNotifyRoutes()
	s.registerRosterRoutes()
	s.registerExportRoutes()
	s.registerPrivacyRoutes()
	s.registerRecoveryRoutes()
}

func (s *Server) handleReady(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.ready(ctx); err != nil {
		s.storageFailure(c, err)
		c.Set(fiber.HeaderRetryAfter, "5")
		return c.Status(http.StatusServiceUnavailable).SendString("database unavailable")
	}
	return c.SendString("ready")
}

// handleStatic serves embedded files: hashed names are cached for a year,
// plain names are revalidated.
func (s *Server) handleStatic(c *fiber.Ctx) error {
	name := c.Params("*")
	cache := "no-cache"
	if n, ok := s.static.Name(name); ok {
		name, cache = n, "public, max-age=31536000, immutable"
	}
	b, err := fs.ReadFile(assets.Static, name)
	if err != nil {
		return fiber.ErrNotFound
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = fiber.MIMEOctetStream
	}
	c.Set(fiber.HeaderContentType, ct)
	c.Set(fiber.HeaderCacheControl, cache)
	return c.Send(b)
}

func (s *Server) accessLog(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		status = s.classify(err).Status
	}
	s.log.Info("request", "method", c.Method(), "path", redactSecrets(c.Path()), "status", status,
		"duration_ms", time.Since(start).Milliseconds(), "ip", s.clientIP(c).String(), "request_id", requestID(c))
	return err
}

func requestID(c *fiber.Ctx) string {
	if v, ok := c.Locals(requestid.ConfigDefault.ContextKey).(string); ok {
		return v
	}
	return ""
}

// contentSecurityPolicy allows nothing from other origins and no inline code.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func (s *Server) securityHeaders(c *fiber.Ctx) error {
	c.Set("Content-Security-Policy", contentSecurityPolicy)
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Referrer-Policy", "same-origin")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	if s.cfg.Secure() {
		c.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
	if strings.HasPrefix(c.Path(), "/api/") {
		// API answers hold personal data: never stored (a handler may say
		// otherwise for a public document).
		c.Set(fiber.HeaderCacheControl, "no-store")
	}
	return c.Next()
}

func (s *Server) limitBody(c *fiber.Ctx) error {
	limit := maxBodyBytes
	if strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEMultipartForm) {
		limit = maxMultipartBytes
		if !isAPI(c) {
			// A page's form: its handler refuses the file or text too large
			// and shows the form again with what was typed; the transport
			// still refuses a body over fiberBodyLimit.
			limit = fiberBodyLimit
		}
	}
	if len(c.Request().Body()) > limit {
		return errBodyTooLarge
	}
	return c.Next()
}

// translator returns the translator of the request's language: the person's
// remembered choice, then the language cookie, then Accept-Language (the API
// follows Accept-Language only).
func (s *Server) translator(c *fiber.Ctx) *translator {
	choice := ""
	if !isAPI(c) {
		if u := currentUser(c); u != nil && u.Locale != "" {
			choice = u.Locale
		} else {
			choice = c.Cookies(cookieLang)
		}
	}
	return s.translators[pickLanguage(choice, c.Get(fiber.HeaderAcceptLanguage))]
}

// page is what every template receives.
type page struct {
	*translator
	Title string
	User  *course.User
	CSRF  string
	Path  string
	Flash string
	Error string
	Form  map[string]string
	// Problem is the error of the form posted, for the fields (app/forms.go).
	Problem *formProblem
	Data    any
	static  *assets.Hashed
	zones   *zones
}

// zones resolves time zone names once each: time.LoadLocation reads and
// parses a zone file on every call, and a page shows dozens of times. A
// *time.Location never changes, so keeping it caches nothing that can go
// stale. Unknown names resolve to UTC.
type zones struct{ m sync.Map }

func (z *zones) get(name string) *time.Location {
	if z == nil {
		z = &zones{}
	}
	if loc, ok := z.m.Load(name); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = time.UTC
	}
	z.m.Store(name, loc)
	return loc
}

func (s *Server) newPage(c *fiber.Ctx, titleKey string) *page {
	tr := s.translator(c)
	return &page{
		translator: tr,
		Title:      tr.T(titleKey),
		User:       currentUser(c),
		CSRF:       csrfToken(c),
		Path:       c.OriginalURL(),
		Flash:      s.takeFlash(c),
		Form:       map[string]string{},
		static:     s.static,
		zones:      &s.zones,
	}
}

// render sends a page with the main layout; personal pages are never cached.
func (s *Server) render(c *fiber.Ctx, name string, p *page) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Render(name, p, "layouts/main")
}

// Lang is the page's language code.
func (p *page) Lang() string { return p.lang }

// Asset is the content-hashed URL of a static file.
func (p *page) Asset(name string) string { return p.static.URL(name) }

// Time shows t in the time zone tz, in the page's language.
func (p *page) Time(t time.Time, tz string) string {
	if t.IsZero() {
		return ""
	}
	lt := t.In(p.zones.get(tz))
	return p.T("app.time.format",
		"Weekday", p.T("app.weekday."+strconv.Itoa(int(lt.Weekday()))),
		"Day", dayOfMonth(p.translator, lt.Day()),
		"Month", p.T("app.month."+strconv.Itoa(int(lt.Month()))),
		"Year", lt.Year(),
		"Clock", lt.Format("15:04"),
		"Zone", lt.Format("MST"))
}

// Pct shows a score out of 100 with one decimal, in the page's language
// (a decimal comma in French: 85,5).
func (p *page) Pct(x float64) string { return formatDecimal(p.lang, x) }

// formatDecimal writes x with one decimal, with a decimal comma in French.
func formatDecimal(lang string, x float64) string {
	s := strconv.FormatFloat(x, 'f', 1, 64)
	if lang == "fr" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// Date shows a YYYY-MM-DD date in the page's language.
func (p *page) Date(s string) string { return datePhrase(p.translator, s) }

// InputTime formats t in tz for a datetime-local input.
func (p *page) InputTime(t time.Time, tz string) string {
	return t.In(p.zones.get(tz)).Format("2006-01-02T15:04")
}

// Duration shows a delay in days and hours, or hours and minutes.
func (p *page) Duration(d *time.Duration) string {
	if d == nil {
		return ""
	}
	m := int(d.Round(time.Minute) / time.Minute)
	if m >= 24*60 {
		return p.T("app.duration.days_hours", "Days", m/(24*60), "Hours", m%(24*60)/60)
	}
	return p.T("app.duration.hours_minutes", "Hours", m/60, "Minutes", m%60)
}

// HasRole reports whether the signed-in person holds role r.
func (p *page) HasRole(r string) bool { return p.User.Has(course.Role(r)) }

// Upper upper-cases s (for initials and codes).
func (p *page) Upper(s string) string { return strings.ToUpper(s) }
