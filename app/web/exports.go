package web

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"librecours/certificates"
	"librecours/course"
)

func (s *Server) registerExportRoutes() {
	a := s.app
	a.Get("/sessions/:id/results.csv", signedIn(s.handleResultsCSV))
	a.Get("/sessions/:id/certificates.csv", signedIn(s.handleCertificatesCSV))
	a.Get("/api/v1/sessions/:id/results.csv", signedIn(s.handleResultsCSV))
	a.Get("/api/v1/sessions/:id/certificates.csv", signedIn(s.handleCertificatesCSV))

	a.Get("/sessions/:id/calendar", signedIn(s.handleCalendarShow))
	a.Post("/sessions/:id/calendar", signedIn(s.handleCalendarCreate))
	a.Post("/sessions/:id/calendar/revoke", signedIn(s.handleCalendarRevoke))
	a.Get("/calendar/:token", s.handleCalendarFeed)
}

// sendCSV answers a CSV export as a download that is never cached.
func sendCSV(c *fiber.Ctx, filename string, b []byte) error {
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(b)
}

// Both exports serve the pages (session cookie) and the API (Bearer token);
// errors are an HTML page or a JSON body accordingly.

func (s *Server) handleResultsCSV(c *fiber.Ctx, u *course.User) error {
	ctx := c.UserContext()
	sess, err := s.course.Session(ctx, u, c.Params("id"))
	if err != nil {
		return err
	}
	rs, err := s.certs.Results(ctx, u, sess.ID)
	if err != nil {
		return err
	}
	tr := s.translator(c)
	var buf bytes.Buffer
	if err := certificates.WriteResultsCSV(&buf, s.texts, tr.lang, rs); err != nil {
		return err
	}
	return sendCSV(c, tr.T("roster.export.results_file", "Code", sess.Code), buf.Bytes())
}

func (s *Server) handleCertificatesCSV(c *fiber.Ctx, u *course.User) error {
	ctx := c.UserContext()
	sess, err := s.course.Session(ctx, u, c.Params("id"))
	if err != nil {
		return err
	}
	list, err := s.certs.SessionCertificates(ctx, u, sess.ID)
	if err != nil {
		return err
	}
	tr := s.translator(c)
	var buf bytes.Buffer
	if err := certificates.WriteCertificatesCSV(&buf, s.texts, tr.lang, list, s.cfg.BaseURL, sess.Location()); err != nil {
		return err
	}
	return sendCSV(c, tr.T("roster.export.certificates_file", "Code", sess.Code), buf.Bytes())
}

// Calendars

// calendarURL is the secret address of a feed token.
func (s *Server) calendarURL(token string) string {
	return strings.TrimRight(s.cfg.BaseURL, "/") + "/calendar/" + token + ".ics"
}

// webcalURL is the same address with the webcal scheme, which calendar
// applications (phones, Thunderbird) open as a subscription.
func webcalURL(u string) template.URL {
	for _, scheme := range []string{"https://", "http://"} {
		if rest, ok := strings.CutPrefix(u, scheme); ok {
			u = "webcal://" + rest
			break
		}
	}
	// #nosec G203 -- built from the configured base URL and a base64url token; html/template would otherwise refuse the webcal scheme
	return template.URL(u)
}

func (s *Server) renderCalendar(c *fiber.Ctx, u *course.User, token string) error {
	sess, feed, err := s.course.CalendarFeedOf(c.UserContext(), u, c.Params("id"))
	if err != nil {
		return err
	}
	p := s.newPage(c, "app.calendar.title")
	data := fiber.Map{"Session": sess, "Feed": feed}
	if token != "" {
		data["URL"] = s.calendarURL(token)
		data["Webcal"] = webcalURL(s.calendarURL(token))
	}
	p.Data = data
	c.Set("Referrer-Policy", "no-referrer")
	return s.render(c, "pages/sessions/calendar", p)
}

func (s *Server) handleCalendarShow(c *fiber.Ctx, u *course.User) error {
	return s.renderCalendar(c, u, "")
}

// handleCalendarCreate makes a new address and shows it, once: only its
// hash is kept.
func (s *Server) handleCalendarCreate(c *fiber.Ctx, u *course.User) error {
	_, token, err := s.course.NewCalendarFeed(c.UserContext(), u, c.Params("id"))
	if err != nil {
		return err
	}
	return s.renderCalendar(c, u, token)
}

func (s *Server) handleCalendarRevoke(c *fiber.Ctx, u *course.User) error {
	if err := s.course.RevokeCalendarFeed(c.UserContext(), u, c.Params("id")); err != nil {
		return err
	}
	s.flash(c, "app.flash.roster_calendar_revoked")
	return c.Redirect("/sessions/"+c.Params("id")+"/calendar", http.StatusSeeOther)
}

// calendarTexts localizes a session's calendar.
func (s *Server) calendarTexts(tr *translator, sess *course.Session) course.CalendarTexts {
	return course.CalendarTexts{
		Name:     tr.T("roster.ical.name", "Code", sess.Code),
		Reminder: tr.T("roster.ical.reminder"),
		URL:      strings.TrimRight(s.cfg.BaseURL, "/") + "/sessions/" + sess.ID,
		Summary: func(d course.Deadline, title string) string {
			return tr.T("roster.ical."+d.Kind, "Code", sess.Code, "Part", d.Part, "Title", title)
		},
	}
}

// handleCalendarFeed serves a feed to calendar applications: public, at a
// secret address; an unknown or revoked token is 404.
func (s *Server) handleCalendarFeed(c *fiber.Ctx) error {
	token := strings.TrimSuffix(c.Params("token"), ".ics")
	sess, u, err := s.course.CalendarByToken(c.UserContext(), token)
	if err != nil {
		return err
	}
	tr := s.translators[languages[0]]
	if t, ok := s.translators[u.Locale]; ok {
		tr = t
	}
	host := "librecours"
	if bu, err := url.Parse(s.cfg.BaseURL); err == nil && bu.Hostname() != "" {
		host = bu.Hostname()
	}
	b := course.SessionCalendar(sess, s.calendarTexts(tr, sess), host, s.now())
	c.Set(fiber.HeaderContentType, "text/calendar; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `inline; filename="`+sess.Code+`.ics"`)
	c.Set(fiber.HeaderCacheControl, "private, no-cache")
	c.Set("Referrer-Policy", "no-referrer")
	return c.Send(b)
}
