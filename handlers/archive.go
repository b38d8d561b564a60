package handlers

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

// archivePage lists the archive bundles the municipality's archive has
// yet to collect, and those waiting to be cleared (admin).
type archivePage struct {
	Page
	Bundles []db.ArchiveBundle
	// Refused is the message of an "anonymise now" the store refused,
	// and Bundle the bundle it was about.
	Refused string
	Bundle  int64
}

// archiveRefusals are the store's refusals of an anonymisation, each
// with what the admin is told.
var archiveRefusals = []struct {
	err   error
	msgID string
}{
	{db.ErrNotDue, "archive.not_due"},
	{db.ErrAgreementOpen, "archive.agreement_open"},
	{db.ErrNotArchived, "archive.not_archived"},
}

func (a *App) archivePageFor(c *fiber.Ctx) (archivePage, error) {
	p := archivePage{Page: a.newPage(c, "archive.title")}
	var err error
	p.Bundles, err = a.store.ArchiveBundles(c.UserContext())
	return p, err
}

// adminArchive lists the bundles.
func (a *App) adminArchive(c *fiber.Ctx) error {
	p, err := a.archivePageFor(c)
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "admin/archive", &p)
}

// adminArchiveDownload hands a bundle to the admin for the archive; the
// first download lets the nightly step anonymise (audited by the store).
func (a *App) adminArchiveDownload(c *fiber.Ctx) error {
	id, err := c.ParamsInt("id")
	if err != nil || id <= 0 {
		return fiber.ErrNotFound
	}
	now := a.store.Now()
	ctype, content, err := a.store.DownloadArchiveBundle(c.UserContext(), int64(id), session(c).User.ID, clientIP(c), now)
	if err != nil {
		return err
	}
	ext := ".html"
	if ctype == "application/pdf" {
		ext = ".pdf"
	}
	c.Set(fiber.HeaderContentType, ctype)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="praksis-arkiv-`+strconv.Itoa(id)+ext+`"`)
	return c.Status(fiber.StatusOK).Send(content)
}

// adminArchiveAnonymise anonymises the bundle's participant now instead
// of waiting for the nightly step, with the same refusals (running
// agreement, retention not ended, bundle not collected), shown on the
// page; nothing changes on a refusal.
func (a *App) adminArchiveAnonymise(c *fiber.Ctx) error {
	id, err := c.ParamsInt("id")
	if err != nil || id <= 0 {
		return fiber.ErrNotFound
	}
	p, err := a.archivePageFor(c)
	if err != nil {
		return err
	}
	var participantID int64
	for _, b := range p.Bundles {
		if b.ID == int64(id) && !b.Anonymised {
			participantID = b.ParticipantID
		}
	}
	if participantID == 0 {
		return fiber.ErrNotFound
	}
	err = a.store.AnonymiseParticipant(c.UserContext(), participantID, session(c).User.ID, a.today(), a.store.Now(), a.store.RetentionRules())
	for _, r := range archiveRefusals {
		if errors.Is(err, r.err) {
			p.Refused, p.Bundle = p.T(r.msgID), int64(id)
			return a.render(c, fiber.StatusConflict, "admin/archive", &p)
		}
	}
	if err != nil {
		return err
	}
	return a.redirect(c, "/admin/archive", "flash.anonymised")
}

// KB is a bundle's size as the table shows it, in whole kilobytes (at
// least 1, so a small bundle does not read as empty).
func (p *archivePage) KB(n int) string {
	return p.T("archive.size_kb", "KB", max(1, (n+512)/1024))
}
