package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"librecours/certificates"
	"librecours/course"
	"librecours/grading"
	"librecours/notify"
)

// Outbox housekeeping: messages sent or given up are kept this long (the
// day's message must outlive its day, to fold the day's later events), and
// purged at most this often.
const (
	outboxRetention  = 3 * 24 * time.Hour
	outboxPurgeEvery = time.Hour
	reminderAhead    = 24 * time.Hour // deadline reminders go out this long before
)

// notifier connects the platform to notifications: it queues e-mails and
// Mattermost posts when things happen (it is the grading service's
// Notifier), reminds of deadlines, delivers the outbox, and serves the
// preferences page, the webhook form and their API.
type notifier struct {
	s        *Server
	store    notify.Store
	outbox   *notify.Outbox
	dispatch *notify.Dispatcher
}

var _ grading.Notifier = (*notifier)(nil)

func (s *Server) newNotifier() *notifier {
	loc, err := time.LoadLocation(s.cfg.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	store := s.backend.Stores().Outbox
	var mailer notify.Mailer = notify.LogMailer{Log: s.log}
	if s.cfg.SMTPHost != "" {
		mailer = &notify.SMTPMailer{Host: s.cfg.SMTPHost, Port: s.cfg.SMTPPort, Username: s.cfg.SMTPUsername,
			Password: s.cfg.SMTPPassword, From: s.cfg.SMTPFrom, TLS: s.cfg.SMTPTLS}
	}
	return &notifier{s: s, store: store,
		outbox: &notify.Outbox{Store: store, Now: s.now, Location: loc, AllowPrivateWebhooks: s.cfg.WebhookAllowPrivate},
		dispatch: &notify.Dispatcher{Store: store, Users: s.store, Mailer: mailer, Poster: &notify.Mattermost{AllowPrivate: s.cfg.WebhookAllowPrivate}, Now: s.now,
			Renderer: notify.Renderer{Texts: certTexts{s}, BaseURL: s.cfg.BaseURL}, UnsubscribeKey: s.unsubscribeKey},
	}
}

func (s *Server) registerNotifyRoutes() {
	s.notifier = s.newNotifier()
	s.grading.Events = s.notifier
	a := s.app
	a.Get("/account/notifications", s.handleNotifyShow)
	a.Post("/account/notifications", s.handleNotifySave)
	a.Post("/sessions/:id/webhook", s.handleWebhookSave)

	api := a.Group("/api/v1")
	api.Get("/me/notifications", s.handleAPINotifyShow)
	api.Put("/me/notifications", s.handleAPINotifyPut)
	api.Get("/sessions/:id/webhook", s.handleAPIWebhookShow)
	api.Put("/sessions/:id/webhook", s.handleAPIWebhookPut)
}

// Delivery

// DeliverOutbox delivers what is due in the outbox now, once, and logs the
// failures. The outbox loop calls it; tests call it instead of waiting.
func (s *Server) DeliverOutbox(ctx context.Context) notify.Report {
	rep, err := s.notifier.dispatch.DeliverDue(ctx)
	if err != nil && ctx.Err() == nil {
		s.log.Error("outbox", "err", err)
	}
	if ctx.Err() == nil {
		s.metrics.job("outbox", err)
	}
	for _, e := range rep.Errors {
		s.log.Warn("outbox: delivery failed", "err", e)
	}
	return rep
}

// RunOutbox delivers the outbox every interval until ctx ends, and purges
// what is old. It returns once the delivery in progress is finished and
// recorded: a stop never leaves a message half sent.
func (s *Server) RunOutbox(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	var purged time.Time
	for {
		s.DeliverOutbox(ctx)
		if now := s.now(); ctx.Err() == nil && now.Sub(purged) >= outboxPurgeEvery {
			if _, err := s.notifier.dispatch.Purge(ctx, outboxRetention); err != nil && ctx.Err() == nil {
				s.log.Warn("outbox: purge", "err", err)
			}
			purged = now
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Events (grading.Notifier and the close hook)

// logged reports a notification that could not be queued: the event it is
// about has happened all the same. The line carries the request's ID and
// route when a request caused it.
func (n *notifier) logged(ctx context.Context, what string, err error) {
	if err != nil {
		n.s.log.ErrorContext(ctx, "notify: "+what, "err", err)
	}
}

func sessionEvent(sess *course.Session, part int) notify.Event {
	return notify.Event{SessionID: sess.ID, SessionCode: sess.Code, TimeZone: sess.TimeZone, Part: part}
}

// ReviewsAssigned tells each reviewer how many reviews they have (never
// whose work), and the session's channel the counts.
func (n *notifier) ReviewsAssigned(ctx context.Context, sess *course.Session, p course.Part, rep grading.AssignReport, reviews []grading.Review) {
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
		_, err := n.outbox.Email(ctx, notify.KindReviewsAssigned, reviewer, e)
		n.logged(ctx, "reviews assigned", err)
	}
	e := sessionEvent(sess, p.Number)
	e.What, e.Count, e.Total = notify.PostAssigned, rep.Submissions, rep.ReviewsAssigned
	n.post(ctx, sess.ID, fmt.Sprintf("assigned|%d", p.Number), e)
}

// ReviewsReassigned tells each participant who was handed a lapsed review
// that they have one more to do (never whose work, nor whose lapse).
func (n *notifier) ReviewsReassigned(ctx context.Context, sess *course.Session, p course.Part, reviews []grading.Review) {
	for _, r := range reviews {
		e := sessionEvent(sess, p.Number)
		e.Key, e.At, e.Count = "reassigned|"+r.ID+"|"+r.ReviewerID, p.ReviewDue, 1
		_, err := n.outbox.Email(ctx, notify.KindReviewsAssigned, r.ReviewerID, e)
		n.logged(ctx, "review reassigned", err)
	}
}

// PartGraded tells authors their grade is out, the session's animators
// that the correction queue has new items, and the channel when the queue
// passes its threshold.
func (n *notifier) PartGraded(ctx context.Context, sess *course.Session, p course.Part, _ int) {
	subs, err := n.s.grading.Store.Submissions(ctx, sess.ID, p.Number)
	n.logged(ctx, "grades available", err)
	for _, sub := range subs {
		if sub.Grade == nil {
			continue
		}
		e := sessionEvent(sess, p.Number)
		e.Key = fmt.Sprintf("graded|%s|%d", sess.ID, p.Number)
		_, err := n.outbox.Email(ctx, notify.KindGradeAvailable, sub.AuthorID, e)
		n.logged(ctx, "grade available", err)
	}
	items, err := n.s.grading.Corrections(ctx, staffActor, sess.ID)
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

// ReviewAppealed tells the session's animators that an appeal joined the
// correction queue (folded into the day's queue e-mail), and the channel
// when the queue passes its threshold.
func (n *notifier) ReviewAppealed(ctx context.Context, sess *course.Session, part int, reviewID string) {
	items, err := n.s.grading.Corrections(ctx, staffActor, sess.ID)
	if err != nil {
		n.logged(ctx, "correction queue", err)
		return
	}
	n.queueGrew(ctx, sess, part, "appeal|"+reviewID, 1, len(items))
}

// queueGrew e-mails the session's animators that fresh items joined the
// correction queue (size items in all), then checks the channel's threshold.
func (n *notifier) queueGrew(ctx context.Context, sess *course.Session, part int, key string, fresh, size int) {
	if fresh > 0 {
		for _, anim := range sess.Animators {
			e := sessionEvent(sess, part)
			e.Key, e.Count = key, fresh
			_, err := n.outbox.Email(ctx, notify.KindQueueNew, anim, e)
			n.logged(ctx, "queue new", err)
		}
	}
	n.queueAlert(ctx, sess, size)
}

// staffActor reads the correction queue on the notifier's behalf.
var staffActor = &course.User{ID: "notifications", Name: "notifications", Roles: []course.Role{course.RoleCoordinator}}

// queueAlert posts to the channel when the queue reaches the threshold; it
// posts again only after the queue went back below it.
func (n *notifier) queueAlert(ctx context.Context, sess *course.Session, size int) {
	hook, err := n.store.Hook(ctx, sess.ID)
	if err != nil || hook.URL == "" {
		n.logged(ctx, "queue alert", err)
		return
	}
	above := size >= hook.QueueThreshold()
	if above == hook.QueueAlerted {
		return
	}
	changed, err := n.store.SetQueueAlerted(ctx, sess.ID, above)
	if err != nil || !changed || !above {
		n.logged(ctx, "queue alert", err)
		return
	}
	e := sessionEvent(sess, 0)
	e.What, e.Count, e.Total = notify.PostQueue, size, hook.QueueThreshold()
	n.post(ctx, sess.ID, fmt.Sprintf("queue|%d", n.s.now().UnixNano()), e)
}

// post queues a post to the session's channel, if it has one, in the
// platform's language.
func (n *notifier) post(ctx context.Context, sessionID, key string, e notify.Event) {
	hook, err := n.store.Hook(ctx, sessionID)
	if err == nil {
		_, err = n.outbox.Post(ctx, hook, key, languages[0], e)
	}
	n.logged(ctx, "post", err)
}

// afterClose tells each holder their certificate is issued, and the
// session's channel that it closed, with the report's sentence.
func (s *Server) afterClose(ctx context.Context, sessionID string, res *certificates.CloseResult) {
	n := s.notifier
	sess, err := s.store.SessionByID(ctx, sessionID)
	if err != nil {
		n.logged(ctx, "session closed", err)
		return
	}
	for _, cert := range res.Issued {
		e := sessionEvent(sess, 0)
		e.Key, e.Code, e.Level = "certificate|"+cert.Code, cert.Code, int(cert.Level)
		_, err := n.outbox.Email(ctx, notify.KindCertificateIssued, cert.UserID, e)
		n.logged(ctx, "certificate issued", err)
	}
	rep := res.Report
	e := sessionEvent(sess, 0)
	e.What = notify.PostClosed
	e.Text = s.translators[languages[0]].T("app.report.sentence", "Validated", rep.Validated, "Participants", rep.Participants,
		"Level2", rep.Level2, "Count", rep.Validated)
	closed := s.now()
	if sess.ClosedAt != nil {
		closed = *sess.ClosedAt
	}
	n.post(ctx, sess.ID, fmt.Sprintf("closed|%d", closed.Unix()), e)
}

// Deadline reminders

// remind queues the reminders of the deadlines 24 hours away: to enrolled
// participants who have not submitted, and to reviewers with unfinished
// reviews. A deadline is handled once (Hook.Reminded); were the process to
// stop half-way, the next tick queues the rest, and what was queued already
// is folded by the outbox.
func (n *notifier) remind(ctx context.Context) error {
	sessions, err := n.s.store.OpenSessions(ctx)
	if err != nil {
		return err
	}
	now := n.s.now()
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
		hook, err := n.store.Hook(ctx, sess.ID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		states, err := n.s.grading.PartStates(ctx, sess.ID)
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
			if _, err := n.store.MarkReminded(ctx, sess.ID, key); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// remindOf queues one deadline's reminders, on the day the reminder fell
// due: the same message however late or often it is queued.
func (n *notifier) remindOf(ctx context.Context, sess *course.Session, p course.Part, what string, at time.Time, key string) error {
	todo := map[string]int{} // person → what is left (reviews to finish)
	var order []string
	if what == notify.DeadlineSubmission {
		enrolled, err := n.s.store.EnrolmentsBySession(ctx, sess.ID)
		if err != nil {
			return err
		}
		subs, err := n.s.grading.Store.Submissions(ctx, sess.ID, p.Number)
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
		rs, err := n.s.grading.Store.Reviews(ctx, sess.ID, p.Number)
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
		if _, err := n.outbox.EmailOn(ctx, notify.KindDeadline, uid, at.Add(-reminderAhead), e); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Pages

type kindView struct {
	Kind        notify.Kind
	On          bool
	Label, Help string
}

func kindViews(p notify.Prefs) []kindView {
	out := make([]kindView, 0, len(notify.MailKinds))
	for _, k := range notify.MailKinds {
		out = append(out, kindView{Kind: k, On: p.Enabled(k), Label: "app.notify.kind." + string(k), Help: "app.notify.help." + string(k)})
	}
	return out
}

func (s *Server) handleNotifyShow(c *fiber.Ctx) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	prefs, err := s.notifier.outbox.Prefs(c.UserContext(), u)
	if err != nil {
		return err
	}
	p := s.newPage(c, "app.notify.title")
	p.Data = fiber.Map{"Kinds": kindViews(prefs)}
	return s.render(c, "pages/account/notifications", p)
}

func (s *Server) handleNotifySave(c *fiber.Ctx) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	kinds := map[notify.Kind]bool{}
	for _, k := range notify.MailKinds {
		kinds[k] = c.FormValue("kind_"+string(k)) == "on"
	}
	if _, err := s.notifier.outbox.SetPrefs(c.UserContext(), u, kinds); err != nil {
		return err
	}
	s.flash(c, "app.flash.notify_saved")
	return c.Redirect("/account/notifications", http.StatusSeeOther)
}

// webhookView is what the session page's webhook partial needs
// (.Data.Webhook): the session's setting for coordinators, nil otherwise.
func (s *Server) webhookView(ctx context.Context, u *course.User, sess *course.Session) (any, error) {
	if !u.IsCoordinator() {
		return nil, nil
	}
	return s.notifier.outbox.Webhook(ctx, u, sess)
}

// threshold reads an optional threshold field ("" is the default, 0).
func threshold(v string) (int, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, &course.ValidationError{Field: "threshold", Key: "notify.webhook.threshold_invalid", Args: map[string]any{"Max": notify.MaxThreshold}}
	}
	return n, nil
}

func (s *Server) handleWebhookSave(c *fiber.Ctx) error {
	return s.sessionAction(c, "app.flash.webhook_saved", func(u *course.User, id string) error {
		ctx := c.UserContext()
		sess, err := s.course.Session(ctx, u, id)
		if err != nil {
			return err
		}
		if !u.IsCoordinator() {
			return course.ErrForbidden
		}
		n, err := threshold(c.FormValue("threshold"))
		if err != nil {
			return err
		}
		_, err = s.notifier.outbox.SetWebhook(ctx, u, sess, c.FormValue("url"), n)
		return err
	})
}

// API

func kindsJSON(p notify.Prefs) fiber.Map {
	m := fiber.Map{}
	for k, on := range p.Kinds() {
		m[string(k)] = on
	}
	return fiber.Map{"kinds": m}
}

func (s *Server) handleAPINotifyShow(c *fiber.Ctx) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	p, err := s.notifier.outbox.Prefs(c.UserContext(), u)
	if err != nil {
		return err
	}
	return c.JSON(kindsJSON(p))
}

func (s *Server) handleAPINotifyPut(c *fiber.Ctx) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	var in struct {
		Kinds map[string]bool `json:"kinds"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	kinds := make(map[notify.Kind]bool, len(in.Kinds))
	for k, on := range in.Kinds {
		kinds[notify.Kind(k)] = on
	}
	p, err := s.notifier.outbox.SetPrefs(c.UserContext(), u, kinds)
	if err != nil {
		return err
	}
	return c.JSON(kindsJSON(p))
}

func webhookJSON(h notify.Hook) fiber.Map {
	return fiber.Map{"url": h.URL, "threshold": h.QueueThreshold()}
}

func (s *Server) handleAPIWebhookShow(c *fiber.Ctx) error {
	u, sess, err := s.callerSession(c)
	if err != nil {
		return err
	}
	h, err := s.notifier.outbox.Webhook(c.UserContext(), u, sess)
	if err != nil {
		return err
	}
	return c.JSON(webhookJSON(h))
}

func (s *Server) handleAPIWebhookPut(c *fiber.Ctx) error {
	u, sess, err := s.callerSession(c)
	if err != nil {
		return err
	}
	if !u.IsCoordinator() {
		return course.ErrForbidden
	}
	var in struct {
		URL       string `json:"url"`
		Threshold *int   `json:"threshold"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	n := 0
	if in.Threshold != nil {
		n = *in.Threshold
	}
	h, err := s.notifier.outbox.SetWebhook(c.UserContext(), u, sess, in.URL, n)
	if err != nil {
		return err
	}
	return c.JSON(webhookJSON(h))
}
