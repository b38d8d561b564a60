package handlers

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
	"praksis/report"
)

// innsynPage is the answer to a participant's access request (GDPR art.
// 15) as a document that prints: the person, then every section as a
// table, in the language asked for (report builds it; the archive bundle
// is built from the same sections).
type innsynPage struct {
	Page
	P        db.Participant
	Produced time.Time
	Person   []report.Cell
	Sections []report.Section
	Other    string // the other language the document can be produced in
}

// innsynShow renders everything held about the participant (their
// adviser or an admin; audited by the store). ?lang=nb|en chooses the
// document's language whatever the reader's own.
func (a *App) innsynShow(c *fiber.Ctx) error {
	pt, err := a.participantFor(c)
	if err != nil {
		return err
	}
	in, err := a.store.Innsyn(c.UserContext(), pt.ID, session(c).User.ID, clientIP(c))
	if err != nil {
		return err
	}
	p := innsynPage{Page: a.newPage(c, "innsyn.title"), P: pt, Produced: in.ProducedAt}
	if l := c.Query("lang"); validLocale(l) {
		p.Locale = l
		p.Title = p.T("innsyn.title")
	}
	p.Other = p.OtherLocale()
	doc, err := report.Build(a.tr, p.Locale, in, report.InnsynSections)
	if err != nil {
		return err
	}
	p.Person, p.Sections = doc.Person, doc.Sections
	return a.render(c, fiber.StatusOK, "participants/innsyn", &p)
}

// innsynJSON is the machine-readable answer: the store's Innsyn as it is,
// as a download (audited by the store).
func (a *App) innsynJSON(c *fiber.Ctx) error {
	pt, err := a.participantFor(c)
	if err != nil {
		return err
	}
	in, err := a.store.Innsyn(c.UserContext(), pt.ID, session(c).User.ID, clientIP(c))
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(in, "", "  ")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="innsyn-`+strconv.FormatInt(pt.ID, 10)+`.json"`)
	return c.Status(fiber.StatusOK).Send(b)
}
