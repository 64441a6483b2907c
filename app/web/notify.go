package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"librecours/course"
	"librecours/notify"
)

func (s *Server) registerNotifyRoutes() {
	a := s.app
	a.Get("/account/notifications", signedIn(s.handleNotifyShow))
	a.Post("/account/notifications", signedIn(s.handleNotifySave))
	a.Post("/sessions/:id/webhook", signedIn(s.handleWebhookSave))

	api := a.Group("/api/v1")
	api.Get("/me/notifications", apiJSON(s.handleAPINotifyShow))
	api.Put("/me/notifications", apiJSON(s.handleAPINotifyPut))
	api.Get("/sessions/:id/webhook", s.sessionAPI(s.handleAPIWebhookShow))
	api.Put("/sessions/:id/webhook", s.sessionAPI(s.handleAPIWebhookPut))
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
		return err // no error the form could show
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

func (s *Server) handleWebhookSave(c *fiber.Ctx, u *course.User) error {
	return s.sessionAction(c, u, "app.flash.webhook_saved", func(id string) error {
		ctx := c.UserContext()
		sess, err := s.coordinatorSession(ctx, u, id)
		if err != nil {
			return err
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

func (s *Server) handleAPINotifyShow(c *fiber.Ctx, u *course.User, _ *noBody) (any, error) {
	return jsonOf(kindsJSON)(s.outbox.Prefs(c.UserContext(), u))
}

type kindsInJSON struct {
	Kinds map[string]bool `json:"kinds"`
}

func (s *Server) handleAPINotifyPut(c *fiber.Ctx, u *course.User, in *kindsInJSON) (any, error) {
	kinds := make(map[notify.Kind]bool, len(in.Kinds))
	for k, on := range in.Kinds {
		kinds[notify.Kind(k)] = on
	}
	return jsonOf(kindsJSON)(s.outbox.SetPrefs(c.UserContext(), u, kinds))
}

func webhookJSON(h notify.Hook) fiber.Map {
	return fiber.Map{"url": h.URL, "threshold": h.QueueThreshold()}
}

func (s *Server) handleAPIWebhookShow(c *fiber.Ctx, u *course.User, sess *course.Session, _ *noBody) (any, error) {
	return jsonOf(webhookJSON)(s.outbox.Webhook(c.UserContext(), u, sess))
}

func (s *Server) handleAPIWebhookPut(c *fiber.Ctx, u *course.User, sess *course.Session, _ *noBody) (any, error) {
	var in struct {
		URL       string `json:"url"`
		Threshold *int   `json:"threshold"`
	}
	if err := coordinatorBody(c, u, &in); err != nil {
		return nil, err
	}
	n := 0
	if in.Threshold != nil {
		n = *in.Threshold
	}
	return jsonOf(webhookJSON)(s.outbox.SetWebhook(c.UserContext(), u, sess, in.URL, n))
}
