package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"librecours/course"
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

func (s *Server) registerNotifyRoutes() {
	a := s.app
	a.Get("/account/notifications", signedIn(s.handleNotifyShow))
	a.Post("/account/notifications", signedIn(s.handleNotifySave))
	a.Post("/sessions/:id/webhook", s.handleWebhookSave)

	api := a.Group("/api/v1")
	api.Get("/me/notifications", signedIn(s.handleAPINotifyShow))
	api.Put("/me/notifications", signedIn(s.handleAPINotifyPut))
	api.Get("/sessions/:id/webhook", s.handleAPIWebhookShow)
	api.Put("/sessions/:id/webhook", s.handleAPIWebhookPut)
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

func (s *Server) handleNotifyShow(c *fiber.Ctx, u *course.User) error {
	prefs, err := s.outbox.Prefs(c.UserContext(), u)
	if err != nil {
		return err
	}
	p := s.newPage(c, "app.notify.title")
	p.Data = fiber.Map{"Kinds": kindViews(prefs)}
	return s.render(c, "pages/account/notifications", p)
}

func (s *Server) handleNotifySave(c *fiber.Ctx, u *course.User) error {
	kinds := map[notify.Kind]bool{}
	for _, k := range notify.MailKinds {
		kinds[k] = c.FormValue("kind_"+string(k)) == "on"
	}
	if _, err := s.outbox.SetPrefs(c.UserContext(), u, kinds); err != nil {
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
	return s.outbox.Webhook(ctx, u, sess)
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
		_, err = s.outbox.SetWebhook(ctx, u, sess, c.FormValue("url"), n)
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

func (s *Server) handleAPINotifyShow(c *fiber.Ctx, u *course.User) error {
	p, err := s.outbox.Prefs(c.UserContext(), u)
	if err != nil {
		return err
	}
	return c.JSON(kindsJSON(p))
}

func (s *Server) handleAPINotifyPut(c *fiber.Ctx, u *course.User) error {
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
	p, err := s.outbox.SetPrefs(c.UserContext(), u, kinds)
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
	h, err := s.outbox.Webhook(c.UserContext(), u, sess)
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
	h, err := s.outbox.SetWebhook(c.UserContext(), u, sess, in.URL, n)
	if err != nil {
		return err
	}
	return c.JSON(webhookJSON(h))
}
