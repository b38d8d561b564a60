package jobs

import (
	"log/slog"

	"praksis/db"
	"praksis/locale"
)

// Config is what the mail and job machinery needs from the process
// configuration.
type Config struct {
	BaseURL  string
	SMTPURL  string // empty: mail stays in the outbox (DevMailer)
	MailFrom string
	// RequireTLS refuses to send mail over a connection without TLS
	// (production).
	RequireTLS bool
	Sender     SenderConfig
}

// System is the e-mail and scheduling machinery, built once and shared by
// the web app, the scheduler and the run-job command.
type System struct {
	Translator *locale.Translator
	Renderer   *Renderer
	Sender     *Sender
	Scheduler  *Scheduler
}

// NewSystem builds the translator, the mail renderer, the outbox sender and
// the scheduler with every job. Nothing runs until Sender.Start and
// Scheduler.Start.
func NewSystem(store *db.Store, log *slog.Logger, cfg Config) (*System, error) {
	t, err := locale.New()
	if err != nil {
		return nil, err
	}
	r, err := NewRenderer(t, cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	var mailer Mailer = DevMailer{Log: log}
	if cfg.SMTPURL != "" {
		if mailer, err = NewSMTPMailer(cfg.SMTPURL, cfg.MailFrom, cfg.RequireTLS); err != nil {
			return nil, err
		}
	}
	sender := NewSender(store, mailer, log, cfg.Sender)
	sched, err := NewScheduler(store, log, sender.Wake, OutboxJob(sender), Retention(), Status(), Progress(store), Reminders(store, r))
	if err != nil {
		return nil, err
	}
	return &System{Translator: t, Renderer: r, Sender: sender, Scheduler: sched}, nil
}
