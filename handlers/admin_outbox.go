package handlers

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

const outboxPageSize = 50

type adminOutboxPage struct {
	Page
	Status    string
	Statuses  []string
	Recipient string
	Counts    map[string]int
	Mails     []db.OutboxMail
	NextURL   string // keyset link to older mail, "" on the last page
	DevInbox  bool   // no SMTP_URL: this page is where mail is read
}

type adminMailPage struct {
	Page
	Mail db.OutboxMail
}

// adminOutbox lists e-mail newest first with its delivery status; in
// development (no SMTP_URL) it is the inbox.
func (a *App) adminOutbox(c *fiber.Ctx) error {
	p := adminOutboxPage{Page: a.newPage(c, "admin.outbox.title"), Statuses: []string{"", "pending", "failed", "dead", "sent"},
		DevInbox: a.cfg.DevMail}
	p.Status = c.Query("status")
	if !Contains(p.Statuses, p.Status) {
		p.Status = ""
	}
	p.Recipient = truncateRunes(strings.TrimSpace(c.Query("to")), 100)
	// before is an id (bigint): past its range it is refused here, not
	// by PostgreSQL as a 500.
	before, err := queryInt(c, "before", 0, maxBigint, 0)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if p.Counts, err = a.store.OutboxCounts(ctx); err != nil {
		return err
	}
	if p.Mails, err = a.store.OutboxPage(ctx, p.Status, p.Recipient, before, outboxPageSize); err != nil {
		return err
	}
	if len(p.Mails) == outboxPageSize {
		q := fiber.AcquireArgs()
		defer fiber.ReleaseArgs(q)
		q.Set("status", p.Status)
		q.Set("to", p.Recipient)
		q.Set("before", strconv.FormatInt(p.Mails[len(p.Mails)-1].ID, 10))
		p.NextURL = "/admin/outbox?" + q.String()
	}
	return a.render(c, fiber.StatusOK, "admin/outbox", &p)
}

func (a *App) mailFromParam(c *fiber.Ctx) (db.OutboxMail, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return db.OutboxMail{}, err
	}
	return a.store.OutboxMailByID(c.UserContext(), id)
}

// adminMail shows one e-mail exactly as sent: headers, the text part and
// the HTML part in a sandboxed frame.
func (a *App) adminMail(c *fiber.Ctx) error {
	m, err := a.mailFromParam(c)
	if err != nil {
		return err
	}
	p := adminMailPage{Page: a.newPage(c, "admin.outbox.mail_title"), Mail: a.redactLinks(m)}
	return a.render(c, fiber.StatusOK, "admin/mail", &p)
}

// adminMailHTML serves a mail's HTML part for the preview frame, with a
// policy of its own: no script at all, the inline styles e-mail needs, and
// framing only by this site.
func (a *App) adminMailHTML(c *fiber.Ctx) error {
	m, err := a.mailFromParam(c)
	if err != nil {
		return err
	}
	c.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox")
	c.Set("X-Frame-Options", "SAMEORIGIN")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.SendString(a.redactLinks(m).HTML)
}

// adminMailRetry puts a dead or failed mail back in the queue and wakes
// the sender.
func (a *App) adminMailRetry(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := a.store.RetryMail(c.UserContext(), id); err != nil {
		return err
	}
	a.wakeMail()
	return a.redirect(c, "/admin/outbox/"+strconv.FormatInt(id, 10), "flash.mail_retried")
}

// linkTokenRe matches the one-time links in a mail (BASE_URL/l/<token>).
var linkTokenRe = regexp.MustCompile(`/l/[A-Za-z0-9_-]{20,}`)

// redactLinks hides one-time link tokens from the admin's view of a mail
// outside development: an admin who could follow a colleague's reset link
// could take over the account. In development (no SMTP_URL) the outbox is
// the inbox, and the links are what a developer needs.
func (a *App) redactLinks(m db.OutboxMail) db.OutboxMail {
	if a.cfg.DevMail {
		return m
	}
	m.Text = linkTokenRe.ReplaceAllString(m.Text, "/l/…")
	m.HTML = linkTokenRe.ReplaceAllString(m.HTML, "/l/…")
	return m
}
