package mail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"strings"
	texttemplate "text/template"

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
