package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"librecours/app/mongostore"
	"librecours/app/sqlstore"
	"librecours/app/store"
	"librecours/course"
)

// Platform is an open store: the embedded SQLite database in
// LIBRECOURS_DATA, or MongoDB when MONGODB_URI is set.
type Platform struct {
	Config Config
	Log    *slog.Logger
	Store  store.Backend
}

// OpenPlatform opens the store for the server.
func OpenPlatform(ctx context.Context, cfg Config, log *slog.Logger) (*Platform, error) {
	return openPlatform(ctx, cfg, log, "serve")
}

// openPlatform opens the store; holder names the command in the embedded
// store's lock file, so that a refused second process is told who holds it.
func openPlatform(ctx context.Context, cfg Config, log *slog.Logger, holder string) (*Platform, error) {
	p := &Platform{Config: cfg, Log: log}
	if cfg.Embedded() {
		s, err := sqlstore.OpenStore(ctx, cfg.DataDir, sqlstore.Options{Holder: holder})
		if err != nil {
			return nil, err
		}
		p.Store = s
		return p, nil
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
	p.Store = mongostore.NewBackend(db)
	return p, nil
}

// Close closes the store (and releases the embedded store's folder).
func (p *Platform) Close() {
	if p.Store == nil {
		return
	}
	if err := p.Store.Close(); err != nil {
		p.Log.Warn("close database", "err", err)
	}
	p.Store = nil
}

// courseService returns the course service over the platform's store.
func (p *Platform) courseService(now func() time.Time) (*course.Service, error) {
	common, err := loadCommonPasswords()
	if err != nil {
		return nil, err
	}
	st := p.Store.Stores()
	return &course.Service{
		Store: st.Course, Roster: st.Course, Feeds: st.Course, Privacy: st.Course, Now: now, HashPassword: hashPassword,
		TimeZone: p.Config.TimeZone, SelfRegistration: p.Config.SelfRegistration, CommonPassword: common.Has,
		Audit: st.Certificates,
	}, nil
}

// bootstrapAdmin creates the coordinator named by LIBRECOURS_ADMIN_EMAIL if
// that account does not exist.
func (p *Platform) bootstrapAdmin(ctx context.Context) error {
	if p.Config.AdminEmail == "" {
		return nil
	}
	svc, err := p.courseService(time.Now)
	if err != nil {
		return err
	}
	_, err = svc.Bootstrap(ctx, course.NewUser{
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
