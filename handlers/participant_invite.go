package handlers

import (
	"bytes"
	"encoding/base64"
	"html/template"
	"image/png"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"
	"github.com/gofiber/fiber/v2"

	"praksis/db"
	"praksis/locale"
	pmail "praksis/mail"
)

func (a *App) participantAccessLink(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	email, lang := strings.TrimSpace(c.FormValue("email")), c.FormValue("lang")
	if addr, perr := mail.ParseAddress(email); perr != nil || addr.Address != email || len(email) > 254 {
		return errStatus(fiber.StatusUnprocessableEntity, "access.bad_email")
	}
	if !locale.ValidParticipant(lang) {
		return errStatus(fiber.StatusUnprocessableEntity, "error.bad_request")
	}
	pt, err := a.store.ParticipantIn(c.UserContext(), id, db.Scope{AdviserID: session(c).User.ID})
	if err != nil {
		return err
	}
	token, err := db.NewToken()
	if err != nil {
		return err
	}
	days := a.cfg.ParticipantLinkDays
	m, err := a.mail.RenderParticipant("invite", lang, email, "participant-invite:"+token[:16], pmail.Data{
		FirstName: pt.FirstName, Link: a.mail.Link("/me/l/" + token), Vars: map[string]string{"Days": strconv.Itoa(days)}})
	if err != nil {
		return err
	}
	m.About = []int64{pt.ID}
	err = a.store.CreateParticipantInvite(c.UserContext(), db.NewParticipantInvite{ParticipantID: id, AdviserID: session(c).User.ID,
		Kind: db.InviteLink, Token: token, TTL: time.Duration(days) * 24 * time.Hour, Email: email, Locale: lang, Mail: &m, IP: clientIP(c)})
	if err != nil {
		return err
	}
	a.wakeMail()
	return a.redirect(c, "/participants/"+strconv.FormatInt(id, 10), "flash.access_sent")
}

// accessCodePage shows a code for a meeting: the QR code (a PNG data URI
// made here) and the short code to type.
type accessCodePage struct {
	Page
	ID      int64
	Name    string
	QR      template.URL
	Code    string
	URL     string
	Minutes int
}

func (a *App) participantAccessCode(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	pt, err := a.store.ParticipantIn(c.UserContext(), id, db.Scope{AdviserID: session(c).User.ID})
	if err != nil {
		return err
	}
	token, err := db.NewToken()
	if err != nil {
		return err
	}
	code, err := db.NewParticipantCode()
	if err != nil {
		return err
	}
	minutes := a.cfg.ParticipantCodeMinutes
	if err := a.store.CreateParticipantInvite(c.UserContext(), db.NewParticipantInvite{ParticipantID: id, AdviserID: session(c).User.ID,
		Kind: db.InviteCode, Token: token, Code: code, TTL: time.Duration(minutes) * time.Minute, IP: clientIP(c)}); err != nil {
		return err
	}
	p := accessCodePage{Page: a.newPage(c, "access.code_title"), ID: id, Name: pt.FirstName, Code: code[:4] + "-" + code[4:],
		URL: a.mail.Link("/me/login"), Minutes: minutes}
	if p.QR, err = qrDataURI(a.mail.Link("/me/l/" + token)); err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "participants/access_code", &p)
}

// qrDataURI draws a link as a QR code, a PNG data URI (CSP allows data:
// images), as the authenticator set-up does.
func qrDataURI(link string) (template.URL, error) {
	code, err := qr.Encode(link, qr.M, qr.Auto)
	if err != nil {
		return "", err
	}
	if code, err = barcode.Scale(code, 264, 264); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, code); err != nil {
		return "", err
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())), nil // #nosec: made here
}

func (a *App) participantAccessEnd(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if _, err := a.store.EndParticipantAccess(c.UserContext(), id, session(c).User.ID, clientIP(c)); err != nil {
		return err
	}
	return a.redirect(c, "/participants/"+strconv.FormatInt(id, 10), "flash.access_ended")
}
