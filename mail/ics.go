package mail

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"praksis/db"
)

// startsCalendar is the iCalendar body (RFC 5545) a digest carries when it
// has "starts" items (reminder rule 1): one all-day VEVENT per starting
// agreement, UID agreement-<id>@praksis so a calendar updates rather than
// duplicates the event when a later digest carries it again. The summary
// is "Praksisstart"/"Placement starts" in the recipient's language and the
// job title: no participant's name. "" when there is nothing to attach.
func (r *Renderer) startsCalendar(lang string, starts []db.ReminderItem, now time.Time) string {
	if len(starts) == 0 {
		return ""
	}
	var b strings.Builder
	line := func(s string) { b.WriteString(foldICS(s)) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//Praksis//Praksis//" + strings.ToUpper(lang))
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	stamp := now.UTC().Format("20060102T150405Z")
	for _, it := range starts {
		day := *it.On
		line("BEGIN:VEVENT")
		line("UID:agreement-" + strconv.FormatInt(*it.AgreementID, 10) + "@praksis")
		line("DTSTAMP:" + stamp)
		line("DTSTART;VALUE=DATE:" + day.Format("20060102"))
		line("DTEND;VALUE=DATE:" + day.AddDate(0, 0, 1).Format("20060102"))
		line("SUMMARY:" + escapeICS(r.t.T(lang, "email.ics.summary", "Title", it.Title)))
		line("TRANSP:TRANSPARENT")
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	return b.String()
}

// escapeICS escapes a TEXT value: backslash, semicolon, comma and line
// breaks (RFC 5545 3.3.11).
func escapeICS(s string) string {
	return strings.NewReplacer(`\`, `\\`, `;`, `\;`, `,`, `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// foldICS ends a content line with CRLF, folded so no line is longer than
// 75 octets (a continuation starts with a space), never inside a UTF-8
// character (RFC 5545 3.1).
func foldICS(s string) string {
	var b strings.Builder
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
	return b.String()
}
