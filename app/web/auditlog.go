package web

import (
	"bytes"
	"cmp"
	"net/http"
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
}

func (s *Server) handleAuditLog(c *fiber.Ctx) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	f := certificates.AuditFilter{SessionID: c.Query("session"), Action: c.Query("action"), Person: c.Query("person")}
	p := s.newPage(c, "app.audit.title")
	rows, err := s.auditRows(c, u, f)
	if err != nil {
		pr := classify(err)
		if pr.Status != http.StatusUnprocessableEntity {
			return err
		}
		p.Error = p.message(pr)
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
	p.Form["session"], p.Form["action"], p.Form["person"] = f.SessionID, f.Action, f.Person
	p.Data = fiber.Map{"Rows": rows, "Sessions": sessions, "Users": users, "Actions": certificates.AuditActions, "TZ": s.cfg.TimeZone}
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
	rows := make([]auditRow, len(entries))
	for i, e := range entries {
		rows[i] = auditRow{AuditEntry: e, Actor: names[e.ActorID], Person: names[e.Target], Session: codes[e.SessionID]}
		rows[i].What = cmp.Or(names[e.Target], codes[e.Target], e.Target)
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
	rows, err := s.auditRows(c, u, certificates.AuditFilter{SessionID: c.Query("session"), Action: c.Query("action"), Person: c.Query("person")})
	if err != nil {
		return err
	}
	tr := s.translator(c)
	lines := make([]certificates.AuditLine, len(rows))
	for i, r := range rows {
		lines[i] = certificates.AuditLine{At: r.At, Actor: r.Actor, Action: tr.T("app.audit.action." + r.Action), Session: r.Session,
			What: r.What, Detail: r.Detail, Reason: r.Reason}
	}
	loc, err := time.LoadLocation(s.cfg.TimeZone)
	if err != nil {
		loc = time.UTC
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
	Detail      string    `json:"detail"`
	Reason      string    `json:"reason"`
}

func (s *Server) handleAPIAuditLog(c *fiber.Ctx) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	f := certificates.AuditFilter{SessionID: c.Query("session"), Action: c.Query("action"), Person: c.Query("person")}
	rows, err := s.auditRows(c, u, f)
	if err != nil {
		return err
	}
	out := make([]auditJSON, len(rows))
	for i, r := range rows {
		out[i] = auditJSON{At: r.At, ActorID: r.ActorID, Actor: r.Actor, Action: r.Action, SessionID: r.SessionID,
			SessionCode: r.Session, Target: r.Target, Detail: r.Detail, Reason: r.Reason}
	}
	return c.JSON(out)
}
