package main

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
)

// redactor masks personal data and secrets in every log line, whatever
// part of the program logs them: e-mail addresses (an SMTP server's "550
// <ola@example.no>: no such user", a database's key detail) and one-time
// link tokens (/l/<token>, which would let a log reader reset a password).
// Names cannot be recognised this way; the code logs none (docs/operations.md
// lists what a line holds). Client IP addresses are kept: they are needed
// to investigate abuse, and are logged on purpose.
type redactor struct{ h slog.Handler }

var (
	emailRe = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)
	tokenRe = regexp.MustCompile(`/l/[A-Za-z0-9_\-]{16,}`)
)

func redact(s string) string {
	s = emailRe.ReplaceAllString(s, "[email]")
	return tokenRe.ReplaceAllString(s, "/l/[token]")
}

func redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, redact(v.String()))
	case slog.KindGroup:
		attrs := v.Group()
		out := make([]slog.Attr, len(attrs))
		for i, g := range attrs {
			out[i] = redactAttr(g)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(out...)}
	case slog.KindAny:
		// Errors and Stringers become their (masked) text; other values
		// (a job's stats: counts by name) are logged as they are.
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, redact(err.Error()))
		}
		if s, ok := v.Any().(fmt.Stringer); ok {
			return slog.String(a.Key, redact(s.String()))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

func (r redactor) Enabled(ctx context.Context, l slog.Level) bool { return r.h.Enabled(ctx, l) }

func (r redactor) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, redact(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return r.h.Handle(ctx, out)
}

func (r redactor) WithAttrs(attrs []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		out[i] = redactAttr(a)
	}
	return redactor{r.h.WithAttrs(out)}
}

func (r redactor) WithGroup(name string) slog.Handler { return redactor{r.h.WithGroup(name)} }
