package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"html/template"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"librecours/certificates"
	"librecours/course"
	"librecours/notify"
)

// maxRosterBytes bounds an uploaded enrolment file: 5,000 lines of long
// addresses and names fit well below it.
const maxRosterBytes = 4 << 20

func (s *Server) registerRosterRoutes() {
	a := s.app
	a.Get("/sessions/:id/import", s.handleImportShow)
	a.Post("/sessions/:id/import", s.handleImportCreate)
	a.Get(notify.LinkPaths[notify.KindInvitation]+":token", s.handleInvitationShow)
	a.Post(notify.LinkPaths[notify.KindInvitation]+":token", s.handleInvitationAccept)
	a.Post("/api/v1/sessions/:id/enrolments/import", s.handleAPIImport)
	s.registerInviteRoutes()
}

// importedRow is a person of an import, for the result page.
type importedRow struct {
	Line  int
	Name  string
	Email string
	URL   string // the invitation link of a new account
}

// importView is the result of an import, for the page.
type importView struct {
	Count                                 int
	Created, Enrolled, Already, Reinvited []importedRow
	// Mailed: every invitation's e-mail is queued; the links on the page
	// are a fallback.
	Mailed bool
	// List is the invitations as a CSV file in a data: URL, for the
	// page's download link (the links are kept nowhere else).
	List template.URL
}

// invitationList writes the invitation links of an import as a CSV file
// (BOM, the language's separator, formula cells neutralised) in a data: URL:
// the page offers it as a download, so the links need no second request and
// are stored nowhere.
func invitationList(tr *translator, groups ...[]importedRow) template.URL {
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	w := csv.NewWriter(&buf)
	w.Comma, w.UseCRLF = certificates.Separator(tr.lang), true
	_ = w.Write([]string{tr.T("app.field.name"), tr.T("app.field.email"), tr.T("app.roster.invitation")})
	n := 0
	for _, rows := range groups {
		for _, r := range rows {
			if r.URL == "" {
				continue
			}
			_ = w.Write([]string{certificates.SafeCell(r.Name), certificates.SafeCell(r.Email), r.URL})
			n++
		}
	}
	w.Flush()
	if n == 0 || w.Error() != nil {
		return ""
	}
	// #nosec G203 -- base64 of a file built here: nothing in it reaches the markup
	return template.URL("data:text/csv;charset=utf-8;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()))
}

// invitationURL is the link that lets an invited person choose a password.
func (s *Server) invitationURL(token string) string {
	return strings.TrimRight(s.cfg.BaseURL, "/") + notify.LinkPaths[notify.KindInvitation] + token
}

// errInvitationInvalid answers an invitation link that is unknown, used or
// expired: a page that says what to do, not a bare 404.
var errInvitationInvalid = &httpError{Status: http.StatusNotFound, Code: "not_found", Key: "invite.link.invalid"}

// mailInvitations queues the e-mail of every invitation an import made (new
// accounts and renewed links) through the outbox; each link is a message of
// its own, sent whatever the person's preferences. It reports whether all
// were queued: when one is not, the error is logged and the coordinator
// still has the links on the page.
func (s *Server) mailInvitations(ctx context.Context, sess *course.Session, res *course.ImportResult) bool {
	if s.outbox == nil {
		return false
	}
	expires := s.now().Add(course.InvitationTTL)
	for _, p := range slices.Concat(res.Created, res.Reinvited) {
		if p.Token == "" || p.UserID == "" {
			continue
		}
		e := notify.Event{Key: course.HashSecret(p.Token)[:16], Code: p.Token, SessionID: sess.ID, SessionCode: sess.Code,
			TimeZone: sess.TimeZone, At: expires}
		if _, err := s.outbox.Link(ctx, notify.KindInvitation, p.UserID, e); err != nil {
			s.log.ErrorContext(ctx, "queue invitation e-mail", "session", sess.Code, "err", err)
			return false
		}
	}
	return true
}

func (s *Server) toImportView(res *course.ImportResult) importView {
	rows := func(ps []course.ImportedPerson) []importedRow {
		out := make([]importedRow, 0, len(ps))
		for _, p := range ps {
			r := importedRow{Line: p.Line, Name: p.Name, Email: p.Email}
			if p.Token != "" {
				r.URL = s.invitationURL(p.Token)
			}
			out = append(out, r)
		}
		return out
	}
	return importView{Count: res.EnrolledCount(), Created: rows(res.Created), Enrolled: rows(res.Enrolled), Already: rows(res.Already), Reinvited: rows(res.Reinvited)}
}

// lineMessages localizes the refused lines of an enrolment file.
func lineMessages(tr *translator, re *course.RosterError) []string {
	out := make([]string, 0, len(re.Lines))
	for _, l := range re.Lines {
		out = append(out, lineMessage(tr, l))
	}
	return out
}

func lineMessage(tr *translator, l course.LineError) string {
	reason := tr.T(l.Key, l.Args)
	switch {
	case l.Line == 0:
		return tr.T("roster.file", "Reason", reason)
	case l.Value != "":
		return tr.T("roster.line_value", "Line", l.Line, "Reason", reason, "Value", l.Value)
	default:
		return tr.T("roster.line", "Line", l.Line, "Reason", reason)
	}
}

// importSession returns the session a coordinator imports into.
func (s *Server) importSession(c *fiber.Ctx) (*course.User, *course.Session, error) {
	u, err := requireUser(c)
	if err != nil {
		return nil, nil, err
	}
	if !u.IsCoordinator() {
		return nil, nil, course.ErrForbidden
	}
	sess, err := s.course.Session(c.UserContext(), u, c.Params("id"))
	if err != nil {
		return nil, nil, err
	}
	return u, sess, nil
}

func (s *Server) handleImportShow(c *fiber.Ctx) error {
	_, sess, err := s.importSession(c)
	if err != nil {
		return err
	}
	p := s.newPage(c, "app.roster.title")
	p.Data = fiber.Map{"Session": sess}
	return s.render(c, "pages/sessions/import", p)
}

// rosterUpload reads the enrolment file of a form: the "file" field, or
// else the pasted "csv" text.
func rosterUpload(c *fiber.Ctx) ([]byte, error) {
	if fh, err := c.FormFile("file"); err == nil && fh != nil && fh.Size > 0 {
		return readRosterFile(c)
	}
	text := c.FormValue("csv")
	if strings.TrimSpace(text) == "" {
		return nil, course.Invalid("file", "roster.import.nothing")
	}
	return []byte(text), nil
}

// readRosterFile reads the multipart field "file".
func readRosterFile(c *fiber.Ctx) ([]byte, error) {
	fh, err := c.FormFile("file")
	if err != nil || fh == nil || fh.Size == 0 {
		return nil, course.Invalid("file", "roster.import.nothing")
	}
	if fh.Size > maxRosterBytes {
		return nil, errBodyTooLarge
	}
	f, err := fh.Open()
	if err != nil {
		return nil, badRequest("app.error.upload")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxRosterBytes+1))
	if err != nil {
		return nil, badRequest("app.error.upload")
	}
	if len(data) > maxRosterBytes {
		return nil, errBodyTooLarge
	}
	return data, nil
}

