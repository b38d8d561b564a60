package mail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode/utf8"

	"praksis/db"
	"praksis/locale"
)

// loadParticipant parses the participant's own mails
// (emails/participant/<name>.txt and .html in their own layout, which
// speaks the participant's language and direction).
func (r *Renderer) loadParticipant(fsys fs.FS) error {
	r.meHTML, r.meText = map[string]*htmltemplate.Template{}, map[string]*texttemplate.Template{}
	layoutHTML, err := htmltemplate.ParseFS(fsys, "emails/participant/layout.html")
	if err != nil {
		return fmt.Errorf("mail: participant mail layout: %w", err)
	}
	layoutText, err := texttemplate.ParseFS(fsys, "emails/participant/layout.txt")
	if err != nil {
		return fmt.Errorf("mail: participant mail layout: %w", err)
	}
	names, err := fs.Glob(fsys, "emails/participant/*.txt")
	if err != nil {
		return err
	}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "emails/participant/"), ".txt")
		if name == "layout" {
			continue
		}
		h, err := htmltemplate.Must(layoutHTML.Clone()).ParseFS(fsys, "emails/participant/"+name+".html")
		if err != nil {
			return fmt.Errorf("mail: participant mail %s: %w", name, err)
		}
		t, err := texttemplate.Must(layoutText.Clone()).ParseFS(fsys, n)
		if err != nil {
			return fmt.Errorf("mail: participant mail %s: %w", name, err)
		}
		r.meHTML[name], r.meText[name] = h, t
	}
	return nil
}

// RenderParticipant renders a participant's own mail in one of the
// participant languages (plain Norwegian for any other). The subject is
// "me.mail.<name>.subject"; by DOMAIN.md's rule it carries no personal
// data beyond the first name and a link.
func (r *Renderer) RenderParticipant(name, lang, recipient, dedupeKey string, d Data) (db.Mail, error) {
	h, ok := r.meHTML[name]
	if !ok {
		return db.Mail{}, fmt.Errorf("mail: no participant mail %q", name)
	}
	if !locale.ValidParticipant(lang) {
		lang = "nb"
	}
	d.Lang, d.t, d.BaseURL, d.Template = lang, r.t, r.baseURL, name
	d.Subject = r.t.T(lang, "me.mail."+name+".subject")
	if d.Vars == nil {
		d.Vars = map[string]string{}
	}
	d.Vars["Dir"] = "ltr"
	if locale.RTL(lang) {
		d.Vars["Dir"] = "rtl"
	}
	var html, text bytes.Buffer
	if err := h.ExecuteTemplate(&html, "layout", d); err != nil {
		return db.Mail{}, fmt.Errorf("mail: render %s: %w", name, err)
	}
	if err := r.meText[name].ExecuteTemplate(&text, "layout", d); err != nil {
		return db.Mail{}, fmt.Errorf("mail: render %s: %w", name, err)
	}
	return db.Mail{DedupeKey: dedupeKey, Recipient: recipient, Template: "participant_" + name, Locale: lang,
		Subject: d.Subject, Text: text.String(), HTML: html.String()}, nil
}

// PlacementICS is a participant's placement as a calendar file: one
// all-day event from the first day to the last, so no time zone is needed;
// text is escaped as RFC 5545 says.
func PlacementICS(pl db.MyPlacement, baseURL string, now time.Time) string {
	esc := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`, "\r", "")
	host := strings.TrimPrefix(strings.TrimPrefix(baseURL, "https://"), "http://")
	summary := pl.OrgName
	if pl.JobTitle != "" {
		summary = pl.JobTitle + " – " + pl.OrgName
	}
	where := strings.TrimSpace(strings.Trim(pl.Address+", "+pl.Municipality, ", "))
	var b strings.Builder
	// Lines longer than 75 octets are folded (RFC 5545 3.1), never inside
	// a UTF-8 sequence.
	line := func(s string) {
		for len(s) > 74 {
			cut := 74
			for cut > 0 && !utf8.RuneStart(s[cut]) {
				cut--
			}
			b.WriteString(s[:cut] + "\r\n ")
			s = s[cut:]
		}
		b.WriteString(s + "\r\n")
	}
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//Praksis//participant//EN")
	line("BEGIN:VEVENT")
	line(fmt.Sprintf("UID:placement-%d@%s", pl.AgreementID, host))
	line("DTSTAMP:" + now.UTC().Format("20060102T150405Z"))
	line("DTSTART;VALUE=DATE:" + pl.StartDate.Format("20060102"))
	line("DTEND;VALUE=DATE:" + pl.EndDate.AddDate(0, 0, 1).Format("20060102"))
	line("SUMMARY:" + esc.Replace(summary))
	if where != "" {
		line("LOCATION:" + esc.Replace(where))
	}
	line("END:VEVENT")
	line("END:VCALENDAR")
	return b.String()
}
