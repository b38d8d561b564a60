package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

// LOG_FORMAT is json by default in production, text in development, and
// nothing else is accepted.
func TestLogFormat(t *testing.T) {
	for _, tc := range []struct {
		env  []string
		want string
	}{
		{nil, "text"},
		{[]string{"APP_ENV", "production", "BASE_URL", "https://praksis.kommune.no", "SECRET_KEY", goodSecret}, "json"},
		{[]string{"LOG_FORMAT", "JSON"}, "json"},
		{[]string{"APP_ENV", "production", "BASE_URL", "https://praksis.kommune.no", "SECRET_KEY", goodSecret, "LOG_FORMAT", "text"}, "text"},
	} {
		c, err := loadConfig(env(tc.env...))
		if err != nil {
			t.Fatalf("%v: %v", tc.env, err)
		}
		if c.LogFormat != tc.want {
			t.Errorf("%v: LOG_FORMAT %q, want %q", tc.env, c.LogFormat, tc.want)
		}
	}
	if _, err := loadConfig(env("LOG_FORMAT", "xml")); err == nil || !strings.Contains(err.Error(), "LOG_FORMAT") {
		t.Errorf("LOG_FORMAT=xml: %v", err)
	}
	if _, err := loadConfig(env("METRICS_TOKEN", "short")); err == nil || !strings.Contains(err.Error(), "METRICS_TOKEN") {
		t.Errorf("a short METRICS_TOKEN: %v", err)
	}
	c, err := loadConfig(env("METRICS_TOKEN", "a-long-enough-scrape-token", "SIGNUP_MAX_PER_IP", "3", "RESET_MAX_PER_IP", "4"))
	if err != nil || c.MetricsToken != "a-long-enough-scrape-token" || c.SignupMaxPerIP != 3 || c.ResetMaxPerIP != 4 {
		t.Errorf("limits and token: %+v %v", c, err)
	}
}

// The JSON logger writes one JSON object per line and masks e-mail
// addresses and one-time link tokens wherever they appear: the message,
// string attributes, errors, groups and attributes added with With.
func TestLoggerMasksPersonalData(t *testing.T) {
	var buf bytes.Buffer
	log := newLogger(&buf, "debug", "json").With("who", "ola.nordmann@kommune.no")
	token := strings.Repeat("Ab1_", 11)
	log.Warn("outbox: delivery failed for kari@example.no",
		"err", errors.New("550 5.1.1 <kari@example.no>: no such user"),
		"path", "/l/"+token,
		slog.Group("req", slog.String("next", "https://praksis.kommune.no/l/"+token+"?x=1")),
		"id", 42, "ip", "203.0.113.7")
	line := buf.String()
	var m map[string]any
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		t.Fatalf("not one JSON line: %q", line)
	}
	for _, leak := range []string{"@", token, "nordmann", "kari"} {
		if strings.Contains(line, leak) {
			t.Errorf("the log holds %q: %s", leak, line)
		}
	}
	if m["id"] != float64(42) || m["ip"] != "203.0.113.7" || m["path"] != "/l/[token]" || !strings.Contains(m["err"].(string), "[email]") {
		t.Errorf("masked line: %s", line)
	}
	buf.Reset()
	newLogger(&buf, "info", "text").Info("hello", "n", 1)
	if !strings.Contains(buf.String(), "msg=hello n=1") {
		t.Errorf("text format: %q", buf.String())
	}
	buf.Reset()
	newLogger(&buf, "warn", "json").Info("hidden")
	if buf.Len() != 0 {
		t.Errorf("LOG_LEVEL=warn logged info: %q", buf.String())
	}
}
