// Package cli is the command line: serve, demo, user, certificates, backup,
// restore and healthcheck (see usage).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"librecours/app"
	"librecours/app/cli/verify"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	_ "time/tzdata" // session time zones work on machines without tzdata

	"librecours/app/config"
	"librecours/app/demo"
	"librecours/app/store"
	"librecours/app/web"
	"librecours/course"
)

const usage = `librecours: the Libre cours platform

Usage:
  librecours serve                 run the server
  librecours demo                  run the server with demo data (seeded once)
  librecours user add --email E --name N --role R[,R] --password-file F
                                   create an account (roles: participant,
                                   animator, coordinator; F may be - for stdin)
  librecours certificates verify FILE.jwt [--jwks URL|FILE]
                                   check an Open Badges credential offline
  librecours certificates rotate-key
                                   sign new certificates with a new key
  librecours backup DIR            export every collection, files included, to
                                   a new folder (works while the server runs)
  librecours restore DIR           load a backup into an empty database (the
                                   embedded one with the server stopped, or
                                   MONGODB_URI's)
  librecours healthcheck           exit 0 when the server on LIBRECOURS_ADDR
                                   answers /readyz (a container's HEALTHCHECK)

Configuration comes from the environment; see README.md.
`

// Main runs the command line and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		args = []string{"serve"}
	}
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintf(stderr, "configuration:\n%v\n", err)
		return 2
	}
	log := web.NewLogger(cfg, stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	switch args[0] {
	case "serve":
		err = serve(ctx, cfg, log, stdout, false)
	case "demo":
		err = serve(ctx, cfg, log, stdout, true)
	case "user":
		err = userCommand(ctx, cfg, log, args[1:], stdout)
	case "certificates":
		err = certificatesCommand(ctx, cfg, args[1:], stdout)
	case "backup", "restore":
		err = backupCommand(ctx, cfg, args[0], args[1:], stdout)
	case "healthcheck":
		err = healthcheck(ctx, cfg)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprint(stderr, usage)
		return 2
	}
	if err != nil {
		var ue usageError
		var ve *verify.UsageError
		if errors.As(err, &ue) || errors.As(err, &ve) {
			fmt.Fprintf(stderr, "%v\n\n%s", err, usage)
			return 2
		}
		fmt.Fprintf(stderr, "librecours: %v\n", err)
		return 1
	}
	return 0
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// serve runs the platform until ctx ends (SIGINT or SIGTERM), then drains
// requests and stops the database.
func serve(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer, withDemo bool) error {
	start := time.Now()
	p, err := app.Open(ctx, cfg, log, app.Options{Holder: "serve"})
	if err != nil {
		return err
	}
	defer p.Close()
	// The address is taken before anything runs or says it runs: a port in
	// use stops the start here, named, not after "running at" was printed
	// and the scheduler had started.
	network := p.Web.App().Config().Network
	if network == "" {
		network = "tcp4"
	}
	ln, err := net.Listen(network, cfg.Addr)
	if err != nil {
		return fmt.Errorf("LIBRECOURS_ADDR %s: %w", cfg.Addr, err)
	}
	defer func() { _ = ln.Close() }()
	if err := p.BootstrapAdmin(ctx); err != nil {
		return err
	}
	if withDemo {
		if err := demo.Seed(ctx, p, time.Now, stdout); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}
	srv := p.Web
	if cfg.MetricsAddr != "" {
		stopMetrics, err := srv.ListenMetrics(cfg.MetricsAddr)
		if err != nil {
			return err
		}
		defer stopMetrics()
	}
	if err := p.Certificates.EnsureKey(ctx); err != nil {
		return fmt.Errorf("signing key: %w", err)
	}
	if cfg.Embedded() {
		stopAdmin, err := listenAdmin(p, adminSocket(cfg))
		if err != nil {
			return err
		}
		defer stopAdmin()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.App().Listener(ln) }()
	schedCtx, stopSched := context.WithCancel(context.Background())
	schedDone := make(chan struct{})
	go func() { p.Scheduler.Run(schedCtx, 30*time.Second); close(schedDone) }()
	defer func() { stopSched(); <-schedDone }()
	log.Info("ready", "url", cfg.BaseURL, "embedded_db", cfg.Embedded(), "metrics", cfg.MetricsEnabled(),
		"startup_ms", time.Since(start).Milliseconds())
	fmt.Fprintf(stdout, "Libre cours is running at %s (Ctrl+C to stop)\n", cfg.BaseURL)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	stopSched()
	<-schedDone
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func userCommand(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return usageError{"user: expected 'user add'"}
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	email := fs.String("email", "", "e-mail address")
	name := fs.String("name", "", "display name")
	roleList := fs.String("role", "participant", "roles, comma-separated")
	pwFile := fs.String("password-file", "", "file holding the password, or - for stdin")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{"user add: " + err.Error()}
	}
	if *email == "" || *name == "" || *pwFile == "" {
		return usageError{"user add: --email, --name and --password-file are required"}
	}
	var roles []course.Role
	for _, r := range strings.Split(*roleList, ",") {
		role, ok := course.ParseRole(r)
		if !ok {
			return usageError{fmt.Sprintf("user add: unknown role %q", r)}
		}
		roles = append(roles, role)
	}
	var pw []byte
	var err error
	if *pwFile == "-" {
		pw, err = io.ReadAll(io.LimitReader(os.Stdin, 4096))
	} else {
		pw, err = os.ReadFile(*pwFile)
	}
	if err != nil {
		return fmt.Errorf("read password: %w", err)
	}
	nu := adminUser{Email: *email, Name: *name, Password: strings.TrimRight(string(pw), "\r\n"), Roles: roles}
	var created createdUser
	err = onPlatform(ctx, cfg, "user add", func(p *app.Platform) error {
		u, err := p.Course.Bootstrap(ctx, course.NewUser{Email: nu.Email, Name: nu.Name, Password: nu.Password, Roles: nu.Roles})
		if err != nil {
			return p.Explain(err)
		}
		created = createdUser{ID: u.ID, Email: u.Email, Name: u.Name, Roles: u.Roles}
		return nil
	}, func() error { return adminCall(ctx, cfg, "/users", nu, &created) })
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s <%s> with roles %v (id %s)\n", created.Name, created.Email, created.Roles, created.ID)
	return nil
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// backupCommand runs "backup DIR" and "restore DIR". A backup beside a
// running server goes through it (its admin socket); a restore needs the
// embedded store's folder free, and an empty database.
func backupCommand(ctx context.Context, cfg config.Config, verb string, args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return usageError{verb + ": expected a folder"}
	}
	dir, err := filepath.Abs(args[0])
	if err != nil {
		return err
	}
	var m *store.Manifest
	if verb == "backup" {
		err = onPlatform(ctx, cfg, verb, func(p *app.Platform) (err error) {
			m, err = store.Backup(ctx, p.Store, dir, time.Now())
			return err
		}, func() error {
			m = &store.Manifest{}
			err := adminCall(ctx, cfg, "/backup", map[string]string{"dir": dir}, m)
			if errors.Is(err, errServerStopped) {
				if _, serr := os.Stat(filepath.Join(dir, "manifest.json")); serr != nil {
					return fmt.Errorf("backup: %w; the backup in %s is unfinished (no manifest.json): remove it and run backup again", err, dir)
				}
			}
			return err
		})
	} else {
		err = onPlatform(ctx, cfg, verb, func(p *app.Platform) (err error) {
			m, err = store.Restore(ctx, p.Store, dir)
			if errors.Is(err, store.ErrNotEmpty) {
				return fmt.Errorf("restore: the database is not empty; restore into a new data folder or an empty MongoDB database")
			}
			return err
		}, nil)
	}
	if err != nil {
		return err
	}
	total := 0
	for _, fi := range m.Collections {
		total += fi.Count
	}
	fmt.Fprintf(stdout, "%s: %d records in %d collections (%s, from the %s store)\n", verb, total, len(m.Collections), dir, m.Store)
	return nil
}
