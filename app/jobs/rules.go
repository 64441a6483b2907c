package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"librecours/certificates"
	"librecours/course"
	"librecours/grading"
	"librecours/notify"
)

// reminderAhead: deadline reminders go out this long before the deadline.
const reminderAhead = 24 * time.Hour

// Texts localize the texts of posts (certificates.Texts has this method).
type Texts interface {
	T(lang, id string, args map[string]any) string
}

// Rules are the notification rules: what happens queues e-mails and
// Mattermost posts in the outbox. They are the grading service's Notifier
// and the certificates service's, and the scheduler's deadline reminders.
type Rules struct {
	Outbox  *notify.Outbox
	Hooks   notify.Store // session webhooks and their reminder marks
	Course  course.Store
	Grading *grading.Service
	Texts   Texts
	Lang    string // the platform's language (of channel posts)
	Now     func() time.Time
	Log     *slog.Logger
}

var (
	_ grading.Notifier      = (*Rules)(nil)
	_ grading.ReplyNotifier = (*Rules)(nil)
	_ certificates.Notifier = (*Rules)(nil)
)

// logged reports a notification that could not be queued: the event it is
// about has happened all the same. The line carries the request's ID and
// route when a request caused it.
func (n *Rules) logged(ctx context.Context, what string, err error) {
	if err != nil {
		n.Log.ErrorContext(ctx, "notify: "+what, "err", err)
	}
}

func sessionEvent(sess *course.Session, part int) notify.Event {
	return notify.Event{SessionID: sess.ID, SessionCode: sess.Code, TimeZone: sess.TimeZone, Part: part}
}

// ReviewsAssigned tells each reviewer how many reviews they have (never
// whose work), and the session's channel the counts.
func (n *Rules) ReviewsAssigned(ctx context.Context, sess *course.Session, p course.Part, rep grading.AssignReport, reviews []grading.Review) {
	count := map[string]int{}
	var order []string
	for _, r := range reviews {
		if count[r.ReviewerID] == 0 {
			order = append(order, r.ReviewerID)
		}
		count[r.ReviewerID]++
	}
	for _, reviewer := range order {
		e := sessionEvent(sess, p.Number)
		e.Key, e.At, e.Count = fmt.Sprintf("assigned|%s|%d", sess.ID, p.Number), p.ReviewDue, count[reviewer]
		_, err := n.Outbox.Email(ctx, notify.KindReviewsAssigned, reviewer, e)
		n.logged(ctx, "reviews assigned", err)
	}
	e := sessionEvent(sess, p.Number)
	e.What, e.Count, e.Total = notify.PostAssigned, rep.Submissions, rep.ReviewsAssigned
	n.post(ctx, sess.ID, fmt.Sprintf("assigned|%d", p.Number), e)
}

// ReviewsReassigned tells each participant who was handed a lapsed review
// that they have one more to do (never whose work, nor whose lapse).
func (n *Rules) ReviewsReassigned(ctx context.Context, sess *course.Session, p course.Part, reviews []grading.Review) {
	for _, r := range reviews {
		e := sessionEvent(sess, p.Number)
		e.Key, e.At, e.Count = "reassigned|"+r.ID+"|"+r.ReviewerID, p.ReviewDue, 1
		_, err := n.Outbox.Email(ctx, notify.KindReviewsAssigned, r.ReviewerID, e)
		n.logged(ctx, "review reassigned", err)
	}
}

// PartGraded tells authors their grade is out, the session's animators
// that the correction queue has new items, and the channel when the queue
// passes its threshold.
func (n *Rules) PartGraded(ctx context.Context, sess *course.Session, p course.Part, _ int) {
	subs, err := n.Grading.Store.Submissions(ctx, sess.ID, p.Number)
	n.logged(ctx, "grades available", err)
	for _, sub := range subs {
		if sub.Grade == nil {
			continue
		}
		e := sessionEvent(sess, p.Number)
		e.Key = fmt.Sprintf("graded|%s|%d", sess.ID, p.Number)
		_, err := n.Outbox.Email(ctx, notify.KindGradeAvailable, sub.AuthorID, e)
		n.logged(ctx, "grade available", err)
	}
	items, err := n.Grading.Corrections(ctx, staffActor, sess.ID)
	if err != nil {
		n.logged(ctx, "correction queue", err)
		return
	}
	fresh := 0
	for _, it := range items {
		if it.Part == p.Number {
			fresh++
		}
	}
	n.queueGrew(ctx, sess, p.Number, fmt.Sprintf("queue|%s|%d", sess.ID, p.Number), fresh, len(items))
}

