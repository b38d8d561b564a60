// Command praksis is the Praksis portal: the web server, its migrations,
// demo data and account administration from the command line.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"praksis/db"
	"praksis/db/seed"
	"praksis/handlers"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "praksis:", err)
		os.Exit(1)
	}
}

const usage = `usage: praksis [command]

commands:
  serve                 serve the portal (default)
  migrate               create the database if missing and apply migrations
  seed --demo           create the demo organisation and accounts (development only)
  seed --scale N [--seed S]
                        N participants with proportional organisations, placements,
                        agreements, results and attendance, for benchmarks (development only)
  create-user --email E --role R [--name N] [--org ORGNR] [--locale nb|en]
                        create an account; prints a one-time password, or reads
                        the password from stdin when stdin is not a terminal
  run-job NAME [--at RFC3339] [--force]
                        run one scheduled job now, exactly once per slot`

// run is main without the process: tests call it with their own
// environment and streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, cfg, log)
	case "migrate":
		return migrate(ctx, cfg, log)
	case "seed":
		return seedCmd(ctx, cfg, log, args, stdout, stderr)
	case "create-user":
		return createUser(ctx, cfg, args, stdin, stdout)
	case "run-job":
		return runJob(ctx, cfg, log, args, stdout)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

// newLogger writes JSON lines (LOG_FORMAT=json, the production default)
// or key=value text, with e-mail addresses and one-time link tokens
// masked whatever logs them (logging.go).
func newLogger(w io.Writer, level, format string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: l}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if format == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(redactor{h})
}

// migrate creates the database in development and applies migrations.
func migrate(ctx context.Context, cfg Config, log *slog.Logger) error {
	store, err := migratedStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	return store.Close()
}

// migratedStore migrates (creating the database in development) and
// returns the open store; the caller closes it.
func migratedStore(ctx context.Context, cfg Config, log *slog.Logger) (*db.Store, error) {
	if !cfg.Production() {
		if err := db.EnsureDatabase(ctx, cfg.DatabaseURL); err != nil {
			return nil, err
		}
	}
	store, err := openStore(cfg)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx, store.DB.DB, log, migrateOptions(cfg)...); err != nil {
		store.Close()
		return nil, err
	}
	return store, nil
}

// migrateOptions: out-of-order migrations are applied outside production
// only (db.AllowOutOfOrder says why).
func migrateOptions(cfg Config) []db.MigrateOption {
	if cfg.Production() {
		return nil
	}
	return []db.MigrateOption{db.AllowOutOfOrder()}
}

// seedCmd is `praksis seed --demo` or `--scale N`; development only.
func seedCmd(ctx context.Context, cfg Config, log *slog.Logger, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	demo := fs.Bool("demo", false, "create the demo organisation and accounts")
	scale := fs.Int("scale", 0, "seed N participants and everything around them (seed_scale.go)")
	seedN := fs.Uint64("seed", 1, "random seed of --scale: the same seed gives the same data")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *scale != 0 {
		if *demo {
			return errors.New("seed: --demo and --scale are separate runs (--scale makes the demo accounts itself)")
		}
		return seedScale(ctx, cfg, log, *scale, *seedN, stdout, stderr)
	}
	if !*demo {
		return errors.New("seed: say what to seed: --demo or --scale N")
	}
	if cfg.Production() {
		return errors.New("seed: demo data is for development only (APP_ENV=production)")
	}
	store, err := migratedStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := seed.DemoAll(ctx, store); err != nil {
		return err
	}
	// The KPI page has figures at once: today's progress run, through the
	// same exactly-once path as the schedule and run-job (a second seed
	// the same day finds the slot done).
	_, sys, err := mailAndJobs(cfg, store, log)
	if err != nil {
		return err
	}
	res, err := sys.Scheduler.Run(ctx, "progress", time.Now(), false)
	if err != nil {
		return err
	}
	if res.Err != nil {
		return fmt.Errorf("seed: progress: %w", res.Err)
	}
	log.Info("demo data ready", "accounts", len(db.DemoAccounts), "password", db.DemoPassword)
	return nil
}

