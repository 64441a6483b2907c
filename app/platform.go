// Package app wires one platform: configuration → store → services → web
// and jobs, in this file. The commands (app/cli) open a Platform and run
// its parts; nothing else builds a service.
package app

import (
	"context"
	"errors"
	"fmt"
	"librecours/app/metrics"
	"log/slog"
	"time"

	"librecours/app/config"
	"librecours/app/jobs"
	"librecours/app/markdown"
	"librecours/app/mongostore"
	"librecours/app/password"
	"librecours/app/sqlstore"
	"librecours/app/store"
	"librecours/app/web"
	"librecours/certificates"
	"librecours/course"
	"librecours/grading"
	"librecours/notify"
)

// Options are what a command adds to the configuration.
type Options struct {
	// Holder names the command in the embedded store's lock file, so that a
	// refused second process is told who holds the folder ("serve").
	Holder string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Platform is one open platform: its store and the services over it.
type Platform struct {
	Config config.Config
	Log    *slog.Logger
	// Store is the open store: the embedded SQLite database in
	// LIBRECOURS_DATA, or MongoDB when MONGODB_URI is set; its operations
	// are timed when /metrics is on.
	Store   store.Backend
	Metrics *metrics.Metrics // nil when /metrics is off

	Course       *course.Service
	Auth         *course.Auth
	Grading      *grading.Service
	Quiz         *grading.Quiz
	Certificates *certificates.Service
	Outbox       *notify.Outbox
	Scheduler    *jobs.Scheduler
	Web          *web.Server

	raw store.Backend // the store itself, closed by Close
}

// Open opens the store cfg names and wires the services, the scheduler
// and the web server over it.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger, opt Options) (*Platform, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Holder == "" {
		opt.Holder = "serve"
	}
	raw, err := openStore(ctx, cfg, opt.Holder)
	if err != nil {
		return nil, err
	}
	failure := func(err error) bool { return raw.Unavailable(err) || web.ServerError(err) }
	p := &Platform{Config: cfg, Log: log, raw: raw, Metrics: metrics.New(cfg, failure)}
	p.Store = p.Metrics.Backend(raw)
	if err := p.wire(opt.Now); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// openStore opens the embedded store, or connects to MongoDB and makes
// sure its indexes exist.
func openStore(ctx context.Context, cfg config.Config, holder string) (store.Backend, error) {
	if cfg.Embedded() {
		return sqlstore.OpenStore(ctx, cfg.DataDir, sqlstore.Options{Holder: holder})
	}
	db, err := mongostore.Connect(mongostore.Options{URI: cfg.MongoURI, Database: cfg.Database})
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := db.WaitReady(wctx); err != nil {
		_ = db.Close(ctx)
		return nil, err
	}
	if err := db.EnsureIndexes(ctx); err != nil {
		_ = db.Close(ctx)
		return nil, err
	}
	return mongostore.NewBackend(db), nil
}

