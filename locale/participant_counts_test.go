package locale

import (
	"strings"
	"testing"
)

// TestParticipantCountsRead renders the participant messages that count
// with the numbers a participant can meet, as the pages and mails pass
// them (days per week as *int, hours and the invitation's days as
// strings, the absence rules as int), and checks the words a native
// reader expects: Arabic says "one day" and "two days" without a digit
// (يوم واحد, يومان/يومين) and takes the plural (3–10), the singular
// accusative (11–99) or the singular genitive (100+) after a digit;
// Ukrainian takes one/few/many after a digit and the genitive after «до»
// and «протягом»; plain Norwegian says "1 dag", "den første uka".
func TestParticipantCountsRead(t *testing.T) {
	tr, err := New()
	if err != nil {
		t.Fatal(err)
	}
	ip := func(n int) *int { return &n }
	for _, c := range []struct {
		lang, id string
		data     []any
		want     string
	}{
		// Arabic: days a week (a pointer, as db.MyPlacement has it) and hours.
		{"ar", "me.placement.days", []any{"Days", ip(1), "Hours", "7.5"}, "يوم واحد في الأسبوع، 7.5 ساعة في الأسبوع"},
		{"ar", "me.placement.days", []any{"Days", ip(2), "Hours", "15"}, "يومان في الأسبوع، 15 ساعة في الأسبوع"},
		{"ar", "me.placement.days", []any{"Days", ip(5), "Hours", "37.5"}, "5 أيام في الأسبوع، 37.5 ساعة في الأسبوع"},
		{"ar", "me.placement.days", []any{"Days", ip(4), "Hours", "2"}, "4 أيام في الأسبوع، ساعتان في الأسبوع"},
		{"ar", "me.placement.days", []any{"Days", ip(3), "Hours", "10"}, "3 أيام في الأسبوع، 10 ساعات في الأسبوع"},
		{"ar", "me.attendance.hours", []any{"Hours", "1"}, "ساعة واحدة"},
		{"ar", "me.attendance.hours", []any{"Hours", "7.5"}, "7.5 ساعة"},
		{"ar", "me.attendance.hours", []any{"Hours", "8"}, "8 ساعات"},
		// Arabic: the absence rules (int) after إلى and خلال.
		{"ar", "me.rules.self", []any{"Days", 1}, "لمدة تصل إلى يوم واحد على التوالي"},
		{"ar", "me.rules.self", []any{"Days", 2}, "لمدة تصل إلى يومين على التوالي"},
		{"ar", "me.rules.self", []any{"Days", 3}, "لمدة تصل إلى 3 أيام على التوالي"},
		{"ar", "me.rules.self", []any{"Days", 16}, "لمدة تصل إلى 16 يومًا على التوالي"},
		{"ar", "me.rules.times", []any{"Times", 4, "Months", 12}, "4 مرات خلال 12 شهرًا."},
		{"ar", "me.rules.times", []any{"Times", 1, "Months", 2}, "مرة واحدة خلال شهرين."},
		{"ar", "me.rules.times", []any{"Times", 2, "Months", 1}, "مرتين خلال شهر واحد."},
		{"ar", "me.rules.early", []any{"Weeks", 8}, "خلال أول 8 أسابيع من البرنامج"},
		{"ar", "me.rules.early", []any{"Weeks", 1}, "خلال الأسبوع الأول من البرنامج"},
		{"ar", "me.rules.early", []any{"Weeks", 2}, "خلال الأسبوعين الأولين من البرنامج"},
		{"ar", "me.rules.early", []any{"Weeks", 12}, "خلال أول 12 أسبوعًا من البرنامج"},
		// The invitation mail passes its days as a string.
		{"ar", "me.mail.invite.once", []any{"Days", "7"}, "لمدة 7 أيام."},
		{"ar", "me.mail.invite.once", []any{"Days", "1"}, "لمدة يوم واحد."},
		{"ar", "me.mail.invite.once", []any{"Days", "2"}, "لمدة يومين."},
		{"ar", "me.mail.invite.once", []any{"Days", "14"}, "لمدة 14 يومًا."},
		// Ukrainian.
		{"uk", "me.placement.days", []any{"Days", ip(1), "Hours", "7.5"}, "1 день на тиждень"},
		{"uk", "me.placement.days", []any{"Days", ip(3), "Hours", "22.5"}, "3 дні на тиждень"},
		{"uk", "me.placement.days", []any{"Days", ip(5), "Hours", "37.5"}, "5 днів на тиждень, 37.5 год на тиждень"},
		{"uk", "me.rules.self", []any{"Days", 1}, "до 1 дня поспіль"},
		{"uk", "me.rules.self", []any{"Days", 3}, "до 3 днів поспіль"},
		{"uk", "me.rules.self", []any{"Days", 16}, "до 16 днів поспіль"},
		{"uk", "me.rules.times", []any{"Times", 4, "Months", 12}, "4 рази за 12 місяців."},
		{"uk", "me.rules.times", []any{"Times", 1, "Months", 1}, "1 раз за 1 місяць."},
		{"uk", "me.rules.times", []any{"Times", 5, "Months", 3}, "5 разів за 3 місяці."},
		{"uk", "me.rules.early", []any{"Weeks", 8}, "Протягом 8 тижнів від початку програми"},
		{"uk", "me.rules.early", []any{"Weeks", 1}, "Протягом 1 тижня від початку програми"},
		{"uk", "me.rules.early", []any{"Weeks", 21}, "Протягом 21 тижня від початку програми"},
		{"uk", "me.mail.invite.once", []any{"Days", "7"}, "протягом 7 днів."},
		{"uk", "me.mail.invite.once", []any{"Days", "1"}, "протягом 1 дня."},
		{"uk", "me.mail.invite.once", []any{"Days", "2"}, "протягом 2 днів."},
		// Plain Norwegian.
		{"nb", "me.placement.days", []any{"Days", ip(1), "Hours", "7,5"}, "1 dag i uka, 7,5 timer i uka"},
		{"nb", "me.rules.times", []any{"Times", 1, "Months", 1}, "1 gang på 1 måned."},
		{"nb", "me.rules.times", []any{"Times", 4, "Months", 12}, "4 ganger på 12 måneder."},
		{"nb", "me.rules.early", []any{"Weeks", 8}, "De første 8 ukene i programmet"},
		{"nb", "me.rules.early", []any{"Weeks", 1}, "Den første uka i programmet"},
		{"en", "me.rules.times", []any{"Times", 1, "Months", 1}, "1 time in 1 month."},
		{"en", "me.rules.early", []any{"Weeks", 1}, "In your first week in the programme"},
		{"en", "me.rules.early", []any{"Weeks", 8}, "In your first 8 weeks in the programme"},
	} {
		got := tr.T(c.lang, c.id, c.data...)
		if !strings.Contains(got, c.want) || strings.Contains(got, "0xc") || strings.Contains(got, "%!") || strings.Contains(got, "<nil>") {
			t.Errorf("%s %s %v:\n got %q\nwant it to contain %q", c.lang, c.id, c.data, got, c.want)
		}
	}
}
