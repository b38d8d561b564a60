package mail

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"praksis/db"
	"praksis/locale"
)

// DigestRun is what a digest needs to know of the reminders run that
// makes it: the run's job_runs id and the day the rules looked at (both in
// the digest's dedupe key), and the time now (the calendar's DTSTAMP).
type DigestRun struct {
	ID    int64
	Today time.Time
	Now   time.Time
}

// LinkKey names an item's one-click link in the map Digest reads: the
// reminders job makes the links and keys them so (an "ends soon" item's
// three answer links add ":" and the answer).
func LinkKey(it db.ReminderItem) string {
	return it.Rule + ":" + strconv.FormatInt(it.SubjectID, 10) + ":" + it.Period + ":" + strings.ToLower(it.Recipient)
}

// DigestItem is one line of a digest: its text and, when it has one, a
// link with its label.
type DigestItem struct {
	Text, Link, LinkLabel string
	// Answers: the one-click answers of an "ends soon" item to the
	// supervisor (job, extension, no), under AnswersLabel.
	Answers      []DigestLink
	AnswersLabel string
}

// DigestLink is one labelled link of a digest item.
type DigestLink struct {
	Link, Label string
}

// digestData is what views/emails/digest.{txt,html} see: the usual mail
// data (greeting, the button into Praksis) and the items.
type digestData struct {
	Data
	Items []DigestItem
	// Account: the recipient can sign in and choose their reminders;
	// without one (a supervisor known by address) the mail says why it came.
	Account bool
}

// Digest renders one recipient's digest of a run: items are theirs, in
// the order the digest lists them, and links holds the one-click tokens by
// LinkKey. The participant appears by first name only; dates, titles and
// organisation names are not personal.
func (r *Renderer) Digest(items []db.ReminderItem, links map[string]string, run DigestRun) (db.Mail, error) {
	first := items[0]
	lang := first.Locale
	if !locale.Valid(lang) {
		lang = locale.Supported[0]
	}
	d := digestData{Account: first.HasAccount}
	var starts []db.ReminderItem
	d.Data = Data{FirstName: FirstName(first.RecipientName), Link: r.Link("/"), Lang: lang, t: r.t,
		BaseURL: r.baseURL, Template: "digest"}
	for _, it := range items {
		item := r.digestItem(lang, it, links[LinkKey(it)])
		for _, answer := range db.OfferAnswers {
			if t := links[LinkKey(it)+":"+answer]; t != "" {
				item.Answers = append(item.Answers, DigestLink{Link: r.Link("/l/" + t), Label: r.t.T(lang, "offer.answer_"+answer)})
				item.AnswersLabel = r.t.T(lang, "email.digest.answer_intro")
			}
		}
		d.Items = append(d.Items, item)
		if it.Rule == db.RuleStarts && it.AgreementID != nil && it.On != nil {
			starts = append(starts, it)
		}
	}
	d.Subject = r.t.T(lang, "email.digest.subject", "Count", len(items))
	var html, text bytes.Buffer
	html.Grow(4096 + 1024*len(items))
	text.Grow(1024 + 512*len(items))
	if err := r.html["digest"].ExecuteTemplate(&html, "layout", d); err != nil {
		return db.Mail{}, fmt.Errorf("mail: render digest: %w", err)
	}
	if err := r.text["digest"].ExecuteTemplate(&text, "layout", d); err != nil {
		return db.Mail{}, fmt.Errorf("mail: render digest: %w", err)
	}
	return db.Mail{DedupeKey: db.DigestKey(first.Recipient, run.Today, run.ID), Recipient: first.Recipient, Template: "digest",
		Locale: lang, Subject: d.Subject, Text: text.String(), HTML: html.String(),
		ICS: r.startsCalendar(lang, starts, run.Now), About: about(items)}, nil
}

// about lists the participants a digest's items are about, each once, in
// the items' order.
func about(items []db.ReminderItem) []int64 {
	var out []int64
	seen := map[int64]bool{}
	for _, it := range items {
		if it.ParticipantID != nil && !seen[*it.ParticipantID] {
			seen[*it.ParticipantID] = true
			out = append(out, *it.ParticipantID)
		}
	}
	return out
}

// digestItem writes one item: the message email.digest.<rule>.<audience>
// and its link (a one-click link for attendance and evaluations, else the
// page in Praksis for someone who can sign in).
func (r *Renderer) digestItem(lang string, it db.ReminderItem, token string) DigestItem {
	date := ""
	if it.On != nil {
		date = it.On.Format("02.01.2006")
	}
	week := ""
	if it.Week != nil {
		_, w := it.Week.ISOWeek()
		week = strconv.Itoa(w)
	}
	phase, msg, reason := "", "email.digest."+it.Rule+"."+it.Audience, ""
	switch {
	case it.Rule == db.RuleEvaluation && it.Phase != "":
		phase = r.t.T(lang, "email.evaluation.phase_"+it.Phase)
	case it.Rule == db.RuleProgrammeEnd && it.Phase != "":
		// Why the one risk rule flags them (participant_measure).
		msg, reason = "email.digest.programme_end_reason."+it.Audience, r.t.T(lang, "email.digest.reason."+it.Phase)
	}
	out := DigestItem{Text: r.t.T(lang, msg, "Name", it.FirstName, "Title", it.Title,
		"Org", it.OrgName, "Date", date, "Week", week, "Phase", phase, "Reason", reason)}
	id := func(p *int64) string { return strconv.FormatInt(*p, 10) }
	switch {
	case token != "":
		out.Link = r.Link("/l/" + token)
		out.LinkLabel = r.t.T(lang, "email.digest.link_"+it.Rule, "Week", week)
	case !it.HasAccount:
	case it.Rule == db.RuleOrgWaiting:
		out.Link, out.LinkLabel = r.Link("/admin/organisations"), r.t.T(lang, "email.digest.link_organisations")
	case it.Rule == db.RuleProposal && it.ProposalID != nil:
		out.Link, out.LinkLabel = r.Link("/proposals/"+id(it.ProposalID)), r.t.T(lang, "email.digest.link_proposal")
	case (it.Rule == db.RuleProgrammeEnd || it.Rule == db.RuleProposalAdviser || it.Rule == db.RulePlanReview) && it.ParticipantID != nil:
		out.Link, out.LinkLabel = r.Link("/participants/"+id(it.ParticipantID)), r.t.T(lang, "email.digest.link_participant")
	case it.AgreementID != nil:
		out.Link, out.LinkLabel = r.Link("/agreements/"+id(it.AgreementID)), r.t.T(lang, "email.digest.link_agreement")
	}
	return out
}
