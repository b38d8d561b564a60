package db

// Level is a CEFR level as Norskprøven reports it. The order here is the
// order of the cefr_level enum in PostgreSQL (migration 00003): forms, SQL
// comparisons and charts all use this one list.
type Level string

// The levels, lowest first.
const (
	LevelNone    Level = "ikke_nok_grunnlag" // ikke nok grunnlag: not enough to assess
	LevelUnderA1 Level = "under_a1"
	LevelA1      Level = "a1"
	LevelA2      Level = "a2"
	LevelB1      Level = "b1"
	LevelB2      Level = "b2"
	LevelC1      Level = "c1"
)

// Levels lists every level, lowest first.
var Levels = []Level{LevelNone, LevelUnderA1, LevelA1, LevelA2, LevelB1, LevelB2, LevelC1}

// RequirementLevels are the levels a placement may ask for ("no
// requirement" is the empty value): A1 to B2.
var RequirementLevels = []Level{LevelA1, LevelA2, LevelB1, LevelB2}

// Rank is the level's position (0 for the lowest), -1 if unknown.
func (l Level) Rank() int {
	for i, v := range Levels {
		if v == l {
			return i
		}
	}
	return -1
}

// Valid reports whether l is a known level.
func (l Level) Valid() bool { return l.Rank() >= 0 }

// Skills are the four Norskprøven subtests, in the order forms show them.
var Skills = []string{"listening", "reading", "writing", "oral"}

// bySkill picks the value for a skill from four given in Skills order
// (the zero value for an unknown skill): per-skill columns read the same
// way everywhere.
func bySkill[T any](skill string, listening, reading, writing, oral T) T {
	switch skill {
	case "listening":
		return listening
	case "reading":
		return reading
	case "writing":
		return writing
	case "oral":
		return oral
	}
	var zero T
	return zero
}

// orNone is a nullable level as a Level, "" for NULL.
func orNone(l *Level) Level {
	if l == nil {
		return ""
	}
	return *l
}

// BestLevels are a participant's best level per skill (the b.best_…
// columns of bestLevelsJoin), read by the caseload, the progress snapshots
// and the proposals alike.
type BestLevels struct {
	BestListening *Level `db:"best_listening"`
	BestReading   *Level `db:"best_reading"`
	BestWriting   *Level `db:"best_writing"`
	BestOral      *Level `db:"best_oral"`
}

// Best is the best level reached in a skill ("" before any result).
func (b BestLevels) Best(skill string) Level {
	return orNone(bySkill(skill, b.BestListening, b.BestReading, b.BestWriting, b.BestOral))
}

// SkillGaps are how many levels each skill is below its goal (0 when
// reached), and their sum.
type SkillGaps struct {
	GapListening int `db:"gap_listening"`
	GapReading   int `db:"gap_reading"`
	GapWriting   int `db:"gap_writing"`
	GapOral      int `db:"gap_oral"`
	GapTotal     int `db:"gap_total"`
}

// Gap is how many levels a skill is below its goal (0 when reached).
func (g SkillGaps) Gap(skill string) int {
	return bySkill(skill, g.GapListening, g.GapReading, g.GapWriting, g.GapOral)
}

// bestLevelsJoin joins each participant p's best level per skill (b.best_…)
// from their results, through the (participant_id, skill, level) index.
const bestLevelsJoin = `LEFT JOIN LATERAL (
	SELECT max(level) FILTER (WHERE skill = 'listening') AS best_listening,
		max(level) FILTER (WHERE skill = 'reading') AS best_reading,
		max(level) FILTER (WHERE skill = 'writing') AS best_writing,
		max(level) FILTER (WHERE skill = 'oral') AS best_oral
	FROM language_results r WHERE r.participant_id = p.id) b ON true`
