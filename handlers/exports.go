package handlers

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"

	"praksis/db"
)

// Exports for advisers (their caseload) and admins (everyone): the
// caseload with progress, and a month's attendance per participant for
// registering in NIR. Each comes as CSV for Norwegian Excel (UTF-8 with a
// byte order mark, ";" between fields, decimal comma in bokmål) or as an
// .xlsx workbook, with column headers in the user's language. Every
// participant in an export gets an audit row.

// sheet is an export before it is written: a header row and rows of
// cells, each a string, an int, a float64, a share (0–1), a date or nil.
type sheet struct {
	Name string
	Head []string
	Rows [][]any
}

// share is a value from 0 to 1, written as a percentage.
type share float64

// exportFormats are the formats a URL may end in.
const (
	formatCSV  = "csv"
	formatXLSX = "xlsx"
)

// caseloadExport is /participants/export.csv and .xlsx.
func (a *App) caseloadExport(format string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p := a.newPage(c, "participants.title")
		rows, err := a.store.CaseloadExport(c.UserContext(), scope(c), a.store.Today())
		if err != nil {
			return err
		}
		sh := sheet{Name: p.T("participants.export_sheet")}
		sh.Head = append(sh.Head, p.T("participants.export_last_name"), p.T("participants.export_first_name"),
			p.T("participants.col_adviser"), p.T("participants.col_end"), p.T("participants.months_left_label"))
		for _, sk := range db.Skills {
			sh.Head = append(sh.Head, p.T("participants.export_best", "Skill", p.T("skill."+sk)), p.T("participants.export_goal", "Skill", p.T("skill."+sk)))
		}
		sh.Head = append(sh.Head, p.T("participants.export_gap"), p.T("participants.export_attendance"), p.T("participants.col_outcome"),
			p.T("participants.risk"), p.T("participants.col_placement"), p.T("participant.status"),
			p.T("participant.regime"), p.T("participant.legal_basis"), p.T("participant.sex"))
		ids := make([]int64, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
			row := []any{r.LastName, r.FirstName, r.AdviserName, r.ProgrammeEnd, r.MonthsLeft}
			for _, sk := range db.Skills {
				best := ""
				if b := r.Best(sk); b != "" {
					best = p.T("level." + string(b))
				}
				goal := ""
				if r.HasGoal(sk) {
					goal = p.T("level." + string(r.PlanGoal(sk)))
				}
				row = append(row, best, goal)
			}
			var rate any
			if r.AttendanceRate != nil {
				rate = share(*r.AttendanceRate)
			}
			outcome := ""
			if o := r.Outcome(); o != "" {
				outcome = p.T("participant.outcome." + o)
			}
			placement := ""
			if r.CurrentAgreement != nil {
				placement = derefOr(r.CurrentTitle, "") + " – " + derefOr(r.CurrentOrg, "")
			}
			var gap any
			if r.GapTotal != nil {
				gap = *r.GapTotal
			}
			// Regime, legal basis and sex as the profile names them: the
			// KPIs split by them (issue 14), so a municipality can too.
			row = append(row, gap, rate, outcome, p.T(yesNo(r.Risk)), placement, p.T("participant.status."+r.Status),
				p.T("participant.regime."+r.Regime), p.T("participant.legal_basis."+r.LegalBasis), p.T("participant.sex."+r.Sex))
			sh.Rows = append(sh.Rows, row)
		}
		if err := a.store.LogExported(c.UserContext(), session(c).User.ID, db.ExportCaseload, ids, clientIP(c)); err != nil {
			return err
		}
		return a.sendSheet(c, format, "praksis-"+p.T("participants.export_file")+"-"+a.store.Today().Format("2006-01-02"), sh)
	}
}

