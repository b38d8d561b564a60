package handlers

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

// httpError is an error with a status and a message ID for the person.
type httpError struct {
	status int
	msgID  string
	whenID string // a second message: when it will be possible
	args   []any  // whenID's template arguments
}

func (e *httpError) Error() string { return e.msgID }

func errStatus(status int, msgID string) error { return &httpError{status: status, msgID: msgID} }

type errorPage struct {
	Page
	Status  int
	Message string
	// Read is a GET: a conflict met by opening a page (an evaluation link
	// already used) is not a save that failed, and is not headed as one.
	Read bool
	// Return and ReturnID are the way back from a refusal (returnLink).
	Return, ReturnID string
	// NotYet: the refusal says when it becomes possible (errStatusWhen): a
	// week that has not begun is not "invalid details", it is "not yet".
	NotYet bool
}

// handleError is the one place errors become responses. It is the app's
// error handler and observe's error branch (so the status it sets is the
// one observe counts and logs). Errors raised by fasthttp before any
// middleware ran (an oversized body or header block, a read timeout) never
// reach observe: they are given a request id, counted and logged here.
func (a *App) handleError(c *fiber.Ctx, err error) error {
	if c.Locals(requestIDKey) != nil {
		return a.answerError(c, err)
	}
	start := time.Now()
	id := newRequestID()
	c.Locals(requestIDKey, id)
	c.Set(requestIDHeader, id)
	herr := a.answerError(c, err)
	a.record(c, "unrouted", start)
	return herr
}

// errorMessages are the catalogue messages of the statuses Fiber and
// fasthttp raise themselves.
var errorMessages = map[int]string{400: "error.bad_request", 403: "error.forbidden", 404: "error.not_found",
	405: "error.method", 408: "error.timeout", 413: "error.too_large", 429: "error.too_many",
	431: "error.headers_too_large", 503: "error.unavailable"}

// errorStatus maps an error to its status and the message shown: storage
// sentinels and Fiber errors to theirs, anything else to 500.
func errorStatus(err error) (int, string) {
	var he *httpError
	var fe *fiber.Error
	switch {
	case errors.As(err, &he):
		return he.status, he.msgID
	case errors.Is(err, db.ErrNotFound):
		return fiber.StatusNotFound, "error.not_found"
	case errors.Is(err, db.ErrConflict):
		return fiber.StatusConflict, "error.conflict"
	case errors.Is(err, db.ErrProtectedAddress):
		return fiber.StatusConflict, "privacy.kode6"
	case errors.Is(err, db.ErrNoConsent):
		return fiber.StatusConflict, "privacy.no_consent"
	case errors.Is(err, db.ErrInvalidConsent):
		return fiber.StatusUnprocessableEntity, "consent.invalid"
	case errors.Is(err, db.ErrDutiesUnconfirmed):
		return fiber.StatusUnprocessableEntity, "privacy.duties_required"
	case errors.Is(err, db.ErrNotAdviser):
		return fiber.StatusForbidden, "absence.not_adviser"
	case errors.Is(err, db.ErrInvalidAbsence):
		return fiber.StatusUnprocessableEntity, "absence.outside_programme"
	case errors.Is(err, db.ErrAgreementOpen):
		return fiber.StatusConflict, "archive.agreement_open"
	case errors.Is(err, db.ErrNotDue):
		return fiber.StatusConflict, "archive.not_due"
	case errors.Is(err, db.ErrNotArchived):
		return fiber.StatusConflict, "archive.not_archived"
	case errors.As(err, &fe):
		if msgID := errorMessages[fe.Code]; msgID != "" {
			return fe.Code, msgID
		}
		return fe.Code, "error.internal"
	}
	return fiber.StatusInternalServerError, "error.internal"
}

// answerError writes the response to err: 5xx are logged with the request
// id and shown without internals, htmx requests get an alert fragment.
func (a *App) answerError(c *fiber.Ctx, err error) error {
	if db.IsUnavailable(err) {
		// The cause is logged here; the person is told the service is
		// down for a moment (503), not why.
		a.log.Warn("database unavailable", "request_id", c.Locals(requestIDKey), "err", err)
		err = errStatus(fiber.StatusServiceUnavailable, "error.unavailable")
	}
	status, msgID := errorStatus(err)
	// Errors fasthttp raises before any middleware ran (an oversized body)
	// reach this handler too; they carry the same headers as every response.
	a.setSecurityHeaders(c)
	if status >= 500 {
		// The route's pattern, not the path: a path can hold a bearer token
		// (/l/:token) that must not reach the log.
		a.log.Error("request failed", "status", status, "method", c.Method(), "route", a.routeOf(c),
			"request_id", c.Locals(requestIDKey), "err", err)
	}
	p := errorPage{Page: a.newPage(c, "error.title"), Status: status, Read: c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead}
	p.Message = p.T(msgID)
	if he := (*httpError)(nil); errors.As(err, &he) && he.whenID != "" {
		p.Message += " " + p.T(he.whenID, he.args...)
		p.NotYet = true
	}
	p.Return, p.ReturnID = a.returnLink(c, status)
	if c.Get("HX-Request") == "true" {
		// htmx is configured to swap error responses; put the alert in the
		// page's alert region instead of the request's target.
		c.Set("HX-Retarget", "#alerts")
		c.Set("HX-Reswap", "innerHTML")
		if rerr := a.renderPartial(c, status, "alert", &p); rerr == nil {
			return nil
		}
	} else if rerr := a.render(c, status, "error", &p); rerr == nil {
		return nil
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
	return c.Status(status).SendString(p.Message)
}
