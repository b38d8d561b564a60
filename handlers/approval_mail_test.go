package handlers

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"praksis/db/dbtest"
)

// TestApprovalMailInTheApprovalsTransaction (review finding F6): the mail
// an approval sends is queued in the approval's own transaction. A
// database of its own gets a trigger that makes queueing the adviser's
// mail fail (as a crash between the two would lose it): the employer's
// approval is then refused as a whole — not recorded, nothing queued —
// where it used to commit first and lose its mail. Without the trigger
// the approval and its mail (naming the participant, for innsyn) commit
// together, and so do the adviser's approval and the supervisor's mail.
func TestApprovalMailInTheApprovalsTransaction(t *testing.T) {
	dbURL, cleanup, err := dbtest.New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	ta := newTestAppOn(t, dbURL)
	fx := ta.freshAgreement()
	employer, adviser := ta.sessionFor(fx.employer), ta.sessionFor(fx.adviser)
	approved := func() bool {
		return ta.countWhere("agreements", "id = $1 AND employer_approved_at IS NOT NULL", fx.id) == 1
	}
	mails := func(template string) int {
		return ta.countWhere("outbox", "template = $1 AND participant_id = $2", template, fx.participant)
	}
	ta.exec(`CREATE FUNCTION fail_approval_mail() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.template = 'agreement_to_approve' THEN RAISE EXCEPTION 'the mail could not be queued'; END IF; RETURN NEW; END $$`)
	ta.exec(`CREATE TRIGGER fail_approval_mail BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION fail_approval_mail()`)

	lock := func(c *client) string {
		return formLock(t, c.get(aPath(fx.id, "")), aPath(fx.id, "/approve"))
	}
	res := employer.post(aPath(fx.id, "/approve"), url.Values{"lock_version": {lock(employer)}, "duties_confirmed": {"yes"}})
	if res.status == http.StatusSeeOther {
		t.Errorf("the approval was answered as done although its mail could not be queued")
	}
	if approved() || mails("agreement_to_approve") != 0 {
		t.Fatalf("a failed queueing left the approval recorded (%v) or a mail (%d)", approved(), mails("agreement_to_approve"))
	}
	if n := ta.countWhere("audit_log", "entity = 'agreement' AND entity_id = $1 AND action = 'agreement.approve_employer'", fx.id); n != 0 {
		t.Errorf("%d approval audit rows after the refusal", n)
	}

	ta.exec(`DROP TRIGGER fail_approval_mail ON outbox`)
	if res := employer.post(aPath(fx.id, "/approve"), url.Values{"lock_version": {lock(employer)}, "duties_confirmed": {"yes"}}); res.status != http.StatusSeeOther {
		t.Fatalf("approve: %d", res.status)
	}
	if !approved() || mails("agreement_to_approve") != 1 {
		t.Fatalf("after the approval: approved %v, %d mails to the adviser", approved(), mails("agreement_to_approve"))
	}
	ta.consentAs(fx.adviser, fx.id)
	if res := adviser.post(aPath(fx.id, "/approve"), url.Values{"lock_version": {lock(adviser)}}); res.status != http.StatusSeeOther {
		t.Fatalf("adviser approve: %d", res.status)
	}
	if n := mails("agreement_approved"); n != 1 {
		t.Errorf("%d mails to the supervisor after the last approval, want 1", n)
	}
}