// GradesChanged tells each author whose grade a recomputation after the
// close moved (by more than a rounding step) or gave a first grade, once
// per new grade: the key holds the grade, so a repeated recomputation
// folds into the same event.
func (n *Rules) GradesChanged(ctx context.Context, sess *course.Session, p course.Part, changes []grading.GradeChange) {
	for _, c := range changes {
		e := sessionEvent(sess, p.Number)
		e.Key = fmt.Sprintf("regraded|%s|%.1f", c.SubmissionID, c.After)
		_, err := n.Outbox.Email(ctx, notify.KindGradeChanged, c.AuthorID, e)
		n.logged(ctx, "grade changed", err)
	}
}

// ReviewReplied tells a reviewer that the author of the work they reviewed
// answered their review: in the next morning's digest of replies
// (notify.Outbox.EmailDigest), which names the session, the part and a
// link to the reviewer's own review, never the author. The event is keyed
// by the review, so a reply is in one mail at most; a reviewer whose
// account was deleted (the review carries a tombstone) is told nothing.
func (n *Rules) ReviewReplied(ctx context.Context, sess *course.Session, part int, reviewID, reviewerID string) {
	if _, err := n.Course.UserByID(ctx, reviewerID); err != nil {
		if !errors.Is(err, course.ErrNotFound) {
			n.logged(ctx, "review replied", err)
		}
		return
	}
	e := sessionEvent(sess, part)
	e.Key, e.Code = "replied|"+reviewID, reviewID
	_, err := n.Outbox.EmailDigest(ctx, notify.KindReviewReplied, reviewerID, e)
	n.logged(ctx, "review replied", err)
}

// ReviewAppealed tells the session's animators that an appeal joined the
// correction queue (folded into the day's queue e-mail), and the channel
// when the queue passes its threshold.
func (n *Rules) ReviewAppealed(ctx context.Context, sess *course.Session, part int, reviewID string) {
	items, err := n.Grading.Corrections(ctx, staffActor, sess.ID)
	if err != nil {
		n.logged(ctx, "correction queue", err)
		return
	}
	n.queueGrew(ctx, sess, part, "appeal|"+reviewID, 1, len(items))
}

// queueGrew e-mails the session's animators that fresh items joined the
// correction queue (size items in all), then checks the channel's threshold.
func (n *Rules) queueGrew(ctx context.Context, sess *course.Session, part int, key string, fresh, size int) {
	if fresh > 0 {
		for _, anim := range sess.Animators {
			e := sessionEvent(sess, part)
			e.Key, e.Count = key, fresh
			_, err := n.Outbox.Email(ctx, notify.KindQueueNew, anim, e)
			n.logged(ctx, "queue new", err)
		}
	}
	n.queueAlert(ctx, sess, size)
}

// staffActor reads the correction queue on the notifier's behalf.
var staffActor = &course.User{ID: "notifications", Name: "notifications", Roles: []course.Role{course.RoleCoordinator}}

// queueAlert posts to the channel when the queue reaches the threshold; it
// posts again only after the queue went back below it.
func (n *Rules) queueAlert(ctx context.Context, sess *course.Session, size int) {
	hook, err := n.Hooks.Hook(ctx, sess.ID)
	if err != nil || hook.URL == "" {
		n.logged(ctx, "queue alert", err)
		return
	}
	above := size >= hook.QueueThreshold()
	if above == hook.QueueAlerted {
		return
	}
	changed, err := n.Hooks.SetQueueAlerted(ctx, sess.ID, above)
	if err != nil || !changed || !above {
		n.logged(ctx, "queue alert", err)
		return
	}
	e := sessionEvent(sess, 0)
	e.What, e.Count, e.Total = notify.PostQueue, size, hook.QueueThreshold()
	n.post(ctx, sess.ID, fmt.Sprintf("queue|%d", n.Now().UnixNano()), e)
}

// post queues a post to the session's channel, if it has one, in the
// platform's language.
func (n *Rules) post(ctx context.Context, sessionID, key string, e notify.Event) {
	hook, err := n.Hooks.Hook(ctx, sessionID)
	if err == nil {
		_, err = n.Outbox.Post(ctx, hook, key, n.Lang, e)
	}
	n.logged(ctx, "post", err)
}

