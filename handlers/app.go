// Package handlers is the web layer: the Fiber app, its one route table,
// middleware, rendering and one file per resource.
package handlers

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/template/html/v2"

	"praksis/calendar"
	"praksis/db"
	"praksis/jobs"
	"praksis/locale"
	"praksis/mail"
	"praksis/views"
)

// Config is what the web layer needs of the process configuration.
type Config struct {
	BaseURL               string
	Production            bool
	SecretKey             []byte
	SessionIdleTimeout    time.Duration
	SessionMaxAge         time.Duration
	LoginMaxFailures      int
	LoginMaxFailuresPerIP int
	LoginWindow           time.Duration
	// BodyLimit caps request bodies; 0 means 256 KiB (no form needs more).
	BodyLimit int
	// DevMail is true when no SMTP_URL is set: /admin/outbox is the inbox.
	DevMail bool
	// CronEnabled says whether this replica runs jobs on their schedule.
	CronEnabled bool
	// ProxyHeader names the header holding the client's IP (such as
	// X-Forwarded-For) when Praksis runs behind a load balancer; it is
	// believed only from TrustedProxies when that list is set.
	ProxyHeader    string
	TrustedProxies []string
	// MetricsToken, when set, lets a scraper with this bearer token read
	// /metrics in production (otherwise only from loopback).
	MetricsToken string
	// SignupMaxPerIP and ResetMaxPerIP limit sign-ups and password reset
	// requests per client address per hour (0: 10 and 20).
	SignupMaxPerIP int
	ResetMaxPerIP  int
	// ReadTimeout bounds reading a whole request, so a slow client cannot
	// hold a connection (0: 30 s).
	ReadTimeout time.Duration
	// OIDC are the single sign-on providers; MFARequiredRoles must set up
	// a second factor at their next password sign-in, except the accounts
	// in MFAExempt (the demo accounts in development: README).
	OIDC             []OIDCProvider
	MFARequiredRoles []string
	MFAExempt        []string
	// PreviousSecretKey is SECRET_KEY before a rotation (empty: none):
	// authenticator secrets and sign-in cookies it sealed still open.
	PreviousSecretKey []byte
	// ParticipantArea turns the participants' own pages on (issue 16);
	// off, every /me route is 404 and the adviser's invite card is hidden.
	// A participant's code works ParticipantCodeMinutes (0: 30), a mailed
	// link ParticipantLinkDays (0: 7).
	ParticipantArea        bool
	ParticipantCodeMinutes int
	ParticipantLinkDays    int
}

// Deps are the parts main builds and the web layer uses.
type Deps struct {
	Store      *db.Store
	Log        *slog.Logger
	Translator *locale.Translator
	Mail       *mail.Renderer  // renders e-mail into the outbox
	Sender     Waker           // woken after a commit that queued mail
	Scheduler  *jobs.Scheduler // for /admin/jobs
	// Employers answers which organisation an ID-porten user acts for;
	// nil means Praksis's own invitations (employers_directory.go).
	Employers EmployerDirectory
}

// Waker is the outbox sender as the web layer sees it.
type Waker interface{ Wake() }

// App holds every dependency of the handlers; handlers are its methods.
type App struct {
	cfg     Config
	store   *db.Store
	log     *slog.Logger
	fiber   *fiber.App
	views   *html.Engine
	tr      *locale.Translator
	mail    *mail.Renderer
	sender  Waker
	sched   *jobs.Scheduler
	assets  *assets
	origin  string       // scheme://host of BASE_URL, for the Origin check
	secure  bool         // cookies get Secure when BASE_URL is https
	schema  int64        // the migration version this binary expects
	trusted []*net.IPNet // TRUSTED_PROXIES

	oidc      map[string]*oidcClient // single sign-on providers by name
	employers EmployerDirectory
	webauthn  *webauthn.WebAuthn // passkeys: this site as relying party

	fragments    *fragmentCache // rendered rows kept across requests (fragments.go)
	metrics      *metrics       // request counters for /metrics
	patternsOnce sync.Once      // routeOf's table of (method, pattern),
	patterns     [][2]string    // made on first use
}

