package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"praksis/db"
)

// Mailer opens a delivery session; a session sends many mails over one
// connection.
type Mailer interface {
	Open(ctx context.Context) (Session, error)
}

// Session sends mails one by one and is closed after a batch.
type Session interface {
	Send(ctx context.Context, m db.OutboxMail) error
	Close() error
}

// PermanentError marks a failure that retrying cannot fix (an SMTP 5xx
// rejection, an invalid address): the mail goes straight to dead.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// IsPermanent reports whether err is a PermanentError.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// SMTPMailer delivers through an SMTP server with wneessen/go-mail.
type SMTPMailer struct {
	host string
	port int
	opts []gomail.Option
	from string
}

// NewSMTPMailer parses SMTP_URL: smtp://[user:pass@]host[:port] uses
// STARTTLS when the server offers it (port 587 by default); smtps:// uses
// implicit TLS (port 465).
//
// With requireTLS (production), smtp:// refuses to send unless the server
// offers STARTTLS: reset and invitation links must not cross the network
// in clear text.
func NewSMTPMailer(rawURL, from string, requireTLS bool) (*SMTPMailer, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("mail: SMTP_URL %q is not smtp://user:pass@host:port", rawURL)
	}
	m := &SMTPMailer{host: u.Hostname(), from: from}
	opts := []gomail.Option{gomail.WithTimeout(15 * time.Second)}
	switch u.Scheme {
	case "smtp":
		m.port = 587
		policy := gomail.TLSOpportunistic
		if requireTLS {
			policy = gomail.TLSMandatory
		}
		opts = append(opts, gomail.WithTLSPolicy(policy))
	case "smtps":
		m.port = 465
		opts = append(opts, gomail.WithSSL())
	default:
		return nil, fmt.Errorf("mail: SMTP_URL scheme must be smtp or smtps, not %q", u.Scheme)
	}
	if p := u.Port(); p != "" {
		if m.port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("mail: SMTP_URL port %q", p)
		}
	}
	opts = append(opts, gomail.WithPort(m.port))
	if u.User != nil {
		pass, _ := u.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass))
	}
	m.opts = opts
	return m, nil
}

// Open dials the server once for a whole batch.
func (m *SMTPMailer) Open(ctx context.Context) (Session, error) {
	c, err := gomail.NewClient(m.host, m.opts...)
	if err != nil {
		return nil, fmt.Errorf("mail: smtp client: %w", err)
	}
	if err := c.DialWithContext(ctx); err != nil {
		return nil, fmt.Errorf("mail: smtp dial %s:%d: %w", m.host, m.port, err)
	}
	return &smtpSession{c: c, from: m.from}, nil
}

type smtpSession struct {
	c    *gomail.Client
	from string
}

func (s *smtpSession) Send(_ context.Context, om db.OutboxMail) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return &PermanentError{fmt.Errorf("MAIL_FROM %q: %w", s.from, err)}
	}
	if err := msg.To(om.Recipient); err != nil {
		return &PermanentError{fmt.Errorf("recipient: %w", err)}
	}
	msg.Subject(om.Subject)
	msg.SetMessageID()
	msg.SetDate()
	// The outbox id makes a resend after a crash recognisable as the same
	// message to servers and clients that deduplicate on it.
	msg.SetGenHeader("X-Praksis-Outbox-Id", strconv.FormatInt(om.ID, 10))
	msg.SetBodyString(gomail.TypeTextPlain, om.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, om.HTML)
	if om.ICS != "" {
		// A calendar event (reminder rule 1), as praksis.ics.
		if err := msg.AttachReader("praksis.ics", strings.NewReader(om.ICS),
			gomail.WithFileContentType(`text/calendar; method=PUBLISH; charset=utf-8`)); err != nil {
			return &PermanentError{fmt.Errorf("calendar attachment: %w", err)}
		}
	}
	err := s.c.Send(msg)
	if err == nil {
		return nil
	}
	var se *gomail.SendError
	if errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500 {
		return &PermanentError{err}
	}
	// A failed transaction may leave the connection mid-dialogue.
	_ = s.c.Reset()
	return err
}

func (s *smtpSession) Close() error { return s.c.Close() }

// Config is what the mail machinery needs from the process configuration.
type Config struct {
	BaseURL  string
	SMTPURL  string // empty: mail stays in the outbox (DevMailer)
	MailFrom string
	// RequireTLS refuses to send mail over a connection without TLS
	// (production).
	RequireTLS bool
	Sender     SenderConfig
}

// NewMailer is the mailer cfg asks for: SMTP when SMTP_URL is set, else
// DevMailer, which keeps mail in the outbox.
func NewMailer(cfg Config, log *slog.Logger) (Mailer, error) {
	if cfg.SMTPURL == "" {
		return DevMailer{Log: log}, nil
	}
	return NewSMTPMailer(cfg.SMTPURL, cfg.MailFrom, cfg.RequireTLS)
}

// DevMailer is used when SMTP_URL is empty: mail is "delivered" into the
// outbox itself, where /admin/outbox shows it, and logged.
type DevMailer struct{ Log *slog.Logger }

// Open returns a session that only logs.
func (d DevMailer) Open(context.Context) (Session, error) { return devSession(d), nil }

type devSession DevMailer

func (d devSession) Send(_ context.Context, m db.OutboxMail) error {
	d.Log.Info("mail kept in the outbox (no SMTP_URL)", "id", m.ID, "to", m.Recipient, "subject", m.Subject)
	return nil
}

func (d devSession) Close() error { return nil }
