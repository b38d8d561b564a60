package report

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"time"

	"praksis/db"
	"praksis/locale"
)

//go:embed templates/archive.html
var templates embed.FS

var archiveTmpl = template.Must(template.New("archive.html").Funcs(template.FuncMap{
	"datetime": func(t time.Time) string { return DateTime(t) },
}).ParseFS(templates, "templates/archive.html"))

// ArchiveContentType is the content type of an archive bundle.
const ArchiveContentType = "text/html; charset=utf-8"

// ArchiveLang is the language of the archive bundle: the municipality's
// archive keeps its cases in Norwegian.
const ArchiveLang = "nb"

// ArchiveHTML renders a participant's archive bundle: one printable HTML
// document (no scripts, no outside resources: the archive opens it as it
// is, or prints it to PDF/A) of the ArchiveSections of in.
func ArchiveHTML(tr *locale.Translator, in db.Innsyn) ([]byte, error) {
	doc, err := Build(tr, ArchiveLang, in, ArchiveSections)
	if err != nil {
		return nil, err
	}
	data := archiveData{Doc: doc, ParticipantID: in.ParticipantID, tr: tr}
	var b bytes.Buffer
	if err := archiveTmpl.Execute(&b, data); err != nil {
		return nil, fmt.Errorf("report: archive bundle: %w", err)
	}
	return b.Bytes(), nil
}

// archiveData is what the bundle's template reads.
type archiveData struct {
	Doc           Document
	ParticipantID int64
	tr            *locale.Translator
}

// T translates a message into the bundle's language.
func (d archiveData) T(id string, args ...any) string { return d.tr.T(ArchiveLang, id, args...) }