func (s *Server) handleImportCreate(c *fiber.Ctx) error {
	u, sess, err := s.importSession(c)
	if err != nil {
		return err
	}
	p := s.newPage(c, "app.roster.title")
	data := fiber.Map{"Session": sess}
	p.Data = data
	p.Form["csv"], p.Form["renew"] = c.FormValue("csv"), c.FormValue("renew")
	show := s.formPage(c, "pages/sessions/import", p)
	csv, err := rosterUpload(c)
	if err != nil {
		return s.formError(c, err, p, show)
	}
	res, err := s.course.ImportRosterWith(c.UserContext(), u, sess.ID, csv, course.ImportOptions{Renew: c.FormValue("renew") == "yes"})
	if err != nil {
		var re *course.RosterError
		if errors.As(err, &re) {
			data["Lines"] = lineMessages(p.translator, re)
		}
		return s.formError(c, err, p, show)
	}
	if updated, err := s.course.Session(c.UserContext(), u, sess.ID); err == nil {
		data["Session"] = updated
	}
	p.Form["csv"] = ""
	view := s.toImportView(res)
	view.Mailed = s.mailInvitations(c.UserContext(), sess, res)
	view.List = invitationList(p.translator, view.Created, view.Reinvited)
	data["Result"] = view
	return s.render(c, "pages/sessions/import", p)
}

// importLineJSON is one refused line in the API's 422 answer.
type importLineJSON struct {
	Line   int    `json:"line"`
	Code   string `json:"code"`
	Reason string `json:"reason"`
	Value  string `json:"value,omitempty"`
}

type invitationJSON struct {
	Email string `json:"email"`
	Name  string `json:"name"`
	URL   string `json:"url"`
	// Mailed: the invitation's e-mail is queued.
	Mailed bool `json:"mailed"`
	// Renewed: a new link for an existing account never activated.
	Renewed bool `json:"renewed,omitempty"`
}

