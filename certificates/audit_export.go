package certificates

import (
	"io"
	"time"
)

// AuditLine is an audit entry as people read it: names, session codes and
// the translated action, never raw IDs.
type AuditLine struct {
	At      time.Time
	Actor   string // "" for the platform itself
	Action  string // translated
	Session string // the session's code
	What    string // the person's name, the certificate's code...
	Detail  string
	Reason  string
}

// auditColumns are the column titles of the audit export.
var auditColumns = []string{"export.audit.when", "export.audit.who", "export.audit.action", "export.audit.session",
	"export.audit.what", "export.audit.detail", "export.audit.why"}

// WriteAuditCSV writes audit lines with their times in loc, with the
// language's separators (see the package's CSV rules): BOM, CRLF and
// neutralised cells. system names the platform when a line has no actor.
func WriteAuditCSV(w io.Writer, t Texts, lang string, lines []AuditLine, system string, loc *time.Location) error {
	if loc == nil {
		loc = time.UTC
	}
	return writeTable(w, t, lang, auditColumns, lines, func(l AuditLine) []string {
		actor := l.Actor
		if actor == "" {
			actor = system
		}
		return []string{l.At.In(loc).Format("2006-01-02 15:04"), actor, l.Action, l.Session, l.What, l.Detail, l.Reason}
	})
}
