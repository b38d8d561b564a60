package db

// agreementUnloggedSQL is true for an agreement ag with a week before the
// week of $1 that is due to be logged and has no attendance row: a week
// "not logged" as the agreement's week list shows it. Which weeks are due
// is attendance_week_due (migration 00024), the one definition the week
// list (DueWeeks) and reminder rule 2 use too, so a week without a
// working day of the agreement (the first week of one starting on a
// Sunday) is never counted. The weeks run from the agreement's first
// Monday to the Monday before this week's ($1 - isodow - 6);
// attendance_week_due drops those outside its start and last day.
//
// The adviser's dashboard card ("weeks not logged", to follow up), the
// employer's ("weeks to log") and the agreements list's unlogged=1
// filter all use this expression, with agreementUnloggedRunning, so the
// cards count exactly the rows the list shows. Each week is one probe of
// attendance's primary key (agreement_id, day), and EXISTS stops at the
// first week found.
const agreementUnloggedSQL = `EXISTS (SELECT 1 FROM generate_series(date_trunc('week', ag.start_date::timestamp),
		($1::date - extract(isodow FROM $1::date)::int - 6)::timestamp, interval '7 days') w(m)
	WHERE attendance_week_due(ag.start_date, least(ag.end_date, ag.ended_on), ag.days_per_week, w.m::date)
	  AND NOT EXISTS (SELECT 1 FROM attendance a WHERE a.agreement_id = ag.id AND a.day >= w.m::date AND a.day < w.m::date + 7))`
