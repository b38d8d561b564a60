package mail

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestFoldICS: long lines fold at 75 octets, never inside a character;
// text values are escaped.
func TestFoldICS(t *testing.T) {
	long := "SUMMARY:" + strings.Repeat("æ", 60)
	folded := foldICS(long)
	for _, l := range strings.Split(strings.TrimSuffix(folded, "\r\n"), "\r\n") {
		if len(l) > 75 || !utf8.ValidString(l) {
			t.Errorf("folded line %q: %d octets", l, len(l))
		}
	}
	if strings.ReplaceAll(strings.TrimSuffix(folded, "\r\n"), "\r\n ", "") != long {
		t.Errorf("unfolding %q does not give the line back", folded)
	}
	if got := escapeICS("a,b;c\\d\ne"); got != `a\,b\;c\\d\ne` {
		t.Errorf("escapeICS: %q", got)
	}
}
