package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
	"praksis/jobs"
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
	Result      *jobs.Result
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

// adminJobs shows each scheduled job, its schedule and its last runs.
func (a *App) adminJobs(c *fiber.Ctx) error {
	p, err := a.jobsPage(c)
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "admin/jobs", &p)
}

// adminJobRun runs a job now (a forced run of the current slot) and shows
// the result on the jobs page.
func (a *App) adminJobRun(c *fiber.Ctx) error {
	name := c.Params("name")
	if _, ok := a.sched.Job(name); !ok {
		return fiber.ErrNotFound
	}
	res, err := a.sched.Run(c.UserContext(), name, time.Now(), true)
	if err != nil {
		return err
	}
	p, err := a.jobsPage(c)
	if err != nil {
		return err
	}
	p.Result = &res
	return a.render(c, fiber.StatusOK, "admin/jobs", &p)
}
