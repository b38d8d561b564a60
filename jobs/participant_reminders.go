package jobs

import (
	"context"
	"fmt"

	"praksis/db"
	"praksis/mail"
)

// participantReminders renders the reminders due to participants
// themselves (their placement starts tomorrow, with the calendar file; a
// plan review is a week away), each in the participant's language and
// greeting by first name only, linking to their own pages.
func participantReminders(ctx context.Context, tx *db.JobTx, r *mail.Renderer, run ReminderRun) ([]db.Mail, error) {
	due, err := tx.ParticipantRemindersDue(ctx, run.Today)
	if err != nil {
		return nil, err
	}
	mails := make([]db.Mail, 0, len(due))
	for _, d := range due {
		day := d.On.Format("02.01.2006")
		key := fmt.Sprintf("participant-%s:%d:%s", d.Kind, d.ParticipantID, d.On.Format("2006-01-02"))
		m, err := r.RenderParticipant(d.Kind, d.Locale, d.Email, key, mail.Data{FirstName: d.FirstName, Link: r.Link("/me"),
			Vars: map[string]string{"Date": day}})
		if err != nil {
			return nil, err
		}
		m.About = []int64{d.ParticipantID}
		if d.Kind == db.ParticipantReminderStart {
			m.ICS = mail.PlacementICS(d.Placement, r.Link(""), run.Now)
		}
		mails = append(mails, m)
	}
	return mails, nil
}
