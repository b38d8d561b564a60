package db

// The nightly measurement (job `progress`): a snapshot of every active
// participant's progress, then the cohort KPIs, both for one day and in
// the job's one transaction (measure_goals.go). Each step first deletes
// the day's rows, so a rerun gives the same result and a failed run leaves
// the day as it was. The figures are participant_measure()'s (the SQL
// function of migration 00016, redone by 00023 and 00026), the risk the one
// rule risk_reason() — the caseload, the reminders and the KPIs read the
// same function.
//
// The formulas (also in README.md, "Progress measurement"):
//
//   - basis: the norskmål when the participant's current integration plan
//     has a Norwegian goal in some skill, else the sluttmål (no gaps; the
//     time left and the work or education element decide the risk).
//   - best level per skill: the highest level of the results taken on or
//     before the day (the certificate shows the best result; a weaker later
//     result does not lower it).
//   - gap per skill with a goal: levels from the best level (nothing: below
//     the lowest) up to the goal, 0 when reached; gap_total is the sum.
//   - pace window: the measure_rules row's months (6 by default) back from
//     the day, or from the programme start if that is later; window_days is
//     its length.
//   - levels gained: per skill with a goal, how far the best level moved
//     towards it in the window — from the best level before the window (or,
//     without one, the first result in it, the best of its day) to the best
//     level now, both capped at the goal — summed over the skills. Gains
//     beyond the goal do not count: they do not bring the goal closer.
//   - projected date = day + ceil(gap_total × window_days / levels_gained)
//     days: when the gap closes if the pace holds. NULL without a pace or
//     without a gap.
//   - has_element: a running or ready agreement, or a current outcome of
//     work or education: the programme's work or education element.
//   - risk (risk_reason): only when the current end (leave and extensions
//     included) is within the risk horizon (measure_rules, 6 months); then
//     a norskmål with a gap and no pace (norskmal_no_progress) or a
//     projection after the end (norskmal_behind_pace), else no work or
//     education element (ends_within_months_no_outcome).
//   - attendance rate: present days / logged days over the 28 days up to
//     and including the day, over all the participant's agreements that
//     were not cancelled.

// nonNilIDs is ids, or an empty list for nil (pq sends nil as NULL).
func nonNilIDs(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}
