package jobs

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"praksis/calendar"
	"praksis/db"
	"praksis/mail"
)

// Reminders is the `reminders` job (07:00 Oslo). Each rule decides in one
// statement who is due (db/reminder_rules.go) and records the items in
// reminders_sent, whose unique key makes a rerun, a second replica or a
// catch-up send nothing twice; then every recipient of new items gets ONE
// digest, in their language, held to office hours. All of it happens in
// the run's transaction: the items, the one-click link tokens, the audit
// rows and the mail commit together or not at all.
//
// The day the rules look at is the slot's (a catch-up with `run-job
// reminders --at` looks at that day); a forced run ("run now") looks at
// today on the store's clock.
func Reminders(store *db.Store, r *mail.Renderer) Job {
	return Job{
		Name: "reminders", Spec: "0 7 * * *", Description: "jobs.reminders",
		Run: func(ctx context.Context, tx *db.JobTx) (map[string]any, error) {
			run := tx.Run()
			today := store.Today()
			if !run.Forced {
				today = calendar.Today(run.Slot)
			}
			return SendReminders(ctx, tx, r, ReminderRun{ID: run.ID, Today: today, Now: store.Now(),
				LinkTTL: time.Duration(store.AgreementRules().LinkDays) * 24 * time.Hour})
		},
	}
}

// ReminderRun is one run of the reminders: its job_runs id (part of each
// digest's dedupe key), the day the rules look at, the time now (for the
// office-hours hold) and how long one-click links work.
type ReminderRun struct {
	ID      int64
	Today   time.Time
	Now     time.Time
	LinkTTL time.Duration
}

// SendReminders records the new items of every rule in tx, makes their
// one-click links, and queues one digest per recipient.
//
// Rendering overlaps the database work: the links' tokens are made in Go
// first, then goroutines (one per CPU) render the digests, chunk by chunk,
// while this goroutine stores the links and audit rows and then queues
// each chunk as soon as it is rendered, in recipient order. Everything
// still happens in tx, so the guarantees are the transaction's: a failure
// anywhere (a render error too) returns an error and the run's savepoint
// rolls back the items, links, audit rows and mail together.
func SendReminders(ctx context.Context, tx *db.JobTx, r *mail.Renderer, run ReminderRun) (map[string]any, error) {
	if err := tx.JobSettings(ctx); err != nil {
		return nil, err
	}
	set, err := tx.ReminderSettings(ctx)
	if err != nil {
		return nil, err
	}
	// How long each phase took goes into the run's stats, for the
	// benchmarks and for an operator wondering why a run was slow:
	// deciding (ms_rules), storing links and audit rows (ms_links, while
	// the digests render), rendering (ms_render, from the first digest to
	// the last) and queueing (ms_queue, the time spent inserting).
	stats := map[string]any{}
	began := time.Now()
	items, err := tx.RecordReminders(ctx, run.Today, set, run.ID)
	if err != nil {
		return nil, err
	}
	stats["ms_rules"] = time.Since(began).Milliseconds()
	stats["items"] = len(items)
	for _, it := range items {
		n, _ := stats[it.Rule].(int)
		stats[it.Rule] = n + 1
	}
	links, batch, err := prepareLinks(items)
	if err != nil {
		return nil, err
	}
	stats["links"] = len(links)

	groups := byRecipient(items)
	rendering := renderDigests(r, groups, links, run)
	defer rendering.stop()

	began = time.Now()
	if err := tx.StoreReminderLinks(ctx, batch, run.LinkTTL); err != nil {
		return nil, err
	}
	var participants []int64
	for _, it := range items {
		if it.ParticipantID != nil {
			participants = append(participants, *it.ParticipantID)
		}
	}
	if err := tx.AuditReminded(ctx, participants); err != nil {
		return nil, err
	}
	stats["ms_links"] = time.Since(began).Milliseconds()

	at := OfficeHours(run.Now)
	digests := 0
	var queueing time.Duration
	for c := range rendering.chunks {
		mails, err := rendering.wait(ctx, c)
		if err != nil {
			return nil, err
		}
		t := time.Now()
		n, err := tx.EnqueueAllAt(ctx, mails, at)
		if err != nil {
			return nil, err
		}
		queueing += time.Since(t)
		digests += n
	}
	// The participants' own reminders (issue 16), in their language.
	mine, err := participantReminders(ctx, tx, r, run)
	if err != nil {
		return nil, err
	}
	n, err := tx.EnqueueAllAt(ctx, mine, at)
	if err != nil {
		return nil, err
	}
	stats["participant_mails"] = n
	stats["ms_render"] = rendering.took().Milliseconds()
	stats["ms_queue"] = queueing.Milliseconds()
	stats["digests"] = digests
	if digests > 0 && at.After(run.Now) {
		stats["held_until"] = at.In(Oslo).Format(time.RFC3339)
	}
	return stats, nil
}

