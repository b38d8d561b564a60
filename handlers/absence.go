package handlers

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

// maxAbsenceNote is the note's limit in absence_classifications.
const maxAbsenceNote = 500

// absencePage is the adviser's absence page: every day reported absent or
// classified across the programme, each with its classification form.
type absencePage struct {
	Page
	P       db.Participant
	Days    []absenceLine
	Flags   []db.AbsenceFlag
	Classes []string
	// Form is the form that failed: FormDay names its day's row, or
	// "new" for the form that adds a day outside the placements.
	Form    Form
	FormDay string
}

// absenceLine is one day with its form values: the stored ones, or the
// ones just posted when this row's form failed.
type absenceLine struct {
	db.AbsenceDay
	Key     string // the day as yyyy-mm-dd: the form's value and the row's id
	Form    Form
	Pg      *Page // for the row's partial: translations and the CSRF token
	Classes []string
	PID     int64
}

func (a *App) absencePageFor(c *fiber.Ctx, pt db.Participant) (absencePage, error) {
	ctx := c.UserContext()
	p := absencePage{Page: a.newPage(c, "absence.title"), P: pt, Classes: db.AbsenceClassifications, Form: newForm()}
	days, err := a.store.Absences(ctx, pt.ID)
	if err != nil {
		return p, err
	}
	for _, d := range days {
		l := absenceLine{AbsenceDay: d, Key: d.Day.Format("2006-01-02"), Form: newForm(), Pg: &p.Page, Classes: p.Classes, PID: pt.ID}
		l.Form.Values["classification"] = derefOr(d.Classification, "")
		l.Form.Values["note"] = d.Note
		p.Days = append(p.Days, l)
	}
	if p.Flags, err = a.store.ProgrammeAbsenceFlags(ctx, pt.ID, a.today()); err != nil {
		return p, err
	}
	return p, nil
}

// absenceShow lists the participant's absence for their adviser (others:
// 403 by role, 404 for another adviser's participant). It is a read of
// the participant, audited like the profile.
func (a *App) absenceShow(c *fiber.Ctx) error {
	pt, err := a.participantFor(c)
	if err != nil {
		return err
	}
	p, err := a.absencePageFor(c, pt)
	if err != nil {
		return err
	}
	if err := a.store.LogParticipantView(c.UserContext(), session(c).User.ID, pt.ID, clientIP(c)); err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "participants/absence", &p)
}

// absenceClassify records or changes the classification of one day, a
// reported one or one the adviser adds (audited by the store).
func (a *App) absenceClassify(c *fiber.Ctx) error {
	pt, err := a.participantFor(c)
	if err != nil {
		return err
	}
	f := newForm()
	for _, k := range []string{"day", "classification", "note", "row"} {
		f.Values[k] = strings.TrimSpace(c.FormValue(k))
	}
	day := requiredDate(&f, "day")
	f.Check(Contains(db.AbsenceClassifications, f.Values["classification"]), "classification", "form.choose")
	f.Check(utf8.RuneCountInString(f.Values["note"]) <= maxAbsenceNote, "note", "form.too_long")
	if f.Valid() {
		err = a.store.ClassifyAbsence(c.UserContext(), db.ClassifyInput{ParticipantID: pt.ID, Day: *day,
			Classification: f.Values["classification"], Note: f.Values["note"], ActorID: session(c).User.ID, IP: clientIP(c)})
		switch {
		case errors.Is(err, db.ErrInvalidAbsence):
			f.Check(false, "day", "absence.outside_programme")
		case err != nil:
			return err
		}
	}
	if !f.Valid() {
		p, err := a.absencePageFor(c, pt)
		if err != nil {
			return err
		}
		p.Form, p.FormDay = f, "new"
		for i := range p.Days {
			if f.Values["row"] != "" && p.Days[i].Key == f.Values["row"] {
				p.Days[i].Form, p.FormDay = f, p.Days[i].Key
			}
		}
		return a.render(c, fiber.StatusUnprocessableEntity, "participants/absence", &p)
	}
	return a.redirect(c, "/participants/"+strconv.FormatInt(pt.ID, 10)+"/absence", "flash.absence_classified")
}
