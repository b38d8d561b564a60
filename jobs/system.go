package jobs

import (
	"log/slog"

	"praksis/db"
	"praksis/locale"
	"praksis/mail"
)

// System is the e-mail and scheduling machinery, built once and shared by
// the web app, the scheduler and the run-job command.
type System struct {
	Renderer  *mail.Renderer
	Sender    *mail.Sender
	Scheduler *Scheduler
}

// NewSystem builds the mail renderer (with t, the translator main builds
// once and also hands to the web app), the outbox sender and the scheduler
// with every job. Nothing runs until Sender.Start and Scheduler.Start.
func NewSystem(store *db.Store, log *slog.Logger, t *locale.Translator, cfg mail.Config) (*System, error) {
	r, err := mail.NewRenderer(t, cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	mailer, err := mail.NewMailer(cfg, log)
	if err != nil {
		return nil, err
	}
	sender := mail.NewSender(store, mailer, log, cfg.Sender)
	sched, err := NewScheduler(store, log, sender.Wake, OutboxJob(sender), Retention(store, t), Status(), Progress(store), Reminders(store, r))
	if err != nil {
		return nil, err
	}
	return &System{Renderer: r, Sender: sender, Scheduler: sched}, nil
}
