package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	"praksis/db"
	"praksis/db/seed"
)

// seedScale is `praksis seed --scale N [--seed S]`: N participants with
// everything around them, for benchmarks (seed.Scale). Development only.
func seedScale(ctx context.Context, cfg Config, log *slog.Logger, n int, rngSeed uint64, stdout, stderr io.Writer) error {
	if cfg.Production() {
		return errors.New("seed: scale data is for development only (APP_ENV=production)")
	}
	if n < 10 || n > seed.MaxScale {
		return fmt.Errorf("seed: --scale must be between 10 and %d participants", seed.MaxScale)
	}
	store, err := migratedStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()
	bar := newProgressBar(stderr)
	start := time.Now()
	stats, err := seed.Scale(ctx, store, seed.ScaleOptions{Participants: n, Seed: rngSeed, Progress: bar.update})
	bar.done()
	if err != nil {
		return err
	}
	took := time.Since(start).Round(100 * time.Millisecond)
	fmt.Fprintf(stdout, "seeded %d participants (seed %d) in %s:\n", n, rngSeed, took)
	names := make([]string, 0, len(stats))
	for t := range stats {
		names = append(names, t)
	}
	sort.Slice(names, func(i, j int) bool { return stats[names[i]] > stats[names[j]] })
	for _, t := range names {
		fmt.Fprintf(stdout, "  %-18s %10d\n", t, stats[t])
	}
	fmt.Fprintf(stdout, "every account has the password %q; the demo adviser has the bench caseload, the demo employer many agreements\n", db.DemoPassword)
	return nil
}

// progressBar draws the seed's progress on stderr: one line redrawn in
// place on a terminal, one line per finished stage otherwise (a log).
type progressBar struct {
	w       io.Writer
	tty     bool
	stage   string
	printed string // the last stage a log line was written for
	started time.Time
	last    time.Time
}

func newProgressBar(w io.Writer) *progressBar {
	tty := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progressBar{w: w, tty: tty, started: time.Now()}
}

func (b *progressBar) update(stage string, done, total int64) {
	now := time.Now()
	if stage != b.stage {
		if b.stage != "" && b.tty {
			fmt.Fprintln(b.w)
		}
		b.stage, b.last = stage, time.Time{}
	}
	finished := total > 0 && done >= total
	if !b.tty {
		if finished && b.printed != stage {
			b.printed = stage
			fmt.Fprintf(b.w, "seed: %-18s %10d  %s\n", stage, done, now.Sub(b.started).Round(time.Second))
		}
		return
	}
	if !finished && now.Sub(b.last) < 100*time.Millisecond {
		return
	}
	b.last = now
	const width = 30
	bar, pct := strings.Repeat("·", width), ""
	if total > 0 {
		filled := int(float64(width) * float64(done) / float64(total))
		bar = strings.Repeat("█", filled) + strings.Repeat("·", width-filled)
		pct = fmt.Sprintf("%3d%%", 100*done/total)
	}
	fmt.Fprintf(b.w, "\r%-18s %s %4s %10d/%-10d %s", stage, bar, pct, done, total, now.Sub(b.started).Round(time.Second))
}

func (b *progressBar) done() {
	if b.tty && b.stage != "" {
		fmt.Fprintln(b.w)
	}
}