func createUser(ctx context.Context, cfg Config, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("create-user", flag.ContinueOnError)
	email := fs.String("email", "", "e-mail address (sign-in name)")
	role := fs.String("role", "", "employer, adviser, nav or admin")
	name := fs.String("name", "", "full name (defaults to the part of the e-mail before @)")
	org := fs.String("org", "", "organisation number (employers only)")
	locale := fs.String("locale", "nb", "nb or en")
	if err := fs.Parse(args); err != nil {
		return err
	}
	in := db.NewUser{Email: strings.TrimSpace(*email), Name: strings.TrimSpace(*name), Role: *role, Locale: *locale}
	if in.Name == "" {
		in.Name, _, _ = strings.Cut(in.Email, "@")
	}
	if !handlers.ValidEmail(in.Email) {
		return fmt.Errorf("create-user: --email %q is not an e-mail address", in.Email)
	}
	if !handlers.Contains(db.Roles, in.Role) {
		return fmt.Errorf("create-user: --role must be one of %s", strings.Join(db.Roles, ", "))
	}
	if in.Locale != "nb" && in.Locale != "en" {
		return errors.New("create-user: --locale must be nb or en")
	}
	if (in.Role == db.RoleEmployer) != (*org != "") {
		return errors.New("create-user: --org is required for employers and only for them")
	}
	password, generated, err := readPassword(stdin)
	if err != nil {
		return err
	}
	if msg := handlers.PasswordProblem(password, in.Email, in.Name); msg != "" {
		return fmt.Errorf("create-user: password: %s", msg)
	}
	store, err := openStore(cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	if *org != "" {
		o, err := store.OrganisationByNumber(ctx, db.NormaliseOrgNumber(*org))
		if errors.Is(err, db.ErrNotFound) {
			return fmt.Errorf("create-user: no organisation with number %s", *org)
		} else if err != nil {
			return err
		}
		in.OrganisationID = &o.ID
	}
	if in.PasswordHash, err = db.HashPassword(password); err != nil {
		return err
	}
	in.MustChangePassword = generated
	id, err := store.CreateUser(ctx, in)
	if errors.Is(err, db.ErrConflict) {
		return fmt.Errorf("create-user: an account with e-mail %s already exists", in.Email)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s account %d for %s\n", in.Role, id, in.Email)
	if generated {
		fmt.Fprintf(stdout, "one-time password: %s\n(the person must choose a new one at first sign-in)\n", password)
	}
	return nil
}

// readPassword takes the first line of stdin when stdin is a pipe or a
// file; at a terminal (or with nothing piped) it generates a one-time
// password instead.
func readPassword(stdin io.Reader) (password string, generated bool, err error) {
	if f, ok := stdin.(*os.File); ok {
		if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice != 0 {
			return db.RandomPassword(), true, nil
		}
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", false, fmt.Errorf("create-user: read password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return db.RandomPassword(), true, nil
	}
	return line, false, nil
}

// serve runs the portal until ctx ends, then shuts down in reverse order:
// HTTP first (finishing in-flight requests), then the scheduler (waiting
// for running jobs), then the outbox sender, then the database.
func serve(ctx context.Context, cfg Config, log *slog.Logger) error {
	if !cfg.Production() {
		if err := db.EnsureDatabase(ctx, cfg.DatabaseURL); err != nil {
			log.Warn("could not ensure the database exists", "err", err)
		}
	}
	store, err := openStore(cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := db.Migrate(ctx, store.DB.DB, log, migrateOptions(cfg)...); err != nil {
		return err
	}
	if cfg.Production() {
		demo, err := store.HasDemoData(ctx)
		if err != nil {
			return err
		}
		if demo {
			return errors.New("configuration: demo accounts exist in this database; APP_ENV=production refuses to start with demo data (delete the @example.org accounts)")
		}
	}
	tr, sys, err := mailAndJobs(cfg, store, log)
	if err != nil {
		return err
	}
	app, err := handlers.New(handlers.Config{
		BaseURL:                cfg.BaseURL,
		Production:             cfg.Production(),
		SecretKey:              []byte(cfg.SecretKey),
		SessionIdleTimeout:     cfg.SessionIdleTimeout,
		SessionMaxAge:          cfg.SessionMaxAge,
		LoginMaxFailures:       cfg.LoginMaxFailures,
		LoginMaxFailuresPerIP:  cfg.LoginMaxFailuresPerIP,
		LoginWindow:            cfg.LoginWindow,
		ProxyHeader:            cfg.ProxyHeader,
		TrustedProxies:         cfg.TrustedProxies,
		DevMail:                cfg.SMTPURL == "",
		CronEnabled:            cfg.CronEnabled,
		MetricsToken:           cfg.MetricsToken,
		SignupMaxPerIP:         cfg.SignupMaxPerIP,
		ResetMaxPerIP:          cfg.ResetMaxPerIP,
		OIDC:                   cfg.OIDC,
		MFARequiredRoles:       cfg.MFARequiredRoles,
		MFAExempt:              mfaExempt(cfg),
		PreviousSecretKey:      []byte(cfg.SecretKeyPrevious),
		ParticipantArea:        cfg.ParticipantArea,
		ParticipantCodeMinutes: cfg.ParticipantCodeMinutes,
		ParticipantLinkDays:    cfg.ParticipantLinkDays,
	}, handlers.Deps{Store: store, Log: log, Translator: tr, Mail: sys.Renderer, Sender: sys.Sender, Scheduler: sys.Scheduler})
	if err != nil {
		return err
	}
	sys.Sender.Start()
	sys.Sender.Wake() // deliver whatever waited while no replica ran
	// first is closed when the first figures are measured (or were there):
	// a replica that schedules jobs measures them once, in the background,
	// when no KPI exists yet, and shutdown waits for it.
	first := make(chan struct{})
	if cfg.CronEnabled {
		sys.Scheduler.Start()
		go func() {
			defer close(first)
			if ran, err := firstFigures(ctx, store, sys.Scheduler, time.Now()); err != nil {
				log.Error("first figures", "err", err)
			} else if ran {
				log.Info("first figures measured")
			}
		}()
	} else {
		close(first)
	}
	errc := make(chan error, 1)
	go func() { errc <- app.Listen(cfg.ListenAddr) }()
	log.Info("serving", "addr", cfg.ListenAddr, "base_url", cfg.BaseURL, "env", cfg.Env, "cron", cfg.CronEnabled, "smtp", cfg.SMTPURL != "")
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := app.Shutdown(sctx); err != nil {
		log.Error("http shutdown", "err", err)
	}
	sys.Scheduler.Stop(sctx) // waits for running jobs, bounded by SHUTDOWN_TIMEOUT
	select {
	case <-first:
	case <-sctx.Done():
	}
	sys.Sender.Stop(sctx)
	return nil // the deferred store.Close closes the database last
}
