// Package mail is Praksis' e-mail: rendering a mail from views/emails in
// the recipient's language (reminder digests and their calendars too), the
// SMTP mailer, and the outbox sender that delivers what handlers and jobs
// queue. It sits between them and db: handlers and jobs import it, it
// imports db, and it runs no SQL of its own.
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
	"praksis/views"
)

// Renderer turns an e-mail template (views/emails/<name>.txt and .html,
// each wrapped in its layout) into a db.Mail in the recipient's language.
type Renderer struct {
	t       *locale.Translator
	baseURL string
	html    map[string]*htmltemplate.Template
	text    map[string]*texttemplate.Template
	// The participant's own mails (participant.go), in their language.
	meHTML map[string]*htmltemplate.Template
	meText map[string]*texttemplate.Template
}

// Data is what e-mail templates see. By DOMAIN.md's rule, e-mail
// carries no personal data beyond a first name and a link.
type Data struct {
	Lang      string
	FirstName string
	Link      string
	BaseURL   string
	Subject   string
	Template  string // the template's name: its button is "email.<Template>.button"
	Vars      map[string]string
	t         *locale.Translator
}

// T translates into the mail's language.
func (d Data) T(id string, args ...any) string { return d.t.T(d.Lang, id, args...) }

// Var returns a template variable ("" if unset).
func (d Data) Var(k string) string { return d.Vars[k] }

// NewRenderer parses every e-mail template; a broken one fails at start.
func NewRenderer(t *locale.Translator, baseURL string) (*Renderer, error) {
	return NewRendererFS(t, baseURL, views.FS)
}

// NewRendererFS is NewRenderer with the templates read from fsys (laid out
// as views.FS is: emails/<name>.txt and .html). Tests use it to run a job
// with a template that fails.
func NewRendererFS(t *locale.Translator, baseURL string, fsys fs.FS) (*Renderer, error) {
	r := &Renderer{t: t, baseURL: strings.TrimRight(baseURL, "/"), html: map[string]*htmltemplate.Template{}, text: map[string]*texttemplate.Template{}}
	layoutHTML, err := htmltemplate.ParseFS(fsys, "emails/layout.html")
	if err != nil {
		return nil, fmt.Errorf("mail: mail layout: %w", err)
	}
	layoutText, err := texttemplate.ParseFS(fsys, "emails/layout.txt")
	if err != nil {
		return nil, fmt.Errorf("mail: mail layout: %w", err)
	}
	names, err := fs.Glob(fsys, "emails/*.txt")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "emails/"), ".txt")
		if name == "layout" {
			continue
		}
		h, err := htmltemplate.Must(layoutHTML.Clone()).ParseFS(fsys, "emails/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("mail: mail %s: %w", name, err)
		}
		t, err := texttemplate.Must(layoutText.Clone()).ParseFS(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("mail: mail %s: %w", name, err)
		}
		r.html[name], r.text[name] = h, t
	}
	return r, r.loadParticipant(fsys)
}

// Link makes an absolute URL from a path, on BASE_URL.
func (r *Renderer) Link(path string) string { return r.baseURL + path }

// Render renders template name for one recipient. The subject is the
// message "email.<name>.subject".
func (r *Renderer) Render(name, lang, recipient, dedupeKey string, d Data) (db.Mail, error) {
	h, ok := r.html[name]
	if !ok {
		return db.Mail{}, fmt.Errorf("mail: no mail template %q", name)
	}
	if !locale.Valid(lang) {
		lang = locale.Supported[0]
	}
	d.Lang, d.t, d.BaseURL, d.Template = lang, r.t, r.baseURL, name
	d.Subject = r.t.T(lang, "email."+name+".subject", "Name", d.FirstName)
	var html, text bytes.Buffer
	if err := h.ExecuteTemplate(&html, "layout", d); err != nil {
		return db.Mail{}, fmt.Errorf("mail: render %s: %w", name, err)
	}
	if err := r.text[name].ExecuteTemplate(&text, "layout", d); err != nil {
		return db.Mail{}, fmt.Errorf("mail: render %s: %w", name, err)
	}
	return db.Mail{DedupeKey: dedupeKey, Recipient: recipient, Template: name, Locale: lang,
		Subject: d.Subject, Text: text.String(), HTML: html.String()}, nil
}

// FirstName is the part of a full name an e-mail may carry.
func FirstName(full string) string {
	f, _, _ := strings.Cut(strings.TrimSpace(full), " ")
	return f
}
