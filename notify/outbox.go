package notify

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"librecours/course"
)

// Skipped is what Email and Post return when nothing is queued on purpose:
// the kind is switched off, or the session has no channel.
const Skipped AddResult = 0

// Outbox turns events into messages of the outbox, and keeps people's
// preferences and sessions' webhooks. Pages, the JSON API, the grading hooks
// and the scheduler call it.
type Outbox struct {
	Store    Store
	Now      func() time.Time
	Location *time.Location // the platform's time zone: a day starts at its midnight (UTC when nil)
	// AllowPrivateWebhooks accepts webhooks on the server's own machine or
	// network (LIBRECOURS_WEBHOOK_ALLOW_PRIVATE).
	AllowPrivateWebhooks bool
	// Audit records webhook changes; nil records nothing.
	Audit course.Auditor
}

// Day is the civil date of t in the platform's time zone.
func (o *Outbox) Day(t time.Time) string {
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format(course.DateLayout)
}

// MailID is the outbox ID of the e-mail of kind to userID on day: one a day.
func MailID(kind Kind, userID, day string) string {
	return string(kind) + "|" + userID + "|" + day
}

// PostID is the outbox ID of a post about a session's event.
func PostID(sessionID, key string) string {
	return string(KindMattermost) + "|" + sessionID + "|" + key
}

// Email tells userID about e by an e-mail of kind: the day's message of that
// kind gets it, unless the person switched the kind off. Events of a day
// are merged into the message while it waits; once it went out, the day's
// later events of that kind are dropped.
func (o *Outbox) Email(ctx context.Context, kind Kind, userID string, e Event) (AddResult, error) {
	return o.EmailOn(ctx, kind, userID, o.Now(), e)
}

// EmailOn is Email for the day of on rather than today. A deadline reminder
// belongs to the day it fell due, so a scan that finds it again on a later
// day finds the same message.
func (o *Outbox) EmailOn(ctx context.Context, kind Kind, userID string, on time.Time, e Event) (AddResult, error) {
	return o.email(ctx, kind, userID, e, MailID(kind, userID, o.Day(on)), time.Time{})
}

// DigestHour is the hour (platform's time zone) at which a day's digest
// goes out, the day after (EmailDigest).
const DigestHour = 7

// DigestAt is when the digest of the day of t goes out: DigestHour on the
// next day, in the platform's time zone.
func (o *Outbox) DigestAt(t time.Time) time.Time {
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	return time.Date(lt.Year(), lt.Month(), lt.Day()+1, DigestHour, 0, 0, 0, loc).UTC()
}

// EmailDigest tells userID about e in the day's e-mail of kind, as Email
// does, unless the person switched the kind off; but the message waits
// until the next morning (DigestAt), so every event of the day joins it
// and none is dropped because the day's mail went out already. The same
// event queued twice (a retry, two servers at once) is in the message
// once: it is told once at most.
func (o *Outbox) EmailDigest(ctx context.Context, kind Kind, userID string, e Event) (AddResult, error) {
	now := o.Now()
	return o.email(ctx, kind, userID, e, MailID(kind, userID, o.Day(now)), o.DigestAt(now))
}

// email queues e in the message id, due at due (now when zero), after
// checking the kind and the recipient's preferences (account kinds go out
// whatever they are).
func (o *Outbox) email(ctx context.Context, kind Kind, userID string, e Event, id string, due time.Time) (AddResult, error) {
	account := slices.Contains(AccountKinds, kind)
	if _, ok := ParseKind(string(kind)); (!ok && !account) || userID == "" || e.Key == "" {
		return 0, fmt.Errorf("notify: e-mail of kind %q to %q, event %q: %w", kind, userID, e.Key, errBadMessage)
	}
	if !account {
		p, err := o.Store.Prefs(ctx, userID)
		if err != nil {
			return 0, err
		}
		if !p.Enabled(kind) {
			return Skipped, nil
		}
	}
	now := o.Now().UTC()
	if due.IsZero() {
		due = now
	}
	return o.Store.Add(ctx, Message{ID: id, Kind: kind, UserID: userID,
		Events: []Event{e}, Status: StatusPending, NextAt: due, CreatedAt: now, UpdatedAt: now})
}

// LinkPaths are where account links lead; the token follows.
var LinkPaths = map[Kind]string{KindPasswordReset: "/password/reset/", KindEmailChange: "/account/email/", KindInvitation: "/invitations/"}

// Link e-mails an account link (KindPasswordReset, KindEmailChange,
// KindInvitation) to userID, whatever their preferences: e.Code is the
// link's token, e.Key names the link. Every link is a message of its own, so a second request
// of the day gets its mail too; the caller limits how often.
func (o *Outbox) Link(ctx context.Context, kind Kind, userID string, e Event) (AddResult, error) {
	if _, ok := LinkPaths[kind]; !ok || userID == "" || e.Key == "" || e.Code == "" || (kind == KindEmailChange && e.Text == "") {
		return 0, fmt.Errorf("notify: link of kind %q to %q, event %q: %w", kind, userID, e.Key, errBadMessage)
	}
	now := o.Now().UTC()
	return o.Store.Add(ctx, Message{ID: string(kind) + "|" + userID + "|" + e.Key, Kind: kind, UserID: userID,
		Events: []Event{e}, Status: StatusPending, NextAt: now, CreatedAt: now, UpdatedAt: now})
}

