package handlers

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"praksis/calendar"
	"praksis/db"
	"praksis/db/dbtest"
)

// offerLinks makes an agreement's three answer links the way the
// reminders run does (db.CreateReminderLinks), in the language given.
func (ta *testApp) offerLinks(agreementID int64, email, lang string) map[string]string {
	ta.t.Helper()
	var want []db.ReminderLink
	for _, a := range db.OfferAnswers {
		want = append(want, db.ReminderLink{Purpose: db.PurposeOfferAnswer, AgreementID: agreementID, Email: email,
			Payload: map[string]any{"lang": lang, "answer": a}})
	}
	tokens := dbtest.ReminderLinks(ta.t, ta.store, want, 14*24*time.Hour)
	out := map[string]string{}
	for i, a := range db.OfferAnswers {
		out[a] = tokens[i]
	}
	return out
}

// offerState is what an answer leaves behind on an agreement.
func (ta *testApp) offerState(id int64) string {
	ta.t.Helper()
	var s string
	err := ta.store.DB.Get(&s, `SELECT concat_ws(' | ', coalesce(offer_answer, '-'), (offer_answered_at IS NOT NULL)::text,
		(SELECT count(*) FROM audit_log WHERE entity = 'agreement' AND entity_id = $1 AND action = 'agreement.offer_answer'
			AND actor_id IS NULL AND ip IS NOT NULL),
		(SELECT count(*) FROM link_tokens WHERE purpose = 'offer_answer' AND used_at IS NULL AND expires_at > now() AND payload->>'agreement_id' = $1::text))
		FROM agreements WHERE id = $1`, id)
	if err != nil {
		ta.t.Fatal(err)
	}
	return s
}

// TestOfferAnswerLinks: the supervisor answers "can you offer work or an
// extension?" through one of the three links without signing in, in the
// language of the link; the page only shows the answer until it is sent
// (a GET changes nothing); sending records it once, audited with no actor,
// and uses up all three links (410 "used" afterwards); an expired link is
// 410 and changes nothing; another agreement's links leave this one
// alone; the adviser sees the answer on the agreement page.
func TestOfferAnswerLinks(t *testing.T) {
	ta := newTestApp(t)
	ta.fixedClock()
	employerUser, adviserUser := ta.createUser(db.RoleEmployer), ta.createUser(db.RoleAdviser)
	f := ta.attendanceAgreement(employerUser, adviserUser, attStart, attEnd, true)
	g := ta.attendanceAgreement(employerUser, adviserUser, attStart, attEnd, true)
	links := ta.offerLinks(f.id, f.supervisor, "en")
	other := ta.offerLinks(g.id, g.supervisor, "nb")
	visitor := ta.client()

	if got := ta.offerState(f.id); got != "- | false | 0 | 3" {
		t.Fatalf("before: %s", got)
	}
	res := visitor.get("/l/" + links["job"])
	if res.status != http.StatusOK || !strings.Contains(res.text(), msg(t, "en", "offer.title")) ||
		!strings.Contains(res.text(), msg(t, "en", "offer.answer_job")) || !strings.Contains(res.text(), f.job) {
		t.Fatalf("answer page: %d %s", res.status, res.visible())
	}
	if strings.Contains(res.text(), f.last) {
		t.Error("the answer page shows the participant's last name")
	}
	if got := ta.offerState(f.id); got != "- | false | 0 | 3" {
		t.Errorf("a GET changed something: %s", got)
	}

	// Another agreement's answer changes only that one.
	if res := visitor.post("/l/"+other["no"], nil); res.status != http.StatusOK {
		t.Fatalf("the other agreement's answer: %d %s", res.status, res.visible())
	}
	if got := ta.offerState(f.id); got != "- | false | 0 | 3" {
		t.Errorf("another agreement's answer changed this one: %s", got)
	}

	res = visitor.post("/l/"+links["job"], nil)
	if res.status != http.StatusOK || !strings.Contains(res.text(), fill(msg(t, "en", "offer.thanks"), "Answer", msg(t, "en", "offer.answer_job"))) {
		t.Fatalf("sending the answer: %d %s", res.status, res.visible())
	}
	if got := ta.offerState(f.id); got != "job | true | 1 | 0" {
		t.Errorf("after the answer: %s, want job, answered, one audit row, no open links", got)
	}
	// Again, or another of the three: 410 "used", nothing changes.
	for _, r := range []response{visitor.post("/l/"+links["job"], nil), visitor.get("/l/" + links["extension"]),
		visitor.post("/l/"+links["extension"], nil)} {
		if r.status != http.StatusGone || !strings.Contains(r.text(), msg(t, "en", "link.used_heading")) {
			t.Errorf("an answer link after the answer: %d %s", r.status, r.visible())
		}
	}
	if got := ta.offerState(f.id); got != "job | true | 1 | 0" {
		t.Errorf("a used link changed something: %s", got)
	}

	// Expired: 410, nothing recorded.
	h := ta.attendanceAgreement(employerUser, adviserUser, attStart, attEnd, true)
	hl := ta.offerLinks(h.id, h.supervisor, "nb")
	ta.exec(`UPDATE link_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, db.HashToken(hl["extension"]))
	if r := visitor.get("/l/" + hl["extension"]); r.status != http.StatusGone || !strings.Contains(r.text(), msg(t, "nb", "link.expired_heading")) {
		t.Errorf("expired answer link: %d", r.status)
	}
	if r := visitor.post("/l/"+hl["extension"], nil); r.status != http.StatusGone {
		t.Errorf("expired answer link POST: %d", r.status)
	}
	if got := ta.offerState(h.id); got != "- | false | 0 | 2" {
		t.Errorf("an expired link changed something: %s", got)
	}

	// The adviser sees the answer on the agreement page.
	page := ta.sessionFor(adviserUser).get(f.path(""))
	want := fill(msg(t, "nb", "agreements.offer_answered"), "Date", time.Now().In(calendar.Oslo).Format("02.01.2006"),
		"Answer", msg(t, "nb", "offer.answer_job"))
	if page.status != http.StatusOK || !strings.Contains(page.text(), want) {
		t.Errorf("the agreement page lacks %q: %d", want, page.status)
	}
	if page := ta.sessionFor(adviserUser).get(h.path("")); strings.Contains(page.text(), `id="offer-answer"`) {
		t.Error("an agreement without an answer shows one")
	}
}