// SessionClosed tells each holder their certificate is issued, and the
// session's channel that it closed, with the report's sentence
// (certificates.Notifier).
func (n *Rules) SessionClosed(ctx context.Context, sess *course.Session, res *certificates.CloseResult) {
	for _, cert := range res.Issued {
		e := sessionEvent(sess, 0)
		e.Key, e.Code, e.Level = "certificate|"+cert.Code, cert.Code, int(cert.Level)
		_, err := n.Outbox.Email(ctx, notify.KindCertificateIssued, cert.UserID, e)
		n.logged(ctx, "certificate issued", err)
	}
	rep := res.Report
	e := sessionEvent(sess, 0)
	e.What = notify.PostClosed
	e.Text = n.Texts.T(n.Lang, "app.report.sentence", map[string]any{"Validated": rep.Validated, "Participants": rep.Participants,
		"Level2": rep.Level2, "Count": rep.Validated})
	closed := n.Now()
	if sess.ClosedAt != nil {
		closed = *sess.ClosedAt
	}
	n.post(ctx, sess.ID, fmt.Sprintf("closed|%d", closed.Unix()), e)
}

// Deadline reminders

// Remind queues the reminders of the deadlines 24 hours away: to enrolled
// participants who have not submitted, and to reviewers with unfinished
// reviews. A deadline is handled once (Hook.Reminded); were the process to
// stop half-way, the next tick queues the rest, and what was queued already
// is folded by the outbox.
func (n *Rules) Remind(ctx context.Context) error {
	sessions, err := n.Course.OpenSessions(ctx)
	if err != nil {
		return err
	}
	now := n.Now()
	var errs []error
	for _, sess := range sessions {
		if sess.ClosedAt != nil {
			continue
		}
		type due struct {
			part course.Part
			what string
			at   time.Time
		}
		var ahead []due
		for _, p := range sess.Parts {
			for _, d := range []due{{p, notify.DeadlineSubmission, p.SubmissionDue}, {p, notify.DeadlineReview, p.ReviewDue}} {
				if !now.Before(d.at.Add(-reminderAhead)) && now.Before(d.at) {
					ahead = append(ahead, d)
				}
			}
		}
		if len(ahead) == 0 {
			continue
		}
		hook, err := n.Hooks.Hook(ctx, sess.ID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		states, err := n.Grading.PartStates(ctx, sess.ID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, d := range ahead {
			key := notify.ReminderKey(d.part.Number, d.what, d.at)
			if hook.HasReminded(key) {
				continue
			}
			phase := states[d.part.Number].Phase
			if (d.what == notify.DeadlineSubmission && phase != grading.PhaseSubmission) || (d.what == notify.DeadlineReview && phase != grading.PhaseReview) {
				continue // not open (yet, or any more): nothing is due
			}
			if err := n.remindOf(ctx, sess, d.part, d.what, d.at, key); err != nil {
				errs = append(errs, err)
				continue
			}
			if _, err := n.Hooks.MarkReminded(ctx, sess.ID, key); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// remindOf queues one deadline's reminders, on the day the reminder fell
// due: the same message however late or often it is queued.
func (n *Rules) remindOf(ctx context.Context, sess *course.Session, p course.Part, what string, at time.Time, key string) error {
	todo := map[string]int{} // person → what is left (reviews to finish)
	var order []string
	if what == notify.DeadlineSubmission {
		enrolled, err := n.Course.EnrolmentsBySession(ctx, sess.ID)
		if err != nil {
			return err
		}
		subs, err := n.Grading.Store.Submissions(ctx, sess.ID, p.Number)
		if err != nil {
			return err
		}
		done := map[string]bool{}
		for _, sub := range subs {
			done[sub.AuthorID] = true
		}
		for _, en := range enrolled {
			if !done[en.UserID] {
				todo[en.UserID] = 1
				order = append(order, en.UserID)
			}
		}
	} else {
		rs, err := n.Grading.Store.Reviews(ctx, sess.ID, p.Number)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if r.Status == grading.ReviewDone {
				continue
			}
			if todo[r.ReviewerID] == 0 {
				order = append(order, r.ReviewerID)
			}
			todo[r.ReviewerID]++
		}
	}
	var errs []error
	for _, uid := range order {
		e := sessionEvent(sess, p.Number)
		e.Key, e.What, e.At, e.Count = "deadline|"+sess.ID+"|"+key, what, at, todo[uid]
		if _, err := n.Outbox.EmailOn(ctx, notify.KindDeadline, uid, at.Add(-reminderAhead), e); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
