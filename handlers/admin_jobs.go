package handlers

import (
	"errors"
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

type jobView struct {
	Name, Spec, Description string
	Next                    time.Time
	Runs                    []db.JobRun
}

type adminJobsPage struct {
	Page
	Jobs        []jobView
	CronEnabled bool
	Result      *jobResult
}

// jobResult is the outcome of a "run now", shown after the redirect.
type jobResult struct {
	Job, Status, Skipped string
	Took                 time.Duration
}

func (a *App) jobsPage(c *fiber.Ctx) (adminJobsPage, error) {
	p := adminJobsPage{Page: a.newPage(c, "admin.jobs.title"), CronEnabled: a.cfg.CronEnabled}
	runs, err := a.sched.LastRuns(c.UserContext(), 5)
	if err != nil {
		return p, err
	}
	now := time.Now()
	for _, j := range a.sched.Jobs() {
		p.Jobs = append(p.Jobs, jobView{Name: j.Name, Spec: j.Spec, Description: j.Description, Next: j.Next(now), Runs: runs[j.Name]})
	}
	return p, nil
}

// adminJobs shows each scheduled job, its schedule and its last runs, and
// the outcome of a "run now" it was redirected to (?run=ID or ?skipped=).
func (a *App) adminJobs(c *fiber.Ctx) error {
	p, err := a.jobsPage(c)
	if err != nil {
		return err
	}
	id, err := queryInt(c, "run", 1, maxBigint, 0)
	if err != nil {
		return err
	}
	if id > 0 {
		if r, err := a.store.JobRunByID(c.UserContext(), id); err == nil {
			p.Result = &jobResult{Job: r.Job, Status: r.Status, Took: r.Duration()}
		} else if !errors.Is(err, db.ErrNotFound) {
			return err
		}
	}
	if sk, job := c.Query("skipped"), c.Query("job"); (sk == db.JobBusy || sk == db.JobDone) && job != "" {
		if _, ok := a.sched.Job(job); ok {
			p.Result = &jobResult{Job: job, Skipped: sk}
		}
	}
	return a.render(c, fiber.StatusOK, "admin/jobs", &p)
}

// adminJobRun runs a job now (a forced run of the current slot), then
// redirects to the jobs page, which shows the outcome: a reload does not
// run the job again.
func (a *App) adminJobRun(c *fiber.Ctx) error {
	name := c.Params("name")
	if _, ok := a.sched.Job(name); !ok {
		return fiber.ErrNotFound
	}
	res, err := a.sched.Run(c.UserContext(), name, time.Now(), true)
	if err != nil {
		return err
	}
	if res.Skipped != "" {
		return a.redirect(c, "/admin/jobs?skipped="+res.Skipped+"&job="+url.QueryEscape(name), "")
	}
	return a.redirect(c, "/admin/jobs?run="+strconv.FormatInt(res.RunID, 10), "")
}
