package handlers

import (
	"context"
	"errors"
	"sync"
	"time"

	"praksis/db"
)

var kap6aOnce sync.Once

// ensureKap6ARule adds, once per test database, the kap. 6A row after the
// seeded one (which ended 2026-06-30, before this machine's clock), as an
// admin does on /admin/rules: until then a kap. 6A plan dated today is
// refused as under an expired rule.
func ensureKap6ARule(ta *testApp) {
	ta.t.Helper()
	kap6aOnce.Do(func() {
		admin := ta.createUser(db.RoleAdmin)
		lo, hi := 18, 55
		_, err := ta.store.AddProgrammeRule(context.Background(), admin.ID, db.RuleInput{Regime: db.RegimeKap6A, Track: db.TrackAny,
			MinAge: &lo, MaxAge: &hi, MinMonths: 3, MaxMonths: 12, ValidFrom: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC),
			LeaveExtends: true, Norskmal: db.NorskmalOptional, Source: "test: kapittel 6A forlenget"}, "192.0.2.1")
		var fe *db.FieldError
		if err != nil && !(errors.As(err, &fe) && fe.Code == "rule.overlap") {
			ta.t.Fatal(err)
		}
	})
}