// wire builds the services over the store, then the jobs and the web
// server over the services.
func (p *Platform) wire(now func() time.Time) error {
	cfg, st := p.Config, p.Store.Stores()
	texts, err := web.LoadTexts()
	if err != nil {
		return err
	}
	common, err := password.LoadCommon()
	if err != nil {
		return fmt.Errorf("app: common passwords: %w", err)
	}
	passwords := password.NewLimiter(password.DefaultWait)
	secrets := &course.Secrets{Settings: st.Settings}
	md := markdown.New()

	p.Course = &course.Service{Store: st.Course, Roster: st.Course, Feeds: st.Course, Privacy: st.Course, Audit: st.Certificates,
		Now: now, HashPassword: passwords.Hash, CommonPassword: common.Has,
		TimeZone: cfg.TimeZone, SelfRegistration: cfg.SelfRegistration}
	p.Auth = &course.Auth{Store: st.Auth, Users: st.Course, Now: now,
		SessionIdle: cfg.SessionIdle, SessionMax: cfg.SessionMax, TokenTTL: cfg.TokenTTL}
	p.Grading = &grading.Service{Store: st.Grading, Course: st.Course, Audit: st.Certificates, Now: now,
		Markdown: markdown.ForGrading(md), IDKey: secrets.KeyFunc(course.SecretReviewIDs)}
	p.Quiz = &grading.Quiz{Store: st.Evaluation, Course: st.Course, Now: now, Audit: st.Certificates}
	p.Certificates = &certificates.Service{Store: st.Certificates, Animators: st.Certificates, Course: st.Course,
		Grading: st.Grading, Quiz: p.Quiz, Now: now, BaseURL: cfg.BaseURL, Organisation: cfg.Organisation, Texts: texts}

	loc, err := time.LoadLocation(cfg.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	var mailer notify.Mailer = notify.LogMailer{Log: p.Log}
	if cfg.SMTPHost != "" {
		mailer = &notify.SMTPMailer{Host: cfg.SMTPHost, Port: cfg.SMTPPort, Username: cfg.SMTPUsername,
			Password: cfg.SMTPPassword, From: cfg.SMTPFrom, TLS: cfg.SMTPTLS}
	}
	p.Outbox = &notify.Outbox{Store: st.Outbox, Now: now, Location: loc, AllowPrivateWebhooks: cfg.WebhookAllowPrivate, Audit: st.Certificates}
	dispatch := &notify.Dispatcher{Store: st.Outbox, Users: st.Course, Mailer: mailer, Now: now,
		Poster:   &notify.Mattermost{AllowPrivate: cfg.WebhookAllowPrivate},
		Renderer: notify.Renderer{Texts: texts, BaseURL: cfg.BaseURL}, UnsubscribeKey: secrets.KeyFunc(course.SecretUnsubscribe)}
	rules := &jobs.Rules{Outbox: p.Outbox, Hooks: st.Outbox, Course: st.Course, Grading: p.Grading,
		Texts: texts, Lang: texts.Languages()[0], Now: now, Log: p.Log}
	p.Grading.Events, p.Certificates.Events = rules, rules
	p.Course.Copiers = []course.SessionCopier{p.Grading, p.Quiz, p.Certificates}
	p.Scheduler = &jobs.Scheduler{Grading: p.Grading, Rules: rules, Dispatch: dispatch, Auth: p.Auth,
		Metrics: p.Metrics, Log: p.Log, Now: now, NotifyInterval: cfg.NotifyInterval}

	p.Web, err = web.NewServer(web.Deps{Config: cfg, Log: p.Log, Now: now, Texts: texts, Passwords: passwords, Secrets: secrets, Auth: p.Auth,
		Markdown: md, Course: p.Course, Grading: p.Grading, Quiz: p.Quiz, Certificates: p.Certificates, Outbox: p.Outbox,
		Ready: p.Store.Ready, Unavailable: p.Store.Unavailable, Metrics: p.Metrics})
	if err != nil {
		return err
	}
	dataDir := ""
	if cfg.Embedded() {
		dataDir = cfg.DataDir
	}
	p.Metrics.Watch(metrics.Sources{Backend: p.Store, Grading: p.Grading, Now: now, DataDir: dataDir})
	return nil
}

// Close closes the store (and releases the embedded store's folder).
func (p *Platform) Close() {
	if p.raw == nil {
		return
	}
	if err := p.raw.Close(); err != nil {
		p.Log.Warn("close database", "err", err)
	}
	p.raw, p.Store = nil, nil
}

// BootstrapAdmin creates the coordinator named by LIBRECOURS_ADMIN_EMAIL if
// that account does not exist.
func (p *Platform) BootstrapAdmin(ctx context.Context) error {
	if p.Config.AdminEmail == "" {
		return nil
	}
	_, err := p.Course.Bootstrap(ctx, course.NewUser{
		Email: p.Config.AdminEmail, Name: p.Config.AdminName, Password: p.Config.AdminPassword,
		Roles: []course.Role{course.RoleCoordinator},
	})
	switch {
	case errors.Is(err, course.ErrEmailTaken):
		return nil
	case err != nil:
		return fmt.Errorf("create administrator %s: %w", p.Config.AdminEmail, err)
	}
	p.Log.Info("administrator created", "email", p.Config.AdminEmail)
	return nil
}
