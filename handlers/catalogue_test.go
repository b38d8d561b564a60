package handlers

import (
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"testing"

	"praksis/locale"
	"praksis/views"
)

// Every message exists in both languages, and every literal message ID a
// template uses exists.
func TestCataloguesComplete(t *testing.T) {
	nb, err := locale.Catalogue("nb")
	if err != nil {
		t.Fatal(err)
	}
	en, err := locale.Catalogue("en")
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for k := range nb {
		if _, ok := en[k]; !ok {
			missing = append(missing, "en: "+k)
		}
	}
	for k := range en {
		if _, ok := nb[k]; !ok {
			missing = append(missing, "nb: "+k)
		}
	}
	re := regexp.MustCompile(`\.T "([a-z0-9_.]+)"`)
	err = fs.WalkDir(views.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		b, _ := fs.ReadFile(views.FS, p)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			// Participant messages: TestParticipantCataloguesComplete.
			if _, ok := nb[m[1]]; !ok && !strings.HasPrefix(m[1], "me.") {
				missing = append(missing, p+": "+m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("messages missing:\n%s", strings.Join(missing, "\n"))
	}
	if len(nb) < 100 {
		t.Fatalf("only %d messages: catalogue not loaded?", len(nb))
	}
}

// participantFallback lists, per participant language, the messages not
// yet written in it: they show in plain Norwegian (nb) until a translator
// writes them. Every other message must exist in every language, and a
// message listed here that the language has is an error, so the list
// stays true. uk, en, ar and prs are complete (prs and ti still to be
// read by a native speaker: README).
var participantFallback = map[string][]string{
	"ti": {
		"me.skip", "me.lang.choose", "me.signedout", "me.signin.title",
		"me.signin.intro", "me.signin.hint", "me.signin.bad", "me.signin.slow",
		"me.link.intro", "me.link.submit", "me.bad.title", "me.bad.body",
		"me.bad.code", "me.programme.end", "me.programme.moved", "me.programme.leave",
		"me.programme.goal", "me.goal.work_sector", "me.goal.higher_education", "me.goal.upper_secondary",
		"me.goal.work_or_education", "me.programme.norwegian", "me.programme.levels", "me.programme.levels_intro",
		"me.level.none", "me.level.ikke_nok_grunnlag", "me.programme.next", "me.programme.review", "me.programme.followup", "me.programme.nothing",
		"me.programme.adviser", "me.placement.title", "me.placement.none", "me.placement.days", "me.placement.tasks",
		"me.placement.contact", "me.placement.call", "me.placement.bring", "me.placement.bring_list",
		"me.placement.ill", "me.placement.ill_call", "me.placement.late", "me.placement.late_call",
		"me.placement.calendar", "me.rules.title", "me.rules.self", "me.rules.doctor",
		"me.rules.times", "me.rules.early", "me.rules.child", "me.rules.money",
		"me.rules.ask", "me.attendance.title", "me.attendance.intro", "me.attendance.none", "me.attendance.adviser", "me.mark.present",
		"me.mark.absent_notified", "me.mark.absent_not_notified", "me.mark.absent", "me.mark.not_work_day",
		"me.absence.own_illness_egenmelding", "me.absence.illness_doctor_note", "me.absence.sick_child", "me.absence.welfare_leave",
		"me.absence.approved_leave", "me.absence.other_valid", "me.absence.invalid", "me.consent.intro",
		"me.consent.sees", "me.consent.since", "me.consent.withdraw", "me.consent.withdrawn",
		"me.consent.none", "me.consent.earlier", "me.consent.again", "me.consent.given",
		"me.consent.by_you", "me.consent.by_adviser", "me.item.first_name", "me.item.full_name",
		"me.item.phone", "me.item.levels", "me.item.languages", "me.item.note",
		"me.item.adaptations", "me.item.end_reason", "me.data.intro", "me.data.readers",
		"me.data.readers_intro", "me.data.rights", "me.role.adviser",
		"me.role.admin", "me.role.employer", "me.mail.invite.subject",
		"me.mail.invite.body", "me.mail.invite.link", "me.mail.invite.once", "me.mail.start.subject",
		"me.mail.start.body", "me.mail.review.subject", "me.mail.review.body", "me.mail.footer",
		// The reminders page (branch part): no one here writes Tigrinya well enough.
		"me.nav.reminders", "me.reminders.title", "me.reminders.intro", "me.reminders.state_on",
		"me.reminders.state_off", "me.reminders.to", "me.reminders.no_email", "me.reminders.legend",
		"me.reminders.yes", "me.reminders.no", "me.reminders.save", "me.reminders.bad",
		"me.reminders.saved_on", "me.reminders.saved_off", "me.mail.reminders_off",
	},
}

// Every participant language has the plain-Norwegian catalogue's messages
// (or lists them in participantFallback) and no others; the participant
// catalogues hold "me." IDs only, the staff ones none; every "me." ID a
// template uses exists; and a missing message renders in plain Norwegian,
// never as its ID.
func TestParticipantCataloguesComplete(t *testing.T) {
	nb, err := locale.ParticipantCatalogue("nb")
	if err != nil {
		t.Fatal(err)
	}
	if len(nb) < 100 {
		t.Fatalf("only %d participant messages: catalogue not loaded?", len(nb))
	}
	var problems []string
	for _, l := range locale.Participant {
		cat, err := locale.ParticipantCatalogue(l)
		if err != nil {
			t.Fatal(err)
		}
		fallback := map[string]bool{}
		for _, k := range participantFallback[l] {
			fallback[k] = true
			if _, ok := cat[k]; ok {
				problems = append(problems, l+": "+k+" is written: take it off participantFallback")
			}
			if _, ok := nb[k]; !ok {
				problems = append(problems, l+": "+k+" on participantFallback is no message")
			}
		}
		for k := range nb {
			if _, ok := cat[k]; !ok && !fallback[k] {
				problems = append(problems, l+": missing "+k)
			}
		}
		for k := range cat {
			if _, ok := nb[k]; !ok {
				problems = append(problems, l+": "+k+" is not in nb")
			}
			if !strings.HasPrefix(k, "me.") {
				problems = append(problems, l+": "+k+" does not start with me.")
			}
		}
	}
	for _, l := range locale.Supported {
		staff, err := locale.Catalogue(l)
		if err != nil {
			t.Fatal(err)
		}
		for k := range staff {
			if strings.HasPrefix(k, "me.") {
				problems = append(problems, "staff "+l+": "+k+" belongs in the participant catalogue")
			}
		}
	}
	re := regexp.MustCompile(`\.T "(me\.[a-z0-9_.]+)"`)
	err = fs.WalkDir(views.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		b, _ := fs.ReadFile(views.FS, p)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if _, ok := nb[m[1]]; !ok {
				problems = append(problems, p+": "+m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(problems)
	if len(problems) > 0 {
		t.Fatalf("participant catalogues:\n%s", strings.Join(problems, "\n"))
	}
	tr, err := locale.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range locale.Participant {
		for k := range nb {
			if got := tr.T(l, k, "Name", "Olena", "Days", 3); got == k || got == "" {
				t.Errorf("%s %s renders as %q", l, k, got)
			}
		}
	}
	if got, want := tr.T("ti", "me.programme.end", "Date", "01.02.2027"), "Programmet ditt slutter 01.02.2027."; got != want {
		t.Errorf("a message missing in Tigrinya: %q, want the plain Norwegian %q", got, want)
	}
}

// A text that means the same wherever it is shown is one message, not two
// to keep alike: messages that differ only by whose they are (_adviser,
// _employer, _admin, _nav) say different things, and the duplicates once
// found stay gone (NAV's approval reads as every approval does,
// agreements.approved_on; the dashboard's link to the weeks not logged is
// dashboard.todo_unlogged_link for the adviser and the employer alike).
func TestCataloguesSayATextOnce(t *testing.T) {
	retired := map[string]string{
		"agreements.nav_decided.approved":       "agreements.approved_on",
		"dashboard.todo_unlogged_link_adviser":  "dashboard.todo_unlogged_link",
		"dashboard.todo_unlogged_link_employer": "dashboard.todo_unlogged_link",
	}
	role := regexp.MustCompile(`_(adviser|employer|admin|nav)$`)
	for _, lang := range []string{"nb", "en"} {
		cat, err := locale.Catalogue(lang)
		if err != nil {
			t.Fatal(err)
		}
		for old, kept := range retired {
			if _, ok := cat[old]; ok {
				t.Errorf("%s: %s is back; it says what %s says", lang, old, kept)
			}
			if _, ok := cat[kept]; !ok {
				t.Errorf("%s: %s is missing", lang, kept)
			}
		}
		seen := map[string]string{} // stem and text → the first key
		for _, k := range sortedKeys(cat) {
			stem := role.ReplaceAllString(k, "") + "\x00" + cat[k]
			if first, ok := seen[stem]; ok && first != k {
				t.Errorf("%s: %s and %s say the same (%q): make them one message", lang, first, k, cat[k])
			}
			seen[stem] = k
		}
	}
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
