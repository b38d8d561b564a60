package handlers

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
)

// healthz answers as long as the process serves: liveness, no database.
func (a *App) healthz(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.SendString("ok")
}

// readyz answers 200 only while the database answers and its schema is the
// one this binary expects; a load balancer then routes around a replica
// whose database is down, and back when it returns, without a restart.
func (a *App) readyz(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	v, err := a.store.SchemaVersion(ctx)
	if err != nil {
		return c.Status(fiber.StatusServiceUnavailable).SendString("database unavailable")
	}
	if v < a.schema {
		return c.Status(fiber.StatusServiceUnavailable).SendString("schema behind")
	}
	return c.SendString("ready")
}