// Post sends e to the session's channel (hook.URL) in lang; key names the
// event within the session, so the same event is posted once.
func (o *Outbox) Post(ctx context.Context, hook Hook, key, lang string, e Event) (AddResult, error) {
	if hook.URL == "" {
		return Skipped, nil
	}
	if key == "" || hook.SessionID == "" {
		return 0, fmt.Errorf("notify: post %q of session %q: %w", key, hook.SessionID, errBadMessage)
	}
	if e.Key == "" {
		e.Key = key
	}
	now := o.Now().UTC()
	return o.Store.Add(ctx, Message{ID: PostID(hook.SessionID, key), Kind: KindMattermost, URL: hook.URL, Lang: lang,
		Events: []Event{e}, Status: StatusPending, NextAt: now, CreatedAt: now, UpdatedAt: now})
}

var errBadMessage = errors.New("incomplete message")

// Prefs returns the actor's preferences.
func (o *Outbox) Prefs(ctx context.Context, actor *course.User) (Prefs, error) {
	if actor == nil {
		return Prefs{}, course.ErrUnauthenticated
	}
	return o.Store.Prefs(ctx, actor.ID)
}

// SetPrefs switches the actor's kinds on or off; kinds not named are kept.
func (o *Outbox) SetPrefs(ctx context.Context, actor *course.User, kinds map[Kind]bool) (Prefs, error) {
	if actor == nil {
		return Prefs{}, course.ErrUnauthenticated
	}
	for k := range kinds {
		if _, ok := ParseKind(string(k)); !ok {
			return Prefs{}, &course.ValidationError{Field: "kinds", Key: "notify.prefs.kind_invalid", Args: map[string]any{"Kind": string(k)}}
		}
	}
	cur, err := o.Store.Prefs(ctx, actor.ID)
	if err != nil {
		return Prefs{}, err
	}
	p := PrefsFrom(cur, kinds)
	if err := o.Store.SetPrefs(ctx, actor.ID, p); err != nil {
		return Prefs{}, err
	}
	return p, nil
}

// Webhook returns a session's Mattermost setting to its staff.
func (o *Outbox) Webhook(ctx context.Context, actor *course.User, sess *course.Session) (Hook, error) {
	if actor == nil {
		return Hook{}, course.ErrUnauthenticated
	}
	if !course.CanManage(actor, sess) {
		return Hook{}, course.ErrForbidden
	}
	return o.Store.Hook(ctx, sess.ID)
}

// SetWebhook sets (or, with an empty URL, clears) a session's Mattermost
// webhook and queue threshold (0: DefaultThreshold): coordinators only.
func (o *Outbox) SetWebhook(ctx context.Context, actor *course.User, sess *course.Session, rawURL string, threshold int) (Hook, error) {
	if actor == nil {
		return Hook{}, course.ErrUnauthenticated
	}
	if !actor.IsCoordinator() {
		return Hook{}, course.ErrForbidden
	}
	u, err := ValidateWebhook(rawURL, o.AllowPrivateWebhooks)
	if err != nil {
		return Hook{}, err
	}
	if threshold < 0 || threshold > MaxThreshold {
		return Hook{}, &course.ValidationError{Field: "threshold", Key: "notify.webhook.threshold_invalid", Args: map[string]any{"Max": MaxThreshold}}
	}
	if err := o.Store.SetWebhook(ctx, sess.ID, u, threshold); err != nil {
		return Hook{}, err
	}
	h, err := o.Store.Hook(ctx, sess.ID)
	if err != nil {
		return Hook{}, err
	}
	// The URL holds the channel's secret: the log names its host only.
	detail := course.AuditDetail("audit.detail.webhook_cleared", nil)
	if u != "" {
		host := ""
		if pu, err := url.Parse(u); err == nil {
			host = pu.Hostname()
		}
		detail = course.AuditDetail("audit.detail.webhook_set", map[string]string{"Host": host, "Threshold": strconv.Itoa(h.QueueThreshold())})
	}
	e := course.AuditEntry{Action: course.AuditWebhook, SessionID: sess.ID, Target: sess.Code, Detail: detail}
	return h, course.RecordAudit(ctx, o.Audit, o.Now(), actor, e)
}

// ReminderKey names a deadline of a session part for MarkReminded.
func ReminderKey(part int, deadline string, due time.Time) string {
	return fmt.Sprintf("%d|%s|%d", part, deadline, due.Unix())
}

// HasReminded reports whether the hook records key.
func (h Hook) HasReminded(key string) bool {
	return slices.Contains(h.Reminded, key)
}
