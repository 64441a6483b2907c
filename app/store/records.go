package store

import (
	"encoding/json"
	"time"

	"librecours/certificates"
	"librecours/course"
	"librecours/grading"
	"librecours/notify"
)

// Collections are the collections of a backup, in the order a restore loads
// them. Each is one JSON Lines file of the record type named beside it; a
// backend maps them to its own tables or collections.
var Collections = []string{
	"users",               // course.User
	"counters",            // Counter
	"sessions",            // course.Session (Enrolled is the seats taken)
	"enrolments",          // EnrolmentRecord
	"invitations",         // InvitationRecord
	"calendar_feeds",      // course.CalendarFeed
	"auth_sessions",       // course.AuthSession
	"login_throttle",      // course.Throttle
	"settings",            // SettingRecord
	"exercises",           // ExerciseRecord
	"part_states",         // grading.PartState
	"files",               // FileRecord
	"submissions",         // grading.Submission
	"submission_versions", // grading.Version
	"reviews",             // grading.Review
	"evaluations",         // EvaluationRecord
	"evaluation_attempts", // grading.Attempt
	"certificate_rules",   // RulesRecord
	"commitment_choices",  // ChoiceRecord
	"level_overrides",     // OverrideRecord
	"certificates",        // certificates.Certificate
	"commitments",         // certificates.Commitment
	"signing_keys",        // certificates.StoredKey
	"availability",        // certificates.Availability
	"audit_log",           // course.AuditEntry
	"outbox",              // notify.Message
	"notify_prefs",        // PrefsRecord
	"session_hooks",       // notify.Hook
}

// Counter is a named sequence (session numbers per format).
type Counter struct {
	Name  string
	Value int64
}

// EnrolmentRecord is an enrolment with the import batch that made it.
type EnrolmentRecord struct {
	course.Enrolment
	Batch string `json:",omitempty"`
}

// InvitationRecord is an invitation with its use.
type InvitationRecord struct {
	course.Invitation
	Used   bool
	UsedAt *time.Time `json:",omitempty"`
}

// SettingRecord is one platform setting.
type SettingRecord struct {
	Key   string
	Value json.RawMessage
}

// ExerciseRecord is a session's exercise for one part.
type ExerciseRecord struct {
	SessionID string
	Exercise  grading.Exercise
}

// FileRecord is an uploaded file, whole.
type FileRecord struct {
	Attachment grading.Attachment
	SessionID  string
	OwnerID    string
	CreatedAt  time.Time
	Data       []byte // base64 in JSON
}

// EvaluationRecord is a session's own final evaluation.
type EvaluationRecord struct {
	SessionID  string
	Evaluation grading.Evaluation
}

// RulesRecord is a session's certificate rules.
type RulesRecord struct {
	SessionID string
	Rules     certificates.Rules
}

// ChoiceRecord is a participant's choice about the animator commitment.
type ChoiceRecord struct {
	SessionID string
	UserID    string
	Declined  bool
}

// OverrideRecord is a level set by a coordinator.
type OverrideRecord struct {
	SessionID string
	Override  certificates.Override
}

// PrefsRecord is a person's notification preferences.
type PrefsRecord struct {
	UserID string
	Prefs  notify.Prefs
}
