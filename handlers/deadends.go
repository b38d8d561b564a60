package handlers

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

// errStatusWhen is errStatus followed by a second message, with its
// template arguments (key, value pairs), that says when the refused thing
// becomes possible.
func errStatusWhen(status int, msgID, whenID string, args ...any) error {
	return &httpError{status: status, msgID: msgID, whenID: whenID, args: args}
}

// weekError is the answer to a week that cannot be opened: a week of the
// agreement that has not begun says from which day it can be logged, an
// agreement that has not started says when it is to start.
func weekError(status int, msgID string, ag db.Agreement, monday time.Time) error {
	last := ag.LastDay()
	switch {
	case msgID == "attendance.future_week" && last != nil && !monday.After(*last):
		return errStatusWhen(status, msgID, "attendance.opens_on", "Date", dateOf(monday))
	case msgID == "attendance.not_open" && ag.StartDate != nil && ag.Status != db.AgreementCancelled:
		return errStatusWhen(status, msgID, "attendance.starts_on", "Date", dateOf(*ag.StartDate))
	}
	return errStatus(status, msgID)
}

// firstStep is the agreement's first step with something missing, or its
// first step when nothing is.
func firstStep(ag db.Agreement) string {
	if s := (&agreementPage{A: ag}).Next(); s != "" {
		return s
	}
	return agreementSteps[0]
}

// returnLink is where an error page's "back" link goes, with its message
// ID: the page the person came from (a local address other than this
// one), else the resource the address belongs to (/agreements/7 for
// /agreements/7/attendance/2026-12-14), so a refusal is never a dead end.
// Only refusals get one (403, 409, 422): a missing page has nowhere to
// return to that the person does not know.
func (a *App) returnLink(c *fiber.Ctx, status int) (string, string) {
	if status != fiber.StatusForbidden && status != fiber.StatusConflict && status != fiber.StatusUnprocessableEntity {
		return "", ""
	}
	if u, err := url.Parse(c.Get(fiber.HeaderReferer)); err == nil && (u.Host == "" || u.Host == string(c.Request().Host())) {
		if back := safeNext(u.RequestURI()); back != "" && u.Path != "" && u.Path != c.Path() {
			return back, "error.back_referer"
		}
	}
	return parentPath(c.Path()), "error.back_parent"
}

// parentPath is the resource an address belongs to: the item for an
// address under /<resource>/<id>/…, the list for /<resource>/<id> or
// /<resource>/<name>, the front page above that.
func parentPath(path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(segs) > 2 && isID(segs[1]):
		return "/" + segs[0] + "/" + segs[1]
	case len(segs) > 1:
		return "/" + segs[0]
	}
	return "/"
}

func isID(s string) bool {
	n, err := strconv.ParseInt(s, 10, 64)
	return err == nil && n > 0
}
