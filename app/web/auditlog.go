package web

import (
	"bytes"
	"cmp"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"librecours/certificates"
	"librecours/course"
)

// registerAuditRoutes serves the coordinators' audit log: the page, its CSV
// export and the API.
func (s *Server) registerAuditRoutes() {
	a := s.app
	a.Get("/audit", s.handleAuditLog)
	a.Get("/audit.csv", s.handleAuditCSV)
	a.Get("/api/v1/audit", s.handleAPIAuditLog)
}

// auditRow is an audit entry with the names it refers to.
type auditRow struct {
	certificates.AuditEntry
	Actor   string
	Person  string // the target's name when the target is a person
	Session string // the session's code
	What    string // the target in words: a person's name, a session's code, a certificate's code
	// DetailText is the detail in the reader's language (an entry written
	// with course.AuditDetail), or the free text of an older entry as it is.
	DetailText string
	DetailKey  string         // the message ID of a translated detail
	DetailArgs map[string]any // and its arguments
}

// auditQuery is what the audit page, its export and the API filter by: the
// session, action and person of the query string, and the days from and to
// (YYYY-MM-DD, both included) in the chosen session's time zone, or the
// platform's when no session is chosen. A date that does not read is a
// validation error (422) naming its field.
func (s *Server) auditQuery(c *fiber.Ctx, u *course.User) (certificates.AuditFilter, *time.Location, error) {
	f := certificates.AuditFilter{SessionID: c.Query("session"), Action: c.Query("action"), Person: c.Query("person")}
	tz := s.cfg.TimeZone
	if f.SessionID != "" {
		sess, err := s.course.Session(c.UserContext(), u, f.SessionID)
		switch {
		case err == nil:
			tz = cmp.Or(sess.TimeZone, tz)
		case !errors.Is(err, course.ErrNotFound): // a session since cancelled just matches nothing
			return f, nil, err
		}
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = time.UTC
	}
	from, to, err := auditDays(c.Query("from"), c.Query("to"), loc)
	if err != nil {
		return f, loc, err
	}
	f.From, f.To = from, to
	return f, loc, nil
}

// auditDays reads the days a search covers, both included, in loc: the
// start of from and the start of the day after to (zero when not given).
func auditDays(from, to string, loc *time.Location) (time.Time, time.Time, error) {
	day := func(field, v string) (time.Time, error) {
		v = strings.TrimSpace(v)
		if v == "" {
			return time.Time{}, nil
		}
		d, err := time.ParseInLocation(course.DateLayout, v, loc)
		if err != nil {
			return time.Time{}, course.Invalid(field, "audit.filter.date_invalid")
		}
		if d.Year() < 2000 { // a well-written date the log cannot hold
			return time.Time{}, course.Invalid(field, "audit.filter.date_range")
		}
		return d, nil
	}
	start, err := day("from", from)
	if err != nil {
		return start, time.Time{}, err
	}
	last, err := day("to", to)
	if err != nil {
		return start, time.Time{}, err
	}
	var end time.Time
	if !last.IsZero() {
		end = last.AddDate(0, 0, 1) // the start of the next day, summer time or not
		if !start.IsZero() && end.Before(start.Add(time.Second)) {
			return start, end, course.Invalid("to", "audit.filter.range_invalid")
		}
	}
	return start, end, nil
}

func (s *Server) handleAuditLog(c *fiber.Ctx) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	p := s.newPage(c, "app.audit.title")
	p.Form["session"], p.Form["action"], p.Form["person"] = c.Query("session"), c.Query("action"), c.Query("person")
	p.Form["from"], p.Form["to"] = c.Query("from"), c.Query("to")
	f, loc, err := s.auditQuery(c, u)
	var rows []auditRow
	if err == nil {
		rows, err = s.auditRows(c, u, f)
	}
	if err != nil {
		pr := s.classify(err)
		if pr.Status != http.StatusUnprocessableEntity {
			return err
		}
		p.fail(c, pr) // the summary, and the date field marked
		c.Status(pr.Status)
	}
	ctx := c.UserContext()
	sessions, err := s.course.Sessions(ctx, u)
	if err != nil {
		return err
	}
	users, err := s.course.Users(ctx, u)
	if err != nil {
		return err
	}
	zone := s.cfg.TimeZone
	if loc != nil {
		zone = loc.String()
	}
	p.Data = fiber.Map{"Rows": rows, "Sessions": sessions, "Users": users, "Actions": certificates.AuditActions, "TZ": zone}
	return s.render(c, "pages/audit/index", p)
}