// attendanceExport is /agreements/attendance-export.csv and .xlsx?month=YYYY-MM.
func (a *App) attendanceExport(format string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p := a.newPage(c, "participants.title")
		month, ok := parseMonth(c.Query("month"))
		if !ok {
			return errStatus(fiber.StatusUnprocessableEntity, "participants.export_bad_month")
		}
		rows, err := a.store.AttendanceMonth(c.UserContext(), scope(c), month)
		if err != nil {
			return err
		}
		sh := sheet{Name: p.T("participants.export_attendance_sheet", "Month", month.Format("2006-01"))}
		sh.Head = append(sh.Head, p.T("participants.export_last_name"), p.T("participants.export_first_name"),
			p.T("participants.col_adviser"), p.T("participants.export_hours"), p.T("participants.export_present_days"))
		for _, cl := range db.AbsenceClassifications {
			sh.Head = append(sh.Head, p.T("participants.export_absence", "Category", p.T("absence.class."+cl)))
		}
		sh.Head = append(sh.Head, p.T("participants.export_unclassified"))
		ids := make([]int64, len(rows))
		for i, r := range rows {
			ids[i] = r.ParticipantID
			row := []any{r.LastName, r.FirstName, r.AdviserName, r.Hours, r.PresentDays}
			for _, cl := range db.AbsenceClassifications {
				row = append(row, r.Absence(cl))
			}
			row = append(row, r.Unclassified)
			sh.Rows = append(sh.Rows, row)
		}
		if err := a.store.LogExported(c.UserContext(), session(c).User.ID, db.ExportAttendance, ids, clientIP(c)); err != nil {
			return err
		}
		return a.sendSheet(c, format, "praksis-"+p.T("participants.export_attendance_file")+"-"+month.Format("2006-01"), sh)
	}
}

// parseMonth reads YYYY-MM, a month from 2000 to 2100; it returns
// the month's first day.
func parseMonth(s string) (time.Time, bool) {
	t, err := time.Parse("2006-01", strings.TrimSpace(s))
	if err != nil || t.Year() < 2000 || t.Year() > 2100 {
		return time.Time{}, false
	}
	return t, true
}

func yesNo(b bool) string {
	if b {
		return "participants.export_yes"
	}
	return "participants.export_no"
}

// sendSheet writes the sheet in the format as a download named name.
func (a *App) sendSheet(c *fiber.Ctx, format, name string, sh sheet) error {
	var body []byte
	var err error
	switch format {
	case formatXLSX:
		body, err = sheetXLSX(sh)
		c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	default:
		body, err = sheetCSV(sh, a.locale(c))
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+asciiFileName(name)+"."+format+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusOK).Send(body)
}

// asciiFileName keeps a file name to letters, digits and dashes (æøå
// become ae, o, a), so the header needs no encoding.
func asciiFileName(s string) string {
	s = strings.NewReplacer("æ", "ae", "ø", "o", "å", "a", "Æ", "AE", "Ø", "O", "Å", "A").Replace(strings.ToLower(s))
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
		case r == ' ' || r == '_':
			b.WriteByte('-')
		}
	}
	return b.String()
}

// sheetCSV writes CSV for Excel in Norway: a UTF-8 byte order mark (so
// Excel reads æøå right), ";" between fields, CRLF line ends, a decimal
// comma in bokmål, dates as dd.mm.yyyy. Every cell is quoted and every
// text neutralised (csvText), so no spreadsheet reads a cell as a
// formula whatever list separator it is set to.
func sheetCSV(sh sheet, locale string) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	head := make([]any, len(sh.Head))
	for i, h := range sh.Head {
		head[i] = h
	}
	writeCSVRecord(&buf, head, locale)
	for _, row := range sh.Rows {
		writeCSVRecord(&buf, row, locale)
	}
	return buf.Bytes(), nil
}

// writeCSVRecord writes one record with every cell in double quotes (a
// quote inside doubled), ";" between them and CRLF after. Quoting every
// cell, not only those encoding/csv thinks need it, keeps a reader set
// to "," or TAB from splitting a cell at a character it holds.
func writeCSVRecord(buf *bytes.Buffer, row []any, locale string) {
	for i, v := range row {
		if i > 0 {
			buf.WriteByte(';')
		}
		buf.WriteByte('"')
		buf.WriteString(strings.ReplaceAll(csvCell(v, locale), `"`, `""`))
		buf.WriteByte('"')
	}
	buf.WriteString("\r\n")
}

