package handlers

import (
	"testing"

	"praksis/db"
)

// TestLinkRoomsCoverEveryPurpose: every purpose a token can have has a
// room that shows, uses and names the mail's language, so a new purpose
// without one fails here rather than as a 404 on a supervisor's click.
func TestLinkRoomsCoverEveryPurpose(t *testing.T) {
	for _, p := range []string{db.PurposeInvite, db.PurposeReset, db.PurposeAttendance, db.PurposeEvaluation, db.PurposeOfferAnswer, db.PurposeSignup} {
		r, ok := linkRooms[p]
		if !ok || r.show == nil || r.use == nil || r.lang == nil {
			t.Errorf("purpose %q: room %v, show %t, use %t, lang %t", p, ok, r.show != nil, r.use != nil, r.lang != nil)
		}
	}
	if len(linkRooms) != 6 {
		t.Errorf("%d rooms, want 6", len(linkRooms))
	}
}
