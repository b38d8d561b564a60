package e2e

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"praksis/db"
	"praksis/db/dbtest"
	"praksis/db/seed"
	"praksis/handlers"
	"praksis/jobs"
	"praksis/locale"
	"praksis/mail"
	"praksis/mail/smtptest"
)

// What every journey shares: the app's address, the running browser (each
// test opens tabs in browser contexts of its own on it), the store for the
// few facts a page cannot show, and the axe-core source.
var (
	baseURL    string
	browserCtx context.Context
	store      *db.Store
	axeSource  string
	mailbox    *smtptest.Server // the SMTP server the app delivers to
)

const (
	// testTimeout bounds each journey (its tabs and every action in them).
	// Journeys run two at a time (parallel_test.go), on a machine that
	// may be running other packages' tests too: TestAgreementJourney, 33 s
	// alone, ran out of 90 s beside another journey at a load of 25.
	testTimeout = 3 * time.Minute
	// axePath is where `npm ci` puts the pinned axe-core (package.json).
	axePath = "../node_modules/axe-core/axe.min.js"
)

// chromeCandidates are the places Chromium is looked for, after $CHROME_PATH.
var chromeCandidates = []string{"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

// run sets everything up, runs the tests and tears down in reverse order;
// it returns the exit code so deferred clean-ups run before os.Exit.
// A missing prerequisite fails the run loudly: browser tests never skip.
func run(m *testing.M) int {
	fail := func(format string, args ...any) int {
		fmt.Fprintf(os.Stderr, "FAIL e2e: "+format+"\n", args...)
		return 1
	}
	chrome, err := findChrome()
	if err != nil {
		return fail("%v", err)
	}
	src, err := os.ReadFile(axePath)
	if errors.Is(err, fs.ErrNotExist) {
		return fail("axe-core is missing (%s): run `npm ci` in the repository root", axePath)
	} else if err != nil {
		return fail("read axe-core: %v", err)
	}
	axeSource = string(src)

	ctx := context.Background()
	dbURL, dropDB, err := dbtest.New(ctx)
	if err != nil {
		return fail("%v", err)
	}
	defer dropDB()
	if store, err = db.Open(dbURL); err != nil {
		return fail("open database: %v", err)
	}
	defer store.Close()
	if err := seed.Demo(ctx, store); err != nil {
		return fail("seed demo data: %v", err)
	}

	stop, err := startServer()
	if err != nil {
		return fail("%v", err)
	}
	defer stop()

	closeBrowser, err := startBrowser(chrome)
	if err != nil {
		return fail("%v", err)
	}
	defer closeBrowser()

	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		return fail("screenshots: %v", err)
	}
	return m.Run()
}

// findChrome returns the first Chromium that exists: $CHROME_PATH, then the
// usual Debian and Google paths.
func findChrome() (string, error) {
	executable := func(p string) bool {
		st, err := os.Stat(p)
		return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
	}
	if p := os.Getenv("CHROME_PATH"); p != "" {
		if !executable(p) {
			return "", fmt.Errorf("CHROME_PATH=%s is not an executable file; point it at Chromium or unset it (`apt-get install chromium`)", p)
		}
		return p, nil
	}
	for _, p := range chromeCandidates {
		if executable(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("no Chromium found (looked at $CHROME_PATH and %v): the browser journeys need it; "+
		"install it with `apt-get install chromium` or set CHROME_PATH", chromeCandidates)
}

// startServer builds the real app and serves it on a free loopback port.
func startServer() (stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	baseURL = "http://" + ln.Addr().String()
	cfg := handlers.Config{
		BaseURL:               baseURL,
		SecretKey:             []byte("e2e-secret-e2e-secret-e2e-secret-e2e!"),
		SessionIdleTimeout:    30 * time.Minute,
		SessionMaxAge:         12 * time.Hour,
		LoginMaxFailures:      5,
		LoginMaxFailuresPerIP: 50,
		LoginWindow:           15 * time.Minute,
		ParticipantArea:       true, // the participant journeys (participant_test.go)
	}
	// Server errors (5xx) are logged; a journey that causes one fails on
	// the page anyway, and the log says why.
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// Mail goes over real SMTP to a server in this process; journeys read
	// it from mailbox and follow its links.
	if mailbox, err = smtptest.Start(); err != nil {
		ln.Close()
		return nil, fmt.Errorf("smtp: %w", err)
	}
	tr, err := locale.New()
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("translator: %w", err)
	}
	sys, err := jobs.NewSystem(store, log, tr, mail.Config{BaseURL: baseURL, SMTPURL: mailbox.URL(),
		MailFrom: "Praksis <noreply@praksis.example>", Sender: mail.SenderConfig{Rate: 1000}})
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("mail and jobs: %w", err)
	}
	app, err := handlers.New(cfg, handlers.Deps{Store: store, Log: log, Translator: tr, Mail: sys.Renderer,
		Sender: sys.Sender, Scheduler: sys.Scheduler})
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("build app: %w", err)
	}
	sys.Sender.Start()
	served := make(chan error, 1)
	go func() { served <- app.Fiber().Listener(ln) }()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := app.Shutdown(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "e2e: shutdown:", err)
		}
		<-served
		sys.Sender.Stop(ctx)
		mailbox.Stop()
	}, nil
}

// startBrowser launches one headless Chromium with a fresh profile; tests
// open tabs on browserCtx.
func startBrowser(chrome string) (closeBrowser func(), err error) {
	profile, err := os.MkdirTemp("", "praksis-e2e-chromium-")
	if err != nil {
		return nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// A Norwegian visitor's browser: the landing page must come in
		// bokmål without any choice made.
		chromedp.Flag("accept-lang", "nb-NO,nb"),
		chromedp.Flag("lang", "nb-NO"),
		chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(profile),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	// The first Run starts the browser; it must have no timeout, because
	// the browser lives as long as the context of that call.
	if err := chromedp.Do(ctx); err != nil {
		cancelBrowser()
		cancelAlloc()
		os.RemoveAll(profile)
		return nil, fmt.Errorf("start Chromium (%s): %w", chrome, err)
	}
	browserCtx = ctx
	return func() {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := chromedp.Cancel(cctx); err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintln(os.Stderr, "e2e: close Chromium:", err)
		}
		cancelBrowser()
		cancelAlloc()
		os.RemoveAll(profile)
	}, nil
}

// screenshotDir is relative to the package directory, where go test runs.
var screenshotDir = filepath.Join(".", "screenshots")