// csvFormulaStart holds the characters that make a spreadsheet read a
// cell as a formula or a command when they come first (OWASP, CSV
// injection), with the full-width forms some spreadsheets also accept.
const csvFormulaStart = "=+-@\t\r\uff1d\uff0b\uff0d\uff20"

// csvCellBreaks are the characters after which a spreadsheet may start a
// new cell when it reads the file with another separator or ignores the
// quotes: the list separators in use, the quote and line breaks.
const csvCellBreaks = ",;\t\"\r\n"

// csvText neutralises a text cell as OWASP describes: an apostrophe goes
// before a formula character that starts the text or that follows, after
// any spaces, one of csvCellBreaks — so "Berg,=1+1" stays text for a
// reader that splits at the comma. Excel shows the apostrophe only in
// the formula bar.
func csvText(s string) string {
	var b strings.Builder
	start := true // at the start of the text or just after a break
	for _, r := range s {
		switch {
		case start && strings.ContainsRune(csvFormulaStart, r):
			b.WriteByte('\'')
			start = strings.ContainsRune(csvCellBreaks, r)
		case start && r == ' ':
			// Spaces before a formula character do not make it text.
		default:
			start = strings.ContainsRune(csvCellBreaks, r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

func csvCell(v any, locale string) string {
	decimal := func(f float64, prec int) string {
		s := strconv.FormatFloat(f, 'f', prec, 64)
		if locale == "nb" {
			s = strings.Replace(s, ".", ",", 1)
		}
		return s
	}
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return csvText(x)
	case int:
		return strconv.Itoa(x)
	case float64:
		if x == math.Trunc(x) {
			return decimal(x, 0)
		}
		return decimal(x, 1)
	case share:
		return strconv.Itoa(int(math.Round(float64(x) * 100)))
	case time.Time:
		return x.Format("02.01.2006")
	}
	return fmt.Sprint(v)
}

// sheetXLSX writes an Excel workbook with one sheet through excelize's
// stream writer (rows go to a temporary buffer, not a cell map, so a
// large export stays small in memory): a bold, frozen header row; numbers
// as numbers, shares as percentages, dates as dates.
func sheetXLSX(sh sheet) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	name := sheetName(sh.Name)
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return nil, fmt.Errorf("handlers: xlsx: %w", err)
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return nil, fmt.Errorf("handlers: xlsx: %w", err)
	}
	dateFmt, hoursFmt := "dd.mm.yyyy", "0.0"
	bold, err1 := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	date, err2 := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	pct, err3 := f.NewStyle(&excelize.Style{NumFmt: 9}) // 0%
	hours, err4 := f.NewStyle(&excelize.Style{CustomNumFmt: &hoursFmt})
	for _, e := range []error{err1, err2, err3, err4} {
		if e != nil {
			return nil, fmt.Errorf("handlers: xlsx style: %w", e)
		}
	}
	if err := sw.SetColWidth(1, len(sh.Head), 18); err != nil {
		return nil, err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	head := make([]any, len(sh.Head))
	for i, h := range sh.Head {
		head[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return nil, err
	}
	for r, row := range sh.Rows {
		cells := make([]any, len(row))
		for i, v := range row {
			switch x := v.(type) {
			case nil:
				cells[i] = nil
			case share:
				cells[i] = excelize.Cell{StyleID: pct, Value: float64(x)}
			case time.Time:
				cells[i] = excelize.Cell{StyleID: date, Value: x}
			case float64:
				cells[i] = excelize.Cell{StyleID: hours, Value: x}
			default:
				cells[i] = v
			}
		}
		cell, err := excelize.CoordinatesToCellName(1, r+2)
		if err != nil {
			return nil, err
		}
		if err := sw.SetRow(cell, cells); err != nil {
			return nil, err
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, fmt.Errorf("handlers: xlsx: %w", err)
	}
	return buf.Bytes(), nil
}

// sheetName is a valid Excel sheet name: at most 31 characters, none of
// []:*?/\.
func sheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return '-'
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 31 {
		s = string(r[:31])
	}
	if s == "" {
		s = "Praksis"
	}
	return s
}
