package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"time"

	"praksis/db"
	"praksis/jobs"
	"praksis/locale"
	"praksis/mail"
)

// mailAndJobs builds the translator, then the e-mail and job machinery
// from the configuration. The translator is made here, once, and handed to
// both the mail renderer and (by serve) the web app, so a page and the
// mail it sends speak from the same catalogues.
func mailAndJobs(cfg Config, store *db.Store, log *slog.Logger) (*locale.Translator, *jobs.System, error) {
	tr, err := locale.New()
	if err != nil {
		return nil, nil, err
	}
	sys, err := jobs.NewSystem(store, log, tr, mail.Config{BaseURL: cfg.BaseURL, SMTPURL: cfg.SMTPURL, MailFrom: cfg.MailFrom,
		RequireTLS: cfg.Production(), Sender: mail.SenderConfig{Rate: cfg.MailRate, MaxAttempts: cfg.MailMaxAttempts}})
	if err != nil {
		return nil, nil, err
	}
	return tr, sys, nil
}

// runJob is `praksis run-job NAME [--at RFC3339] [--force]`: one run now,
// through the same exactly-once path the schedule uses.
func runJob(ctx context.Context, cfg Config, log *slog.Logger, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("run-job", flag.ContinueOnError)
	at := fs.String("at", "", "run the slot that contains this time (RFC 3339); default now")
	force := fs.Bool("force", false, "run even if the slot has already run")
	var name string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if name == "" && fs.NArg() > 0 {
		name = fs.Arg(0)
	}
	when := time.Now()
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			return fmt.Errorf("run-job: --at %q is not an RFC 3339 time such as 2026-11-26T07:00:00+01:00", *at)
		}
		when = t
	}
	store, err := openStore(cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	_, mj, err := mailAndJobs(cfg, store, log)
	if err != nil {
		return err
	}
	if _, ok := mj.Scheduler.Job(name); !ok {
		var names []string
		for _, j := range mj.Scheduler.Jobs() {
			names = append(names, j.Name)
		}
		sort.Strings(names)
		return fmt.Errorf("run-job: say which job: %s", strings.Join(names, ", "))
	}
	res, err := mj.Scheduler.Run(ctx, name, when, *force)
	if err != nil {
		return err
	}
	slot := res.Slot.Format(time.RFC3339)
	switch res.Skipped {
	case db.JobDone:
		fmt.Fprintf(stdout, "%s %s: already ran; nothing done (use --force to run again)\n", name, slot)
		return nil
	case db.JobBusy:
		fmt.Fprintf(stdout, "%s %s: running elsewhere right now; nothing done\n", name, slot)
		return nil
	}
	fmt.Fprintf(stdout, "%s %s: %s in %s %s\n", name, slot, res.Status, res.Took.Round(time.Millisecond), statsString(res.Stats))
	if res.Err != nil {
		return errors.New("run-job: " + res.Err.Error())
	}
	return nil
}

// firstFigures runs the progress job for the slot of now when no KPI has
// been measured yet, so /admin/kpi has figures from the first start
// instead of from the first night. It goes through the scheduler's
// exactly-once path: of replicas starting together one runs the slot, the
// others find it taken. ran is false when figures existed or another
// replica had the slot.
func firstFigures(ctx context.Context, store *db.Store, sched *jobs.Scheduler, now time.Time) (ran bool, err error) {
	day, err := store.LatestKPIDay(ctx)
	if err != nil || day != nil {
		return false, err
	}
	res, err := sched.Run(ctx, "progress", now, false)
	if err != nil {
		return false, err
	}
	if res.Err != nil {
		return false, fmt.Errorf("progress: %w", res.Err)
	}
	return res.Skipped == "", nil
}

func statsString(stats map[string]any) string {
	keys := make([]string, 0, len(stats))
	for k := range stats {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%v", k, stats[k])
	}
	return strings.Join(parts, " ")
}
