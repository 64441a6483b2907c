package course

import (
	"context"
	"net/url"
	"strconv"
	"strings"
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

// Audit actions of coordinators' tools recorded since the audit log is in
// words (issue #13 item 9).
const (
	AuditRosterImport = "roster.import"    // an enrolment file was imported
	AuditInvite       = "session.invite"   // one person enrolled by address and name
	AuditPartClose    = "part.close_early" // a part's reviews closed before their deadline
	AuditAssignEarly  = "part.assign_early"

	AuditSessionCreate  = "session.create"
	AuditSessionEdit    = "session.edit" // capacity, workload
	AuditPartEdit       = "part.edit"    // a part's title or dates
	AuditEvaluationEdit = "evaluation.edit"
	AuditEnrol          = "session.enrol"        // a coordinator enrolled someone
	AuditExerciseEdit   = "exercise.edit"        // a part's instructions or rubric
	AuditWebhook        = "webhook.change"       // a session's Mattermost webhook set or cleared
	AuditQuestionsEdit  = "evaluation.questions" // the final evaluation's questions and settings
)

// detailPrefix marks a Detail that is a message ID with its arguments
// (AuditDetail) rather than a sentence, as entries written before the log
// was translated have.
const detailPrefix = "i18n:"

// AuditDetail is the Detail of an entry that the log shows in its reader's
// language: the message ID key (an "audit.detail." key) and its arguments,
// kept as "i18n:key?Name=value&…" in the same field as the free text of
// older entries. Arguments are words already (codes, counts, dates), never
// IDs: the log shows them as they are.
func AuditDetail(key string, args map[string]string) string {
	v := url.Values{}
	for k, a := range args {
		v.Set(k, a)
	}
	if len(v) == 0 {
		return detailPrefix + key
	}
	return detailPrefix + key + "?" + v.Encode()
}

// ParseAuditDetail reads a Detail written by AuditDetail: its message ID and
// arguments (those written as numbers are numbers again, for plural forms
// and the reader's decimal separator); ok is false for the free text of
// older entries, which are shown as they are.
func ParseAuditDetail(detail string) (key string, args map[string]any, ok bool) {
	rest, found := strings.CutPrefix(detail, detailPrefix)
	if !found || rest == "" {
		return "", nil, false
	}
	key, query, _ := strings.Cut(rest, "?")
	v, err := url.ParseQuery(query)
	if err != nil || key == "" || strings.ContainsAny(key, " \n") {
		return "", nil, false
	}
	args = make(map[string]any, len(v))
	for k := range v {
		a := v.Get(k)
		if n, err := strconv.Atoi(a); err == nil && !strings.HasPrefix(a, "+") {
			args[k] = n
		} else if f, err := strconv.ParseFloat(a, 64); err == nil && strings.Contains(a, ".") {
			args[k] = f
		} else {
			args[k] = a
		}
	}
	return key, args, true
}
