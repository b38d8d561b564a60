package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"praksis/db"
)

// env is a fake environment for loadConfig and run.
func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

const goodSecret = "a-production-secret-of-more-than-32-characters"

func TestConfigDefaults(t *testing.T) {
	c, err := loadConfig(env())
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		DatabaseURL: "postgres://postgres@127.0.0.1:5432/praksis?sslmode=disable", ListenAddr: ":3000",
		BaseURL: "http://localhost:3000", Env: "development", CronEnabled: true,
		SessionIdleTimeout: 30 * time.Minute, SessionMaxAge: 12 * time.Hour,
		LoginMaxFailures: 5, LoginMaxFailuresPerIP: 20, LoginWindow: 15 * time.Minute,
		ShutdownTimeout: 20 * time.Second, LogLevel: "info",
	}
	if c.DatabaseURL != want.DatabaseURL || c.ListenAddr != want.ListenAddr || c.BaseURL != want.BaseURL ||
		c.Env != want.Env || c.CronEnabled != want.CronEnabled || c.SessionIdleTimeout != want.SessionIdleTimeout ||
		c.SessionMaxAge != want.SessionMaxAge || c.LoginMaxFailures != want.LoginMaxFailures ||
		c.LoginMaxFailuresPerIP != want.LoginMaxFailuresPerIP || c.LoginWindow != want.LoginWindow ||
		c.ShutdownTimeout != want.ShutdownTimeout || c.LogLevel != want.LogLevel {
		t.Errorf("defaults:\n got %+v\nwant %+v", c, want)
	}
	if c.SMTPURL != "" || c.Production() || c.SecretKey != devSecret || c.ProxyHeader != "" || len(c.TrustedProxies) != 0 {
		t.Errorf("defaults: %+v", c)
	}
}

func TestConfigFromEnvironment(t *testing.T) {
	c, err := loadConfig(env(
		"DATABASE_URL", "postgres://app@db:5432/praksis", "LISTEN_ADDR", "127.0.0.1:8080",
		"BASE_URL", "https://praksis.kommune.no/", "SMTP_URL", "smtp://u:p@relay:587", "MAIL_FROM", "Praksis <x@y.no>",
		"CRON_ENABLED", "false", "APP_ENV", "production", "SECRET_KEY", goodSecret,
		"SESSION_IDLE_TIMEOUT", "10m", "SESSION_MAX_AGE", "8h", "LOGIN_MAX_FAILURES", "3",
		"LOGIN_MAX_FAILURES_PER_IP", "50", "LOGIN_WINDOW", "1h", "PROXY_HEADER", "X-Forwarded-For",
		"TRUSTED_PROXIES", " 10.0.0.1 , 10.0.0.2,", "SHUTDOWN_TIMEOUT", "5s",
	))
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL != "https://praksis.kommune.no" || !c.Production() || c.CronEnabled || c.SessionIdleTimeout != 10*time.Minute ||
		c.SessionMaxAge != 8*time.Hour || c.LoginMaxFailures != 3 || c.LoginMaxFailuresPerIP != 50 || c.LoginWindow != time.Hour ||
		c.ShutdownTimeout != 5*time.Second || c.ProxyHeader != "X-Forwarded-For" ||
		strings.Join(c.TrustedProxies, ",") != "10.0.0.1,10.0.0.2" || c.SecretKey != goodSecret || c.ListenAddr != "127.0.0.1:8080" {
		t.Errorf("from the environment: %+v", c)
	}
}

// Production refuses an http BASE_URL and a missing or default secret,
// all in one message.
func TestConfigProductionRefuses(t *testing.T) {
	for _, c := range []struct {
		name string
		env  func(string) string
		want []string
	}{
		{"http and no secret", env("APP_ENV", "production", "BASE_URL", "http://praksis.kommune.no"),
			[]string{"BASE_URL must be https", "SECRET_KEY must be set"}},
		{"http and the default secret", env("APP_ENV", "production", "BASE_URL", "http://praksis.kommune.no", "SECRET_KEY", devSecret),
			[]string{"BASE_URL must be https", "SECRET_KEY must be set"}},
		{"default base URL", env("APP_ENV", "production", "SECRET_KEY", goodSecret), []string{"BASE_URL must be https"}},
		{"short secret", env("APP_ENV", "production", "BASE_URL", "https://p.no", "SECRET_KEY", "short"), []string{"SECRET_KEY must be at least 32"}},
	} {
		_, err := loadConfig(c.env)
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		msg := err.Error()
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: %q does not say %q", c.name, msg, w)
			}
		}
		if strings.Count(msg, "configuration:") != 1 {
			t.Errorf("%s: not one message: %q", c.name, msg)
		}
		if strings.Contains(msg, goodSecret) || strings.Contains(msg, devSecret) {
			t.Errorf("%s: the error shows the secret", c.name)
		}
	}
	if _, err := loadConfig(env("APP_ENV", "production", "BASE_URL", "https://praksis.kommune.no", "SECRET_KEY", goodSecret)); err != nil {
		t.Errorf("a good production configuration: %v", err)
	}
}

