package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"librecours/app/embeddb"
	"librecours/app/mongostore"
	"librecours/course"
)

// Platform is a started database (embedded or not) with its indexes.
type Platform struct {
	Config Config
	Log    *slog.Logger
	DB     *mongostore.DB
	embed  *embeddb.Server
}

// OpenPlatform starts the embedded database when MONGODB_URI is unset,
// connects, waits until it answers and creates the indexes.
func OpenPlatform(ctx context.Context, cfg Config, log *slog.Logger) (*Platform, error) {
	return openPlatform(ctx, cfg, log, false)
}

// addrFile is where a running server writes its embedded database's URI.
func addrFile(cfg Config) string { return filepath.Join(cfg.DataDir, "db", "ADDRESS") }

func openPlatform(ctx context.Context, cfg Config, log *slog.Logger, attach bool) (*Platform, error) {
	p := &Platform{Config: cfg, Log: log}
	uri := cfg.MongoURI
	if cfg.Embedded() && attach {
		// A running server publishes its embedded database's address: tools
		// (backup) use that instance rather than opening the files twice.
		if b, err := os.ReadFile(addrFile(cfg)); err == nil {
			if db, err := mongostore.Connect(mongostore.Options{URI: strings.TrimSpace(string(b)), Database: cfg.Database, SingleWriter: true}); err == nil {
				pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
				err = db.Ping(pctx)
				cancel()
				if err == nil {
					p.DB = db
					return p, nil
				}
				_ = db.Close(ctx)
			}
		}
	}
	if cfg.Embedded() {
		quiet := slog.New(log.Handler().WithGroup("ferretdb"))
		quiet = slog.New(levelFilter{Handler: quiet.Handler(), min: slog.LevelWarn})
		srv, err := embeddb.Start(ctx, embeddb.Options{Dir: filepath.Join(cfg.DataDir, "db"), Logger: quiet})
		if err != nil {
			return nil, err
		}
		p.embed, uri = srv, srv.URI()
		if err := os.WriteFile(addrFile(cfg), []byte(uri+"\n"), 0o600); err != nil {
			p.Close(ctx)
			return nil, fmt.Errorf("app: write %s: %w", addrFile(cfg), err)
		}
	}
	db, err := mongostore.Connect(mongostore.Options{URI: uri, Database: cfg.Database, SingleWriter: cfg.Embedded(), Mirror: cfg.Embedded()})
	if err != nil {
		p.Close(ctx)
		return nil, err
	}
	p.DB = db
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := db.WaitReady(wctx); err != nil {
		p.Close(ctx)
		return nil, err
	}
	if err := db.EnsureIndexes(ctx); err != nil {
		p.Close(ctx)
		return nil, err
	}
	if p.embed != nil {
		// Performance only: without it the embedded database still answers.
		if err := embeddb.IndexIDs(ctx, filepath.Join(cfg.DataDir, "db"), cfg.Database); err != nil {
			log.Warn("embedded database: index _id lookups", "err", err)
		}
	}
	return p, nil
}

// Close disconnects and stops the embedded database.
func (p *Platform) Close(ctx context.Context) {
	if p.DB != nil {
		if err := p.DB.Close(ctx); err != nil {
			p.Log.Warn("close database", "err", err)
		}
	}
	if p.embed != nil {
		_ = os.Remove(addrFile(p.Config))
		p.embed.Stop()
	}
}

// courseService returns the course service over the platform's database.
func (p *Platform) courseService(now func() time.Time) (*course.Service, error) {
	common, err := loadCommonPasswords()
	if err != nil {
		return nil, err
	}
	store := mongostore.NewCourseStore(p.DB)
	return &course.Service{
		Store: store, Roster: store, Feeds: store, Privacy: store, Now: now, HashPassword: hashPassword,
		TimeZone: p.Config.TimeZone, SelfRegistration: p.Config.SelfRegistration, CommonPassword: common.Has,
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

// levelFilter drops records below min (FerretDB logs every connection).
type levelFilter struct {
	slog.Handler
	min slog.Level
}

func (h levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h levelFilter) WithAttrs(as []slog.Attr) slog.Handler {
	return levelFilter{Handler: h.Handler.WithAttrs(as), min: h.min}
}

func (h levelFilter) WithGroup(name string) slog.Handler {
	return levelFilter{Handler: h.Handler.WithGroup(name), min: h.min}
}
