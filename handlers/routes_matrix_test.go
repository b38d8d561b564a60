package handlers

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"praksis/db"
)

// registeredRoutes lists the app's routes as "METHOD pattern": no Use
// middleware (the session, CSRF and role layers, the 404 catch-all) and no
// HEAD, which Fiber adds for every GET.
func registeredRoutes(a *App) map[string]bool {
	out := map[string]bool{}
	for _, r := range a.Fiber().GetRoutes(true) {
		if r.Method == http.MethodHead {
			continue
		}
		out[r.Method+" "+r.Path] = true
	}
	return out
}

// matchPattern reports whether a concrete path (query removed) fits a
// Fiber pattern with :params and a trailing *.
func matchPattern(pattern, path string) bool {
	path, _, _ = strings.Cut(path, "?")
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	for i, p := range ps {
		if p == "*" {
			return i < len(xs)
		}
		if i >= len(xs) {
			return false
		}
		if strings.HasPrefix(p, ":") {
			if xs[i] == "" {
				return false
			}
			continue
		}
		if p != xs[i] {
			return false
		}
	}
	return len(ps) == len(xs)
}

func TestAuthorisationMatrix(t *testing.T) {
	ta := newTestApp(t, areaOnConfig)
	ctx := context.Background()

	fx := ta.newMatrixFixtures()
	rows := authorisationMatrix(ta, fx)
	retentionRuns := ta.countWhere("job_runs", "job = 'retention'")
	orgID := *fx.employer.OrganisationID
	orgPlacements := ta.countWhere("placements", "organisation_id = $1", orgID)
	shown := ta.placement(fx.placement)

	// Every registered route has exactly one row, and every row a route.
	registered := registeredRoutes(ta.app)
	inTable := map[string]bool{}
	for _, r := range rows {
		key := r.method + " " + r.pattern
		if inTable[key] {
			t.Errorf("two rows for %s", key)
		}
		inTable[key] = true
		if !matchPattern(r.pattern, r.path) {
			t.Errorf("row %s: path %s does not fit the pattern", key, r.path)
		}
	}
	var missing, stale []string
	for k := range registered {
		if !inTable[k] {
			missing = append(missing, k)
		}
	}
	for k := range inTable {
		if !registered[k] {
			stale = append(stale, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(stale)
	if len(missing) > 0 {
		t.Errorf("routes without a row in the authorisation matrix (add one): %s", strings.Join(missing, ", "))
	}
	if len(stale) > 0 {
		t.Errorf("matrix rows for routes that no longer exist (remove them): %s", strings.Join(stale, ", "))
	}

	// One account per role; each request gets a fresh session, so a row
	// that signs out does not affect the next.
	users := map[string]db.User{db.RoleEmployer: fx.employer, db.RoleAdviser: fx.adviser, db.RoleNAV: fx.nav}
	before := ta.participant(fx.participant)
	participants := ta.count("participants")
	for _, role := range matrixRoles[1:] {
		if _, ok := users[role]; !ok && role != db.RoleParticipant {
			users[role] = ta.createUser(role)
		}
	}
	for _, r := range rows {
		for i, role := range matrixRoles {
			c := ta.matrixClient(role, users, fx.participant)
			var res response
			if r.method == http.MethodGet {
				res = c.get(r.path)
			} else {
				form := url.Values{}
				for k, v := range r.form {
					form[k] = v
				}
				res = c.post(r.path, form)
			}
			name := role
			if name == "" {
				name = "visitor"
			}
			if res.status != r.want[i] {
				t.Errorf("%s %s as %s: status %d, want %d", r.method, r.path, name, res.status, r.want[i])
				continue
			}
			// A visitor asking for a protected page is sent to sign in and
			// brought back; a signed-in person on /login or /signup goes home.
			if r.method == http.MethodGet && res.status == s303 {
				want := "/"
				switch {
				case strings.HasPrefix(r.pattern, "/me") && role == "":
					want = "/me/login" // the participant's sign-in
				case strings.HasPrefix(r.pattern, "/me"):
					want = "/me"
				case r.pattern == "/" && role == db.RoleParticipant:
					want = "/me" // a participant's home is their own pages
				case role == "" || role == db.RoleParticipant:
					want = "/login?next=" + url.QueryEscape(r.path)
				}
				if got := res.location(); got != want {
					t.Errorf("%s %s as %s: redirect to %q, want %q", r.method, r.path, name, got, want)
				}
			}
			if res.status == s403 && !strings.Contains(res.text(), msg(t, "nb", "error.forbidden")) {
				t.Errorf("%s %s as %s: 403 without the message", r.method, r.path, name)
			}
		}
	}

	// The admin column acted on the fixtures; the others did not.
	o, err := ta.store.Organisation(ctx, fx.pendingOrg)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status() != db.OrgRejected {
		t.Errorf("organisation after approve then reject by the admin: %s", o.Status())
	}
	entries, err := ta.store.AuditFor(ctx, "organisation", fx.pendingOrg)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Errorf("audit entries for the organisation: %d, want 2 (only the admin's)", len(entries))
	}
	if m, err := ta.store.OutboxMailByID(ctx, fx.mail); err != nil || m.Status != "pending" {
		t.Errorf("dead mail after the admin's retry: %q %v", m.Status, err)
	}
	if n := ta.countWhere("job_runs", "job = 'retention'"); n != retentionRuns+1 {
		t.Errorf("retention runs: %d more, want 1 (only the admin's)", n-retentionRuns)
	}
	// GET never used the link up, and the refused POSTs did not either.
	if tok, err := ta.store.LinkTokenLookup(ctx, fx.token); err != nil || tok.UsedAt != nil {
		t.Errorf("the reset link was used by the matrix: %v %v", tok.UsedAt, err)
	}

	// Each status move was made once, by the employer column (the admin's
	// unpublish by the admin), and recorded with who made it.
	for _, m := range []struct {
		id             int64
		status, action string
		actor          int64
	}{
		{fx.toPublish, db.PlacementPublished, "publish", fx.employer.ID},
		{fx.toPause, db.PlacementPaused, "pause", fx.employer.ID},
		{fx.toResume, db.PlacementPublished, "resume", fx.employer.ID},
		{fx.toClose, db.PlacementClosed, "close", fx.employer.ID},
		{fx.toReopen, db.PlacementDraft, "reopen", fx.employer.ID},
		{fx.toUnpublish, db.PlacementPaused, "unpublish", users[db.RoleAdmin].ID},
		{fx.toRepublish, db.PlacementPublished, "republish", users[db.RoleAdmin].ID},
	} {
		if p := ta.placement(m.id); p.Status != m.status {
			t.Errorf("placement after %s by the matrix: %s, want %s", m.action, p.Status, m.status)
		}
		if n := ta.countWhere("placement_events", "placement_id = $1 AND action = $2 AND actor_id = $3", m.id, m.action, m.actor); n != 1 {
			t.Errorf("%s events by the right actor: %d, want 1", m.action, n)
		}
	}
	if p := ta.placement(fx.toUnpublish); p.UnpublishedReason != "Erstatter en ordinær stilling." {
		t.Errorf("unpublish reason: %q", p.UnpublishedReason)
	}
	// The refused edit changed nothing; the empty create saved nothing and
	// the one duplicate is the employer's.
	if p := ta.placement(fx.placement); p.Title != shown.Title || p.Status != db.PlacementPublished || !p.UpdatedAt.Equal(shown.UpdatedAt) {
		t.Errorf("the refused edit changed the placement: %+v", p)
	}
	if n := ta.countWhere("placements", "organisation_id = $1", orgID); n != orgPlacements+1 {
		t.Errorf("placements of the organisation: %d more, want 1 (the duplicate)", n-orgPlacements)
	}
	if p := ta.placement(fx.toRepublish); p.UnpublishedReason != "" {
		t.Errorf("republished placement keeps the reason %q", p.UnpublishedReason)
	}

	// Participants: the adviser's result, outcome and note, the NAV
	// user's note, three profile views, the admin's move; the empty forms
	// saved and changed nothing.
	pid := fx.participant
	for _, c := range []struct {
		table, where string
		args         []any
		want         int
	}{
		{"language_results", "participant_id = $1 AND recorded_by = $2", []any{pid, fx.adviser.ID}, 1},
		{"language_results", "participant_id = $1", []any{pid}, 1},
		{"outcomes", "participant_id = $1 AND recorded_by = $2", []any{pid, fx.adviser.ID}, 1},
		{"outcomes", "participant_id = $1", []any{pid}, 1},
		{"participant_notes", "participant_id = $1 AND author_id = $2", []any{pid, fx.adviser.ID}, 1},
		{"participant_notes", "participant_id = $1 AND author_id = $2", []any{pid, fx.nav.ID}, 1},
		{"participant_notes", "participant_id = $1", []any{pid}, 2},
		{"audit_log", "entity = 'participant' AND entity_id = $1 AND action = 'participant.view'", []any{pid}, 5}, // 3 profiles, the edit form, the refused edit's form
		{"audit_log", "entity = 'participant' AND entity_id = $1 AND action = 'participant.update'", []any{pid}, 0},
		{"audit_log", "entity = 'participant' AND entity_id = $1 AND action = 'participant.reassign' AND actor_id = $2", []any{fx.toReassign, users[db.RoleAdmin].ID}, 1},
	} {
		if n := ta.countWhere(c.table, c.where, c.args...); n != c.want {
			t.Errorf("%s where %s %v: %d, want %d", c.table, c.where, c.args, n, c.want)
		}
	}
	if p := ta.participant(pid); p.FirstName != before.FirstName || !p.UpdatedAt.Equal(before.UpdatedAt) || p.AdviserID != fx.adviser.ID {
		t.Errorf("the empty edit changed the participant: %+v", p)
	}
	if p := ta.participant(fx.toReassign); p.AdviserID != fx.newAdviser {
		t.Errorf("participant after the admin's move: adviser %d, want %d", p.AdviserID, fx.newAdviser)
	}

	// Proposals: the adviser's one proposal, the employer's one view,
	// acceptance (one seat) and decline; the other columns changed nothing.
	if n := ta.countWhere("proposals", "participant_id = $1 AND placement_id = $2 AND adviser_id = $3 AND status = 'proposed' AND note = 'Matriseforslag'",
		pid, fx.proposalPlacement, fx.adviser.ID); n != 1 {
		t.Errorf("proposals made by the matrix: %d, want 1 (the adviser's)", n)
	}
	if n := ta.countWhere("audit_log", "action = 'participant.proposal_view' AND actor_id = $1 AND entity_id = (SELECT participant_id FROM proposals WHERE id = $2)",
		fx.employer.ID, fx.proposal); n != 1 {
		t.Errorf("proposal views by the employer: %d, want 1", n)
	}
	for _, c := range []struct {
		id             int64
		status, reason string
	}{{fx.proposal, db.ProposalOpen, ""}, {fx.toAccept, db.ProposalAccepted, ""}, {fx.toDecline, db.ProposalDeclined, "Matrisegrunn"}} {
		if pr := ta.proposal(fx.employer, c.id); pr.Status != c.status || pr.DeclineReason != c.reason {
			t.Errorf("proposal %d after the matrix: %s %q, want %s %q", c.id, pr.Status, pr.DeclineReason, c.status, c.reason)
		}
	}
	if p := ta.placement(fx.proposalPlacement); p.SeatsTaken != 1 {
		t.Errorf("seats taken after one acceptance: %d, want 1", p.SeatsTaken)
	}
	if n := ta.count("participants"); n != participants {
		t.Errorf("the empty registration saved %d participants", n-participants)
	}
}