func TestConfigBadValues(t *testing.T) {
	_, err := loadConfig(env(
		"SESSION_IDLE_TIMEOUT", "thirty minutes", "SESSION_MAX_AGE", "-1h", "LOGIN_WINDOW", "0s",
		"LOGIN_MAX_FAILURES", "five", "LOGIN_MAX_FAILURES_PER_IP", "0", "CRON_ENABLED", "sometimes",
		"APP_ENV", "staging", "BASE_URL", "localhost:3000", "SHUTDOWN_TIMEOUT", "10",
	))
	if err == nil {
		t.Fatal("bad values accepted")
	}
	for _, w := range []string{"SESSION_IDLE_TIMEOUT", "SESSION_MAX_AGE", "LOGIN_WINDOW", "LOGIN_MAX_FAILURES=", "LOGIN_MAX_FAILURES_PER_IP",
		"CRON_ENABLED", "APP_ENV", "BASE_URL", "SHUTDOWN_TIMEOUT", `"thirty minutes"`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("the error does not mention %s: %v", w, err)
		}
	}
	if _, err := loadConfig(env("SESSION_IDLE_TIMEOUT", "13h")); err == nil || !strings.Contains(err.Error(), "SESSION_IDLE_TIMEOUT must not be longer") {
		t.Errorf("idle longer than the maximum age: %v", err)
	}
}

// TestConfigRetention: the retention settings default to 36 months, 60
// months and 30 days, are read from the environment, reach the store, and
// a value that is not a whole number or shorter than a year is refused.
func TestConfigRetention(t *testing.T) {
	c, err := loadConfig(env())
	if err != nil {
		t.Fatal(err)
	}
	if c.Retention != (db.RetentionConfig{ParticipantMonths: 36, AuditMonths: 60, GraceDays: 30}) {
		t.Errorf("defaults: %+v", c.Retention)
	}
	c, err = loadConfig(env("PARTICIPANT_RETENTION_MONTHS", "48", "AUDIT_RETENTION_MONTHS", "120", "ARCHIVE_GRACE_DAYS", "14"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Retention != (db.RetentionConfig{ParticipantMonths: 48, AuditMonths: 120, GraceDays: 14}) {
		t.Errorf("from the environment: %+v", c.Retention)
	}
	_, err = loadConfig(env("PARTICIPANT_RETENTION_MONTHS", "3", "AUDIT_RETENTION_MONTHS", "sixty", "ARCHIVE_GRACE_DAYS", "0"))
	for _, w := range []string{"PARTICIPANT_RETENTION_MONTHS must be at least 12", `AUDIT_RETENTION_MONTHS="sixty"`, `ARCHIVE_GRACE_DAYS="0"`} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("the error does not say %s: %v", w, err)
		}
	}
}

// PARTICIPANT_AREA is on in development and off in production unless set;
// anything but true or false stops the start, as do codes or links that
// would work for more than a day or a month.
func TestConfigParticipantArea(t *testing.T) {
	prod := []string{"APP_ENV", "production", "BASE_URL", "https://praksis.kommune.no", "SECRET_KEY", goodSecret, "SMTP_URL", "smtp://u:p@mail.example:587"}
	for _, c := range []struct {
		name string
		kv   []string
		want bool
	}{
		{"development", nil, true},
		{"production", prod, false},
		{"production, turned on", append(slices.Clone(prod), "PARTICIPANT_AREA", "true"), true},
		{"development, turned off", []string{"PARTICIPANT_AREA", "false"}, false},
	} {
		cfg, err := loadConfig(env(c.kv...))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if cfg.ParticipantArea != c.want || cfg.ParticipantCodeMinutes != 30 || cfg.ParticipantLinkDays != 7 {
			t.Errorf("%s: area %v (want %v), %d minutes, %d days", c.name, cfg.ParticipantArea, c.want, cfg.ParticipantCodeMinutes, cfg.ParticipantLinkDays)
		}
	}
	for _, kv := range [][]string{{"PARTICIPANT_AREA", "maybe"}, {"PARTICIPANT_CODE_MINUTES", "2000"}, {"PARTICIPANT_LINK_DAYS", "0"}} {
		if _, err := loadConfig(env(kv...)); err == nil || !strings.Contains(err.Error(), kv[0]) {
			t.Errorf("%s=%s: %v", kv[0], kv[1], err)
		}
	}
}
