// Command floor is the benchmark's floor (bench/run, docs/benchmarks.md):
// the least a page of Praksis can cost on this machine, built with the
// same stack — Fiber v2 configured as Praksis is (Immutable, compression),
// html/v2 templates with the same layout links, sqlx + lib/pq with the
// same pool — doing one primary-key query and rendering a 10-line
// template. Every page's throughput is reported as a fraction of this
// one's, measured in the same run, so the figures hold on a noisy machine.
//
//	DATABASE_URL=… floor -addr 127.0.0.1:3999
//	GET /floor   one organisation (the next id each request) as a page
package main

import (
	"bytes"
	"embed"
	"flag"
	"fmt"
	"html/template"
	"io/fs"
	"log"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"
	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"
	"github.com/valyala/fasthttp"

	"praksis/db"
)

//go:embed views/*.html
var viewsFS embed.FS

type org struct {
	ID           int64  `db:"id"`
	Name         string `db:"name"`
	Number       string `db:"org_number"`
	Municipality string `db:"municipality"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:3999", "address to serve on")
	flag.Parse()
	dbURL := os.Getenv("DATABASE_URL")
	if dbURL == "" {
		log.Fatal("floor: set DATABASE_URL")
	}
	conn, err := sqlx.Open("postgres", db.ConnString(dbURL)) // as db.Open
	if err != nil {
		log.Fatal(err)
	}
	// The pool Praksis uses (db.Open).
	conn.SetMaxOpenConns(20)
	conn.SetMaxIdleConns(20)
	conn.SetConnMaxIdleTime(5 * time.Minute)
	var maxID int64
	if err := conn.Get(&maxID, `SELECT coalesce(max(id), 0) FROM organisations`); err != nil || maxID == 0 {
		log.Fatalf("floor: no organisations in the database (%v)", err)
	}
	sub, err := fs.Sub(viewsFS, "views")
	if err != nil {
		log.Fatal(err)
	}
	views := html.NewFileSystem(http.FS(sub), ".html")
	if err := views.Load(); err != nil {
		log.Fatal(err)
	}
	app := fiber.New(fiber.Config{Immutable: true, DisableStartupMessage: true, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second})
	// Compressed as handlers.compressPage does: gzip at the fastest level.
	gzipFast := fasthttp.CompressHandlerLevel(func(*fasthttp.RequestCtx) {}, fasthttp.CompressBestSpeed)
	app.Use(func(c *fiber.Ctx) error {
		if err := c.Next(); err != nil {
			return err
		}
		gzipFast(c.Context())
		return nil
	})
	var next atomic.Int64
	app.Get("/floor", func(c *fiber.Ctx) error {
		id := next.Add(1)%maxID + 1
		var o org
		if err := conn.GetContext(c.UserContext(), &o, `SELECT id, name, org_number, municipality FROM organisations WHERE id = $1`, id); err != nil {
			return err
		}
		// Rendered as Praksis renders (handlers/render.go): the page into
		// a buffer, then the layout around it — not html/v2's own layout,
		// which takes a lock per render.
		var body bytes.Buffer
		if err := views.Render(&body, "page", o); err != nil {
			return err
		}
		c.Type("html", "utf-8")
		return views.Render(c, "layout", struct {
			Title, Version string
			Body           template.HTML
		}{o.Name, "0123456789", template.HTML(body.String())}) // #nosec: rendered by html/template above
	})
	app.Get("/healthz", func(c *fiber.Ctx) error { return c.SendString("ok") })
	fmt.Fprintln(os.Stderr, "floor: serving on", *addr)
	if err := app.Listen(*addr); err != nil {
		log.Fatal(err)
	}
}
