package main

import (
	"fmt"
	"net/url"
	"sort"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// result is one target's measurement.
type result struct {
	target
	n, errs  int
	all      int // answers in all, warm-up and after the window included
	firstErr string
	rps      float64
	p50, p99 time.Duration
	bytes    int64
	rss      int64 // peak during the target (kB)
	rssStart int64 // resident when it began: what earlier work left
}

// measure drives one target with cfg.conc connections: a warm-up, then
// cfg.dur in which every answer is counted (its latency from its own
// request); every answer but 200 is an error.
func measure(t target, cfg config) result {
	u, _ := url.Parse(t.url)
	hc := &fasthttp.HostClient{Addr: u.Host, MaxConns: cfg.conc, ReadTimeout: 60 * time.Second, WriteTimeout: 10 * time.Second,
		MaxResponseBodySize: 64 << 20}
	var mu sync.Mutex
	res := result{target: t}
	var lat []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	measureFrom, end := start.Add(cfg.warmup), start.Add(cfg.warmup+cfg.dur)
	for w := 0; w < cfg.conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			req.SetRequestURI(t.url)
			req.Header.Set("Accept-Encoding", acceptEncoding)
			if t.cookie != "" {
				req.Header.Set("Cookie", t.cookie)
			}
			for k, v := range t.headers {
				req.Header.Set(k, v)
			}
			var mine []time.Duration
			var n, errs, all int
			var bytes int64
			var firstErr string
			for {
				t0 := time.Now()
				if !t0.Before(end) {
					break
				}
				err := hc.Do(req, resp)
				t1 := time.Now()
				all++
				d := t1.Sub(t0)
				// Counted by when it completes, as wrk does: a page slower
				// than the warm-up still counts once it is answered in the
				// window; answers after the window do not.
				if t1.Before(measureFrom) || t1.After(end) {
					continue
				}
				n++
				mine = append(mine, d)
				code := resp.StatusCode()
				bytes += int64(len(resp.Body()))
				if err != nil || code != fasthttp.StatusOK {
					errs++
					if firstErr == "" {
						firstErr = fmt.Sprintf("%d %v", code, err)
					}
				}
			}
			mu.Lock()
			defer mu.Unlock()
			lat = append(lat, mine...)
			res.n += n
			res.all += all
			res.errs += errs
			res.bytes += bytes
			if res.firstErr == "" {
				res.firstErr = firstErr
			}
		}()
	}
	wg.Wait()
	elapsed := cfg.dur
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) > 0 {
		res.p50, res.p99 = lat[len(lat)*50/100], lat[min(len(lat)-1, len(lat)*99/100)]
		res.rps = float64(res.n) / elapsed.Seconds()
	}
	return res
}
