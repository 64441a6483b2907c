package course

import (
	"context"
	"time"
)

// AuditEntry records a sensitive action: who, when, what, why.
type AuditEntry struct {
	At        time.Time
	ActorID   string
	Action    string
	SessionID string
	Target    string
	Detail    string
	Reason    string
}

// Audit actions recorded outside certificates.
const (
	AuditRoleChange    = "role.change"
	AuditGradeOverride = "grade.override"
	AuditGradeConfirm  = "grade.confirm"
	AuditReassign      = "review.reassign"
	AuditSessionCopy   = "session.duplicate"
	AuditShift         = "session.shift"
	AuditAccountDelete = "account.delete"
)

// Auditor keeps the audit log (app/mongostore's certificate store).
type Auditor interface {
	Audit(ctx context.Context, e AuditEntry) error
}

// RecordAudit writes e to a, stamped now and signed by actor; a nil Auditor
// records nothing (tests of other rules).
func RecordAudit(ctx context.Context, a Auditor, now time.Time, actor *User, e AuditEntry) error {
	if a == nil {
		return nil
	}
	e.At = now.UTC()
	if actor != nil {
		e.ActorID = actor.ID
	}
	return a.Audit(ctx, e)
}