// digestChunk is how many digests a rendering goroutine takes at a time,
// and how many one INSERT queues (a variable for the tests).
var digestChunk = 500

// digestRendering is the digests of a run being rendered in the
// background, in chunks of digestChunk recipients.
type digestRendering struct {
	chunks  []renderChunk
	started time.Time
	last    atomic.Int64 // when the last chunk was done, Unix nanoseconds
	cancel  atomic.Bool
}

type renderChunk struct {
	groups [][]db.ReminderItem
	mails  []db.Mail
	err    error
	done   chan struct{}
}

// renderDigests starts rendering one digest per group on GOMAXPROCS
// goroutines. wait gives a chunk's mails in order; stop makes the
// goroutines give up (after an error elsewhere).
func renderDigests(r *mail.Renderer, groups [][]db.ReminderItem, links map[string]string, run ReminderRun) *digestRendering {
	d := &digestRendering{started: time.Now()}
	for len(groups) > 0 {
		n := min(digestChunk, len(groups))
		d.chunks = append(d.chunks, renderChunk{groups: groups[:n], done: make(chan struct{})})
		groups = groups[n:]
	}
	var next atomic.Int64
	workers := min(runtime.GOMAXPROCS(0), len(d.chunks))
	for w := 0; w < workers; w++ {
		go func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(d.chunks) {
					return
				}
				d.render(&d.chunks[i], r, links, run)
			}
		}()
	}
	return d
}

// render renders one chunk. A panic in a template becomes the chunk's
// error, as safeRun makes it one for the job's own goroutine: the run
// fails and rolls back, the process goes on.
func (d *digestRendering) render(c *renderChunk, r *mail.Renderer, links map[string]string, run ReminderRun) {
	defer func() {
		if p := recover(); p != nil {
			c.err = fmt.Errorf("jobs: render digest: panic: %v\n%s", p, debug.Stack())
		}
		d.last.Store(time.Now().UnixNano())
		close(c.done)
	}()
	c.mails = make([]db.Mail, 0, len(c.groups))
	for _, g := range c.groups {
		if d.cancel.Load() {
			c.err = errors.New("jobs: render digest: stopped")
			return
		}
		m, err := r.Digest(g, links, mail.DigestRun{ID: run.ID, Today: run.Today, Now: run.Now})
		if err != nil {
			c.err = err
			return
		}
		c.mails = append(c.mails, m)
	}
}

