package main

import (
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"praksis/db"
	"praksis/handlers"
)

// devSecret is the development default of SECRET_KEY; production refuses it.
const devSecret = "praksis-development-secret-do-not-use-in-production"

// Config is everything Praksis reads from the environment, read and
// validated once at start (README has the table).
type Config struct {
	DatabaseURL           string
	ListenAddr            string
	BaseURL               string
	SMTPURL               string
	MailFrom              string
	CronEnabled           bool
	MailRate              float64
	MailMaxAttempts       int
	Env                   string
	SecretKey             string
	SessionIdleTimeout    time.Duration
	SessionMaxAge         time.Duration
	LoginMaxFailures      int
	LoginMaxFailuresPerIP int
	LoginWindow           time.Duration
	LogLevel              string
	// LogFormat is json (the default in production) or text.
	LogFormat string
	// MetricsToken lets a scraper read /metrics in production with
	// "Authorization: Bearer <token>" (without it: loopback only).
	MetricsToken string
	// SignupMaxPerIP and ResetMaxPerIP limit sign-ups and password reset
	// requests per client address per hour.
	SignupMaxPerIP int
	ResetMaxPerIP  int
	// ParticipantArea, PARTICIPANT_CODE_MINUTES and PARTICIPANT_LINK_DAYS:
	// the participants' own pages (issue 16) and how long their sign-in
	// codes and mailed links work.
	ParticipantArea        bool
	ParticipantCodeMinutes int
	ParticipantLinkDays    int
	ShutdownTimeout        time.Duration
	ProxyHeader            string
	TrustedProxies         []string
	// Agreements are the agreement cadences and limits DOMAIN.md calls
	// configurable (follow-up weeks, employer access, self-certified
	// sickness, one-click link lifetime).
	Agreements db.AgreementRules
	// MFARequiredRoles must set up a second factor at their next password
	// sign-in; OIDC are the single sign-on providers (config_auth.go).
	MFARequiredRoles []string
	OIDC             []handlers.OIDCProvider
	// SecretKeyPrevious is the SECRET_KEY before a rotation: what it sealed
	// (authenticator secrets) still opens, and is sealed anew.
	SecretKeyPrevious string
	// Retention is how long participants and the audit log are kept, and
	// how long an archive bundle waits for its download (docs/privacy.md).
	Retention             db.RetentionConfig
	secretFromEnvironment bool
}

// Production reports whether APP_ENV is production.
func (c Config) Production() bool { return c.Env == "production" }

