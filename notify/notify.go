package notify

import (
	"context"
	"errors"
	"slices"
	"time"

	"librecours/course"
)

// Kind is what a notification is about. Each e-mail kind can be switched off
// by its recipient; Mattermost posts go to a session's channel.
type Kind string

// The kinds of notifications.
const (
	KindReviewsAssigned   Kind = "reviews_assigned"   // a participant has reviews to do
	KindDeadline          Kind = "deadline"           // a submission or review deadline is 24 hours away
	KindGradeAvailable    Kind = "grade_available"    // a participant's grade of a part is out
	KindGradeChanged      Kind = "grade_changed"      // a participant's grade changed after the part closed (an animator's correction)
	KindReviewReplied     Kind = "review_replied"     // the author of reviewed work answered the reviewer's review (never saying who)
	KindCertificateIssued Kind = "certificate_issued" // a participant's certificate was issued
	KindQueueNew          Kind = "queue_new"          // an animator's correction queue has new items
	KindMattermost        Kind = "mattermost"         // a post to a session's webhook

	// Account e-mails answer a registration; they cannot be switched off.
	KindAccountCreated Kind = "account_created" // a new account is ready
	KindAccountExists  Kind = "account_exists"  // someone registered an address that has an account
	// Account links: each request is its own message (Outbox.Link), whose
	// event carries the link's token in Code.
	KindPasswordReset Kind = "password_reset" // a link to choose a new password
	KindEmailChange   Kind = "email_change"   // a link confirming a new address, sent there (Event.Text)
	KindInvitation    Kind = "invitation"     // a link to activate an account a coordinator made (Event.SessionCode, Event.At: expiry)
)

// AccountKinds are the account e-mails, sent whatever the preferences.
var AccountKinds = []Kind{KindAccountCreated, KindAccountExists, KindPasswordReset, KindEmailChange, KindInvitation}

// MailKinds lists the e-mail kinds, in display order.
var MailKinds = []Kind{KindReviewsAssigned, KindDeadline, KindGradeAvailable, KindGradeChanged, KindReviewReplied, KindCertificateIssued,
	KindQueueNew}

// ParseKind returns the e-mail kind named s, or false.
func ParseKind(s string) (Kind, bool) {
	k := Kind(s)
	return k, slices.Contains(MailKinds, k)
}

// Status is where a message stands in the outbox.
type Status string

// Message statuses.
const (
	StatusPending Status = "pending" // waiting for its next attempt (NextAt)
	StatusSending Status = "sending" // claimed by a worker until LeaseUntil
	StatusSent    Status = "sent"
	StatusFailed  Status = "failed" // given up
)

// Mattermost events (Event.What).
const (
	PostAssigned = "assigned" // a part's reviews were assigned
	PostQueue    = "queue"    // the correction queue passed its threshold
	PostClosed   = "closed"   // the session was closed
)

// Deadlines of a reminder (Event.What).
const (
	DeadlineSubmission = "submission"
	DeadlineReview     = "review"
)

// Event is one thing a message tells. A message holds one event, or several
// when events of a day were merged into it (a digest). Events carry what
// their text needs, so delivery reads nothing but the recipient.
type Event struct {
	Key         string // identifies the event within its message (merging twice is a no-op)
	What        string // a deadline (submission, review) or a Mattermost event (assigned, queue, closed)
	SessionID   string
	SessionCode string
	TimeZone    string    // the session's, for dates
	Part        int       // 0 when the event is about the whole session
	At          time.Time // the deadline of a reminder
	Count       int       // reviews to do, items in the queue, submissions assigned
	Total       int       // reviews assigned (Mattermost), the queue threshold
	Code        string    // a certificate's code, an account link's token, or the ID of a review answered (the reviewer's own)
	Level       int       // a certificate's level
	Text        string    // the report sentence of a closed session; the new address of an e-mail change
}

// Message is one delivery in the outbox: an e-mail to a person or a post to a
// webhook.
type Message struct {
	ID         string
	Kind       Kind
	UserID     string // the recipient of an e-mail; "" for a post
	URL        string // the webhook of a post
	Lang       string // the language of a post; e-mails follow the recipient's
	Events     []Event
	Status     Status
	Attempts   int // attempts begun, the current one included
	NextAt     time.Time
	LeaseUntil time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
	LastError  string
}

