package handlers

import (
	"encoding/csv"
	"regexp"
	"strings"
	"testing"
)

// TestCSVNeutralisesFormulas: a text cell that holds a formula character
// after any separator a spreadsheet may be set to (",", ";", TAB), after
// a quote or a line break, or at its start, reaches no reader as a
// formula: every cell is quoted, and however the line is split — at any
// of the separators, quotes ignored — no piece starts with a formula
// character. The CSV still reads back, with ";", as the cells written.
func TestCSVNeutralisesFormulas(t *testing.T) {
	var cells []any
	for _, sep := range []string{",", ";", "\t", `"`, "\r\n", ", "} {
		for _, d := range []string{"=", "+", "-", "@", "\t", "\r", "＝"} {
			cells = append(cells, "Berg"+sep+d+"1+1", d+"HYPERLINK(\"http://x.example\")"+sep+d+"2", " "+d+"3")
		}
	}
	sh := sheet{Head: []string{"=head", "ok"}, Rows: [][]any{cells, {"Ås, - Berg", 3, nil}}}
	out, err := sheetCSV(sh, "nb")
	if err != nil {
		t.Fatal(err)
	}
	body := strings.TrimPrefix(string(out), "\ufeff")
	// Every cell is quoted: the body is nothing but "…" cells (a quote
	// inside doubled), each followed by ";" or CRLF.
	if !regexp.MustCompile(`^("([^"]|"")*"(;|\r\n))+$`).MatchString(body) {
		t.Errorf("a cell is not quoted:\n%q", body)
	}
	naive := strings.ReplaceAll(body, `"`, "")
	for _, sep := range []string{",", ";", "\t", "\r", "\n"} {
		for _, piece := range strings.Split(naive, sep) {
			p := strings.TrimLeft(piece, " ")
			if p != "" && strings.ContainsAny(p[:1], "=+-@") || strings.HasPrefix(p, "＝") {
				t.Errorf("split at %q, a cell starts with a formula: %q", sep, piece)
			}
		}
	}
	r := csv.NewReader(strings.NewReader(body))
	r.Comma, r.FieldsPerRecord = ';', -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not read back: %v", err)
	}
	if len(recs) != 3 || len(recs[1]) != len(cells) {
		t.Fatalf("read back %d records", len(recs))
	}
	for i, c := range cells {
		want := strings.ReplaceAll(c.(string), "\r\n", "\n") // encoding/csv reads a quoted CRLF as LF
		if got := strings.ReplaceAll(recs[1][i], "'", ""); got != want {
			t.Errorf("cell %d: %q, want %q with apostrophes only added", i, recs[1][i], want)
		}
	}
	if recs[2][0] != "Ås, '- Berg" || recs[2][1] != "3" || recs[2][2] != "" {
		t.Errorf("plain cells changed: %q", recs[2])
	}
}
