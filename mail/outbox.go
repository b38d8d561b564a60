package mail

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"praksis/db"
)

// SenderConfig tunes the outbox sender; zero values take the defaults.
type SenderConfig struct {
	Rate        float64       // mails per second at most (default 10)
	Batch       int           // mails claimed at once (default 50)
	Lease       time.Duration // how long a claim lasts before another sender may take it (default 2m)
	MaxAttempts int           // attempts before a mail is dead (default 8)
	Backoff     time.Duration // first retry delay, doubled per attempt (default 30s)
	MaxBackoff  time.Duration // longest retry delay (default 1h)
}

func (c *SenderConfig) defaults() {
	if c.Rate <= 0 {
		c.Rate = 10
	}
	if c.Batch <= 0 {
		c.Batch = 50
	}
	if c.Lease <= 0 {
		c.Lease = 2 * time.Minute
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	if c.Backoff <= 0 {
		c.Backoff = 30 * time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = time.Hour
	}
}

// Sender delivers the outbox. Any number of senders (goroutines or
// replicas) may run at once: each claims disjoint rows with SKIP LOCKED.
//
// Delivery is at least once: a sender that dies after the SMTP server took
// a mail but before it was marked sent leaves the row leased; when the
// lease expires another sender sends that one mail again. Every other case
// (crash before sending, SMTP errors, a second replica) sends exactly once.
type Sender struct {
	store  *db.Store
	mailer Mailer
	log    *slog.Logger
	cfg    SenderConfig
	owner  string
	wake   chan struct{}
	stop   chan struct{}
	done   chan struct{}
	mu     sync.Mutex // one drain at a time in this process
}

// NewSender builds a sender; Start runs its wake-up loop.
func NewSender(store *db.Store, mailer Mailer, log *slog.Logger, cfg SenderConfig) *Sender {
	cfg.defaults()
	host, _ := os.Hostname()
	return &Sender{store: store, mailer: mailer, log: log, cfg: cfg,
		owner: fmt.Sprintf("%s/%d/%d", host, os.Getpid(), time.Now().UnixNano()),
		wake:  make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
}

// Wake asks the sender to deliver now, e.g. right after a commit that
// queued mail. It never blocks; wake-ups while busy fold into one.
func (s *Sender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Start runs the loop that drains the outbox on every wake-up. The
// every-minute `outbox` job drains too, so nothing waits for a wake-up.
func (s *Sender) Start() {
	go func() {
		defer close(s.done)
		for {
			select {
			case <-s.stop:
				return
			case <-s.wake:
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
				if _, err := s.Drain(ctx); err != nil {
					s.log.Warn("outbox drain", "err", err)
				}
				cancel()
			}
		}
	}()
}

// Stop ends the loop after the current drain, or when ctx ends.
func (s *Sender) Stop(ctx context.Context) {
	close(s.stop)
	select {
	case <-s.done:
	case <-ctx.Done():
	}
}

// DrainStats says what a drain did.
type DrainStats struct {
	Sent   int `json:"sent"`
	Failed int `json:"failed"`
	Dead   int `json:"dead"`
}

// Drain claims and delivers due mail in batches until none is due, over
// one SMTP connection per batch and at most Rate mails per second.
func (s *Sender) Drain(ctx context.Context) (DrainStats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var st DrainStats
	interval := time.Duration(float64(time.Second) / s.cfg.Rate)
	for ctx.Err() == nil {
		batch, err := s.store.ClaimOutbox(ctx, s.owner, s.cfg.Batch, s.cfg.Lease)
		if err != nil || len(batch) == 0 {
			return st, err
		}
		sess, err := s.mailer.Open(ctx)
		if err != nil {
			// The server is unreachable: every claimed mail is a failed
			// attempt and waits for its backoff.
			for _, m := range batch {
				s.fail(ctx, m, err, &st)
			}
			return st, err
		}
		last := time.Time{}
		for _, m := range batch {
			if wait := interval - time.Since(last); wait > 0 && !last.IsZero() {
				select {
				case <-time.After(wait):
				case <-ctx.Done():
				}
			}
			if ctx.Err() != nil {
				// Unsent claims keep their lease and are taken again later.
				break
			}
			last = time.Now()
			if held, err := s.store.RenewLease(ctx, m.ID, s.owner, s.cfg.Lease); err != nil || !held {
				continue // lost to another sender (or the database is gone): not ours to send
			}
			if err := sess.Send(ctx, m); err != nil {
				s.fail(ctx, m, err, &st)
				continue
			}
			if err := s.store.MarkSent(context.WithoutCancel(ctx), m.ID); err != nil {
				s.log.Error("outbox: mail sent but not marked; it may be sent again", "id", m.ID, "err", err)
				continue
			}
			st.Sent++
		}
		_ = sess.Close()
	}
	return st, ctx.Err()
}

func (s *Sender) fail(ctx context.Context, m db.OutboxMail, err error, st *DrainStats) {
	permanent := IsPermanent(err)
	if permanent || m.Attempts >= s.cfg.MaxAttempts {
		st.Dead++
	} else {
		st.Failed++
	}
	s.log.Warn("outbox: delivery failed", "id", m.ID, "attempt", m.Attempts, "permanent", permanent, "err", err)
	if err := s.store.MarkFailed(context.WithoutCancel(ctx), m.ID, s.owner, err.Error(), permanent, s.cfg.MaxAttempts, s.cfg.Backoff, s.cfg.MaxBackoff); err != nil {
		s.log.Error("outbox: could not record failure", "id", m.ID, "err", err)
	}
}
