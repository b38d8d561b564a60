package handlers

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"math/bits"
	"mime"
	"path"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/gofiber/fiber/v2"

	"praksis/static"
)

// assets serves static files under /static/<version>/path, where version
// is a hash of every file: URLs change when any file does, so responses
// can be cached for a year ("immutable").
type assets struct {
	version string
	files   map[string][]byte
	packed  map[string]*packedAsset
}

// packedAsset is a file compressed once per process, at the best levels,
// by the first request for it (which waits for it: 0.06–0.23 s a file on
// the bench machine, once per process and file; the browser caches the
// result for a year). Not at start: there it overlapped the first
// sign-ins (argon2, 19 MiB each) and took the server's peak from 55 to
// 92 MB. The files are embedded, so every App of a process shares the
// result (packed). The compress middleware (a fast level, for pages) skips /static/: it would
// compress the same bytes again on every request, less tightly — 57.2 KB
// for a first load at brotli 4, 48 KB at 11 (docs/benchmarks.md).
type packedAsset struct {
	once sync.Once
	br   []byte // nil when brotli does not make it smaller
	gz   []byte
}

func (p *packedAsset) pack(raw []byte) {
	p.once.Do(func() {
		var b bytes.Buffer
		// A window just large enough for the file: at brotli's default
		// window (4 MiB) the best level held 80 MB while compressing the
		// stylesheets, at the file's own size 20 MB, for the same bytes.
		lgwin := min(max(bits.Len(uint(len(raw))), 16), 24)
		bw := brotli.NewWriterOptions(&b, brotli.WriterOptions{Quality: brotli.BestCompression, LGWin: lgwin})
		if _, err := bw.Write(raw); err == nil && bw.Close() == nil && b.Len() < len(raw) {
			p.br = bytes.Clone(b.Bytes())
		}
		b.Reset()
		gw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		if _, err := gw.Write(raw); err == nil && gw.Close() == nil && b.Len() < len(raw) {
			p.gz = bytes.Clone(b.Bytes())
		}
		// The compressor's memory goes back to the operating system
		// rather than staying resident (as after sign-ins, db/password.go).
		go debug.FreeOSMemory()
	})
}

// packed holds every file's compressed forms, shared by the process.
var packed sync.Map // name → *packedAsset

func newAssets() (*assets, error) {
	a := &assets{files: map[string][]byte{}, packed: map[string]*packedAsset{}}
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
		pa, _ := packed.LoadOrStore(p, &packedAsset{})
		a.packed[p] = pa.(*packedAsset)
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
	name := c.Params("*")
	b, ok := a.files[name]
	if !ok {
		return fiber.ErrNotFound
	}
	p := a.packed[name]
	p.pack(b)
	c.Vary(fiber.HeaderAcceptEncoding)
	switch h := &c.Context().Request.Header; {
	case p.br != nil && h.HasAcceptEncoding("br"):
		c.Set(fiber.HeaderContentEncoding, "br")
		b = p.br
	case p.gz != nil && h.HasAcceptEncoding("gzip"):
		c.Set(fiber.HeaderContentEncoding, "gzip")
		b = p.gz
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
