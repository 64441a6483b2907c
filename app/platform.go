// Package app wires one platform: configuration → store → services
// (app/services, which web tests also use) → web and metrics, in this file.
// The commands (app/cli) open a Platform and run its parts.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"librecours/app/config"
	"librecours/app/metrics"
	"librecours/app/mongostore"
	"librecours/app/services"
	"librecours/app/sqlstore"
	"librecours/app/store"
	"librecours/app/web"
	"librecours/course"
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

	// The services (p.Course, p.Grading, p.Scheduler, …) and the web
	// server over them.
	*services.Set
	Web *web.Server

	raw   store.Backend // the store itself, closed by Close
	texts *web.Texts
}

// Explain words an invalid value for the operator, in English: "password:
// the password must contain neither your address nor your name: …", where
// the error itself names its message key ("invalid password
// (course.user.password_personal)"). Other errors are returned as they are.
func (p *Platform) Explain(err error) error {
	var ve *course.ValidationError
	if p.texts == nil || !errors.As(err, &ve) {
		return err
	}
	return fmt.Errorf("%s: %s", ve.Field, p.texts.T("en", ve.Key, ve.Args))
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

// wire builds the services, the notification rules and the scheduler over
// the store (app/services), then the web server over them.
func (p *Platform) wire(now func() time.Time) error {
	cfg := p.Config
	texts, err := web.LoadTexts()
	if err != nil {
		return err
	}
	p.texts = texts
	set, err := services.New(p.Store.Stores(), services.Options{Config: cfg, Log: p.Log, Now: now, Texts: texts, Metrics: p.Metrics})
	if err != nil {
		return err
	}
	p.Set = set

	p.Web, err = web.NewServer(web.Deps{Config: cfg, Log: p.Log, Now: now, Texts: texts, Passwords: p.Passwords, Secrets: p.Secrets, Auth: p.Auth,
		Markdown: p.Markdown, Course: p.Course, Grading: p.Grading, Quiz: p.Quiz, Certificates: p.Certificates, Outbox: p.Outbox,
		Ready: p.Store.Ready, Unavailable: p.Store.Unavailable, Metrics: p.Metrics})
	if err != nil {
		return err
	}
	if err := p.Web.WarmPages(); err != nil {
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
		return fmt.Errorf("create administrator %s (LIBRECOURS_ADMIN_*): %w", p.Config.AdminEmail, p.Explain(err))
	}
	p.Log.Info("administrator created", "email", p.Config.AdminEmail)
	return nil
}