// wait returns chunk i's mails once rendered (or ctx's error if it ends
// first: the job ran out of time).
func (d *digestRendering) wait(ctx context.Context, i int) ([]db.Mail, error) {
	select {
	case <-d.chunks[i].done:
		return d.chunks[i].mails, d.chunks[i].err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// took is how long rendering took, from the start to the last chunk.
func (d *digestRendering) took() time.Duration {
	last := d.last.Load()
	if last == 0 {
		return 0
	}
	return time.Unix(0, last).Sub(d.started)
}

// stop makes the goroutines skip what they have not rendered yet.
func (d *digestRendering) stop() { d.cancel.Store(true) }

// prepareLinks makes the one-click link of every new attendance and
// evaluation item: the week's attendance form or the phase's evaluation,
// in the supervisor's language, as the agreement page's "send link" makes
// them; and the three answer links of every "ends soon" item to a
// supervisor (keyed mail.LinkKey + ":" + answer). It returns the tokens by key
// and the batch that stores them (in one statement, db.ReminderLinkBatch).
func prepareLinks(items []db.ReminderItem) (map[string]string, *db.ReminderLinkBatch, error) {
	var want []db.ReminderLink
	var keys []string
	for _, it := range items {
		if it.AgreementID == nil {
			continue
		}
		l := db.ReminderLink{AgreementID: *it.AgreementID, Email: it.Recipient, Payload: map[string]any{"lang": it.Locale}}
		switch {
		case it.Rule == db.RuleAttendance && it.Week != nil:
			l.Purpose, l.Payload["week"] = db.PurposeAttendance, it.Week.Format("2006-01-02")
		case it.Rule == db.RuleEvaluation:
			l.Purpose, l.Payload["phase"] = db.PurposeEvaluation, it.Phase
		case it.Rule == db.RuleEnds && it.Audience == db.AudienceSupervisor:
			// Three links, one per answer to "can you offer work or an
			// extension?" (handlers/offer_answers.go).
			for _, answer := range db.OfferAnswers {
				want = append(want, db.ReminderLink{Purpose: db.PurposeOfferAnswer, AgreementID: *it.AgreementID,
					Email: it.Recipient, Payload: map[string]any{"lang": it.Locale, "answer": answer}})
				keys = append(keys, mail.LinkKey(it)+":"+answer)
			}
			continue
		default:
			continue
		}
		want = append(want, l)
		keys = append(keys, mail.LinkKey(it))
	}
	batch, err := db.PrepareReminderLinks(want)
	if err != nil {
		return nil, nil, err
	}
	out := make(map[string]string, len(batch.Tokens))
	for i, t := range batch.Tokens {
		out[keys[i]] = t
	}
	return out, batch, nil
}

// byRecipient groups items per recipient (addresses compare without
// case), recipients and items in a stable order: items by rule, then date.
func byRecipient(items []db.ReminderItem) [][]db.ReminderItem {
	groups := map[string][]db.ReminderItem{}
	var order []string
	for _, it := range items {
		k := strings.ToLower(it.Recipient)
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], it)
	}
	sort.Strings(order)
	rank := map[string]int{}
	for i, r := range db.ReminderRules {
		rank[r] = i
	}
	out := make([][]db.ReminderItem, 0, len(order))
	for _, k := range order {
		g := groups[k]
		sort.SliceStable(g, func(a, b int) bool {
			if rank[g[a].Rule] != rank[g[b].Rule] {
				return rank[g[a].Rule] < rank[g[b].Rule]
			}
			da, dbb := dayOf(g[a]), dayOf(g[b])
			if !da.Equal(dbb) {
				return da.Before(dbb)
			}
			return g[a].SubjectID < g[b].SubjectID
		})
		out = append(out, g)
	}
	return out
}

func dayOf(it db.ReminderItem) time.Time {
	switch {
	case it.On != nil:
		return *it.On
	case it.Week != nil:
		return *it.Week
	}
	return time.Time{}
}

// OfficeHours is when mail queued at now may go out: now, inside 08–16
// Oslo time on a weekday; else 08:00 on the next weekday (a run at 07:00
// waits until 08:00, one on Saturday until Monday).
func OfficeHours(now time.Time) time.Time {
	t := now.In(Oslo)
	y, m, d := t.Date()
	opens := time.Date(y, m, d, 8, 0, 0, 0, Oslo)
	closes := time.Date(y, m, d, 16, 0, 0, 0, Oslo)
	weekday := t.Weekday() != time.Saturday && t.Weekday() != time.Sunday
	switch {
	case weekday && !t.Before(opens) && t.Before(closes):
		return now
	case weekday && t.Before(opens):
		return opens
	}
	for {
		y, m, d = time.Date(y, m, d+1, 12, 0, 0, 0, Oslo).Date()
		next := time.Date(y, m, d, 8, 0, 0, 0, Oslo)
		if next.Weekday() != time.Saturday && next.Weekday() != time.Sunday {
			return next
		}
	}
}