// auditRows runs the search and names the people and sessions involved.
func (s *Server) auditRows(c *fiber.Ctx, u *course.User, f certificates.AuditFilter) ([]auditRow, error) {
	ctx := c.UserContext()
	entries, err := s.certs.AuditLog(ctx, u, f)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range entries {
		ids = append(ids, e.ActorID, e.Target)
	}
	names, err := s.course.Names(ctx, u, ids)
	if err != nil {
		return nil, err
	}
	sessions, err := s.course.Sessions(ctx, u)
	if err != nil {
		return nil, err
	}
	codes := map[string]string{}
	for _, x := range sessions {
		codes[x.ID] = x.Code
	}
	tr := s.translator(c)
	rows := make([]auditRow, len(entries))
	for i, e := range entries {
		rows[i] = auditRow{AuditEntry: e, Actor: names[e.ActorID], Person: names[e.Target], Session: codes[e.SessionID], DetailText: e.Detail}
		rows[i].What = cmp.Or(names[e.Target], codes[e.Target], e.Target)
		if key, args, ok := course.ParseAuditDetail(e.Detail); ok {
			rows[i].DetailKey, rows[i].DetailArgs, rows[i].DetailText = key, args, tr.T(key, args)
		}
	}
	return rows, nil
}

// handleAuditCSV exports the audit entries the filters select, in words,
// with the separators of the reader's language.
func (s *Server) handleAuditCSV(c *fiber.Ctx) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	f, loc, err := s.auditQuery(c, u)
	if err != nil {
		return err
	}
	rows, err := s.auditRows(c, u, f)
	if err != nil {
		return err
	}
	tr := s.translator(c)
	lines := make([]certificates.AuditLine, len(rows))
	for i, r := range rows {
		lines[i] = certificates.AuditLine{At: r.At, Actor: r.Actor, Action: tr.T("app.audit.action." + r.Action), Session: r.Session,
			What: r.What, Detail: r.DetailText, Reason: r.Reason}
	}
	var buf bytes.Buffer
	if err := certificates.WriteAuditCSV(&buf, s.texts, tr.lang, lines, tr.T("app.audit.system"), loc); err != nil {
		return err
	}
	return sendCSV(c, tr.T("export.audit.file", "Date", s.now().In(loc).Format("2006-01-02")), buf.Bytes())
}

type auditJSON struct {
	At          time.Time `json:"at"`
	ActorID     string    `json:"actor_id"`
	Actor       string    `json:"actor"`
	Action      string    `json:"action"`
	SessionID   string    `json:"session_id,omitempty"`
	SessionCode string    `json:"session_code,omitempty"`
	Target      string    `json:"target"`
	Detail      string    `json:"detail"` // in the request's language, or an older entry's free text
	// DetailKey and DetailArgs are a translated detail's message ID and
	// arguments.
	DetailKey  string         `json:"detail_key,omitempty"`
	DetailArgs map[string]any `json:"detail_args,omitempty"`
	Reason     string         `json:"reason"`
}

func (s *Server) handleAPIAuditLog(c *fiber.Ctx) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	f, _, err := s.auditQuery(c, u)
	if err != nil {
		return err
	}
	rows, err := s.auditRows(c, u, f)
	if err != nil {
		return err
	}
	out := make([]auditJSON, len(rows))
	for i, r := range rows {
		out[i] = auditJSON{At: r.At, ActorID: r.ActorID, Actor: r.Actor, Action: r.Action, SessionID: r.SessionID,
			SessionCode: r.Session, Target: r.Target, Detail: r.DetailText, DetailKey: r.DetailKey, DetailArgs: r.DetailArgs, Reason: r.Reason}
	}
	return c.JSON(out)
}