// AddResult says what adding an event to the outbox did.
type AddResult int

// What Add did.
const (
	Queued  AddResult = iota + 1 // a new message
	Merged                       // the event joined a pending message
	Dropped                      // the message went out already (one a day), or holds the event
)

func (r AddResult) String() string {
	switch r {
	case Queued:
		return "queued"
	case Merged:
		return "merged"
	case Dropped:
		return "dropped"
	}
	return "none"
}

// Outcome is the end of one attempt at a message.
type Outcome struct {
	Status Status    // sent, pending (retry at NextAt) or failed
	NextAt time.Time // for a retry
	At     time.Time
	Error  string
}

// Prefs are a person's choices: the kinds they switched off. Everything is
// on by default.
type Prefs struct {
	Off []Kind
}

// Enabled reports whether kind k reaches the person.
func (p Prefs) Enabled(k Kind) bool { return !slices.Contains(p.Off, k) }

// Kinds returns every e-mail kind and whether it is on.
func (p Prefs) Kinds() map[Kind]bool {
	out := make(map[Kind]bool, len(MailKinds))
	for _, k := range MailKinds {
		out[k] = p.Enabled(k)
	}
	return out
}

// PrefsFrom builds preferences from kind → on; kinds not named keep their
// value in base.
func PrefsFrom(base Prefs, kinds map[Kind]bool) Prefs {
	var out Prefs
	for _, k := range MailKinds {
		on, ok := kinds[k]
		if !ok {
			on = base.Enabled(k)
		}
		if !on {
			out.Off = append(out.Off, k)
		}
	}
	return out
}

// DefaultThreshold is the correction queue size that alerts a session's
// channel, unless the session sets another.
const DefaultThreshold = 10

// MaxThreshold bounds a session's threshold.
const MaxThreshold = 100_000

// Hook is a session's Mattermost setting and what the notifications
// remember about the session.
type Hook struct {
	SessionID    string
	URL          string // "" when the session has no channel
	Threshold    int    // 0: DefaultThreshold
	QueueAlerted bool   // the queue is past the threshold and the channel was told
	Reminded     []string
}

// QueueThreshold is the threshold in force.
func (h Hook) QueueThreshold() int {
	if h.Threshold > 0 {
		return h.Threshold
	}
	return DefaultThreshold
}

// Store is what notifications need from the database. app/mongostore
// implements it; notifytest.Memory is an in-memory one.
type Store interface {
	// Add puts m (pending, one event) in the outbox unless a message with
	// its ID exists. When that message is still pending and lacks the
	// event (by key), the event joins it; otherwise the event is dropped.
	Add(ctx context.Context, m Message) (AddResult, error)
	// Claim takes the most overdue message that is pending and due at now,
	// or sending with a lease expired before now: it becomes sending until
	// leaseUntil and its attempts grow by one, in one atomic update.
	// ErrNothingDue when there is none.
	Claim(ctx context.Context, now, leaseUntil time.Time) (*Message, error)
	// Finish records the outcome of attempt number attempt, if the message
	// is still sending under that attempt; false when it was taken over.
	Finish(ctx context.Context, id string, attempt int, o Outcome) (bool, error)
	Message(ctx context.Context, id string) (*Message, error) // ErrNotFound
	// Purge deletes the messages sent or failed before before.
	Purge(ctx context.Context, before time.Time) (int, error)

	Prefs(ctx context.Context, userID string) (Prefs, error) // defaults when none
	SetPrefs(ctx context.Context, userID string, p Prefs) error

	Hook(ctx context.Context, sessionID string) (Hook, error) // zero (but SessionID) when none
	SetWebhook(ctx context.Context, sessionID, url string, threshold int) error
	// SetQueueAlerted sets the session's QueueAlerted and reports whether
	// this call changed it.
	SetQueueAlerted(ctx context.Context, sessionID string, alerted bool) (bool, error)
	// MarkReminded records that the reminder key of a session was handled
	// and reports whether this call recorded it.
	MarkReminded(ctx context.Context, sessionID, key string) (bool, error)
}

// Users finds recipients (course.Store does).
type Users interface {
	UserByID(ctx context.Context, id string) (*course.User, error)
}

// Errors of the package.
var (
	ErrNothingDue = errors.New("notify: nothing due")
	ErrNotFound   = course.ErrNotFound
)
