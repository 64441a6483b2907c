// Package services builds the services of one platform over its store:
// the course, sign-in, grading, evaluation, certificates and outbox
// services, the notification rules and the scheduler, each given the others
// it works with. app/platform.go calls it, and so do the web tests, so that
// what they test is wired as what runs.
package services

import (
	"fmt"
	"log/slog"
	"time"

	"librecours/app/config"
	"librecours/app/jobs"
	"librecours/app/markdown"
	"librecours/app/password"
	"librecours/app/store"
	"librecours/certificates"
	"librecours/course"
	"librecours/grading"
	"librecours/notify"
)

// Set is the services of one platform.
type Set struct {
	Course       *course.Service
	Auth         *course.Auth
	Grading      *grading.Service
	Quiz         *grading.Quiz
	Certificates *certificates.Service
	Outbox       *notify.Outbox
	Dispatch     *notify.Dispatcher // delivers the outbox (the scheduler's)
	Scheduler    *jobs.Scheduler
	Passwords    *password.Limiter
	Secrets      *course.Secrets
	Markdown     *markdown.Renderer
}

// Options are what the services are built with beside the store.
type Options struct {
	Config config.Config
	Log    *slog.Logger
	Now    func() time.Time
	// Texts localize certificates, e-mails and posts (web.Texts).
	Texts certificates.Texts
	// Passwords run the argon2 work; a limiter with the platform's
	// parameters when nil (tests give one with cheap parameters).
	Passwords *password.Limiter
	// Metrics hear the scheduler's jobs; nil: none.
	Metrics jobs.Recorder
}

// New builds the services over st.
func New(st store.Stores, o Options) (*Set, error) {
	cfg, now := o.Config, o.Now
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	common, err := password.LoadCommon()
	if err != nil {
		return nil, fmt.Errorf("services: common passwords: %w", err)
	}
	s := &Set{Passwords: o.Passwords, Secrets: &course.Secrets{Settings: st.Settings}, Markdown: markdown.New()}
	if s.Passwords == nil {
		s.Passwords = password.NewLimiter(password.DefaultWait)
	}

	s.Course = &course.Service{Store: st.Course, Roster: st.Course, Feeds: st.Course, Privacy: st.Course, Audit: st.Certificates,
		Now: now, HashPassword: s.Passwords.Hash, CommonPassword: common.Has,
		TimeZone: cfg.TimeZone, SelfRegistration: cfg.SelfRegistration}
	s.Auth = &course.Auth{Store: st.Auth, Users: st.Course, Now: now,
		SessionIdle: cfg.SessionIdle, SessionMax: cfg.SessionMax, TokenTTL: cfg.TokenTTL}
	s.Grading = &grading.Service{Store: st.Grading, Course: st.Course, Audit: st.Certificates, Now: now,
		Markdown: markdown.ForGrading(s.Markdown), IDKey: s.Secrets.KeyFunc(course.SecretReviewIDs)}
	s.Quiz = &grading.Quiz{Store: st.Evaluation, Course: st.Course, Now: now, Audit: st.Certificates}
	s.Certificates = &certificates.Service{Store: st.Certificates, Animators: st.Certificates, Course: st.Course,
		Grading: st.Grading, Quiz: s.Quiz, Now: now, BaseURL: cfg.BaseURL, Organisation: cfg.Organisation, Texts: o.Texts}
	s.Course.Copiers = []course.SessionCopier{s.Grading, s.Quiz, s.Certificates}

	loc, err := time.LoadLocation(cfg.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	var mailer notify.Mailer = notify.LogMailer{Log: o.Log}
	if cfg.SMTPHost != "" {
		mailer = &notify.SMTPMailer{Host: cfg.SMTPHost, Port: cfg.SMTPPort, Username: cfg.SMTPUsername,
			Password: cfg.SMTPPassword, From: cfg.SMTPFrom, TLS: cfg.SMTPTLS}
	}
	s.Outbox = &notify.Outbox{Store: st.Outbox, Now: now, Location: loc, AllowPrivateWebhooks: cfg.WebhookAllowPrivate, Audit: st.Certificates}
	s.Dispatch = &notify.Dispatcher{Store: st.Outbox, Users: st.Course, Mailer: mailer, Now: now,
		Poster:   &notify.Mattermost{AllowPrivate: cfg.WebhookAllowPrivate},
		Renderer: notify.Renderer{Texts: o.Texts, BaseURL: cfg.BaseURL}, UnsubscribeKey: s.Secrets.KeyFunc(course.SecretUnsubscribe)}
	rules := &jobs.Rules{Outbox: s.Outbox, Hooks: st.Outbox, Course: st.Course, Grading: s.Grading,
		Texts: o.Texts, Lang: o.Texts.Languages()[0], Now: now, Log: o.Log}
	s.Grading.Events, s.Certificates.Events = rules, rules
	s.Scheduler = &jobs.Scheduler{Grading: s.Grading, Rules: rules, Dispatch: s.Dispatch, Auth: s.Auth,
		Metrics: o.Metrics, Log: o.Log, Now: now, NotifyInterval: cfg.NotifyInterval}
	return s, nil
}
