// Package jobs runs Praksis' scheduled work: the exactly-once job runner on
// a cron schedule and the jobs themselves. Each job calls Store methods
// (and mail for the reminders' digests); the run's transaction is db's.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sort"
	"time"

	"github.com/robfig/cron/v3"

	"praksis/calendar"
	"praksis/db"
)

// Job is one scheduled task. Run does its database work through tx, the
// run's own transaction (db.Store.RunJob begins and ends it): the work,
// the job_runs row and any mail it queues commit together or not at all.
type Job struct {
	Name        string
	Spec        string // cron spec in Europe/Oslo, e.g. "30 3 * * 0"
	Description string // message ID describing the job for /admin/jobs
	Run         func(ctx context.Context, tx *db.JobTx) (map[string]any, error)
	// Timeout bounds one run (default 10 minutes).
	Timeout time.Duration

	schedule cron.Schedule
}

// Oslo is the zone every schedule is read in.
var Oslo = calendar.Oslo

// Scheduler runs jobs on their schedules through one exactly-once path.
type Scheduler struct {
	store *db.Store
	log   *slog.Logger
	jobs  map[string]*Job
	cron  *cron.Cron
	// after is called after a run commits (e.g. to wake the outbox sender).
	after func()
}

// NewScheduler validates every job's schedule.
func NewScheduler(store *db.Store, log *slog.Logger, after func(), jobs ...Job) (*Scheduler, error) {
	s := &Scheduler{store: store, log: log, jobs: map[string]*Job{}, after: after}
	parser := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)
	for i := range jobs {
		j := jobs[i]
		sched, err := parser.Parse(j.Spec)
		if err != nil {
			return nil, fmt.Errorf("jobs: %s: schedule %q: %w", j.Name, j.Spec, err)
		}
		j.schedule = sched
		if j.Timeout == 0 {
			j.Timeout = 10 * time.Minute
		}
		s.jobs[j.Name] = &j
	}
	return s, nil
}

// Jobs lists the jobs by name.
func (s *Scheduler) Jobs() []*Job {
	out := make([]*Job, 0, len(s.jobs))
	for _, j := range s.jobs {
		out = append(out, j)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out
}

// Job returns a job by name.
func (s *Scheduler) Job(name string) (*Job, bool) {
	j, ok := s.jobs[name]
	return j, ok
}

// Next is the job's next scheduled time after t.
func (j *Job) Next(t time.Time) time.Time { return j.schedule.Next(t.In(Oslo)) }

// SlotAt is the latest scheduled time at or before t: the slot a run at t
// belongs to. Two replicas firing a few seconds apart compute the same slot.
func (j *Job) SlotAt(t time.Time) time.Time {
	t = t.In(Oslo)
	// Step from far enough back that a weekly job has a slot in range.
	probe := j.schedule.Next(t.Add(-8 * 24 * time.Hour))
	slot := probe
	for !probe.After(t) {
		slot = probe
		probe = j.schedule.Next(probe)
	}
	if slot.After(t) { // no slot in range: treat t itself as the slot
		return t.Truncate(time.Minute)
	}
	return slot
}

// Result is what one call to Run did.
type Result struct {
	RunID   int64 // the job_runs row, when the job ran
	Job     string
	Slot    time.Time
	Skipped string // db.JobBusy or db.JobDone when nothing ran
	Status  string // ok or failed
	Stats   map[string]any
	Err     error
	Took    time.Duration
}

// Run runs a job for the slot that contains at, exactly once across
// replicas and retries: db.Store.RunJob takes an advisory lock on the job
// and claims (job, slot) in job_runs in the run's transaction; the job's
// work happens in a savepoint of it, so a failure or panic rolls the work
// back but still records the failed run. force runs even a finished slot.
// The scheduler's part is the job's: its timeout and panic recovery.
func (s *Scheduler) Run(ctx context.Context, name string, at time.Time, force bool) (Result, error) {
	j, ok := s.jobs[name]
	if !ok {
		return Result{}, fmt.Errorf("jobs: no job named %q", name)
	}
	res := Result{Job: name, Slot: j.SlotAt(at)}
	// The run's transaction outlives the job's timeout, so that a job that
	// runs out of time is still recorded as failed; only the work gets the
	// deadline.
	workCtx, cancel := context.WithTimeout(ctx, j.Timeout)
	defer cancel()
	start := time.Now()
	out, err := s.store.RunJob(ctx, name, res.Slot, force, func(tx *db.JobTx) (map[string]any, error) {
		return safeRun(workCtx, j, tx)
	})
	res.RunID, res.Skipped, res.Status, res.Stats, res.Err = out.RunID, out.Skipped, out.Status, out.Stats, out.Err
	if err != nil || res.Skipped != "" {
		return res, err
	}
	res.Took = time.Since(start)
	s.log.Info("job run", "job", name, "slot", res.Slot, "status", res.Status, "took", res.Took, "stats", res.Stats, "err", res.Err)
	if s.after != nil {
		s.after()
	}
	return res, nil
}

// safeRun turns a panic into an error with its stack, so a bad job is
// recorded as failed and the next slot runs normally.
func safeRun(ctx context.Context, j *Job, tx *db.JobTx) (stats map[string]any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	return j.Run(ctx, tx)
}

// Start schedules every job with robfig/cron in Europe/Oslo, skipping a
// firing while the previous run of the same job is still going.
func (s *Scheduler) Start() {
	s.cron = cron.New(cron.WithLocation(Oslo), cron.WithChain(cron.Recover(cronLogger{s.log})))
	for _, j := range s.Jobs() {
		name := j.Name
		job := cron.NewChain(cron.SkipIfStillRunning(cronLogger{s.log})).Then(cron.FuncJob(func() {
			if _, err := s.Run(context.Background(), name, time.Now(), false); err != nil {
				s.log.Error("job run", "job", name, "err", err)
			}
		}))
		s.cron.Schedule(j.schedule, job)
	}
	s.cron.Start()
}

// Stop stops scheduling and waits for running jobs until ctx ends.
func (s *Scheduler) Stop(ctx context.Context) {
	if s.cron == nil {
		return
	}
	select {
	case <-s.cron.Stop().Done():
	case <-ctx.Done():
		s.log.Warn("shutdown: jobs still running were abandoned; their transactions roll back")
	}
}

// LastRuns returns each job's latest runs, for /admin/jobs.
func (s *Scheduler) LastRuns(ctx context.Context, perJob int) (map[string][]db.JobRun, error) {
	out := map[string][]db.JobRun{}
	for name := range s.jobs {
		runs, err := s.store.RecentJobRuns(ctx, name, perJob)
		if err != nil {
			return nil, err
		}
		out[name] = runs
	}
	return out, nil
}

type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}