// loadConfig reads the environment. It returns one error that lists every
// problem, so an operator fixes them in one go.
func loadConfig(getenv func(string) string) (Config, error) {
	var problems []string
	str := func(key, def string) string {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			return v
		}
		return def
	}
	dur := func(key string, def time.Duration) time.Duration {
		v := getenv(key)
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			problems = append(problems, fmt.Sprintf("%s=%q is not a positive duration such as 30m or 12h", key, v))
			return def
		}
		return d
	}
	num := func(key string, def int) int {
		v := getenv(key)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			problems = append(problems, fmt.Sprintf("%s=%q is not a positive whole number", key, v))
			return def
		}
		return n
	}
	c := Config{
		DatabaseURL:           str("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/praksis?sslmode=disable"),
		ListenAddr:            str("LISTEN_ADDR", ":3000"),
		BaseURL:               strings.TrimRight(str("BASE_URL", "http://localhost:3000"), "/"),
		SMTPURL:               str("SMTP_URL", ""),
		MailFrom:              str("MAIL_FROM", "Praksis <ikke-svar@localhost>"),
		Env:                   str("APP_ENV", "development"),
		SecretKey:             str("SECRET_KEY", devSecret),
		SessionIdleTimeout:    dur("SESSION_IDLE_TIMEOUT", 30*time.Minute),
		SessionMaxAge:         dur("SESSION_MAX_AGE", 12*time.Hour),
		LoginMaxFailures:      num("LOGIN_MAX_FAILURES", 5),
		LoginMaxFailuresPerIP: num("LOGIN_MAX_FAILURES_PER_IP", 20),
		LoginWindow:           dur("LOGIN_WINDOW", 15*time.Minute),
		LogLevel:              str("LOG_LEVEL", "info"),
		ShutdownTimeout:       dur("SHUTDOWN_TIMEOUT", 20*time.Second),
		ProxyHeader:           str("PROXY_HEADER", ""),
		MailMaxAttempts:       num("MAIL_MAX_ATTEMPTS", 8),
		MailRate:              10,
		Agreements: db.AgreementRules{
			FollowUpWeeks:       num("FOLLOW_UP_WEEKS", db.DefaultAgreementRules.FollowUpWeeks),
			EmployerAccessWeeks: num("EMPLOYER_ACCESS_WEEKS", db.DefaultAgreementRules.EmployerAccessWeeks),
			LinkDays:            num("LINK_DAYS", db.DefaultAgreementRules.LinkDays),
		},
	}
	c.Retention = db.RetentionConfig{
		ParticipantMonths: num("PARTICIPANT_RETENTION_MONTHS", db.DefaultRetention.ParticipantMonths),
		AuditMonths:       num("AUDIT_RETENTION_MONTHS", db.DefaultRetention.AuditMonths),
		GraceDays:         num("ARCHIVE_GRACE_DAYS", db.DefaultRetention.GraceDays),
	}
	// The archive law and the statistics want years, not days: a typo of
	// 3 for 36 would anonymise people still being followed up.
	if c.Retention.ParticipantMonths < 12 {
		problems = append(problems, "PARTICIPANT_RETENTION_MONTHS must be at least 12")
	}
	if c.Retention.AuditMonths < 12 {
		problems = append(problems, "AUDIT_RETENTION_MONTHS must be at least 12")
	}
	if c.Agreements.FollowUpWeeks > 26 {
		problems = append(problems, "FOLLOW_UP_WEEKS must be at most 26")
	}
	if v := getenv("MAIL_RATE"); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r <= 0 {
			problems = append(problems, fmt.Sprintf("MAIL_RATE=%q is not a positive number of mails per second", v))
		} else {
			c.MailRate = r
		}
	}
	if c.SMTPURL != "" {
		if u, err := url.Parse(c.SMTPURL); err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
			problems = append(problems, "SMTP_URL must look like smtp://user:pass@host:587 or smtps://user:pass@host:465")
		}
	}
	if _, err := mail.ParseAddress(c.MailFrom); err != nil {
		problems = append(problems, fmt.Sprintf("MAIL_FROM=%q is not an e-mail address", c.MailFrom))
	}
	for _, p := range strings.Split(getenv("TRUSTED_PROXIES"), ",") {
		if p = strings.TrimSpace(p); p != "" {
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}
	c.secretFromEnvironment = getenv("SECRET_KEY") != ""
	c.MetricsToken = str("METRICS_TOKEN", "")
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		problems = append(problems, "METRICS_TOKEN must be at least 16 characters")
	}
	// The participant area is on in development (the demo shows it) and
	// off in production until the municipality turns it on (README).
	areaDefault := "true"
	if c.Env == "production" {
		areaDefault = "false"
	}
	switch v := strings.ToLower(str("PARTICIPANT_AREA", areaDefault)); v {
	case "true", "1", "yes":
		c.ParticipantArea = true
	case "false", "0", "no":
	default:
		problems = append(problems, fmt.Sprintf("PARTICIPANT_AREA=%q must be true or false", v))
	}
	c.ParticipantCodeMinutes = num("PARTICIPANT_CODE_MINUTES", 30)
	c.ParticipantLinkDays = num("PARTICIPANT_LINK_DAYS", 7)
	if c.ParticipantCodeMinutes > 24*60 || c.ParticipantLinkDays > 30 {
		problems = append(problems, "PARTICIPANT_CODE_MINUTES must be at most 1440 and PARTICIPANT_LINK_DAYS at most 30")
	}
	c.SignupMaxPerIP = num("SIGNUP_MAX_PER_IP", 10)
	c.ResetMaxPerIP = num("RESET_MAX_PER_IP", 20)
	defaultFormat := "text"
	if c.Env == "production" {
		defaultFormat = "json"
	}
	switch c.LogFormat = strings.ToLower(str("LOG_FORMAT", defaultFormat)); c.LogFormat {
	case "json", "text":
	default:
		problems = append(problems, fmt.Sprintf("LOG_FORMAT=%q must be json or text", c.LogFormat))
	}
	switch v := strings.ToLower(str("CRON_ENABLED", "true")); v {
	case "true", "1", "yes":
		c.CronEnabled = true
	case "false", "0", "no":
	default:
		problems = append(problems, fmt.Sprintf("CRON_ENABLED=%q must be true or false", v))
	}
	if c.Env != "development" && c.Env != "production" {
		problems = append(problems, fmt.Sprintf("APP_ENV=%q must be development or production", c.Env))
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		problems = append(problems, fmt.Sprintf("BASE_URL=%q must be an absolute http(s) URL", c.BaseURL))
	}
	if len(c.SecretKey) < 32 {
		problems = append(problems, "SECRET_KEY must be at least 32 characters")
	}
	if c.SessionIdleTimeout > c.SessionMaxAge {
		problems = append(problems, "SESSION_IDLE_TIMEOUT must not be longer than SESSION_MAX_AGE")
	}
	if c.Production() {
		if u != nil && u.Scheme != "https" {
			problems = append(problems, "BASE_URL must be https in production")
		}
		if c.ProxyHeader != "" && len(c.TrustedProxies) == 0 {
			problems = append(problems, "PROXY_HEADER needs TRUSTED_PROXIES in production (otherwise anyone can claim any address)")
		}
		if !c.secretFromEnvironment || c.SecretKey == devSecret {
			problems = append(problems, "SECRET_KEY must be set to a secret of your own in production")
		}
	}
	loadAuthConfig(&c, getenv, &problems)
	if len(problems) > 0 {
		return c, fmt.Errorf("configuration: %s", strings.Join(problems, "; "))
	}
	return c, nil
}

// openStore connects to the database with the configured agreement rules.
func openStore(cfg Config) (*db.Store, error) {
	st, err := db.Open(cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	st.Rules = cfg.Agreements
	st.Retention = cfg.Retention
	return st, nil
}
