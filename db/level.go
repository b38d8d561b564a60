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
