package web

import (
	"bytes"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"librecours/certificates"
	"librecours/course"
)

func (s *Server) registerExportRoutes() {
	a := s.app
	results := s.sessionCSV("roster.export.results_file", s.writeResultsCSV)
	certs := s.sessionCSV("roster.export.certificates_file", s.writeCertificatesCSV)
	a.Get("/sessions/:id/results.csv", results)
	a.Get("/sessions/:id/certificates.csv", certs)
	a.Get("/api/v1/sessions/:id/results.csv", results)
	a.Get("/api/v1/sessions/:id/certificates.csv", certs)

	a.Get("/sessions/:id/calendar", signedIn(s.handleCalendarShow))
	a.Post("/sessions/:id/calendar", signedIn(s.handleCalendarCreate))
	a.Post("/sessions/:id/calendar/revoke", signedIn(s.handleCalendarRevoke))
	a.Get("/calendar/:token", s.handleCalendarFeed)
}

// sendCSV answers a CSV export as a download that is never cached.
func sendCSV(c *fiber.Ctx, filename string, b []byte) error {
	return sendFile(c, "text/csv; charset=utf-8", filename, "no-store", b)
}

// Both exports serve the pages (session cookie) and the API (Bearer token);
// errors are an HTML page or a JSON body accordingly.

// sessionCSV answers the CSV file that write makes of the session of the
// path, named by the message fileKey (with the session's Code).
func (s *Server) sessionCSV(fileKey string, write func(c *fiber.Ctx, u *course.User, sess *course.Session, lang string, w io.Writer) error) fiber.Handler {
	return signedIn(func(c *fiber.Ctx, u *course.User) error {
		sess, err := s.course.Session(c.UserContext(), u, c.Params("id"))
		if err != nil {
			return err
		}
		tr := s.translator(c)
		var buf bytes.Buffer
		if err := write(c, u, sess, tr.lang, &buf); err != nil {
			return err
		}
		return sendCSV(c, tr.T(fileKey, "Code", sess.Code), buf.Bytes())
	})
}

func (s *Server) writeResultsCSV(c *fiber.Ctx, u *course.User, sess *course.Session, lang string, w io.Writer) error {
	rs, err := s.certs.Results(c.UserContext(), u, sess.ID)
	if err != nil {
		return err
	}
	return certificates.WriteResultsCSV(w, s.texts, lang, rs)
}

func (s *Server) writeCertificatesCSV(c *fiber.Ctx, u *course.User, sess *course.Session, lang string, w io.Writer) error {
	list, err := s.certs.SessionCertificates(c.UserContext(), u, sess.ID)
	if err != nil {
		return err
	}
	return certificates.WriteCertificatesCSV(w, s.texts, lang, list, s.cfg.BaseURL, sess.Location())
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