func (s *Server) handleAPIImport(c *fiber.Ctx) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	if !u.IsCoordinator() {
		return course.ErrForbidden
	}
	var data []byte
	if strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEMultipartForm) {
		if data, err = readRosterFile(c); err != nil {
			return err
		}
	} else {
		data = c.Body()
	}
	res, err := s.course.ImportRosterWith(c.UserContext(), u, c.Params("id"), data, course.ImportOptions{Renew: c.Query("renew") == "true"})
	var re *course.RosterError
	if errors.As(err, &re) {
		tr := s.translator(c)
		lines := make([]importLineJSON, 0, len(re.Lines))
		for _, l := range re.Lines {
			lines = append(lines, importLineJSON{Line: l.Line, Code: strings.TrimPrefix(l.Key, "course.roster."), Reason: tr.T(l.Key, l.Args), Value: l.Value})
		}
		return c.Status(http.StatusUnprocessableEntity).JSON(fiber.Map{"error": fiber.Map{
			"code": "invalid", "message": tr.message(classify(err)), "lines": lines,
		}})
	}
	if err != nil {
		return err
	}
	return s.importAnswer(c, u, res)
}

// importAnswer e-mails the invitations an import (or one invitation) made
// and answers the API with its result.
func (s *Server) importAnswer(c *fiber.Ctx, u *course.User, res *course.ImportResult) error {
	mailed := false
	if len(res.Created)+len(res.Reinvited) > 0 {
		sess, err := s.course.Session(c.UserContext(), u, c.Params("id"))
		if err != nil {
			return err
		}
		mailed = s.mailInvitations(c.UserContext(), sess, res)
	}
	invs := make([]invitationJSON, 0, len(res.Created)+len(res.Reinvited))
	for _, p := range res.Created {
		invs = append(invs, invitationJSON{Email: p.Email, Name: p.Name, URL: s.invitationURL(p.Token), Mailed: mailed})
	}
	for _, p := range res.Reinvited {
		invs = append(invs, invitationJSON{Email: p.Email, Name: p.Name, URL: s.invitationURL(p.Token), Mailed: mailed, Renewed: true})
	}
	already := make([]string, 0, len(res.Already))
	for _, p := range res.Already {
		already = append(already, p.Email)
	}
	return c.JSON(fiber.Map{"enrolled": res.EnrolledCount(), "created": len(res.Created), "already_enrolled": already, "invitations": invs})
}

// Invitations

func (s *Server) invitationPage(c *fiber.Ctx) (*page, error) {
	_, u, err := s.course.Invitation(c.UserContext(), c.Params("token"))
	if errors.Is(err, course.ErrNotFound) {
		return nil, errInvitationInvalid
	}
	if err != nil {
		return nil, err
	}
	p := s.newPage(c, "app.invitation.title")
	p.Data = fiber.Map{"Email": u.Email, "Token": c.Params("token")}
	p.Form["name"] = u.Name
	return p, nil
}

func (s *Server) handleInvitationShow(c *fiber.Ctx) error {
	p, err := s.invitationPage(c)
	if err != nil {
		return err
	}
	c.Set("Referrer-Policy", "no-referrer")
	return s.render(c, "pages/account/invitation", p)
}

// handleInvitationAccept activates the account and signs the person in, as
// a sign-in does (a new web session replacing any other of this browser).
func (s *Server) handleInvitationAccept(c *fiber.Ctx) error {
	c.Set("Referrer-Policy", "no-referrer")
	p, err := s.invitationPage(c)
	if err != nil {
		return err
	}
	p.Form["name"] = c.FormValue("name")
	show := s.formPage(c, "pages/account/invitation", p)
	if c.FormValue("password") != c.FormValue("password_confirm") {
		return s.formError(c, course.Invalid("password_confirm", "app.register.password_mismatch"), p, show)
	}
	u, err := s.course.AcceptInvitation(c.UserContext(), c.Params("token"), c.FormValue("name"), c.FormValue("password"))
	if errors.Is(err, course.ErrNotFound) { // used meanwhile
		return errInvitationInvalid
	}
	if err != nil {
		return s.formError(c, err, p, show)
	}
	s.flash(c, "app.flash.account_activated")
	return s.beginWebSession(c, u, "/dashboard")
}

// redactSecrets hides the secret token of an invitation, calendar,
// unsubscribe or account link in a request path, for logs.
func redactSecrets(path string) string {
	for _, prefix := range []string{"/invitations/", "/calendar/", "/unsubscribe/", "/password/reset/", "/account/email/"} {
		if strings.HasPrefix(path, prefix) && len(path) > len(prefix) {
			return prefix + "[redacted]"
		}
	}
	return path
}
