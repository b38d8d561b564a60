package handlers

import (
	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

// routes is the one route table: reading it tells the whole surface,
// grouped by who may call it. Every route here has a row in the
// authorisation matrix test (routes_test.go).
func (a *App) routes() {
	r := a.fiber
	r.Get("/healthz", a.healthz)
	r.Get("/readyz", a.readyz)
	r.Get("/static/:version/*", a.assets.serve)

	r.Use(a.loadSession, a.checkCSRF)

	// Everyone, signed in or not.
	r.Get("/", a.home)
	r.Get("/login", a.loginForm)
	r.Post("/login", a.login)
	r.Get("/signup", a.signupForm)
	r.Post("/signup", a.signup)
	r.Post("/lang", a.setLanguage)

	// Any signed-in user.
	r.Post("/logout", a.requireUser, a.logout)
	r.Get("/password", a.requireUser, a.passwordForm)
	r.Post("/password", a.requireUser, a.passwordChange)

	// Admins.
	admin := r.Group("/admin", a.requireRole(db.RoleAdmin))
	admin.Get("/organisations", a.adminOrganisations)
	admin.Post("/organisations/:id/approve", a.adminOrganisationApprove)
	admin.Post("/organisations/:id/reject", a.adminOrganisationReject)
	admin.Get("/users", a.adminUsers)
	admin.Post("/users", a.adminUserCreate)
	admin.Post("/users/:id/disable", a.adminUserDisable)
	admin.Post("/users/:id/enable", a.adminUserEnable)

	r.Use(func(*fiber.Ctx) error { return errStatus(fiber.StatusNotFound, "error.not_found") })
}
