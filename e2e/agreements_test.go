package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"praksis/calendar"
	"praksis/db"
	"praksis/db/dbtest"
)

// TestAgreementJourney continues the proposal's story to a running
// placement: the adviser proposes, the supervisor's mail leads the
// employer to accept, which opens the agreement prefilled from the
// placement; the employer walks its steps and approves, the adviser
// (told by mail) records the participant's consent on their behalf and
// approves last, and the agreement runs from today. The supervisor logs
// today's attendance and evaluates the start through one-click mail
// links without signing in (the mails carry no name); the adviser sees
// both on the agreement, the profile and the caseload; the printable
// summary lists the approvals; two people saving the same step get the
// "someone changed it first" answer. Every page is checked with axe; the
// agreement page once in English and once on a 375 px phone, the link
// form on a phone as a supervisor would open it.
//
// The server shares the store but its clock is the real one (other
// journeys run on the same server), so the agreement starts today: the
// form refuses a start in the past, and only today can be logged.
func TestAgreementJourney(t *testing.T) {
	journey(t, resEmployer, resSearch, resReminders)
	ctx := context.Background()
	employer, err := store.UserByEmail(ctx, "arbeidsgiver@example.org")
	if err != nil {
		t.Fatal(err)
	}
	// A fresh adviser: the "agreement to approve" mail is theirs alone,
	// and the caseload holds only this journey's participant.
	adviserAddr, adviserID, err := newAdviser(ctx, "radgiver-avtale-", "Randi Rådgiver ")
	if err != nil {
		t.Fatal(err)
	}

	today := osloToday(t)
	monday := calendar.Monday(today)
	todayIdx := int(today.Sub(monday).Hours() / 24) // 0 = Monday
	// The week form shows the days the agreement can be worked on: Monday
	// to Friday, or to the days-per-week-th day for six or seven
	// (attendance_week_due, migration 00024): on a weekend the journey
	// needs seven, so that today is a working day of the agreement.
	days := "5"
	if todayIdx >= 5 {
		days = "7"
	}
	town := unique("Avtaleby")
	firstName, lastName := "Oksana", unique("Avtalesen")
	pid, err := store.CreateParticipant(ctx, adviserID, db.ParticipantInput{
		FirstName: firstName, LastName: lastName, BirthYear: 1990, Languages: []string{"uk"},
		Education: "upper_secondary", Regime: "kap6a", ProgrammeStart: today.AddDate(0, -4, 0), ProgrammeEnd: today.AddDate(0, 10, 0),
		GoalCategory: "work_sector", GoalSector: "hospitality", Municipality: town, Status: "active",
		Goals: map[string]db.Level{"listening": db.LevelB1, "reading": db.LevelB1, "writing": db.LevelB1, "oral": db.LevelB1},
	}, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	supervisor := unique("veileder-avtale-") + "@e2e.example"
	placementTitle := unique("Kjøkkenassistent ")
	hours, perWeek := 25, 5
	plStart, plEnd := today.AddDate(0, 0, -7), today.AddDate(0, 6, 0)
	placementID, err := store.CreatePlacement(ctx, *employer.OrganisationID, employer.ID, db.PlacementInput{
		Kind: "arbeidspraksis", Title: placementTitle, Tasks: "Oppvask og enkel matlaging.", Sector: "hospitality",
		Municipality: town, HoursPerWeek: &hours, DaysPerWeek: &perWeek, StartDate: &plStart, EndDate: &plEnd, Seats: 1,
		SupervisorName: "Siv Kjøkken", SupervisorEmail: supervisor,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SetPlacementStatus(ctx, placementID, *employer.OrganisationID, employer.ID, db.PlacementPublished, []string{db.PlacementDraft}, "publish", ""); err != nil {
		t.Fatal(err)
	}
	noName := func(what, s string) {
		t.Helper()
		if strings.Contains(s, firstName) || strings.Contains(s, lastName) {
			t.Errorf("%s carries the participant's name:\n%s", what, s)
		}
	}

	// The participant agreed to share with the organisation (the consent
	// page is TestPrivacyPages').
	if _, err := store.GiveConsent(ctx, db.ConsentInput{ParticipantID: pid, OrganisationID: *employer.OrganisationID,
		Items: []string{db.ItemFirstName, db.ItemLevels, db.ItemLanguages, db.ItemNote}, GivenHow: db.ConsentInPerson, ActorID: adviserID}); err != nil {
		t.Fatal(err)
	}

	// 1. The adviser proposes the participant for the placement. The
	// suggestions, the proposal page and the login form are checked with
	// axe by TestProposalJourney and the others; here every agreement,
	// step and link page is.
	a := newTab(t)
	a.expectStatus("adviser signs in", a.signIn(adviserAddr, db.DemoPassword), 200)
	a.ensureLanguage("nb")
	profile := fmt.Sprintf("/participants/%d", pid)
	a.expectStatus("suggestions", a.open(profile+"/suggestions"), 200)
	first := `main ol.hits > li:first-child`
	if got := a.text(first + ` h2 a`); got != placementTitle {
		t.Fatalf("the best suggestion is %q, want %q (in the person's municipality)", got, placementTitle)
	}
	a.do(click(first + ` details.propose summary`))
	a.fill(first+` textarea[name="note"]`, "Har kjøkkenerfaring.")
	a.expectStatus("send the proposal", a.submit(first+` form button[type="submit"]`), 200)
	a.expectPath(profile)
	a.expect("flash", a.text("#alerts"), a.msg("flash.proposal_sent"))

	// 2. The employer follows the supervisor's mail, signs in on the way
	// and accepts: the agreement opens, prefilled from the placement.
	e := newTab(t)
	m := e.mailWith(supervisor, message(t, "nb", "email.proposal.subject"))
	noName("the proposal mail", m.Text+m.HTML)
	link := regexp.MustCompile(regexp.QuoteMeta(baseURL) + `/proposals/\d+`).FindString(m.Text)
	if link == "" {
		t.Fatalf("no link to the proposal in:\n%s", m.Text)
	}
	proposal := strings.TrimPrefix(link, baseURL)
	e.expectStatus("follow the mail's link", e.open(proposal), 200)
	e.expectPath("/login")
	e.fill("#f-email", "arbeidsgiver@example.org")
	e.fill("#f-password", db.DemoPassword)
	e.expectStatus("sign in from the link", e.submit(`main form[action="/login"] button[type="submit"]`), 200)
	e.expectPath(proposal)
	e.ensureLanguage("nb")
	e.expectStatus("accept", e.submit(`main form[action="`+proposal+`/accept"] button`), 200)
	e.expect("flash", e.text("#alerts"), e.msg("flash.proposal_accepted"))
	// Accepting leads to the agreement's first step (issue 20: before, to
	// the agreement's page, where the steps were not read).
	firstStep := regexp.MustCompile(`^(/agreements/\d+)/steps/contacts$`).FindStringSubmatch(e.path())
	if firstStep == nil {
		t.Fatalf("accepting led to %s, want /agreements/:id/steps/contacts", e.path())
	}
	agreementPath := firstStep[1]
	e.expect("first step after accepting", e.text(`ol.steps a[aria-current="step"]`), e.msg("agreements.step.contacts"))
	e.expectStatus("the agreement", e.open(agreementPath), 200)
	statusTag := `.page-head .status`
	e.expect("status after accepting", e.text(statusTag), e.msg("agreements.status.awaiting_approval"))
	heading := e.text("main h1")
	if !strings.Contains(heading, firstName) || strings.Contains(heading, lastName) {
		t.Errorf("the employer's heading %q: want the first name and not the last", heading)
	}
	e.checkPage("agreement-new")

	// The steps, from the first one's edit link.
	e.expectStatus("edit contacts", e.submit(`main a[href="`+agreementPath+`/steps/contacts"]`), 200)
	e.expect("current step", e.text(`ol.steps a[aria-current="step"]`), e.msg("agreements.step.contacts"))
	e.expect("prefilled supervisor", e.value("#f-supervisor_name"), "Siv Kjøkken")
	e.expect("prefilled supervisor e-mail", e.value("#f-supervisor_email"), supervisor)
	e.checkPage("agreement-step-contacts")
	saveContinue := `main form button[name="continue"]`
	e.expectStatus("contacts: save and continue", e.submit(saveContinue), 200)
	e.expectPath(agreementPath + "/steps/goals")

	if !eval[bool](e, `document.querySelector("#f-goal-language").checked`) {
		t.Error("the goal «Lære norsk på arbeidsplassen» is not checked from the start")
	}
	e.expect("language goal", e.text(`label[for="f-goal-language"]`), "Lære norsk på arbeidsplassen")
	e.do(click("#f-goal-work_experience"))
	e.checkPage("agreement-step-goals")
	e.expectStatus("goals: save and continue", e.submit(saveContinue), 200)
	e.expectPath(agreementPath + "/steps/schedule")

	jobTitle := unique("Kjøkkenmedarbeider ")
	end := today.AddDate(0, 2, 0)
	e.expect("prefilled start", e.value("#f-start_date"), ymd(today))
	e.fill("#f-job_title", jobTitle)
	e.choose("#f-start_date", ymd(today))
	e.choose("#f-end_date", ymd(end))
	e.fill("#f-hours_per_week", "25")
	e.fill("#f-days_per_week", days)
	e.checkPage("agreement-step-schedule")
	e.expectStatus("schedule: save and continue", e.submit(saveContinue), 200)
	e.expectPath(agreementPath + "/steps/followup")

	e.expect("follow-up cadence", e.value("#f-follow_up_weeks"), "4")
	e.fill("#f-follow_up_plan", "Møte hver 4. uke.")
	e.expectStatus("follow-up: save and continue", e.submit(saveContinue), 200)
	e.expectPath(agreementPath + "/steps/mentor")

	e.fill("#f-mentor_name", "Per Mentor")
	e.checkPage("agreement-step-mentor")
	e.expectStatus("mentor: save", e.submit(`main form button[type="submit"]`), 200)
	e.expectPath(agreementPath)
	e.expect("flash", e.text("#alerts"), e.msg("flash.agreement_saved"))
	content := e.text(".agreement-content")
	for _, want := range []string{"Lære norsk på arbeidsplassen", "Arbeidserfaring fra Norge", jobTitle, dmy(today), dmy(end), "Per Mentor"} {
		if !strings.Contains(content, want) {
			t.Errorf("the agreement lacks %q after the steps", want)
		}
	}
	approve := `main form[action="` + agreementPath + `/approve"] button`
	// The approval confirms the employer's duties, listed on the agreement.
	if !strings.Contains(content, e.msg("privacy.duty_no_replacement")) {
		t.Error("the agreement does not state the employer's duties")
	}
	e.do(click(`main form[action="` + agreementPath + `/approve"] input[name="duties_confirmed"]`))
	e.expectStatus("the employer approves", e.submit(approve), 200)
	e.expect("flash", e.text("#alerts"), e.msg("flash.agreement_approved"))
	e.expect("status", e.text(statusTag), e.msg("agreements.status.awaiting_approval"))

	// 3. The adviser is told by mail, records consent and approves last.
	m = a.mailWith(adviserAddr, message(t, "nb", "email.agreement_to_approve.subject"))
	noName("the mail to approve", m.Text+m.HTML)
	if !regexp.MustCompile(regexp.QuoteMeta(baseURL+agreementPath) + `(\D|$)`).MatchString(m.Text) {
		t.Errorf("the mail to approve does not link to %s:\n%s", agreementPath, m.Text)
	}
	if !strings.Contains(m.HTML, `href="`+baseURL+agreementPath+`"`) {
		t.Errorf("the HTML part of the mail to approve has no button to %s", agreementPath)
	}
	a.expectStatus("follow the mail's link", a.open(agreementPath), 200)
	if got := a.text("main h1"); !strings.Contains(got, firstName+" "+lastName) {
		t.Errorf("the adviser's heading %q lacks the full name", got)
	}
	a.do(click("#f-mode-on_behalf"))
	a.choose("#f-reason", "no_bankid")
	a.checkPage("agreement-consent")
	a.expectStatus("record consent", a.submit(`main form[action="`+agreementPath+`/consent"] button[type="submit"]`), 200)
	a.expect("flash", a.text("#alerts"), a.msg("flash.agreement_consent"))
	a.expectStatus("the adviser approves last", a.submit(approve), 200)
	a.expect("flash", a.text("#alerts"), a.msg("flash.agreement_approved"))
	a.expect("status from today", a.text(statusTag), "Pågår")
	a.expect("what happens now", a.text(`.next-step p`), a.msg("agreements.next_running", "Date", dmy(end)))
	a.checkPage("agreement-running")
	m = e.mailWith(supervisor, message(t, "nb", "email.agreement_approved.subject"))
	noName("the mail that the agreement is approved", m.Text+m.HTML)

	// 4. The employer mails the supervisor the link for this week; the
	// supervisor logs today from it, in a browser that never signed in,
	// on a phone.
	e.expectStatus("agreement again", e.open(agreementPath), 200)
	e.expect("status", e.text(statusTag), "Pågår")
	// The employer's weekly task, "Før uken", must be in sight: not in a
	// table column scrolled out of the narrow side column.
	logWeek := fmt.Sprintf(`#attendance a[href="%s/attendance/%s"]`, agreementPath, ymd(monday))
	if !e.exists(logWeek) {
		t.Errorf("the running agreement has no link to log this week for the employer")
	} else if !eval[bool](e, fmt.Sprintf(`(() => {
		const l = document.querySelector(%q).getBoundingClientRect(), w = document.querySelector("#attendance .table-wrap").getBoundingClientRect();
		return l.width > 0 && l.left >= w.left && l.right <= w.right;
	})()`, logWeek)) {
		t.Errorf("«%s» lies outside the visible part of the attendance table (a column scrolled out of view on a 1280 px screen)", e.msg("attendance.log_week"))
	}
	// On the employer's phone too: the weeks are cards, the link in sight.
	e.do(chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile))
	e.expectStatus("agreement on a phone", e.open(agreementPath), 200)
	if !eval[bool](e, fmt.Sprintf(`(() => { const l = document.querySelector(%q).getBoundingClientRect();
		return l.width > 0 && l.left >= 0 && l.right <= document.documentElement.clientWidth; })()`, logWeek)) {
		t.Errorf("«%s» is off the screen at 375 px", e.msg("attendance.log_week"))
	}
	e.tablesFit("the agreement at 375 px")
	e.checkPage("agreement-running-phone")
	e.do(chromedp.EmulateViewport(1280, 900))
	e.expectStatus("agreement again", e.open(agreementPath), 200)
	e.choose("#f-link-week", ymd(monday))
	e.expectStatus("send the attendance link", e.submit(`main form[action="`+agreementPath+`/attendance-link"] button`), 200)
	e.expect("flash", e.text("#alerts"), e.msg("flash.attendance_link_sent"))
	_, week := monday.ISOWeek()
	m = e.mailWith(supervisor, message(t, "nb", "email.attendance.subject"))
	noName("the attendance mail", m.Text+m.HTML)
	var plTitle, plOrg string
	if err := store.DB.QueryRow(`SELECT pl.title, o.name FROM agreements ag JOIN placements pl ON pl.id = ag.placement_id
		JOIN organisations o ON o.id = pl.organisation_id WHERE $1 LIKE '/agreements/' || ag.id`, agreementPath).Scan(&plTitle, &plOrg); err != nil {
		t.Fatal(err)
	}
	if want := e.msg("email.attendance.body_placement", "Week", fmt.Sprint(week), "Placement", plTitle, "Org", plOrg); !strings.Contains(m.Text, want) {
		t.Errorf("the attendance mail lacks %q:\n%s", want, m.Text)
	}
	attendanceLink := e.mailLink(m)

	const phone = 375
	s := newTab(t)
	s.do(chromedp.EmulateViewport(phone, 812, chromedp.EmulateMobile))
	s.expectStatus("open the attendance link", s.open(attendanceLink), 200)
	if s.signedIn() {
		t.Fatal("the supervisor's browser is signed in")
	}
	s.expect("week heading", s.text("main h1"), s.msg("attendance.week_heading", "Week", fmt.Sprint(week), "Date", dmy(monday)))
	if lead := s.text("main .lead"); !strings.Contains(lead, firstName) || strings.Contains(lead, lastName) {
		t.Errorf("the link page names %q: want the first name only", lead)
	}
	// Days that cannot be logged are one line each, without controls.
	open := eval[[]int](s, `Array.from(document.querySelectorAll('input[type="radio"][name^="state_"][value="present"]')).map(i => +i.name.slice(6))`)
	if len(open) != 1 || open[0] != todayIdx {
		t.Errorf("days that can be logged: %v, want only today (%d): the start is today, later days have not come", open, todayIdx)
	}
	s.do(click(fmt.Sprintf("#f-state_%d", todayIdx)))
	s.fill(fmt.Sprintf("#f-hours_%d", todayIdx), "6,5")
	s.expectNoSidewaysScroll("the attendance link form on a phone")
	s.checkPage("link-attendance-phone")
	s.expectStatus("save the week", s.submit(`main form .button-row button[type="submit"]`), 200)
	s.expectPath(attendanceLink)
	s.expect("flash", s.text("#alerts"), s.msg("flash.attendance_saved"))
	if !eval[bool](s, fmt.Sprintf(`document.querySelector("#f-state_%d").checked`, todayIdx)) {
		t.Error("after saving, today is not shown as present")
	}
	if got := s.value(fmt.Sprintf("#f-hours_%d", todayIdx)); got != "6,5" && got != "6.5" {
		t.Errorf("hours after saving: %q, want 6,5", got)
	}
	s.checkPage("link-attendance-saved-phone")

	// 5. The evaluation of the start, through a single-use link (the
	// employer is still on the agreement page).
	e.expectPath(agreementPath)
	e.choose("#f-link-phase", "start")
	e.expectStatus("send the evaluation link", e.submit(`main form[action="`+agreementPath+`/evaluation-link"] button`), 200)
	e.expect("flash", e.text("#alerts"), e.msg("flash.evaluation_link_sent"))
	e.checkPage("agreement-links-sent")
	m = e.mailWith(supervisor, message(t, "nb", "email.evaluation.subject"))
	noName("the evaluation mail", m.Text+m.HTML)
	if !strings.Contains(m.Text, "evalueringen ved oppstart") {
		t.Errorf("the evaluation mail does not name the phase:\n%s", m.Text)
	}
	evaluationLink := e.mailLink(m)
	s.expectStatus("open the evaluation link", s.open(evaluationLink), 200)
	s.expect("evaluation heading", s.text("main h1"), s.msg("evaluation.title_start"))
	for _, r := range []string{"#f-punctuality-4", "#f-cooperation-3", "#f-instructions-0", "#f-speaking-2"} {
		s.do(click(r))
	}
	comment := unique("Presis og blid ")
	s.fill("#f-comment", comment)
	s.checkPage("link-evaluation-phone")
	s.expectStatus("send the evaluation", s.submit(`main form button[type="submit"]`), 200)
	s.expect("thanks", s.text(`main .ds-alert[data-color="success"]`), s.msg("evaluation.thanks"))
	s.checkPage("link-evaluation-done-phone")
	s.expectStatus("the used link again", s.open(evaluationLink), 410)
	s.expect("used link", s.text("main h1"), s.msg("link.used_heading"))
	s.checkPage("link-used-phone")

	// 5b. "Can you offer work or an extension?": the reminders' answer
	// links (made here as the reminders job makes them; its digest is
	// tested in jobs/), one per answer. Opening one changes nothing; the
	// button records it and uses up all three.
	var want []db.ReminderLink
	for _, ans := range db.OfferAnswers {
		want = append(want, db.ReminderLink{Purpose: db.PurposeOfferAnswer, AgreementID: agreementID(t, agreementPath),
			Email: supervisor, Payload: map[string]any{"lang": "nb", "answer": ans}})
	}
	offerTokens := dbtest.ReminderLinks(t, store, want, 14*24*time.Hour)
	s.expectStatus("open the 'job' answer link", s.open("/l/"+offerTokens[0]), 200)
	s.expect("offer heading", s.text("main h1"), s.msg("offer.title"))
	s.checkPage("link-offer-answer-phone")
	s.expectStatus("send the answer", s.submit(`main form button[type="submit"]`), 200)
	s.expect("answer thanks", s.text(`main .ds-alert[data-color="success"]`), s.msg("offer.thanks", "Answer", s.msg("offer.answer_"+db.OfferAnswers[0])))
	s.checkPage("link-offer-answer-done-phone")
	s.expectStatus("another answer link of the same agreement", s.open("/l/"+offerTokens[1]), 410)

	// 6. The adviser sees the week, the rate and the evaluation, the
	// agreement on the profile and the placement in the caseload.
	a.expectStatus("agreement with attendance", a.open(agreementPath), 200)
	weekRow := eval[[]string](a, `Array.from(document.querySelectorAll("#attendance tbody tr:first-child > *")).map(c => c.textContent.trim())`)
	// The hours come with a decimal point; bokmål writes 6,5 (reported,
	// not failed on).
	if len(weekRow) < 3 || weekRow[0] != a.msg("attendance.week_label", "Week", fmt.Sprint(week), "Date", dmy(monday)) ||
		(weekRow[1] != "6,5" && weekRow[1] != "6.5") || weekRow[2] != "1" {
		t.Errorf("this week's row: %q, want week %d with 6.5 hours on 1 day", weekRow, week)
	}
	if got, want := a.text("#attendance > p"), a.msg("attendance.rate", "Percent", "100"); got != want {
		t.Errorf("attendance rate: %q, want %q", got, want)
	}
	evaluations := a.text("#evaluations")
	for _, want := range []string{comment, "4 Svært godt", "3 Tilfredsstillende", "Ikke observert", "2 Delvis tilfredsstillende",
		a.msg("evaluation.by_link", "Date", dmy(today))} {
		if !strings.Contains(evaluations, want) {
			t.Errorf("the evaluations lack %q: %s", want, evaluations)
		}
	}
	a.checkPage("agreement-attendance-adviser")

	// The same page in English, once.
	a.switchLanguage()
	a.expect("status in English", a.text(statusTag), a.msg("agreements.status.running"))
	a.expect("attendance heading in English", a.text("#attendance-heading"), a.msg("attendance.heading"))
	a.checkPage("agreement-attendance-adviser")
	a.switchLanguage()

	// 8. The printable summary, with the approvals (before the edit below
	// withdraws them), from the agreement page the switch came back to.
	a.expectStatus("summary", a.submit(`main a[href="`+agreementPath+`/summary"]`), 200)
	a.expect("summary heading", a.text("main h1"), a.msg("agreements.summary_heading"))
	approvals := eval[[]string](a, `Array.from(document.querySelectorAll("main .approvals li")).map(l => l.textContent.replace(/\s+/g, " ").trim())`)
	if len(approvals) != 3 {
		t.Fatalf("the summary lists %d approvals, want 3: %q", len(approvals), approvals)
	}
	for i, who := range []string{"agreements.approval_employer", "agreements.approval_participant", "agreements.approval_adviser"} {
		if !strings.HasPrefix(approvals[i], "✓ "+a.msg(who)+": godkjent "+dmy(today)) {
			t.Errorf("approval %d: %q, want %s approved today", i+1, approvals[i], a.msg(who))
		}
	}
	if !strings.Contains(approvals[1], "Har ikke BankID") {
		t.Errorf("the participant's approval %q does not say why it was given on their behalf", approvals[1])
	}
	if a.exists(`main a[href*="/steps/"]`) {
		t.Error("the printable summary has edit links")
	}
	a.checkPage("agreement-summary")

	a.expectStatus("profile", a.open(profile), 200)
	listed := a.text(`#agreements-heading + ul`)
	if !strings.Contains(listed, jobTitle) || !strings.Contains(listed, "Pågår") {
		t.Errorf("the profile lists %q, want %q running", listed, jobTitle)
	}
	a.checkPage("profile-agreement")
	a.expectStatus("caseload", a.open("/participants"), 200)
	placementCell := eval[string](a, fmt.Sprintf(`(() => {
		const row = Array.from(document.querySelectorAll("table.caseload tbody tr")).find(r => r.cells[0].textContent.includes(%q));
		return row ? row.cells[4].textContent.replace(/\s+/g, " ").trim() : "(no row)";
	})()`, lastName))
	if !strings.Contains(placementCell, jobTitle) || !strings.Contains(placementCell, "Pågår") {
		t.Errorf("the caseload's placement column: %q, want %q running", placementCell, jobTitle)
	}
	a.checkPage("caseload-agreement")

	// 7. Two people save the schedule from the same version: the second
	// is told, nothing of theirs is saved, and the form shows the new
	// values.
	schedule := agreementPath + "/steps/schedule"
	e.expectStatus("employer opens the schedule", e.open(schedule), 200)
	a.expectStatus("adviser opens the schedule", a.open(schedule), 200)
	if !e.exists(`main .ds-alert[data-color="info"]`) {
		t.Error("the step of an approved agreement does not warn that saving withdraws the approvals")
	}
	e.fill("#f-hours_per_week", "20")
	a.fill("#f-hours_per_week", "22,5")
	e.expectStatus("employer saves first", e.submit(`main form button[type="submit"]:not([name])`), 200)
	e.expectPath(agreementPath)
	// It started today: it goes on while the approvals are given again.
	e.expect("status after the edit", e.text(statusTag), e.msg("agreements.status.running"))
	if !strings.Contains(e.text("main"), e.msg("agreements.changes_pending")) {
		t.Error("after the edit the page does not say the changes wait for approval")
	}
	a.expectStatus("adviser saves second", a.submit(`main form button[type="submit"]:not([name])`), 409)
	a.expect("stale heading", a.text(`main .ds-alert[role="alert"] h2`), "Noen andre endret avtalen først")
	a.expect("the new hours on the form", a.value("#f-hours_per_week"), "20")
	a.checkPage("agreement-step-stale")
	if ag, err := store.AgreementIn(ctx, agreementID(t, agreementPath), db.AgreementScope{Role: db.RoleAdmin}, today); err != nil {
		t.Error(err)
	} else if ag.HoursPerWeek == nil || *ag.HoursPerWeek != 20 {
		t.Errorf("hours stored: %v, want the first save's 20", ag.HoursPerWeek)
	}

	// The supervisor's link for this week still works: the placement goes
	// on while the parties approve the new hours.
	if status := s.open(attendanceLink); status != 200 {
		t.Errorf("after the edit, the supervisor's attendance link answers %d (%q), want the week's form: the placement started today and goes on",
			status, s.text("main"))
	}
	s.checkPage("link-attendance-after-edit-phone")

	// The employer's agreement page on a phone: the earlier version with
	// its approvals, no sideways scrolling.
	e.do(chromedp.EmulateViewport(phone, 812, chromedp.EmulateMobile))
	e.expectStatus("agreement on a phone", e.open(agreementPath), 200)
	if got := e.text(".versions"); !strings.Contains(got, "arbeidsgiver, deltaker, programrådgiver") {
		t.Errorf("the earlier version does not say who had approved it: %q", got)
	}
	e.expectNoSidewaysScroll("the agreement page on a phone")
	// Withdrawing the approvals does not undo the start: an agreement that
	// started today, with a day logged and the start evaluated, may be
	// ended early but not cancelled (README: "An agreement that has not
	// started can be cancelled"; the form itself says so).
	if e.exists(`main form[action="` + agreementPath + `/cancel"]`) {
		t.Errorf("after an edit withdrew the approvals, the agreement that started today (a day logged, the start evaluated) offers «%s», which is only for one that has not started",
			e.msg("agreements.cancel_heading"))
	}
	e.checkPage("agreement-phone")
}

// agreementID is the id in an /agreements/:id path.
func agreementID(t *testing.T, path string) int64 {
	t.Helper()
	var id int64
	if _, err := fmt.Sscanf(path, "/agreements/%d", &id); err != nil {
		t.Fatalf("agreement path %s: %v", path, err)
	}
	return id
}
