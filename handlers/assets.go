package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"

	"praksis/static"
)

// assets serves static files under /static/<version>/path, where version
// is a hash of every file: URLs change when any file does, so responses
// can be cached for a year ("immutable").
type assets struct {
	version string
	files   map[string][]byte
}

func newAssets() (*assets, error) {
	a := &assets{files: map[string][]byte{}}
	h := sha256.New()
	err := fs.WalkDir(static.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".go") || strings.HasPrefix(path.Base(p), ".") {
			return err
		}
		b, err := fs.ReadFile(static.FS, p)
		if err != nil {
			return err
		}
		a.files[p] = b
		h.Write([]byte(p))
		h.Write(b)
		return nil
	})
	a.version = hex.EncodeToString(h.Sum(nil))[:10]
	return a, err
}

// url is the template function `asset "css/app.css"`.
func (a *assets) url(p string) string { return "/static/" + a.version + "/" + p }

// serve answers /static/:version/*. Any version is served (a page from the
// previous deploy may still ask), but only the current one is cached long.
func (a *assets) serve(c *fiber.Ctx) error {
	b, ok := a.files[c.Params("*")]
	if !ok {
		return fiber.ErrNotFound
	}
	if ct := mime.TypeByExtension(path.Ext(c.Params("*"))); ct != "" {
		c.Set(fiber.HeaderContentType, ct)
	}
	if c.Params("version") == a.version {
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		c.Set(fiber.HeaderCacheControl, "public, max-age=60")
	}
	return c.Send(b)
}
