package handlers

import (
	"bytes"
	"container/list"
	"html/template"
	"sync"
)

// fragmentCache keeps rendered fragments of pages that many requests show
// unchanged (issue 19, "render stable fragments once per change"): a row
// of the caseload is the same HTML until something it shows changes, but
// html/template spent 3.6 ms rendering a page of 100 of them, most of it
// its escapers called through reflection (docs/benchmarks.md, "The
// caseload's rows rendered once per change").
//
// A fragment is found by a key that holds everything it shows, written
// out in full (never a hash of it): two requests with the same key would
// render the same bytes, so a cached fragment can never show one request
// what another's data would not. A change to anything shown is a new key;
// the old fragment is never read again and ages out. The fragments are
// still rendered by html/template with its contextual escaping.
//
// The cache is bounded by the bytes of its keys and fragments, least
// recently used first out.
type fragmentCache struct {
	mu    sync.Mutex
	max   int // bytes
	size  int
	order *list.List // front: most recently used
	m     map[string]*list.Element
}

type fragmentEntry struct {
	key  string
	html template.HTML
}

// fragmentCacheBytes bounds the cache: 8 MiB hold about 3,000 caseload
// rows (a row is 2–3 KB of HTML and its key), six advisers' whole
// caseloads, and keep the server well under issue 19's 100 MB of RSS.
const fragmentCacheBytes = 8 << 20

func newFragmentCache(max int) *fragmentCache {
	return &fragmentCache{max: max, order: list.New(), m: map[string]*list.Element{}}
}

func (c *fragmentCache) get(key string) (template.HTML, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok {
		return "", false
	}
	c.order.MoveToFront(e)
	return e.Value.(*fragmentEntry).html, true
}

func (c *fragmentCache) put(key string, h template.HTML) {
	n := len(key) + len(h)
	if n > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[key]; ok {
		c.order.MoveToFront(e)
		return
	}
	c.m[key] = c.order.PushFront(&fragmentEntry{key: key, html: h})
	c.size += n
	for c.size > c.max {
		last := c.order.Back()
		fe := last.Value.(*fragmentEntry)
		c.order.Remove(last)
		delete(c.m, fe.key)
		c.size -= len(fe.key) + len(fe.html)
	}
}

// fragment is partials/<name> rendered with data, from the cache when key
// was rendered before. key must hold everything the fragment shows,
// including the name, the locale and every text (see fragmentCache).
func (a *App) fragment(name, key string, data any) (template.HTML, error) {
	if h, ok := a.fragments.get(key); ok {
		return h, nil
	}
	var b bytes.Buffer
	if err := a.views.Render(&b, "partials/"+name, data); err != nil {
		return "", err
	}
	h := template.HTML(b.String()) // #nosec: rendered by html/template
	a.fragments.put(key, h)
	return h, nil
}

// keyWriter writes a fragment's key: each part ends with a byte no text
// of the catalogues or the database holds, so no two sequences of parts
// write the same key.
type keyWriter struct{ b []byte }

func (k *keyWriter) str(s ...string) {
	for _, v := range s {
		k.b = append(k.b, v...)
		k.b = append(k.b, 0)
	}
}

func (k *keyWriter) flag(v bool) {
	if v {
		k.b = append(k.b, '1', 0)
	} else {
		k.b = append(k.b, '0', 0)
	}
}

func (k *keyWriter) key() string { return string(k.b) }