// New builds the app: templates, catalogues, assets and routes. It fails
// at start, not at the first request, when a template or message is broken.
func New(cfg Config, d Deps) (*App, error) {
	if cfg.BodyLimit == 0 {
		cfg.BodyLimit = 256 << 10
	}
	if cfg.SignupMaxPerIP == 0 {
		cfg.SignupMaxPerIP = 10
	}
	if cfg.ResetMaxPerIP == 0 {
		cfg.ResetMaxPerIP = 20
	}
	if cfg.ParticipantCodeMinutes == 0 {
		cfg.ParticipantCodeMinutes = 30
	}
	if cfg.ParticipantLinkDays == 0 {
		cfg.ParticipantLinkDays = 7
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = 30 * time.Second
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("handlers: BASE_URL: %w", err)
	}
	if d.Store == nil || d.Log == nil || d.Translator == nil || d.Mail == nil || d.Scheduler == nil {
		return nil, fmt.Errorf("handlers: New needs the store, a logger, the translator, the mail renderer and the scheduler")
	}
	a := &App{cfg: cfg, store: d.Store, log: d.Log, tr: d.Translator, mail: d.Mail, sender: d.Sender, sched: d.Scheduler, metrics: newMetrics(), fragments: newFragmentCache(fragmentCacheBytes), origin: u.Scheme + "://" + u.Host, secure: u.Scheme == "https", schema: db.LatestVersion()}
	a.oidc, a.employers = newOIDCClients(cfg.OIDC), d.Employers
	if a.employers == nil {
		a.employers = invitationDirectory{store: d.Store}
	}
	if a.webauthn, err = newWebAuthn(cfg.BaseURL); err != nil {
		// A relying party must be a host name: at an address (a test
		// server on 127.0.0.1) passkeys are simply not offered.
		a.log.Info("passkeys are off", "base_url", cfg.BaseURL, "err", err)
		a.webauthn = nil
	}
	if a.trusted, err = parseTrusted(cfg.TrustedProxies); err != nil {
		return nil, err
	}
	if a.assets, err = newAssets(); err != nil {
		return nil, err
	}
	a.views = html.NewFileSystem(http.FS(views.FS), ".html")
	a.views.AddFuncMap(template.FuncMap{
		"asset":        a.assets.url,
		"date":         dateOf,
		"str":          func(s *string) string { return derefOr(s, "") },
		"jobKinds":     func() []string { return []string{"work_full", "work_part"} },
		"datetime":     datetime,
		"contains":     Contains,
		"input":        inputField,
		"choice":       selectField,
		"orgRow":       newOrgRow,
		"userRow":      newUserRow,
		"levels":       newLevels,
		"add":          func(a, b float64) float64 { return a + b },
		"sub":          func(a, b float64) float64 { return a - b },
		"blankForm":    newForm,
		"levelStrings": levelStrings,
		"navCurrent":   navCurrent,
		"skillLevels":  skillLevels,
		"checks":       checkboxes,
		"label":        labelFor,
		"nameField":    nameField,
		"runes":        utf8.RuneCountInString,
		"newPassword":  newPasswordForm,
		"mailto":       mailtoURL,
	})
	if err := a.views.Load(); err != nil {
		return nil, fmt.Errorf("handlers: templates: %w", err)
	}
	a.fiber = fiber.New(fiber.Config{
		// Immutable: values from c.Params, c.FormValue, headers and cookies
		// stay valid after the handler returns. It costs a copy per value
		// and removes a whole class of bugs where a string escapes into a
		// goroutine, an outbox row or a cache (README explains).
		Immutable:             true,
		ErrorHandler:          a.handleError,
		BodyLimit:             cfg.BodyLimit,
		ReadBufferSize:        8 << 10, // request line + headers, else 431 (a browser's need ~2 KiB)
		ReadTimeout:           cfg.ReadTimeout,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           120 * time.Second,
		DisableStartupMessage: true,
	})
	// observe wraps recover, so a panic is counted and logged as the 500 it becomes.
	a.fiber.Use(a.requestID, a.observe, recover.New(), a.securityHeaders, compressPage)
	a.routes()
	return a, nil
}

// Fiber exposes the router for tests (app.Test) and the server.
func (a *App) Fiber() *fiber.App { return a.fiber }

// Listen serves on addr until Shutdown.
func (a *App) Listen(addr string) error {
	err := a.fiber.Listen(addr)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting connections and waits for in-flight requests
// until ctx ends.
func (a *App) Shutdown(ctx context.Context) error { return a.fiber.ShutdownWithContext(ctx) }

// dateOf is the template function `date`: a day as 02.01.2006 in Oslo,
// from a time.Time or a *time.Time ("–" for nil).
func dateOf(v any) string { return inOslo(v, "02.01.2006", "–") }

func derefOr[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// datetime formats a time (or a *time.Time, "" for nil) in Oslo time.
func datetime(v any) string { return inOslo(v, "02.01.2006 15:04", "") }

// inOslo formats a time.Time or a non-nil *time.Time in Oslo time with
// layout; anything else is none.
func inOslo(v any, layout, none string) string {
	switch t := v.(type) {
	case time.Time:
		return t.In(calendar.Oslo).Format(layout)
	case *time.Time:
		if t != nil {
			return t.In(calendar.Oslo).Format(layout)
		}
	}
	return none
}

// navCurrent is the aria-current of a menu item: "page" on the item's own
// address, "true" on a page under it, "" elsewhere.
func navCurrent(path, item string) string {
	switch {
	case path == item:
		return "page"
	case strings.HasPrefix(path, item+"/"):
		return "true"
	}
	return ""
}
